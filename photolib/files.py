"""Serving stored files after a permission check, the one way for every backend.

Storage that signs URLs (S3 with ``querystring_auth``) answers with a redirect to a
presigned URL living at most five minutes; storage without (local folders) is
streamed by Django. Callers have already decided the viewer may see the file.
"""

from __future__ import annotations

from urllib.parse import quote

from django.core.files.storage import Storage, storages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

from photolib.errors import DependencyUnavailable
from photolib.storage_config import PRESIGNED_URL_SECONDS


def content_disposition(filename: str, attachment: bool) -> str:
    """The header naming a file. A name comes from a user (a collection, a photo title):
    control characters, CR and LF above all, would end the header, so they become
    spaces before the name is written in either form."""
    kind = "attachment" if attachment else "inline"
    filename = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in filename)
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def signs_urls(storage: Storage) -> bool:
    """True for storage whose URLs are short-lived signed links (private S3)."""
    return bool(getattr(storage, "querystring_auth", False))


def serve(alias: str, name: str, *, content_type: str, filename: str | None = None,
          attachment: bool = False) -> HttpResponse:
    """The file's response. Raises ``Http404`` when there is no file (an empty ``name``,
    which S3 would happily sign a URL for) or it is gone, and ``DependencyUnavailable``
    (503) when storage fails to open it."""
    if not name:
        raise Http404("No file on record.")
    storage = storages[alias]
    disposition = content_disposition(filename or name.rsplit("/", 1)[-1], attachment)
    if signs_urls(storage):
        url = storage.url(name, parameters={
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type,
        }, expire=PRESIGNED_URL_SECONDS)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The file is not available.") from exc
    except OSError as exc:
        raise DependencyUnavailable(
            "File storage is not answering just now. Please try again in a few minutes."
        ) from exc
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response
