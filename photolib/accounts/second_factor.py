"""A second factor for staff: an authenticator app (TOTP) and single-use recovery codes.

Reviewers and admins (``sessions.is_staff_account``: superusers and holders of
``accounts.moderate`` or ``accounts.use_admin``) open consent records, exports, erasures
and the admin; a password alone must not be enough. Built on django-otp: a confirmed
``TOTPDevice`` is the authenticator, a ``StaticDevice`` holds the recovery codes, and
``django_otp.login`` marks the session verified (``request.user.otp_device`` is then the
device that passed; ``None`` before). ``StaffSecondFactorMiddleware`` sends a
staff member whose session is not verified to the code page, or to enrolment when they
have no authenticator yet, before any other page answers. Residents and marketing are
never asked.

Callers: the views in ``views.py`` (enrolment, the code page), ``seed_demo`` (the demo
staff's fixed secret) and tests.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from photolib.accounts.models import User
from photolib.accounts.sessions import is_sessionless, is_staff_account

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# The same as TOTPDevice's defaults: what every authenticator app assumes.
STEP, DIGITS, TOLERANCE = 30, 6, 1

# Pages a staff member may reach before the second step: the step itself and signing out.
OPEN_BEFORE_VERIFIED = frozenset({
    "accounts:second_factor", "accounts:second_factor_enrol", "accounts:logout",
})


class SecondFactorError(Exception):
    """A code was refused; ``str()`` is the reason to show on the form."""


class WrongCode(SecondFactorError):
    pass


class TooManyAttempts(SecondFactorError):
    def __init__(self, until: datetime):
        self.until = until
        seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
        super().__init__(ngettext("Too many wrong codes. Wait %(seconds)d second, then try again.",
                                  "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
                                  seconds) % {"seconds": seconds})


class AlreadyEnrolled(SecondFactorError):
    pass


def session_verified(user) -> bool:
    """Whether this request's user passed the second step in this session."""
    return getattr(user, "otp_device", None) is not None


def needs_second_factor(user) -> bool:
    """Whether ``user`` must pass a second step before using the site (staff only)."""
    return is_staff_account(user)


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Enrolment ---------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP secret, hex-encoded as ``TOTPDevice.key`` stores it (20 bytes)."""
    return random_hex(20)


def secret_base32(key_hex: str) -> str:
    """The secret as an authenticator app asks for it when typed by hand."""
    return base64.b32encode(bytes.fromhex(key_hex)).decode()


def secret_for_typing(key_hex: str) -> str:
    """The base32 secret in groups of four, easier to copy by hand."""
    text = secret_base32(key_hex)
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def otpauth_uri(user: User, key_hex: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key_hex, step=STEP, digits=DIGITS).config_url


def qr_code_data_uri(text: str) -> str:
    """``text`` as a QR code: an SVG in a ``data:`` URI, for an ``<img>`` (the policy
    allows ``data:`` images; an inline SVG would need style attributes it refuses)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _matching_step(key_hex: str, code: str) -> int | None:
    """The time step at which ``code`` is right for ``key_hex`` (one step either side)."""
    totp = TOTP(bytes.fromhex(key_hex), STEP, 0, DIGITS, 0)
    totp.time = time.time()
    if not code.isdigit() or not totp.verify(int(code), TOLERANCE):
        return None
    return totp.t()  # the drift verify() settled on is counted in


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def second_factor_enrol(*, user: User, key_hex: str, code: str) -> Enrolment:
    """Confirm a new authenticator for ``user`` with a first ``code`` from it.

    The secret lives only in the person's session until this call, so nothing is stored
    for an enrolment that was never confirmed. On success the confirmed ``TOTPDevice``
    and ten new recovery codes are written in one transaction; the codes are returned to
    be shown once (any earlier ones stop working). The first code is recorded as used,
    so it cannot sign in again. Raises ``WrongCode`` or ``AlreadyEnrolled``.
    """
    step = _matching_step(key_hex, normalise_code(code))
    if step is None:
        raise WrongCode(_("That code is not right. Check the time on your phone, wait for "
                          "the next code and try again."))
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # two tabs enrol one device
        if has_authenticator(user):
            raise AlreadyEnrolled(_("An authenticator app is already set up for this account."))
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=key_hex,
                                           step=STEP, digits=DIGITS, tolerance=TOLERANCE,
                                           confirmed=True, last_t=step)
        codes = _replace_recovery_codes(user)
    return Enrolment(device=device, recovery_codes=codes)


def _replace_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME,
                                                   defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


# --- Sign-in -----------------------------------------------------------------


def normalise_code(code: str) -> str:
    """What the person typed, without spaces or dashes, lower-cased (recovery codes are
    stored lower-case; authenticator codes are digits)."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def second_factor_check(*, user: User, code: str) -> Device:
    """The device that accepts ``code``: six digits go to the authenticator, anything
    else to the recovery codes (a matching one is used up). Each device slows down
    guessing on its own (django-otp doubles the wait after every wrong code).

    Raises ``WrongCode`` or ``TooManyAttempts``. The failure count is committed before
    the error is raised, so a refused code still counts.
    """
    code = normalise_code(code)
    model = TOTPDevice if re.fullmatch(rf"\d{{{DIGITS}}}", code) else StaticDevice
    refusal: SecondFactorError | None = None
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True)
                       .select_for_update())
        for device in devices:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                refusal = TooManyAttempts(details["locked_until"])
                break
            if device.verify_token(code):
                return device
    raise refusal or WrongCode(_("That code is not right. Type the six digits your "
                                 "authenticator app shows now, or one of your recovery codes."))


# --- The gate ----------------------------------------------------------------


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's middleware: ``request.user.otp_device`` is the device this session was
    verified with, or ``None``; a device that is not the user's or not confirmed is dropped.

    Except for one thing django-otp adds: a ``user.is_verified()`` method. Our ``User``
    already has ``is_verified``, a property meaning "the email address is confirmed", that
    sign-up, joining a group and uploading rely on; the method would not fit over the
    property (an error on every request). Read ``session_verified(user)`` instead.
    """

    @staticmethod
    def _init_user_fields(user):
        user.otp_device = None


class StaffSecondFactorMiddleware:
    """A staff member whose session has not passed the second step reaches only that step
    (or enrolment) and the sign-out; every other request, the admin's included, is sent
    there with ``next`` set to where they were going. After ``OTPMiddleware`` above.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and needs_second_factor(user) and not session_verified(user)
                and not _open_before_verified(request)):
            target = ("accounts:second_factor" if has_authenticator(user)
                      else "accounts:second_factor_enrol")
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _open_before_verified(request) -> bool:
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in OPEN_BEFORE_VERIFIED or is_sessionless(match.func)


# --- Demo --------------------------------------------------------------------


def second_factor_seed(*, user: User, secret_base32_text: str, recovery_code: str) -> None:
    """Give ``user`` a confirmed authenticator with a known secret and one known recovery
    code (``seed_demo``'s demo staff, so a person can sign in with any authenticator app).
    Idempotent: running it again puts the secret and the code back."""
    key_hex = base64.b32decode(secret_base32_text).hex()
    with transaction.atomic():
        device = (TOTPDevice.objects.filter(user=user, name=AUTHENTICATOR_NAME).order_by("pk")
                  .first() or TOTPDevice(user=user, name=AUTHENTICATOR_NAME))
        if device.key != key_hex:
            device.key, device.last_t, device.drift = key_hex, -1, 0
        device.confirmed = True
        device.save()
        codes, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME,
                                                      defaults={"confirmed": True})
        codes.token_set.get_or_create(token=normalise_code(recovery_code))
