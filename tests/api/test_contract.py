"""The API against its own OpenAPI schema, with schemathesis: every operation, a bounded
number of generated requests each (valid and invalid ones), through the real WSGI
application and database. No answer may be a 5xx, and every answer must match the schema
(status code, content type, headers, body).

Half the generated requests use the ids of objects that exist (a cleared photo, the
officer's collection, a recall notice), so the 200 answers are checked against the schema
too, not only the 404s that random ids get.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from photolib.accounts.api_tokens import api_token_create
from photolib.catalog import services
from photolib.catalog.models import RecallNotice
from photolib.photos import moderation

#: Generated requests per operation and phase: enough to reach every parameter, bounded so
#: the whole contract runs in well under a minute.
EXAMPLES = 8

# Loaded once at collection, through the WSGI application (the schema view reads no
# database). schemathesis's lazy fixture loader does not run under this pytest (9.2).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go straight to Django's WSGI handler, which closes the database connection
    after each one; the test's connection (and its transaction) must stay, as Django's own
    test client keeps it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


class World:
    raw_token: str
    photo_id: str
    collection_id: int
    notice_id: int


@pytest.fixture
def contract_world(catalog_world, cleared, django_capture_on_commit_callbacks,
                   settings) -> World:
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "download-account": None, "api-account": None}
    officer = catalog_world["marketing"]
    photo = cleared("Old harbour at dusk", width=480, height=320)
    gone = cleared("Fish market", width=480, height=320)
    with django_capture_on_commit_callbacks(execute=True):
        services.download_prepare(photo_id=gone.pk, user=officer, rendition="web", use="web",
                                  campaign="Spring")
        collection = services.collection_create(owner=officer, name="Harbour")
        services.collection_add(collection=collection, photo_id=photo.pk)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=gone.pk, acting_user=catalog_world["resident"])
    world = World()
    _token, world.raw_token = api_token_create(user=officer, name="contract", scope="download")
    world.photo_id = str(photo.pk)
    world.collection_id = collection.pk
    world.notice_id = RecallNotice.objects.get(user=officer).pk
    return world


_turn = itertools.count()


def _use_known_ids(case, world: World) -> None:
    """Every other request: the path's ids (and a body's photo_id) of objects that exist."""
    if next(_turn) % 2:
        return
    params = case.path_parameters or {}
    for name in list(params):
        if name == "photo_id":
            params[name] = world.photo_id
        elif name == "id":
            params[name] = (world.notice_id if "notices" in case.operation.path
                            else world.collection_id)
    if isinstance(case.body, dict) and "photo_id" in case.body:
        case.body["photo_id"] = world.photo_id


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case, contract_world):
    _use_known_ids(case, contract_world)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {contract_world.raw_token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_headers_conformance, response_schema_conformance])


def test_the_schema_describes_every_resource_and_the_token(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    spec = response.json() if response["Content-Type"].startswith("application/json") \
        else __import__("yaml").safe_load(response.content)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/search/", "/api/v1/photos/{photo_id}/",
        "/api/v1/photos/{photo_id}/renditions/{kind}/", "/api/v1/collections/",
        "/api/v1/collections/{id}/", "/api/v1/collections/{id}/photos/",
        "/api/v1/collections/{id}/photos/{photo_id}/", "/api/v1/downloads/",
        "/api/v1/notices/", "/api/v1/notices/{id}/acknowledge/"}
    assert spec["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer",
        "description": "A personal API token (made on the site's API tokens page)."}


def test_the_docs_page_is_served_from_the_sites_own_files_under_its_csp(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and "<script>" not in html  # nothing inline
    sources = [part.split('"')[0] for part in html.split('src="')[1:]]
    assert sources and all(s.startswith("/") for s in sources), sources  # no CDN
    assert any("swagger-ui-bundle.js" in s for s in sources)
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    script = client.get([s for s in sources if "script" in s][0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in script.content



def test_the_schema_generates_without_a_warning(tmp_path):
    """drf-spectacular's own check: every view and field described, nothing guessed."""
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/downloads/" in out.read_text()
