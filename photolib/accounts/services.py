"""Writes on accounts: sign-up, verification, the profile, roles.

Callers are the views, ``seed_demo`` and tests. Each function is one transaction. Mail goes
out from tasks enqueued by name once the transaction commits, so this module never imports
the task module that calls it.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from photolib.accounts import roles
from photolib.accounts.language import override_for
from photolib.accounts.models import User
from photolib.accounts.signals import credit_changed
from photolib.accounts.timezones import validate_time_zone
from photolib.accounts.tokens import (
    InvalidLink,
    VerificationError,
    make_verification_token,
    read_verification_token,
)
from photolib.celery import enqueue

SEND_VERIFICATION_TASK = "photolib.accounts.tasks.send_verification_email"
SEND_SIGN_UP_ATTEMPT_TASK = "photolib.accounts.tasks.send_sign_up_attempt_email"


class AlreadyVerified(VerificationError):
    status_code = 409
    code = "already_verified"


def verification_url(user: User) -> str:
    path = reverse("accounts:verify", kwargs={"token": make_verification_token(user)})
    return f"{settings.SITE_URL}{path}"


def send_verification_email(*, user: User) -> None:
    """The verification link. The mail holds only our own words, the address and the link:
    nothing the person who signed up typed (a display name could be anyone's words sent to
    a stranger's inbox under our name)."""
    context = {"user": user, "url": verification_url(user), "site_url": settings.SITE_URL,
               "max_days": settings.EMAIL_VERIFICATION_MAX_AGE.days}
    with override_for(user):  # in the language the person signed up in
        subject = _("Confirm your email address for the community photo library")
        message = render_to_string("accounts/email/verify.txt", context)
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[user.email])


def send_sign_up_attempt_email(*, user: User) -> None:
    """Tell the owner of an existing account that someone tried to sign up with its
    address; like the verification mail, it holds nothing the requester typed."""
    context = {"user": user, "site_url": settings.SITE_URL}
    with override_for(user):  # the account owner's language, not the requester's
        subject = _("Someone tried to sign up with your address at the community photo library")
        message = render_to_string("accounts/email/sign_up_attempt.txt", context)
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[user.email])


@transaction.atomic
def user_sign_up(*, email: str, password: str, display_name: str,
                 credit_name: str, language: str = "") -> User | None:
    """Create a resident account (unverified) and email the verification link; return it.

    When an account already uses the address (in any letter case), nothing is created or
    changed: its owner is mailed that someone tried to sign up, and the result is ``None``.
    The caller answers both cases the same way, so sign-up does not tell a stranger
    whether an address is registered. Either mail goes out from a task enqueued in the same
    transaction (the outbox), sent once it commits.
    """
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():  # a savepoint: a sign-up racing this one may win
                user = User.objects.create_user(
                    email=email, password=password, display_name=display_name,
                    credit_name=credit_name or display_name, language=language,
                )
        except IntegrityError:
            existing = User.objects.get(email__iexact=email)
        else:
            user.groups.add(Group.objects.get(name=roles.RESIDENT))
            enqueue(SEND_VERIFICATION_TASK, user.pk)
            return user
    # Hash the password all the same, so this answer takes as long as a new account's.
    make_password(password)
    enqueue(SEND_SIGN_UP_ATTEMPT_TASK, existing.pk)
    return None


@transaction.atomic
def user_resend_verification(*, user: User) -> bool:
    """Email a new verification link (from a task, once this commits); False, and nothing
    sent, when the address is already verified."""
    if user.is_verified:
        return False
    enqueue(SEND_VERIFICATION_TASK, user.pk)
    return True


@transaction.atomic
def user_update_profile(*, user: User, display_name: str, credit_name: str,
                        time_zone: str | None = None) -> User:
    """Change the names a person shows and is credited with (and, when given, the time
    zone times are shown in); return the user.

    When either changes, ``credit_changed`` is announced after commit: credit lines derived
    from them (the catalog's search documents) follow.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    display_name, credit_name = display_name.strip(), credit_name.strip()
    changed = (user.display_name, user.credit_name) != (display_name, credit_name)
    user.display_name, user.credit_name = display_name, credit_name
    fields = ["display_name", "credit_name"]
    if time_zone is not None:
        validate_time_zone(time_zone)
        user.time_zone = time_zone
        fields.append("time_zone")
    user.save(update_fields=fields)
    if changed:
        transaction.on_commit(partial(credit_changed.send, sender=User, user_id=user.pk))
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The language the site, mails and receipts use for ``user`` ("" for the site's)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"{language!r} is not one of the site's LANGUAGES")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the account named by ``token`` verified and return it.

    Raises ``ExpiredLink``, ``InvalidLink`` or ``AlreadyVerified``; the account is
    untouched in every one of those cases.
    """
    claim = read_verification_token(token)
    user = User.objects.select_for_update().filter(pk=claim.user_id).first()
    if user is None or user.email.lower() != claim.email.lower():
        raise InvalidLink(_("This verification link is not valid."))
    if user.is_verified:
        raise AlreadyVerified(_("This link has already been used: your address is verified."))
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    return user


@transaction.atomic
def user_grant_role(*, user: User, role: str) -> None:
    """Give ``user`` one of ``roles.ROLES``; only admins and seed_demo call this."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}")
    user.groups.add(Group.objects.get(name=role))


ERASED_DISPLAY_NAME = "Erased account"


def erased_email(user_id: int) -> str:
    """The pseudonymous address an erased account keeps (``.invalid`` never delivers)."""
    return f"erased-{user_id}@erased.invalid"


@transaction.atomic
def user_anonymise(*, user: User) -> User:
    """Erase an account's personal data and keep only a pseudonymous, inactive row.

    The email becomes :func:`erased_email`, the names an empty credit and a fixed
    display name, the password unusable (so every session of the account ends), roles
    and permissions go; django-axes' sign-in logs for the old address (which hold IP
    addresses and browsers) and admin log lines naming it are deleted. The row stays
    so that the ledger, photos and the usage log, which PROTECT it, still point at
    something. Announces ``credit_changed`` after commit. Callers: account erasure
    (``photolib.rights.erasure``) only.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    user = User.objects.select_for_update().get(pk=user.pk)
    old_email = user.email
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User),
                            object_id=str(user.pk)).delete()
    user.email = erased_email(user.pk)
    user.display_name = ERASED_DISPLAY_NAME
    user.credit_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_superuser = False
    user.email_verified_at = None
    user.save(update_fields=["email", "display_name", "credit_name", "password", "is_active",
                             "is_superuser", "email_verified_at"])
    user.groups.clear()
    user.user_permissions.clear()
    transaction.on_commit(partial(credit_changed.send, sender=User, user_id=user.pk))
    return user
