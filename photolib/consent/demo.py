"""Demo content for ``seed_demo``: one group, agreement version 1, the demo resident."""

from __future__ import annotations

from photolib.consent import selectors, services
from photolib.consent.models import CollectionMethod, CommunityGroup

DEMO_TEXT = """EXAMPLE AGREEMENT FOR DEMONSTRATION ONLY. THIS IS NOT LEGAL ADVICE.

City Community Photos: photo reuse agreement

1. You share photos you took yourself with the city through this group.
2. You keep your copyright. You give the city a non-exclusive, royalty-free licence to use each
   photo for the purposes listed in this agreement, for the term stated.
3. The city credits you with your chosen credit name wherever the photo is used, where practical.
4. If identifiable people appear in a photo, you confirm that they agreed to its use.
5. You may withdraw your consent at any time. The city then stops any new use of your photos;
   uses already published (for example printed brochures) may remain.
6. The city keeps a record of this agreement, the version you accepted and when, to prove it.
"""


def seed(*, users: dict, stdout=None) -> None:
    group, _ = CommunityGroup.objects.get_or_create(
        slug="city-community-photos",
        defaults={"name": "City Community Photos",
                  "description": "Everyday life, places and events in our city, shared by "
                                 "residents for the city's websites, social media and print."},
    )
    if group.current_version() is None:
        draft = services.agreement_create_draft(
            group=group, acting_user=users.get("admin@example.org"), text=DEMO_TEXT,
            permitted_uses=["web", "social", "print"], credit_required=True,
            credit_format="Photo: {credit_name} / {group}", term_years=None, minimum_age=16,
            release_required_for_people=False,
        )
        services.agreement_publish(version=draft, acting_user=users.get("admin@example.org"))
    resident = users["resident@example.org"]
    state = selectors.membership(resident, group)
    if not state.is_member:
        services.consent_grant(
            user=resident, group=group, version_id=state.current_version.pk,
            statements_affirmed=list(state.current_version.statements),
            method=CollectionMethod.SEED,  # a script, not the person, ticked these
            context=services.RequestContext(ip_address="127.0.0.1", user_agent="seed_demo"),
        )
    if stdout is not None:
        stdout.write(f"Demo group: {group.name} (agreement v{group.current_version().number})")
