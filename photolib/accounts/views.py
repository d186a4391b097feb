"""Account pages: sign-up, email verification, sign-in and the profile.

Password change and reset are Django's own views, wired in ``urls.py``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from photolib import ratelimit
from photolib.accounts import second_factor as factor
from photolib.accounts import services
from photolib.accounts.forms import LoginForm, ProfileForm, SecondFactorForm, SignUpForm
from photolib.accounts.language import supported
from photolib.accounts.tokens import ExpiredLink, VerificationError


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        ratelimit.enforce("sign-up", address=ratelimit.client_address(request), email=email)
        # The same page whether the address was new (a verification link went out) or
        # already had an account (its owner was told): sign-up does not reveal which.
        services.user_sign_up(
            email=email,
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
            credit_name=form.cleaned_data.get("credit_name") or "",
            language=supported(translation.get_language()) or "",
        )
        return render(request, "accounts/sign_up_done.html", {"email": email})
    return render(request, "accounts/sign_up.html", {"form": form})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.user_verify_email(token=token)
    except VerificationError as exc:
        return render(
            request,
            "accounts/verify_failed.html",
            {"reason": str(exc), "expired": isinstance(exc, ExpiredLink),
             "already": isinstance(exc, services.AlreadyVerified)},
            status=400,
        )
    return render(request, "accounts/verified.html", {"verified_user": user})


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    ratelimit.enforce("resend-verification", address=ratelimit.client_address(request),
                      account=request.user.pk)
    if not services.user_resend_verification(user=request.user):
        messages.info(request, _("Your email address is already verified."))
    else:
        messages.success(request, _("We sent a new verification link to %(email)s.")
                         % {"email": request.user.email})
    return redirect("accounts:profile")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page with abuse limits per client address and per target email
    (counted whether or not an account uses it, so the limit reveals nothing either)."""

    def form_valid(self, form):
        ratelimit.enforce("password-reset", address=ratelimit.client_address(self.request),
                          email=form.cleaned_data["email"])
        return super().form_valid(form)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        """Signed in: the person's own language from now on, and the cookie remembers it
        after they sign out."""
        response = super().form_valid(form)
        code = supported(form.get_user().language)
        if code:
            translation.activate(code)
            _remember_language(response, code)
        return response


def _remember_language(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The switcher in every page's footer: Django's ``set_language`` (cookie, then back to
    ``next``); a signed-in person's account keeps the choice too, for pages and mail."""
    response = i18n_views.set_language(request)
    code = supported(request.POST.get("language"))
    if code and request.user.is_authenticated:
        services.user_set_language(user=request.user, language=code)
    return response


# The secret of an authenticator being set up, kept in the session until a first code
# confirms it: an enrolment never finished leaves nothing in the database.
ENROL_SECRET = "photolib_second_factor_secret"  # noqa: S105 - a session key's name


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, request: HttpRequest) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"


def _verified(request: HttpRequest, device) -> None:
    # A new session key as the session gains staff rights, as Django does at sign-in.
    request.session.cycle_key()
    django_otp.login(request, device)


@login_required
def second_step(request: HttpRequest) -> HttpResponse:
    """After the password, a staff member types a code from their authenticator app or a
    recovery code. Anyone else, or a session already verified, goes straight on."""
    user = request.user
    if not factor.needs_second_factor(user) or factor.session_verified(user):
        return redirect(_next_url(request))
    if not factor.has_authenticator(user):
        return redirect(_with_next("accounts:second_factor_enrol", request))
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = factor.second_factor_check(user=user, code=form.cleaned_data["code"])
        except factor.TooManyAttempts as exc:
            form.add_error("code", str(exc))
            status = 429
        except factor.SecondFactorError as exc:
            form.add_error("code", str(exc))
        else:
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = factor.recovery_codes_left(user)
                messages.warning(request, ngettext(
                    "You signed in with a recovery code; %(left)d of %(count)d is left. "
                    "Each works once.",
                    "You signed in with a recovery code; %(left)d of %(count)d are left. "
                    "Each works once.", left,
                ) % {"left": left, "count": factor.RECOVERY_CODE_COUNT})
            return redirect(_next_url(request))
    return render(request, "accounts/second_factor.html",
                  {"form": form, "next": _next_url(request)}, status=status)


@login_required
def second_step_enrol(request: HttpRequest) -> HttpResponse:
    """A staff member's first sign-in: set up an authenticator app from a QR code (or the
    secret typed by hand), confirm it with a first code, and see the recovery codes once."""
    user = request.user
    if not factor.needs_second_factor(user):
        return redirect(_next_url(request))
    if factor.has_authenticator(user):
        return redirect(_with_next("accounts:second_factor", request))
    key = request.session.get(ENROL_SECRET)
    if not key:
        key = request.session[ENROL_SECRET] = factor.new_secret()
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = factor.second_factor_enrol(user=user, key_hex=key,
                                                   code=form.cleaned_data["code"])
        except factor.AlreadyEnrolled:
            return redirect(_with_next("accounts:second_factor", request))
        except factor.SecondFactorError as exc:
            form.add_error("code", str(exc))
        else:
            del request.session[ENROL_SECRET]
            _verified(request, enrolment.device)
            return render(request, "accounts/recovery_codes.html",
                          {"codes": enrolment.recovery_codes, "next": _next_url(request)})
    uri = factor.otpauth_uri(user, key)
    return render(request, "accounts/second_factor_enrol.html", {
        "form": form, "next": _next_url(request), "otpauth_uri": uri,
        "qr_code": factor.qr_code_data_uri(uri), "secret": factor.secret_for_typing(key),
    })


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user,
                                     display_name=form.cleaned_data["display_name"],
                                     credit_name=form.cleaned_data["credit_name"] or "",
                                     time_zone=form.cleaned_data["time_zone"] or None)
        code = supported(form.cleaned_data.get("language")) or ""
        services.user_set_language(user=request.user, language=code)
        response = redirect("accounts:profile")
        if code:
            translation.activate(code)  # the confirmation in the language just chosen
            _remember_language(response, code)
        else:  # the site's language again: the browser's choice, else LANGUAGE_CODE
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME,
                                   path=settings.LANGUAGE_COOKIE_PATH,
                                   domain=settings.LANGUAGE_COOKIE_DOMAIN)
        messages.success(request, _("Your profile was saved."))
        return response
    return render(request, "accounts/profile.html", {"form": form})


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout page: says plainly when the person may try again."""
    cooloff = settings.AXES_COOLOFF_TIME
    retry_at = timezone.now() + cooloff
    return render(
        request,
        "accounts/locked_out.html",
        {"retry_at": retry_at, "minutes": int(cooloff.total_seconds() // 60),
         "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
