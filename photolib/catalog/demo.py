"""Demo content for ``seed_demo``: the demo reviewer approves the demo photos, so
``make run`` opens on a working catalog. Idempotent."""

from __future__ import annotations

from photolib.photos import moderation
from photolib.photos.models import Photo


def seed(*, users: dict, stdout=None) -> None:
    reviewer = users["reviewer@example.org"]
    waiting = Photo.objects.awaiting_review().filter(owner=users["resident@example.org"])
    _approved, problems = moderation.photo_approve_many(
        photo_ids=list(waiting.values_list("pk", flat=True)), acting_user=reviewer)
    if stdout is not None:
        stdout.write(f"Demo catalog: {Photo.objects.cleared().count()} cleared photos.")
        for problem in problems:
            stdout.write(f"  not approved: {problem}")
