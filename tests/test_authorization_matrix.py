"""The authorization matrix: every URL the resolver knows × every kind of visitor × GET and
POST, against the status each SHOULD get, in one table (issue 12).

How to read ``MATRIX``: one entry per URL name; per method, seven answers in the order of
``ACTORS``:

    anon   nobody signed in
    unver  a resident who has not confirmed their email (and so joined no group)
    resA   a resident, member of the group, owner of every resident-owned object below
    resB   a resident, member of the same group, owner of none of them
    mkt    marketing, owner of the collection and the recall notice below
    rev    a reviewer
    su     a superuser (holds every permission, owns nothing)

An answer is a status code, or ``login`` (302 to the site's sign-in page, with ``next``) or
``admin`` (302 to the admin's sign-in page). ``-`` would mean "not requested"; nothing uses it.

Objects the URLs point at are made through the real services (``WORLD`` fixture): a photo of
resident A that is cleared, a second one that marketing downloaded and A then withdrew (which
makes marketing's recall notice), marketing's collection, A's consent record, the group's
agreement version. Each request runs in a savepoint that is rolled back afterwards, so a POST
that withdraws, deletes or erases changes nothing for the next one.

POSTs are sent without a CSRF token on purpose (the test client does not enforce CSRF): the
matrix is about who may do what, and a CSRF refusal would hide every answer behind a 403.

A URL added later without a row fails ``test_every_url_has_a_row``. No combination may
answer 500.

The Django admin's per-model pages are rows per pattern (``admin:<model>_change`` etc.),
expanded for every registered model from ``ADMIN_MODELS``, which says what the reviewer role
and a superuser may do with each model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from photolib import ratelimit
from photolib.accounts.api_tokens import api_token_create
from photolib.accounts.models import User
from photolib.accounts.sessions import is_staff_account
from photolib.api.models import WebhookDelivery, WebhookEndpoint
from photolib.catalog import services as catalog_services
from photolib.catalog.models import RecallNotice, Synonym
from photolib.consent.models import CollectionMethod, ConsentRecord
from photolib.consent.services import RequestContext
from photolib.photos import moderation
from tests.catalog.conftest import catalog_world, cleared  # noqa: F401 - fixtures
from tests.conftest import staff_login
from tests.consent.conftest import grant, make_user

ACTORS = ("anon", "unver", "resA", "resB", "mkt", "rev", "su")
METHODS = ("GET", "POST")


def row(get: str, post: str) -> dict[str, tuple[str, ...]]:
    answers = {"GET": tuple(get.split()), "POST": tuple(post.split())}
    for method, values in answers.items():
        assert len(values) == len(ACTORS), f"{method} row needs {len(ACTORS)} answers: {values}"
    return answers


# Shorthands for rows that recur: the same answers for GET and POST.
def both(answers: str) -> dict[str, tuple[str, ...]]:
    return row(answers, answers)


PUBLIC = both("200  200  200  200  200  200  200")
SIGNED_IN = both("login 200 200  200  200  200  200")
REVIEWERS = both("login 403 403  403  403  200  200")
MARKETING = both("login 403 403  403  200  403  200")
# Resident pages (``accounts.contribute``); the superuser holds that permission too.
RESIDENTS = both("login 200 200  200  403  403  200")
API_TOKEN_ONLY = both("401 401  401  401  401  401  401")
# Something only its subject (resident A) and reviewers may see; anyone else gets a 404, so
# that it is not revealed to exist.
A_AND_REVIEWERS = both("login 404 200  404  404  200  200")

# fmt: off
MATRIX: dict[str, dict[str, tuple[str, ...]]] = {
    #                                     anon  unver resA resB mkt  rev  su
    "home":                         PUBLIC,
    # --- accounts ---------------------------------------------------------------------
    # Signed in already: sign-up and sign-in send you on (to the profile, to home).
    "accounts:sign_up":             both("200   302  302  302  302  302  302"),
    "accounts:verify":              both("400   400  400  400  400  400  400"),  # a bad token
    "accounts:resend_verification": row("login  405  405  405  405  405  405",
                                        "login  302  302  302  302  302  302"),
    "accounts:login":               both("200   302  302  302  302  302  302"),
    "accounts:logout":              row("405    405  405  405  405  405  405",
                                        "302    302  302  302  302  302  302"),
    "accounts:profile":             SIGNED_IN,
    # The language switcher (Django's set_language): anyone may choose; back to ``next``.
    "accounts:set_language":        row("405    405  405  405  405  405  405",
                                        "302    302  302  302  302  302  302"),
    "accounts:second_factor":       both("login  302  302  302  302  302  302"),
    "accounts:second_factor_enrol": both("login  302  302  302  302  302  302"),
    "accounts:password_change":     SIGNED_IN,
    "accounts:password_change_done": row("login 200  200  200  200  200  200",
                                         "login 405  405  405  405  405  405"),
    "accounts:password_reset":      PUBLIC,
    "accounts:password_reset_done": row("200    200  200  200  200  200  200",
                                        "405    405  405  405  405  405  405"),
    "accounts:password_reset_confirm": PUBLIC,  # a bad link: the page says so
    "accounts:password_reset_complete": row("200 200 200  200  200  200  200",
                                            "405 405 405  405  405  405  405"),
    # --- consent ----------------------------------------------------------------------
    "consent:group_list":           SIGNED_IN,
    "consent:group_detail":         SIGNED_IN,
    # Joining is for residents; the unverified one is told to confirm the address first (a
    # POST of an empty form is a 400 with the form's errors).
    "consent:join":                 row("login  200  200  200  403  403  200",
                                        "login  400  400  400  403  403  400"),
    # Withdrawing: members see the page and may withdraw; anyone else is told they are
    # not a member (400).
    "consent:withdraw":             row("login  400  200  200  400  400  400",
                                        "login  400  302  302  400  400  400"),
    "consent:agreement_detail":     PUBLIC,
    "consent:my_consent":           SIGNED_IN,
    "consent:receipt":              A_AND_REVIEWERS,
    "consent:receipt_json":         A_AND_REVIEWERS,
    "consent:receipt_jws":          A_AND_REVIEWERS,
    "consent:record_27560":         A_AND_REVIEWERS,
    "consent:my_consent_27560":     SIGNED_IN,
    "consent:verify_receipt":       row("200    200  200  200  200  200  200",
                                        "400    400  400  400  400  400  400"),
    "consent:verify_receipt_api":   row("405    405  405  405  405  405  405",
                                        "400    400  400  400  400  400  400"),
    "consent:jwks":                 row("200    200  200  200  200  200  200",
                                        "405    405  405  405  405  405  405"),
    "consent:record_list":          REVIEWERS,
    "consent:record_export":        REVIEWERS,
    "consent:record_detail":        REVIEWERS,
    # --- photos (the resident's pages) --------------------------------------------------
    "photos:upload":                row("login  200  200  200  403  403  200",
                                        "login  400  400  400  403  403  400"),
    "photos:mine":                  row("login  200  200  200  403  403  200",
                                        "login  405  405  405  403  403  405"),
    "photos:renew":                 RESIDENTS,
    # Resident A's photo: only A may edit or delete it; other residents and the superuser
    # get a 404 (never reveal someone else's photo), other roles a 403 for the page.
    "photos:edit":                  row("login  404  200  404  403  403  404",
                                        "login  404  400  404  403  403  404"),
    "photos:delete":                row("login  404  200  404  403  403  404",
                                        "login  404  302  404  403  403  404"),
    "photos:status":                row("login  404  200  404  404  404  404",
                                        "login  405  405  405  405  405  405"),
    "photos:rendition":             row("login  404  200  404  404  200  200",
                                        "login  405  405  405  405  405  405"),
    # --- catalog (marketing) --------------------------------------------------------------
    "catalog:search":               MARKETING,
    "catalog:photo":                MARKETING,
    "catalog:rendition":            MARKETING,
    # GET sends you to the photo page; the POST (a valid download form) is the file.
    "catalog:download":             row("login  403  403  403  302  403  302",
                                        "login  403  403  403  200  403  200"),
    "catalog:collections":          MARKETING,
    # Marketing's own collection: the superuser is not its owner (404).
    "catalog:collection":           both("login 403  403  403  200  403  404"),
    "catalog:collection_add":       row("login  403  403  403  405  403  405",
                                        "login  403  403  403  302  403  404"),
    "catalog:collection_remove":    row("login  403  403  403  405  403  405",
                                        "login  403  403  403  302  403  404"),
    "catalog:collection_zip":       row("login  403  403  403  405  403  405",
                                        "login  403  403  403  200  403  404"),
    # Sharing, renaming, deleting: the owner only; anyone else, the superuser too, a 404.
    # (An empty share form is a 400 with the form's errors.)
    "catalog:collection_share":     row("login  403  403  403  405  403  405",
                                        "login  403  403  403  400  403  404"),
    "catalog:collection_unshare":   row("login  403  403  403  405  403  405",
                                        "login  403  403  403  302  403  404"),
    "catalog:collection_rename":    row("login  403  403  403  405  403  405",
                                        "login  403  403  403  302  403  404"),
    "catalog:collection_delete":    row("login  403  403  403  405  403  405",
                                        "login  403  403  403  302  403  404"),
    "catalog:notices":              MARKETING,
    "catalog:notice_acknowledge":   row("login  403  403  403  405  403  405",
                                        "login  403  403  403  302  403  404"),
    "catalog:photo_recall":         REVIEWERS,
    "catalog:licence":              PUBLIC,
    # Only the owner withdraws a photo; anyone else's attempt is a 404.
    "catalog:withdraw_photo":       row("login  405  405  405  405  405  405",
                                        "login  404  302  404  404  404  404"),
    # --- review ---------------------------------------------------------------------------
    "review:queue":                 REVIEWERS,
    "review:dashboard":             REVIEWERS,
    "review:photo":                 REVIEWERS,
    "review:file":                  REVIEWERS,
    "review:approve_many":          row("login  403  403  403  403  405  405",
                                        "login  403  403  403  403  302  302"),
    "review:approve":               row("login  403  403  403  403  405  405",
                                        "login  403  403  403  403  302  302"),
    "review:focal_point":           row("login  403  403  403  403  405  405",
                                        "login  403  403  403  403  302  302"),
    "review:reject":                row("login  403  403  403  403  405  405",
                                        "login  403  403  403  403  302  302"),
    "review:take_down":             row("login  403  403  403  403  405  405",
                                        "login  403  403  403  403  302  302"),
    "review:retry":                 row("login  403  403  403  403  405  405",
                                        "login  403  403  403  403  302  302"),
    # --- rights ---------------------------------------------------------------------------
    "rights:export":                row("login  200  200  200  200  200  200",
                                        "login  405  405  405  405  405  405"),
    "rights:erase":                 row("login  200  200  200  200  200  200",
                                        "login  400  400  400  400  400  400"),
    "rights:erasure_log":           row("login  403  403  403  403  200  200",
                                        "login  403  403  403  403  405  405"),
    # --- the API ------------------------------------------------------------------------
    # A session is no API credential: without a token every resource is a 401, for
    # everyone (tests/api covers tokens). The file link here is a forged one.
    "api:search":                   API_TOKEN_ONLY,
    "api:photo":                    API_TOKEN_ONLY,
    "api:rendition":                API_TOKEN_ONLY,
    "api:collections":              API_TOKEN_ONLY,
    "api:collection":               API_TOKEN_ONLY,
    "api:collection_photos":        API_TOKEN_ONLY,
    "api:collection_photo":         API_TOKEN_ONLY,
    "api:downloads":                API_TOKEN_ONLY,
    "api:notices":                  API_TOKEN_ONLY,
    "api:notice_acknowledge":       API_TOKEN_ONLY,
    "api:download_file":            row("404    404  404  404  404  404  404",
                                        "405    405  405  405  405  405  405"),
    # The schema and its docs page hold no data: public.
    "api:schema":                   row("200    200  200  200  200  200  200",
                                        "405    405  405  405  405  405  405"),
    "api:docs":                     row("200    200  200  200  200  200  200",
                                        "405    405  405  405  405  405  405"),
    # Marketing's own token page (an empty form is a 400); revoking: marketing's own token
    # (the superuser holds the catalog permission but not this token: 404).
    "api:tokens":                   row("login  403  403  403  200  403  200",
                                        "login  403  403  403  400  403  400"),
    "api:token_revoke":             row("login  403  403  403  405  403  405",
                                        "login  403  403  403  302  403  404"),
    # --- the Django admin: the site's own pages -------------------------------------------
    # Anyone without admin access is sent to the admin's sign-in page.
    "admin:index":                  both("admin admin admin admin admin 200 200"),
    # django-otp's own admin pages for a TOTP device: its settings and its QR code.
    "admin:otp_totp_totpdevice_config": both("admin admin admin admin admin 403 200"),
    "admin:otp_totp_totpdevice_qrcode": both("admin admin admin admin admin 403 200"),
    # Signed in without admin access: the page says so (200); staff are sent to the index.
    "admin:login":                  row("200    200  200  200  200  302  302",
                                        "200    200  200  200  200  200  200"),
    # Not staff: sent to the admin index (which sends them to its sign-in page).
    # Staff: signed out and sent home (LOGOUT_REDIRECT_URL).
    "admin:logout":                 row("302    302  302  302  302  405  405",
                                        "302    302  302  302  302  302  302"),
    "admin:password_change":        both("admin admin admin admin admin 200 200"),
    "admin:password_change_done":   row("admin  admin admin admin admin 200 200",
                                        "admin  admin admin admin admin 405 405"),
    # Without its query parameters the autocomplete endpoint refuses even staff.
    "admin:autocomplete":           row("admin  admin admin admin admin 403 403",
                                        "admin  admin admin admin admin 405 405"),
    # The upload script's translations (Django's JavaScriptCatalog): public, GET only.
    "javascript_catalog":           row("200    200  200  200  200  200  200",
                                        "405    405  405  405  405  405  405"),
    "admin:jsi18n":                 row("admin  admin admin admin admin 200 200",
                                        "admin  admin admin admin admin 405 405"),
    "admin:view_on_site":           both("admin admin admin admin admin 302 302"),
    "admin:app_list":               both("admin admin admin admin admin 200 200"),
    # The user admin's "set password" page: changing a user is for superusers only.
    "admin:auth_user_password_change": both("admin admin admin admin admin 403 200"),
}

# What each role may do per registered admin model: v view, a add, c change, d delete;
# r: the change form has only read-only fields, so an empty POST saves and redirects
# (after the model admin's own limits: evidence is read-only for everyone; published
# agreement versions are shown read-only, and the fixture's version is published).
ADMIN_MODELS: dict[str, tuple[str, str]] = {
    #  app_model                      reviewer  superuser
    "accounts_user":                 ("v",     "vacd"),
    "auth_group":                    ("",      "vacd"),
    "axes_accessattempt":            ("",      "vcdr"),
    "axes_accesslog":                ("",      "vcdr"),
    "axes_accessfailurelog":         ("",      "vcdr"),
    "consent_communitygroup":        ("vac",   "vacd"),
    "consent_agreementversion":      ("va",    "va"),
    "consent_consentrecord":         ("v",     "v"),
    "photos_photo":                  ("v",     "vc"),
    "photos_moderationevent":        ("v",     "v"),
    "photos_tag":                    ("",      "vacd"),
    "catalog_download":              ("v",     "v"),
    "catalog_collection":            ("",      "v"),  # changed only by its services (logged)
    "catalog_synonym":               ("vacd",  "vacd"),
    "otp_totp_totpdevice":           ("",      "vacd"),
    "otp_static_staticdevice":       ("",      "vacd"),
    "api_webhookendpoint":           ("",      "vacd"),
    # An empty POST to a delivery: its attempts formset asks for its data (200).
    "api_webhookdelivery":           ("",      "vcd"),
}
# fmt: on

# Patterns without a name, on purpose: the admin's old-style object URLs (a redirect to
# the change page) and its catch-all (a 404, or the sign-in page). Nothing of ours.
UNNAMED_ALLOWED = (
    re.compile(r"^admin/\w+/\w+/<path:object_id>/$"),
    re.compile(r"^admin/\(\?P<url>\.\*\)\$$"),
)


def _admin_answers(may: str, view: str, method: str) -> str:
    """The status a holder of ``may`` gets from the admin's ``view`` page of a model."""
    can = {"v": "v" in may or "c" in may, "a": "a" in may, "c": "c" in may, "d": "d" in may}
    if view in ("changelist", "history"):
        return "200" if can["v"] else "403"
    if view == "add":
        return "200" if can["a"] else "403"  # an empty POST: the form's errors, 200
    if view == "change":
        if method == "POST":
            if not can["c"]:
                return "403"
            return "302" if "r" in may else "200"  # an empty POST: the form's errors, 200
        return "200" if can["v"] else "403"
    if view == "delete":
        return "200" if can["d"] else "403"  # an empty POST is the confirmation page
    raise AssertionError(view)


ADMIN_VIEWS = ("changelist", "add", "history", "delete", "change")


def _admin_model_rows() -> dict[str, dict[str, tuple[str, ...]]]:
    rows = {}
    for model, (reviewer, superuser) in ADMIN_MODELS.items():
        for view in ADMIN_VIEWS:
            rows[f"admin:{model}_{view}"] = {
                method: ("admin",) * 5 + (_admin_answers(reviewer, view, method),
                                          _admin_answers(superuser, view, method))
                for method in METHODS}
    return rows


EXPECTED = {**MATRIX, **_admin_model_rows()}

# Valid POST data where an empty form would only show that the form checks its input.
POST_DATA = {
    "catalog:download": lambda w: {"rendition": "web", "use": "web", "campaign": "Matrix"},
    "catalog:collection_add": lambda w: {"photo_id": str(w.photo.pk)},
    "catalog:collection_remove": lambda w: {"photo_id": str(w.photo.pk)},
    "catalog:collection_zip": lambda w: {"rendition": "web", "use": "web",
                                         "campaign": "Matrix"},
    "catalog:collection_rename": lambda w: {"rename-name": "Matrix"},
    "review:reject": lambda w: {"reason": "Not sharp enough"},
    "review:take_down": lambda w: {"reason": "A complaint"},
}


# --- the resolver --------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str


def walk(patterns, namespace: str | None = None, prefix: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace
                                     else pattern.name)
            yield Route(name, prefix + str(pattern.pattern))


def routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


def test_every_url_has_a_row():
    named = {r.name for r in routes() if r.name}
    assert named - set(EXPECTED) == set(), "URLs without a row in the matrix"
    assert set(EXPECTED) - named == set(), "rows for URLs the resolver no longer has"


def test_every_url_has_a_name_or_is_an_allowed_unnamed_one():
    unnamed = [r.route for r in routes() if not r.name]
    assert [r for r in unnamed if not any(p.match(r) for p in UNNAMED_ALLOWED)] == []


def test_every_registered_admin_model_has_a_row():
    registered = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS)


# --- the world the URLs point at ----------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    group: object
    version: object
    record: ConsentRecord
    photo: object
    gone: object
    collection: object
    notice: RecallNotice
    token: object

    def kwargs(self, name: str) -> dict:
        """The URL's arguments, from this world's objects."""
        by_name = {
            "consent:agreement_detail": {"pk": self.version.pk},
            "catalog:collection": {"pk": self.collection.pk},
            "catalog:collection_add": {"pk": self.collection.pk},
            "catalog:collection_remove": {"pk": self.collection.pk},
            "catalog:collection_zip": {"pk": self.collection.pk},
            "catalog:collection_share": {"pk": self.collection.pk},
            "catalog:collection_unshare": {"pk": self.collection.pk},
            "catalog:collection_rename": {"pk": self.collection.pk},
            "catalog:collection_delete": {"pk": self.collection.pk},
            "catalog:notice_acknowledge": {"pk": self.notice.pk},
            "api:collection": {"pk": self.collection.pk},
            "api:collection_photos": {"pk": self.collection.pk},
            "api:collection_photo": {"pk": self.collection.pk, "photo_id": self.photo.pk},
            "api:notice_acknowledge": {"pk": self.notice.pk},
            "api:rendition": {"photo_id": self.photo.pk, "kind": "thumb"},
            "api:download_file": {"signed": "forged.link"},
            "api:token_revoke": {"pk": self.token.pk},
            "catalog:rendition": {"photo_id": self.photo.pk, "kind": "preview"},
            "photos:rendition": {"photo_id": self.photo.pk, "kind": "thumb"},
            "review:file": {"photo_id": self.photo.pk, "kind": "original"},
            "accounts:verify": {"token": "not-a-real-token"},
            "accounts:password_reset_confirm": {"uidb64": "MQ", "token": "not-a-token"},
            "admin:app_list": {"app_label": "photos"},
            "admin:view_on_site": {
                "content_type_id": ContentType.objects.get_for_model(self.group).pk,
                "object_id": self.group.pk},
            "admin:auth_user_password_change": {"id": self.users["resA"].pk},
            "admin:otp_totp_totpdevice_config": {"pk": self.totp_device().pk},
            "admin:otp_totp_totpdevice_qrcode": {"pk": self.totp_device().pk},
        }
        if name in by_name:
            return by_name[name]
        pattern = next(r.route for r in routes() if r.name == name)
        found = {}
        if "<uuid:photo_id>" in pattern:
            found["photo_id"] = self.photo.pk
        if "<slug:slug>" in pattern:
            found["slug"] = self.group.slug
        if "<uuid:record_id>" in pattern:
            found["record_id"] = self.record.pk
        if "<path:object_id>" in pattern:
            found["object_id"] = self.admin_object(name).pk
        return found

    def totp_device(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return TOTPDevice.objects.order_by("pk").first()

    def admin_object(self, name: str):
        label = name.removeprefix("admin:").rsplit("_", 1)[0]
        model = next(m for m in admin.site._registry
                     if f"{m._meta.app_label}_{m._meta.model_name}" == label)
        preferred = {"accounts_user": self.users["resA"], "photos_photo": self.photo,
                     "consent_consentrecord": self.record,
                     "consent_agreementversion": self.version,
                     "catalog_collection": self.collection}
        return preferred.get(label) or model._default_manager.order_by("pk").first()


CONTEXT = RequestContext(ip_address="198.51.100.4", user_agent="matrix")


@pytest.fixture
def world(catalog_world, cleared, django_capture_on_commit_callbacks) -> World:  # noqa: F811
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    resident_a = catalog_world["resident"]
    resident_b = make_user("bo@example.org")
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # A second factor of the reviewer's, for the admin's device pages.
    TOTPDevice.objects.create(user=catalog_world["reviewer"], name="matrix", confirmed=True)
    StaticDevice.objects.create(user=catalog_world["reviewer"], name="matrix recovery")
    grant(resident_b, catalog_world["group"])
    marketing = catalog_world["marketing"]
    # Small images: the matrix needs the files to exist, not to be large.
    photo = cleared("Sunset over the harbour", width=480, height=320)
    gone = cleared("Fish market", width=480, height=320)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.download_prepare(photo_id=gone.pk, user=marketing, rendition="web",
                                          use="web", campaign="Spring")
        collection = catalog_services.collection_create(owner=marketing, name="Harbour")
        catalog_services.collection_add(collection=collection, photo_id=photo.pk)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=gone.pk, acting_user=resident_a, context=CONTEXT)
    notice = RecallNotice.objects.get(user=marketing)
    # Plain rows, so that the lockout admin's object pages have something to show.
    common = {"user_agent": "matrix", "ip_address": "198.51.100.9", "username": "x@example.org",
              "http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **common)
    AccessLog.objects.create(**common)
    AccessFailureLog.objects.create(**common)
    Synonym.objects.create(terms="harbour, port, quay", note="matrix")
    token, _secret = api_token_create(user=marketing, name="matrix", scope="download")
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.org/photolib",
                                              secret="s" * 32, events=["photo.withdrawn"])
    WebhookDelivery.objects.create(endpoint=endpoint, event="photo.withdrawn", payload={})
    users = {
        "anon": None,
        "unver": make_user("una@example.org", verified=False),
        "resA": resident_a,
        "resB": resident_b,
        "mkt": marketing,
        "rev": catalog_world["reviewer"],
        "su": User.objects.create_superuser(email="sue@example.org",
                                            password="a-long-test-password",
                                            display_name="Sue"),
    }
    record = ConsentRecord.objects.get(user=resident_a,
                                       collection_method=CollectionMethod.JOIN_FORM)
    return World(users=users, group=catalog_world["group"],
                 version=catalog_world["group"].current_version(), record=record,
                 photo=photo, gone=gone, collection=collection, notice=notice, token=token)


# --- signing in ---------------------------------------------------------------------------


def sign_in(client: Client, user: User) -> None:
    """Sign ``user`` in on ``client``, as each kind of visitor would be.

    The one place that signs anyone in for the matrix: when staff accounts need a second
    factor (django-otp), this is where a reviewer's or superuser's session is also marked
    as verified with their device, so every row keeps testing what the role may do.
    """
    if is_staff_account(user):
        staff_login(client, user)
    else:
        client.force_login(user)


# --- the matrix -----------------------------------------------------------------------


def answer(response) -> str:
    """The matrix's word for a response."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("accounts:login") + "?next="):
            return "login"
        if location.startswith(reverse("admin:login") + "?next="):
            return "admin"
    return str(response.status_code)


def request(client: Client, method: str, url: str, data: dict):
    """One request whose every effect is rolled back; a streamed body is read to its end
    inside (a ZIP or CSV fails while streaming, not before). The client's cookies come back
    as they were too: a sign-out or a password change does not end the actor's session for
    the next request (its session row, made before, is untouched by the rollback)."""
    cookies = client.cookies
    client.cookies = SimpleCookie()
    client.cookies.load({k: v.value for k, v in cookies.items()})
    with transaction.atomic():
        ratelimit.reset()
        response = client.get(url) if method == "GET" else client.post(url, data)
        if response.streaming:
            b"".join(response.streaming_content)
        if getattr(response, "file_to_stream", None) is not None:
            response.file_to_stream.close()  # not response.close(): that ends the request
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def test_authorization_matrix(world):
    """One world for all actors (building it runs the whole ingest twice), every request in
    a savepoint of its own; the failure lists every differing answer, actor by actor."""
    clients = {actor: Client(raise_request_exception=False) for actor in ACTORS}
    for actor, user in world.users.items():
        if user is not None:
            sign_in(clients[actor], user)
    wrong, errors = [], []
    for name in sorted(EXPECTED):
        url = reverse(name, kwargs=world.kwargs(name))
        for method in METHODS:
            data = POST_DATA[name](world) if name in POST_DATA else {}
            for index, actor in enumerate(ACTORS):
                response = request(clients[actor], method, url, data)
                got = answer(response)
                want = EXPECTED[name][method][index]
                if response.status_code >= 500:
                    errors.append(f"{actor:5} {method:4} {url} ({name}): "
                                  f"{response.status_code} {getattr(response, 'exc_info', None)}")
                if got != want:
                    wrong.append(f"{actor:5} {name:36} {method:4} expected {want:5} got {got}")
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert not wrong, "answers that differ from the matrix:\n" + "\n".join(wrong)
