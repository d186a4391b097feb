"""API test helpers: tokens made through the real service, a client that sends them."""

from __future__ import annotations

import pytest
from django.test import Client

from photolib.accounts.api_tokens import api_token_create
from tests.catalog.conftest import catalog_world, cleared  # noqa: F401 - fixtures


class ApiClient:
    """A test client that sends ``Authorization: Bearer <raw>`` on every call (or nothing,
    with ``raw=None``) and JSON bodies."""

    def __init__(self, raw: str | None):
        self.raw = raw
        self.client = Client(raise_request_exception=False)

    def _headers(self, extra: dict) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"} if self.raw else {}
        return {**headers, **extra}

    def get(self, path: str, data=None, **extra):
        return self.client.get(path, data, **self._headers(extra))

    def post(self, path: str, data=None, **extra):
        return self.client.post(path, data or {}, content_type="application/json",
                                **self._headers(extra))

    def delete(self, path: str, **extra):
        return self.client.delete(path, **self._headers(extra))


@pytest.fixture
def token_for(db):
    """``token_for(user, scope="download", **kwargs)``: (ApiToken, raw secret)."""

    def make(user, scope: str = "download", name: str = "CMS", **kwargs):
        return api_token_create(user=user, name=name, scope=scope, **kwargs)

    return make


@pytest.fixture
def api(catalog_world, token_for) -> ApiClient:  # noqa: F811 - the fixture
    """The marketing officer's client with a download-scope token."""
    _token, raw = token_for(catalog_world["marketing"])
    return ApiClient(raw)
