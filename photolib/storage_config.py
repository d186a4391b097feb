"""The ``STORAGES`` setting for each backend, built in one place.

``settings.py`` calls it with values from the environment; the test suite calls
it to point the same aliases at moto's S3 server or at a temporary folder, so
tests exercise exactly the configuration production uses.
"""

from __future__ import annotations

from pathlib import Path

# The storage aliases, named once. Each app owns its own: ``photos`` the originals (and
# signed releases) and the renditions, ``catalog`` the download copies it hands out,
# ``consent`` the signed ledger checkpoints (append-only, never served, kept apart).
ORIGINALS = "originals"
RENDITIONS = "renditions"
DOWNLOADS = "downloads"
ALIASES = (ORIGINALS, RENDITIONS, DOWNLOADS)
EVIDENCE = "evidence"
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
        EVIDENCE: {"BACKEND": "django.core.files.storage.FileSystemStorage",
                   "OPTIONS": {"location": Path(var_dir) / EVIDENCE, "base_url": None,
                               "allow_overwrite": False}},
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
    evidence_bucket: str | None = None,
    connect_timeout: float = 2.0,
    read_timeout: float = 3.0,
    max_attempts: int = 2,
) -> dict:
    """Private objects, SSE on every write, presigned URLs of five minutes.

    The ``evidence`` alias writes to ``evidence_bucket`` (default: ``bucket``) under
    ``evidence/``; in production that is a bucket of its own with versioning and
    Object Lock, so a checkpoint once written cannot be replaced or removed.

    Short timeouts: a request waits at most ``connect_timeout`` for a connection and
    ``read_timeout`` for each answer, over ``max_attempts`` tries in all (botocore's
    "standard" retry mode), so an S3 that stops answering costs a page seconds, not minutes.

    Memory stays flat for large files: uploads go up in 5 MB parts, at most two in
    flight and two buffered, and a file opened for reading spills to a temporary
    file past 2 MB instead of being held whole in memory.
    """
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    transfer = TransferConfig(multipart_chunksize=5 * 1024 * 1024, max_concurrency=2)
    transfer.max_in_memory_upload_chunks = 2
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
        # With a client_config, django-storages ignores its own signature_version and
        # addressing_style options, so both are set here.
        "client_config": Config(
            signature_version="s3v4", s3={"addressing_style": addressing_style},
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"}),
        "transfer_config": transfer,
        "max_memory_size": 2 * 1024 * 1024,
    }
    return {
        "default": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {**options, "location": "media"}},
        **{alias: {"BACKEND": "storages.backends.s3.S3Storage",
                   "OPTIONS": {**options, "location": alias}} for alias in ALIASES},
        EVIDENCE: {"BACKEND": "storages.backends.s3.S3Storage",
                   "OPTIONS": {**options, "bucket_name": evidence_bucket or bucket,
                               "location": EVIDENCE}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
