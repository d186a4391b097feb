"""Account pages: sign-up, email verification, sign-in and the profile.

Password change and reset are Django's own views, wired in ``urls.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from photolib import ratelimit
from photolib.accounts import services
from photolib.accounts.forms import LoginForm, ProfileForm, SignUpForm
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
        messages.info(request, "Your email address is already verified.")
    else:
        messages.success(request, f"We sent a new verification link to {request.user.email}.")
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


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user,
                                     display_name=form.cleaned_data["display_name"],
                                     credit_name=form.cleaned_data["credit_name"] or "")
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
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
