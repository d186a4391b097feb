"""Reads on consent: who is a member of what, under which version."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import translation

from photolib.accounts.language import supported
from photolib.consent.models import AgreementVersion, CommunityGroup, ConsentRecord


@dataclass(frozen=True)
class Membership:
    """A person's standing in one group, derived from the ledger alone."""

    group: CommunityGroup
    current_version: AgreementVersion | None
    latest: ConsentRecord | None  # the person's newest GRANT or WITHDRAW for this group
    grant: ConsentRecord | None  # their newest GRANT, if they are a member

    @property
    def is_member(self) -> bool:
        return self.grant is not None

    @property
    def needs_reaccept(self) -> bool:
        """A member whose newest grant is under an older version than the current one (by
        number: accepting any language variant of the current version is enough)."""
        return (self.is_member and self.current_version is not None
                and self.grant.agreement_version.number != self.current_version.number)

    @property
    def may_upload(self) -> bool:
        return self.is_member and not self.needs_reaccept


def reading_language(user) -> str | None:
    """The language to show an agreement in: the person's own, else the page's."""
    return supported(getattr(user, "language", None)) or translation.get_language()


def membership(user, group: CommunityGroup) -> Membership:
    latest = (ConsentRecord.objects.membership_events().filter(user=user, group=group)
              .select_related("agreement_version").order_by("-sequence").first())
    grant = latest if latest is not None and latest.action == ConsentRecord.Action.GRANT else None
    return Membership(group=group, current_version=group.current_version(reading_language(user)),
                      latest=latest, grant=grant)


def memberships(user) -> list[Membership]:
    """Every group the person has a record in, newest activity first."""
    group_ids = (ConsentRecord.objects.filter(user=user).order_by()
                 .values_list("group_id", flat=True).distinct())
    groups = CommunityGroup.objects.filter(pk__in=list(group_ids))
    return [membership(user, g) for g in groups]


def withdrawn_after(record_ref: str = "pk") -> Exists:
    """``Exists`` clause: a WITHDRAW by the same person for the same group, later in
    the chain than the GRANT named by ``record_ref`` (an outer reference path).

    The rights-cleared rule uses it: a withdrawal ends every earlier grant for good,
    even if the person joins again later.
    """
    prefix = "" if record_ref == "pk" else record_ref + "__"
    return Exists(ConsentRecord.objects.withdrawals().filter(
        user_id=OuterRef(f"{prefix}user_id"),
        group_id=OuterRef(f"{prefix}group_id"),
        sequence__gt=OuterRef(f"{prefix}sequence"),
    ))
