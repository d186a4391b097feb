"""The web page where marketing staff make and revoke their API tokens (session, not
token: it is part of the site; staff accounts reach it only after their second factor)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from photolib.accounts.api_tokens import api_token_create, api_token_revoke, api_tokens_of
from photolib.accounts.errors import TokenRefused
from photolib.accounts.models import ApiToken
from photolib.api.forms import TokenForm

marketing = permission_required("accounts.use_catalog", raise_exception=True)


#: Where a new token's secret waits for the one page that shows it (after the redirect).
SHOW_ONCE = "photolib_api_token_show_once"


@login_required
@marketing
def tokens(request: HttpRequest) -> HttpResponse:
    """The list of the user's tokens and the form for a new one. A new token is made by the
    POST, which redirects (a reload cannot make a second one); its secret rides in the
    session to the next page of this list only, which takes it out: shown once, and never
    stored anywhere else."""
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            day = form.cleaned_data["expires_on"]
            expires = (timezone.make_aware(datetime.combine(day, time.max))
                       if day else None)
            try:
                created, secret = api_token_create(
                    user=request.user, name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"], expires_at=expires)
            except TokenRefused as exc:
                form.add_error("expires_on" if exc.field == "expires_at" else exc.field,
                               str(exc))
            else:
                request.session[SHOW_ONCE] = {"id": created.pk, "secret": secret}
                return redirect("api:tokens")
        return _page(request, form, status=400)
    return _page(request, form)


def _page(request: HttpRequest, form: TokenForm, status: int = 200) -> HttpResponse:
    shown = request.session.pop(SHOW_ONCE, None)
    rows = list(api_tokens_of(request.user))
    created = next((t for t in rows if shown and t.pk == shown["id"]), None)
    response = render(request, "api/tokens.html", {
        "form": form, "tokens": rows, "created": created,
        "secret": shown["secret"] if created else None, "now": timezone.now()},
        status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@marketing
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = api_token_revoke(user=request.user, token_id=pk)
    except ApiToken.DoesNotExist as exc:
        raise Http404(_("No such token.")) from exc
    messages.success(request, _("Revoked “%(name)s”: it no longer opens the API.")
                     % {"name": token.name})
    return redirect("api:tokens")
