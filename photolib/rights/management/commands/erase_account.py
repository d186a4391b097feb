"""``manage.py erase_account EMAIL --by ADMIN_EMAIL``: erase an account on a letter."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from photolib.accounts.models import User
from photolib.rights import errors
from photolib.rights.erasure import account_erase


class Command(BaseCommand):
    help = ("Erase a resident's account for a request received by letter (the same as "
            "\"Delete my account\"): consents withdrawn, unused photos deleted, used ones "
            "kept for the legal-defence period, personal data erased.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="the account's email address")
        parser.add_argument("--by", required=True, dest="by",
                            help="the email address of the superuser acting on the letter")

    def handle(self, *args, email: str, by: str, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account uses {email!r}.")
        acting = User.objects.filter(email__iexact=by.strip(), is_superuser=True,
                                     is_active=True).first()
        if acting is None:
            raise CommandError(f"--by {by!r}: name an active superuser.")
        try:
            log = account_erase(user=user, acting_user=acting)
        except errors.RightsError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Erased account #{log.account_id}: {log.records_withdrawn} consent(s) withdrawn, "
            f"{log.photos_deleted} photo(s) deleted, {len(log.photos_kept)} kept for legal "
            f"defence, {log.evidence_rows_erased} ledger evidence row(s) erased.")
