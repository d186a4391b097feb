"""The real services the suite relies on, each exercised once through project code."""

import os
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.urls import reverse

from photolib.accounts.models import User
from tests.conftest import required, wait_for


@pytest.mark.django_db
def test_database_is_the_one_asked_for():
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert connection.vendor == "postgresql"
    else:
        assert not required("POSTGRES")
        assert connection.vendor == "sqlite"


@pytest.mark.s3
def test_storage_aliases_write_private_encrypted_objects_over_http(s3_storage):
    originals = storages["originals"]
    name = originals.save("0f3c/Café on the square.jpg", ContentFile(b"\xff\xd8\xff" + b"x" * 64))
    key = f"originals/{name}"
    assert key in s3_storage.list_keys()
    head = s3_storage.head(key)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "image/jpeg"
    with originals.open(name) as fh:
        assert fh.read(3) == b"\xff\xd8\xff"
    # Anonymous requests are refused; a presigned URL works and lives five minutes.
    plain = f"{s3_storage.server.endpoint_url}/{s3_storage.name}/{urllib.parse.quote(key)}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(plain)  # noqa: S310 - loopback test server
    assert refused.value.code == 403
    url = originals.url(name)
    assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url) as response:  # noqa: S310
        assert response.read(3) == b"\xff\xd8\xff"
    originals.delete(name)
    assert s3_storage.list_keys() == []


@pytest.mark.worker
def test_sign_up_mail_is_sent_by_a_real_worker_on_redis(client, celery_worker):
    worker = celery_worker()
    response = client.post(reverse("accounts:sign_up"), {
        "email": "worker@example.org", "display_name": "Wendy", "credit_name": "",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase"})
    assert response.status_code == 200
    mail_dir = worker.var_dir / "mail"
    messages = wait_for(lambda: list(mail_dir.glob("*.log")) if mail_dir.exists() else [],
                        message=lambda: f"the worker's email; its log:\n{worker.output()[-3000:]}")
    body = messages[0].read_text()
    assert "To: worker@example.org" in body
    assert "succeeded" in wait_for(lambda: "succeeded" in worker.output() and worker.output(),
                                   message="the worker's log line for the task")
    path = re.search(r"/accounts/verify/\S+/", body).group(0)
    assert client.get(path).status_code == 200
    assert User.objects.get(email="worker@example.org").is_verified
