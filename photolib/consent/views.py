"""Consent pages: groups, joining, withdrawing, receipts, and the reviewers' records."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from photolib.consent import errors, iso27560, receipts, selectors, services, signing
from photolib.consent.forms import JoinForm, RecordFilterForm, VerifyReceiptForm
from photolib.consent.models import (
    AgreementVersion,
    CollectionMethod,
    CommunityGroup,
    ConsentRecord,
)
from photolib.csvcells import csv_row
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
        raise Http404(_("This group has no published agreement yet."))
    form = JoinForm(request.POST or None, version=version)
    error = None
    if not request.user.is_verified:
        error = _("Confirm your email address before joining a group.")
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
            messages.success(request, _("You joined %(group)s. Your receipt is below and was "
                                        "emailed to you.") % {"group": group})
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
            messages.success(request,
                             _("Your consent for %(group)s is withdrawn.") % {"group": group})
            return redirect(record)
    elif not state.is_member:
        error = _("You are not a member of %(group)s, so there is nothing to withdraw.") % {
            "group": group}
    return render(request, "consent/withdraw.html",
                  {"group": group, "membership": state, "error": error},
                  status=400 if error else 200)


def _visible_record(request: HttpRequest, record_id) -> ConsentRecord:
    """The record, if the viewer is its subject or a reviewer; 404 otherwise."""
    record = get_object_or_404(
        ConsentRecord.objects.select_related("group", "agreement_version", "user", "evidence"),
        pk=record_id)
    if record.user_id != request.user.pk and not request.user.has_perm("accounts.moderate"):
        raise Http404(_("No such receipt."))
    return record


@login_required
def receipt(request: HttpRequest, record_id) -> HttpResponse:
    record = _visible_record(request, record_id)
    return render(request, "consent/receipt.html", receipts.receipt_context(record))


@login_required
def receipt_json(request: HttpRequest, record_id) -> HttpResponse:
    record = _visible_record(request, record_id)
    body = json.dumps(receipts.receipt_json(record), indent=2, ensure_ascii=False)
    return _download(body, "application/json; charset=utf-8",
                     receipts.receipt_filename(record, "json"))


def _download(body: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def receipt_jws(request: HttpRequest, record_id) -> HttpResponse:
    """The receipt signed with the city's key, for the subject and reviewers."""
    record = _visible_record(request, record_id)
    return _download(receipts.receipt_jws(record), "application/jwt",
                     receipts.receipt_filename(record, "jwt"))


@login_required
def record_27560(request: HttpRequest, record_id) -> HttpResponse:
    """The ISO/IEC TS 27560 record (JSON-LD) of one ledger record."""
    record = _visible_record(request, record_id)
    body = json.dumps(iso27560.consent_record(record), indent=2, ensure_ascii=False)
    return _download(body, "application/ld+json; charset=utf-8",
                     f"consent-record-{record.id}.jsonld")


@login_required
def my_consent_27560(request: HttpRequest) -> HttpResponse:
    """All of the signed-in resident's consent records, ISO/IEC TS 27560 (JSON-LD)."""
    body = json.dumps(iso27560.consent_records_for(request.user), indent=2,
                      ensure_ascii=False)
    return _download(body, "application/ld+json; charset=utf-8", "consent-records.jsonld")


# --- anyone: the city's key and the receipt check ------------------------------

@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The city's public signing key as a JWKS (RFC 7517), for verifying receipts."""
    response = JsonResponse(signing.public_jwks(), content_type="application/jwk-set+json")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_http_methods(["GET", "POST"])
def verify_receipt(request: HttpRequest) -> HttpResponse:
    """A public page: paste or upload a signed receipt, learn whether it is valid."""
    form = VerifyReceiptForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and form.is_valid():
        check = receipts.receipt_verify(token=form.cleaned_data["token"])
    status = 200 if request.method == "GET" or (check and check.valid) else 400
    return render(request, "consent/verify_receipt.html",
                  {"form": form, "check": check, "jwks_url": receipts.jwks_url()},
                  status=status)


def _api_answer(status: int, valid: bool, code: str, reason: str, record=None) -> JsonResponse:
    return JsonResponse({"valid": valid, "code": code, "reason": reason, "record": record},
                        status=status)


def _too_large() -> str:
    return _("a signed receipt is at most %(size)d KB") % {
        "size": receipts.MAX_RECEIPT_BYTES // 1024}


@csrf_exempt  # a public, anonymous check that changes nothing
@require_POST
def verify_receipt_api(request: HttpRequest) -> JsonResponse:
    """POST a signed receipt (raw body, JSON ``{"receipt": …}`` or a form with
    ``receipt`` or ``file``); get ``{"valid", "code", "reason", "record"}``.

    200 when the receipt could be checked (valid or not), 400 when it cannot be
    read, 413 when the request is larger than a receipt can be.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 4 * receipts.MAX_RECEIPT_BYTES:
        return _api_answer(413, False, "too_large", _too_large())
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = VerifyReceiptForm(request.POST, request.FILES)
        if not form.is_valid():
            return _api_answer(400, False, "unreadable", " ".join(form.non_field_errors()))
        token = form.cleaned_data["token"]
    else:
        body = request.body
        if len(body) > receipts.MAX_RECEIPT_BYTES:
            return _api_answer(413, False, "too_large", _too_large())
        try:
            text = body.decode("utf-8").strip()
            token = json.loads(text).get("receipt", "") if request.content_type == \
                "application/json" else text
        except (UnicodeDecodeError, ValueError, AttributeError):
            return _api_answer(400, False, "unreadable", _(
                "send the receipt as the request body, or as JSON {\"receipt\": …}"))
        if not isinstance(token, str) or not token.strip():
            return _api_answer(400, False, "empty", _("no receipt was sent"))
    check = receipts.receipt_verify(token=token)
    return _api_answer(400 if check.code == "malformed" else 200, check.valid, check.code,
                       check.reason, check.facts)


@login_required
def my_consent(request: HttpRequest) -> HttpResponse:
    records = (ConsentRecord.objects.filter(user=request.user)
               .select_related("group", "agreement_version", "evidence").order_by("-sequence"))
    return render(request, "consent/my_consent.html", {
        "memberships": selectors.memberships(request.user), "records": records})


# --- reviewers ---------------------------------------------------------------

def _filtered_records(request: HttpRequest):
    form = RecordFilterForm(request.GET or None)
    qs = (ConsentRecord.objects.select_related("group", "agreement_version", "evidence")
          .order_by("-sequence"))
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
        ConsentRecord.objects.select_related("group", "agreement_version", "user", "evidence"),
        pk=record_id)
    return render(request, "consent/record_detail.html",
                  {"record": record, "receipt": receipts.receipt_json(record),
                   "collection_method": receipts.collection_method_label(record),
                   "hash_ok": record.compute_hash() == record.record_hash})


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_COLUMNS = ("sequence", "id", "created_at", "action", "subject_email", "subject_name",
               "group", "agreement_version", "agreement_text_sha256", "statements",
               "ip_address", "user_agent", "collection_method", "photo_id", "photo_title",
               "prev_hash", "record_hash", "personal_commitment", "personal_data")


@login_required
@permission_required("accounts.moderate", raise_exception=True)
def record_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered records as CSV, streamed row by row from a server-side cursor."""
    form, qs = _filtered_records(request)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for r in qs.order_by("sequence").iterator(chunk_size=500):
            yield writer.writerow(csv_row([
                r.sequence, r.id, r.created_at.isoformat(), r.action, r.subject_email,
                r.subject_name, r.group.name, r.agreement_version.number,
                r.agreement_text_sha256, " | ".join(r.statements), r.ip_address or "",
                r.user_agent, r.collection_method, r.photo_id or "", r.photo_title,
                r.prev_hash, r.record_hash, r.personal_commitment,
                "erased" if r.is_erased else "kept"]))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="consent-records.csv"'
    return response
