"""``manage.py seed_demo``: demo accounts (and, from later apps, demo content).

Idempotent: running it again changes nothing but restores the demo passwords and the
demo staff's second factor (``DEMO_TOTP_SECRET``, ``DEMO_RECOVERY_CODE``).
Never run it against a production database: it refuses under the production
profile unless ``--force`` is given.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from photolib.accounts import roles, second_factor
from photolib.accounts.models import User

DEMO_ACCOUNTS = (
    # email, password, display name, credit name, roles, superuser
    ("resident@example.org", "resident-demo-pass", "Rosa Resident", "Rosa R.", (roles.RESIDENT,),
     False),
    ("marketing@example.org", "marketing-demo-pass", "Mark Marketing", "City Marketing",
     (roles.MARKETING,), False),
    ("reviewer@example.org", "reviewer-demo-pass", "Rita Reviewer", "Rita Reviewer",
     (roles.REVIEWER,), False),
    ("admin@example.org", "admin-demo-pass", "Ada Admin", "Ada Admin", (roles.REVIEWER,), True),
)

# Reviewers and admins sign in with a second factor. The demo staff share this fixed,
# published secret (base32, as authenticator apps take it): add it to any app to get
# their codes. Demo only: anyone who reads this file can make the codes.
DEMO_TOTP_SECRET = "PHOTOLIBRARYDEMOSECONDFACTORKEYS"  # noqa: S105 - published on purpose
# One recovery code each, instead of a code from the app; it works once per seed_demo run.
DEMO_RECOVERY_CODE = "demorecovery"


class Command(BaseCommand):
    help = "Create the demo accounts and demo content (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="Allow seeding under the production profile.")
        parser.add_argument("--quiet-logins", action="store_true",
                            help="Do not print the demo logins.")

    def handle(self, *args, force: bool = False, quiet_logins: bool = False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("Refusing to create demo accounts under the production profile.")
        with transaction.atomic():
            users = {email: self._account(email, password, name, credit, role_names, su)
                     for email, password, name, credit, role_names, su in DEMO_ACCOUNTS}
            for user in users.values():
                if second_factor.needs_second_factor(user):
                    second_factor.second_factor_seed(user=user,
                                                     secret_base32_text=DEMO_TOTP_SECRET,
                                                     recovery_code=DEMO_RECOVERY_CODE)
        for hook in seed_hooks():
            hook(users=users, stdout=self.stdout)
        if not quiet_logins:
            self.stdout.write("Demo logins (email / password):")
            for email, password, _name, _credit, role_names, su in DEMO_ACCOUNTS:
                label = "admin" if su else ", ".join(role_names)
                self.stdout.write(f"  {label:<10} {email:<24} {password}")
            self.stdout.write(
                "Reviewer and admin then need a code: add the demo secret "
                f"{DEMO_TOTP_SECRET} to an authenticator app (time-based, 6 digits, 30 s), "
                f"or type the recovery code {DEMO_RECOVERY_CODE} (once per seed_demo).")

    def _account(self, email, password, name, credit, role_names, superuser) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={"display_name": name, "credit_name": credit,
                      "email_verified_at": timezone.now(), "is_superuser": superuser},
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name__in=role_names))
        return user


def seed_hooks():
    """Later apps' demo content, in dependency order (each is idempotent)."""
    from django.utils.module_loading import import_string

    hooks = []
    for path in getattr(settings, "PHOTOLIB_SEED_HOOKS", ()):
        hooks.append(import_string(path))
    return hooks
