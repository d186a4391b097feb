"""``photolib.sweep.walk``: one paginated listing per prefix on S3, the same names as the
recursive walk every other backend gets."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from photolib.sweep import _walk_listdir, walk

pytestmark = pytest.mark.s3


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
