"""Every page carries a strict Content-Security-Policy and a Permissions-Policy, and no
template carries the inline script that such a policy would block."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/consent/verify/"])
def test_pages_forbid_inline_script_and_framing(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    features = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in features


def test_templates_have_no_inline_script_or_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: inline handler {match.group(0)}")
        for match in re.finditer(r"\sstyle\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: inline style {match.group(0)}")
    assert offenders == []


def test_files_on_s3_are_allowed_from_the_bucket_only(settings):
    from photolib import settings as site_settings

    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert policy["img-src"][:3] == ["'self'", "data:", "blob:"]
    # The embedded default keeps files on the site itself: nothing else is allowed.
    if site_settings.STORAGE_BACKEND == "filesystem":
        assert policy["img-src"] == ["'self'", "data:", "blob:"]
        assert policy["form-action"] == ["'self'"]


def test_every_page_loads_the_site_script_that_replaced_inline_handlers(client):
    body = client.get("/accounts/login/").content.decode()
    assert "photolib/site.js" in body
    script = (Path(__file__).resolve().parent.parent / "photolib/static/photolib/site.js")
    assert "dataset.confirm" in script.read_text()
    assert "dataset.actionFrom" in script.read_text()
