"""Exports are safe to open in a spreadsheet and are never stored by a cache."""

import csv
import io
import json

import pytest
from django.urls import reverse

from photolib.consent import services
from photolib.consent.models import CommunityGroup
from tests.conftest import staff_login
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tTAB", "\rCR"]


def test_reviewers_csv_neutralises_formulas_in_names_and_user_agents(client, reviewer):
    group = CommunityGroup.objects.create(name="=Harbour", slug="harbour")
    publish(group)
    for n, formula in enumerate(FORMULAS):
        user = make_user(f"r{n}@example.org")
        user.display_name = formula
        user.save(update_fields=["display_name"])
        grant(user, group, services.RequestContext(ip_address="203.0.113.7",
                                                   user_agent=formula))
    staff_login(client, reviewer)
    response = client.get(reverse("consent:record_export"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(),
                                       newline="")))
    header, body = rows[0], rows[1:]
    names = [r[header.index("subject_name")] for r in body]
    agents = [r[header.index("user_agent")] for r in body]
    assert names == ["'" + f for f in FORMULAS]
    assert agents == ["'" + f for f in FORMULAS]
    assert {r[header.index("group")] for r in body} == {"'=Harbour"}
    # Nothing else in any cell starts like a formula.
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.fixture
def record(group, resident):
    return grant(resident, group)


@pytest.mark.parametrize("name", ["consent:receipt", "consent:receipt_json",
                                  "consent:receipt_jws", "consent:record_27560"])
def test_receipts_are_not_stored(client, resident, record, name):
    client.force_login(resident)
    response = client.get(reverse(name, args=[record.id]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_exports_and_reviewer_pages_are_not_stored(client, resident, reviewer, record):
    client.force_login(resident)
    for url in (reverse("consent:my_consent_27560"), reverse("consent:my_consent")):
        assert client.get(url)["Cache-Control"] == "private, no-store"
    staff_login(client, reviewer)
    for url in (reverse("consent:record_export"), reverse("consent:record_list"),
                reverse("consent:record_detail", args=[record.id])):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_the_public_key_keeps_its_own_cache_policy(client, resident):
    client.force_login(resident)
    response = client.get(reverse("consent:jwks"))
    assert json.loads(response.content)["keys"]
    assert response["Cache-Control"] == "public, max-age=3600"
    client.logout()
    assert "no-store" not in client.get(reverse("consent:jwks"))["Cache-Control"]
