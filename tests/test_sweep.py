"""``photolib.sweep.walk``: one paginated listing per prefix on S3, the same names as the
recursive walk every other backend gets; ``sweep_storage`` keeps originals the consent
evidence or the outbox names."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from photolib.sweep import _walk_listdir, walk


@pytest.mark.s3
def test_walk_lists_an_s3_prefix_in_pages_not_per_folder(s3_storage):
    storage = storages["renditions"]
    names = {f"photo-{n:02d}/{kind}.webp" for n in range(12) for kind in ("thumb", "preview")}
    for name in names:
        storage.save(name, ContentFile(b"x"))
    storages["originals"].save("photo-00/original.jpg", ContentFile(b"y"))  # another prefix

    client = storage.connection.meta.client
    requests: list[str] = []

    def count(**kwargs):
        requests.append(kwargs.get("event_name", ""))

    client.meta.events.register("before-send.s3", count)
    try:
        listed = list(walk(storage))
        one_listing = len(requests)
        requests.clear()
        folder_by_folder = list(_walk_listdir(storage, ""))
        recursive = len(requests)
    finally:
        client.meta.events.unregister("before-send.s3", count)

    assert sorted(listed) == sorted(folder_by_folder) == sorted(names)
    assert one_listing == 1  # 24 keys: one page
    assert recursive == 13  # the root, then each of the 12 folders
    assert sorted(walk(storage, "photo-03")) == ["photo-03/preview.webp",
                                                  "photo-03/thumb.webp"]


@pytest.mark.django_db
def test_sweep_never_deletes_an_original_the_evidence_store_or_the_outbox_names(capsys):
    """After a restore, photo rows the backup predates are gone while their originals are
    not: an original whose photo a withdrawal in the evidence store or an outbox row names
    stays; one nothing names goes."""
    import uuid

    from django.core.management import call_command

    from photolib.consent import evidence
    from photolib.outbox.models import OutboxMessage

    withdrawn, queued, unnamed = (str(uuid.uuid4()) for _ in range(3))
    originals = storages["originals"]
    for photo_id in (withdrawn, queued, unnamed):
        originals.save(f"{photo_id}/photo.jpg", ContentFile(b"original bytes"))
    evidence.checkpoint_write(sequence=7, head_hash="a" * 64, record={
        "sequence": 7, "action": "WITHDRAW_PHOTO", "photo_id": withdrawn,
        "photo_title": "Boats"})
    OutboxMessage.objects.create(task_name="photolib.photos.tasks.ingest_photo",
                                 args=[queued])

    call_command("sweep_storage", "--delete", "--grace-minutes", "0")
    out = capsys.readouterr().out
    assert (f"originals/{withdrawn}/photo.jpg (named by a photo withdrawal in the consent "
            "evidence store: never deleted)") in out
    assert f"originals/{queued}/photo.jpg (named by a task in the outbox: never deleted)" in out
    assert "Removed 1 object(s)" in out
    assert originals.exists(f"{withdrawn}/photo.jpg") and originals.exists(f"{queued}/photo.jpg")
    assert not originals.exists(f"{unnamed}/photo.jpg")
