"""Consent pages: groups, joining, withdrawing, receipts, and the reviewers' records."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from photolib.consent import errors, receipts, selectors, services
from photolib.consent.forms import JoinForm, RecordFilterForm
from photolib.consent.models import (
    AgreementVersion,
    CollectionMethod,
    CommunityGroup,
    ConsentRecord,
)
from photolib.http import client_ip, user_agent


def _context(request: HttpRequest) -> services.RequestContext:
    return services.RequestContext(ip_address=client_ip(request), user_agent=user_agent(request))


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = list(CommunityGroup.objects.all())
    states = {m.group.pk: m for m in selectors.memberships(request.user)}
    rows = [{"group": g, "membership": states.get(g.pk)} for g in groups]
    return render(request, "consent/group_list.html", {"rows": rows})


@login_required
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(CommunityGroup, slug=slug)
    return render(request, "consent/group_detail.html", {
        "group": group,
        "membership": selectors.membership(request.user, group),
    })


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published version's full text and terms: the receipts' ``policyUrl``."""
    version = get_object_or_404(AgreementVersion.objects.published().select_related("group"),
                                pk=pk)
    return render(request, "consent/agreement_detail.html", {"version": version})


@login_required
@permission_required("accounts.contribute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(CommunityGroup, slug=slug)
    state = selectors.membership(request.user, group)
    version = state.current_version
    if version is None:
        raise Http404("This group has no published agreement yet.")
    form = JoinForm(request.POST or None, version=version)
    error = None
    if not request.user.is_verified:
        error = "Confirm your email address before joining a group."
    elif request.method == "POST" and form.is_valid():
        # A member under an older version was shown this page as a re-acceptance.
        method = (CollectionMethod.REACCEPT_FORM if state.is_member
                  else CollectionMethod.JOIN_FORM)
        try:
            record = services.consent_grant(
                user=request.user, group=group, version_id=form.cleaned_data["version_id"],
                statements_affirmed=form.affirmed(), method=method, context=_context(request))
        except errors.ConsentError as exc:
            error = str(exc)
        else:
            messages.success(request, f"You joined {group}. Your receipt is below and was "
                                      "emailed to you.")
            return redirect(record)
    status = 400 if request.method == "POST" else 200
    return render(request, "consent/join.html",
                  {"group": group, "version": version, "form": form, "error": error,
                   "membership": state}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(CommunityGroup, slug=slug)
    state = selectors.membership(request.user, group)
    error = None
    if request.method == "POST":
        try:
            record = services.consent_withdraw(user=request.user, group=group,
                                               method=CollectionMethod.WITHDRAW_BUTTON,
                                               context=_context(request))
        except errors.ConsentError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Your consent for {group} is withdrawn.")
            return redirect(record)
    elif not state.is_member:
        error = f"You are not a member of {group}, so there is nothing to withdraw."
    return render(request, "consent/withdraw.html",
                  {"group": group, "membership": state, "error": error},
                  status=400 if error else 200)


def _visible_record(request: HttpRequest, record_id) -> ConsentRecord:
    """The record, if the viewer is its subject or a reviewer; 404 otherwise."""
    record = get_object_or_404(
        ConsentRecord.objects.select_related("group", "agreement_version", "user"), pk=record_id)
    if record.user_id != request.user.pk and not request.user.has_perm("accounts.moderate"):
        raise Http404("No such receipt.")
    return record


@login_required
def receipt(request: HttpRequest, record_id) -> HttpResponse:
    record = _visible_record(request, record_id)
    return render(request, "consent/receipt.html", receipts.receipt_context(record))


@login_required
def receipt_json(request: HttpRequest, record_id) -> HttpResponse:
    record = _visible_record(request, record_id)
    body = json.dumps(receipts.receipt_json(record), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consent-receipt-{record.id}.json"'
    return response


@login_required
def my_consent(request: HttpRequest) -> HttpResponse:
    records = (ConsentRecord.objects.filter(user=request.user)
               .select_related("group", "agreement_version").order_by("-sequence"))
    return render(request, "consent/my_consent.html", {
        "memberships": selectors.memberships(request.user), "records": records})


# --- reviewers ---------------------------------------------------------------

def _filtered_records(request: HttpRequest):
    form = RecordFilterForm(request.GET or None)
    qs = ConsentRecord.objects.select_related("group", "agreement_version").order_by("-sequence")
    if form.is_valid():
        qs = form.filter(qs)
    elif form.is_bound:
        qs = qs.none()
    return form, qs


@login_required
@permission_required("accounts.moderate", raise_exception=True)
def record_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered_records(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "consent/record_list.html",
                  {"form": form, "page": page, "query": query.urlencode()})


@login_required
@permission_required("accounts.moderate", raise_exception=True)
def record_detail(request: HttpRequest, record_id) -> HttpResponse:
    record = get_object_or_404(
        ConsentRecord.objects.select_related("group", "agreement_version", "user"), pk=record_id)
    return render(request, "consent/record_detail.html",
                  {"record": record, "receipt": receipts.receipt_json(record),
                   "hash_ok": record.compute_hash() == record.record_hash})


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = ("sequence", "id", "created_at", "action", "subject_email", "subject_name",
               "group", "agreement_version", "agreement_text_sha256", "statements",
               "ip_address", "user_agent", "collection_method", "photo_id", "photo_title",
               "prev_hash", "record_hash")


@login_required
@permission_required("accounts.moderate", raise_exception=True)
def record_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered records as CSV, streamed row by row from a server-side cursor."""
    form, qs = _filtered_records(request)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for r in qs.order_by("sequence").iterator(chunk_size=500):
            yield writer.writerow([
                r.sequence, r.id, r.created_at.isoformat(), r.action, r.subject_email,
                r.subject_name, r.group.name, r.agreement_version.number,
                r.agreement_text_sha256, " | ".join(r.statements), r.ip_address or "",
                r.user_agent, r.collection_method, r.photo_id or "", r.photo_title,
                r.prev_hash, r.record_hash])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="consent-records.csv"'
    return response
