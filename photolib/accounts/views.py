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

from photolib.accounts import services
from photolib.accounts.forms import LoginForm, ProfileForm, SignUpForm
from photolib.accounts.tokens import ExpiredLink, VerificationError


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
            credit_name=form.cleaned_data.get("credit_name") or "",
        )
        return render(request, "accounts/sign_up_done.html", {"email": user.email})
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
    if not services.user_resend_verification(user=request.user):
        messages.info(request, "Your email address is already verified.")
    else:
        messages.success(request, f"We sent a new verification link to {request.user.email}.")
    return redirect("accounts:profile")


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
