"""The ``STORAGES`` setting for each backend, built in one place.

``settings.py`` calls it with values from the environment; the test suite calls
it to point the same aliases at moto's S3 server or at a temporary folder, so
tests exercise exactly the configuration production uses.
"""

from __future__ import annotations

from pathlib import Path

ALIASES = ("originals", "renditions")
PRESIGNED_URL_SECONDS = 300


def filesystem_storages(var_dir: Path) -> dict:
    local = {
        alias: {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": Path(var_dir) / alias, "base_url": None}}
        for alias in ALIASES
    }
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": Path(var_dir) / "media"}},
        **local,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def s3_storages(
    *,
    bucket: str,
    region: str | None = None,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    addressing_style: str | None = None,
) -> dict:
    """Private objects, SSE on every write, presigned URLs of five minutes."""
    options = {
        "bucket_name": bucket,
        "region_name": region,
        "endpoint_url": endpoint_url,
        "access_key": access_key,
        "secret_key": secret_key,
        "default_acl": None,  # objects inherit the private bucket's policy, never public-read
        "querystring_auth": True,
        "querystring_expire": PRESIGNED_URL_SECONDS,
        "file_overwrite": False,
        "object_parameters": {"ServerSideEncryption": "AES256"},
        "signature_version": "s3v4",
        "addressing_style": addressing_style,
    }
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {**options, "location": "media"}},
        **{alias: {"BACKEND": "storages.backends.s3.S3Storage",
                   "OPTIONS": {**options, "location": alias}} for alias in ALIASES},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
