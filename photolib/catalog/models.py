"""The catalog's own rows: the search document, collections, the usage log, and the
recall trail (listings and the notices sent when a photo leaves the catalog)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photolib.consent.models import USES, AgreementVersion, CommunityGroup, ConsentRecord
from photolib.photos.models import Photo


class TagIdsField(ArrayField):
    """An array of integers on PostgreSQL; on other databases a column that stays NULL
    (SQLite has no arrays, and its search reads the photo's tag rows instead)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("base_field", models.IntegerField())
        super().__init__(**kwargs)

    def get_placeholder(self, value, compiler, connection):
        if connection.vendor == "postgresql":
            return super().get_placeholder(value, compiler, connection)
        return "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return None
        return super().get_db_prep_value(value, connection, prepared)


class SearchDocument(models.Model):
    """What the catalog's search reads of one photo, in one narrow row: its words
    (weighted for PostgreSQL full-text search, GIN-indexed; ``text`` serves the portable
    backend) and the facts every filter, facet and sort uses, copied from the photo by
    ``catalog.search.index`` whenever photos or accounts announce a change it copies
    (approval, new facts, the owner's credit: ``catalog/receivers.py``).

    Search matches words and filters here, in one table scan, instead of joining the
    wide photo row (EXIF and all) for every candidate.

    ``cleared`` remembers what ``Photo.objects.cleared()`` answered for the photo when it
    was last asked (``index.refresh_clearance``, the only writer that sets it), and
    ``cleared_until`` the end of the licence term it saw: PostgreSQL counts totals and
    facets over documents with ``cleared`` and ``cleared_until`` in the future, through
    indexes limited to them, instead of evaluating the rule for every match. It is a
    cache that can only hide a photo, never show one: on PostgreSQL, triggers
    (migration 0013) unset it in the very transaction that changes any row the rule
    reads (the photo's status, dates, grant, agreement or owner; its attestation; a
    withdrawal or any other change to the consent records of its owner and group; its
    agreement version), and the photos of a page are always checked against the rule
    itself before they are shown. The periodic job ``search-clearance`` asks the rule
    again for every document whose flag disagrees with it.
    """

    photo = models.OneToOneField(Photo, primary_key=True, on_delete=models.CASCADE,
                                 related_name="search_document")
    vector = SearchVectorField(null=True)
    text = models.TextField(blank=True)
    # Copies of the photo's facts (see the docstring).
    group = models.ForeignKey(CommunityGroup, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True)
    width = models.PositiveIntegerField(null=True)
    height = models.PositiveIntegerField(null=True)
    camera_make = models.CharField(max_length=100, blank=True)
    place_name = models.CharField(max_length=200, blank=True)
    people = models.CharField(max_length=12, blank=True)
    coarse_latitude = models.FloatField(null=True)
    coarse_longitude = models.FloatField(null=True)
    # The language its words were indexed in (its group's, or the site's, at the time):
    # a query is read in the same language for this document.
    language = models.CharField(max_length=20, default="english")
    updated_at = models.DateTimeField(auto_now=True)
    # What the rule said when last asked, and until when (see the docstring).
    cleared = models.BooleanField(default=False)
    cleared_until = models.DateTimeField(null=True)
    # The photo's tag ids, for the tag filter and facet without a join (PostgreSQL only,
    # written by its backend like ``vector``; NULL elsewhere).
    tag_ids = TagIdsField(null=True)

    class Meta:
        indexes = [
            # Which languages a search reads the words in: a probe per language, per group
            # (``query.languages_in_use``).
            models.Index(fields=["language", "group"], name="catalog_doc_language_group"),
            # The few documents not marked cleared, which the periodic job asks about.
            models.Index(fields=["photo"], condition=models.Q(cleared=False),
                         name="catalog_doc_unmarked"),
        ]

    def __str__(self) -> str:
        return f"search document of {self.photo_id}"


class SearchWord(models.Model):
    """A word that appears in at least one search document, folded (lower case, no
    accents) but not stemmed: the dictionary that typo correction looks in ("harbur" ->
    "harbour"; PostgreSQL: a trigram index). Words are added as documents are indexed and
    not removed when a document goes (a suggestion that finds nothing is harmless, and
    the search that follows still applies the rights-cleared rule)."""

    word = models.CharField(max_length=60, primary_key=True)

    def __str__(self) -> str:
        return self.word


class Synonym(models.Model):
    """Terms search treats as one, kept by reviewers in the admin: a search for any of
    them finds photos described with any other ("town hall", "city hall", "Rathaus").
    A term may be several words (matched as a phrase)."""

    terms = models.TextField(help_text=_("The terms, separated by commas: town hall, city hall, "
                                       "Rathaus"))
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["terms"]

    def __str__(self) -> str:
        return self.terms

    def term_list(self) -> list[str]:
        """The terms, trimmed, each at most five words, without empties or repeats."""
        seen: dict[str, str] = {}
        for raw in self.terms.split(","):
            term = " ".join(raw.split()[:5])
            if term and term.lower() not in seen:
                seen[term.lower()] = term
        return list(seen.values())

    def clean(self):
        from django.core.exceptions import ValidationError

        if len(self.term_list()) < 2:
            raise ValidationError({"terms": "Give at least two terms, separated by commas."})


class Collection(models.Model):
    """A marketing officer's set of photos for a campaign. Its owner may share it with
    colleagues in marketing (``editors``), who add and remove photos and download it;
    only the owner renames, shares or deletes it (``catalog.services``)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="collections")
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="shared_collections")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class CollectionEvent(models.Model):
    """One change to a collection, who made it and when: its short history. Written by
    the collection services in the same transaction as the change. ``detail`` keeps what
    the history names (the photo's title, the colleague's email) as it was then."""

    class Action(models.TextChoices):
        CREATED = "created", _("created the collection")
        ADDED = "added", _("added a photo")
        REMOVED = "removed", _("removed a photo")
        SHARED = "shared", _("shared it with")
        UNSHARED = "unshared", _("stopped sharing it with")
        RENAMED = "renamed", _("renamed it")

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=12, choices=Action.choices)
    photo_key = models.UUIDField(null=True, blank=True)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+",
                                help_text=_("The colleague shared with or unshared."))
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} {self.detail} on {self.collection_id}"


class CollectionItem(models.Model):
    """A photo in a collection. It stays when the photo leaves the catalog (the collection
    shows a placeholder with the reason), and even when the photo's rows are deleted
    (``photo`` becomes empty; ``photo_key`` still names it)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    photo_key = models.UUIDField(db_index=True, help_text=_("The photo's id, kept after it is "
                                                          "deleted."))
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at"]
        constraints = [models.UniqueConstraint(fields=["collection", "photo_key"],
                                               name="collection_photo_key_once")]

    def __str__(self) -> str:
        return f"{self.photo_key} in {self.collection_id}"

    def save(self, *args, **kwargs):
        if self.photo_key is None and self.photo_id is not None:
            self.photo_key = self.photo_id
        super().save(*args, **kwargs)


class Download(models.Model):
    """The usage log: one row per file served, written in the same request."""

    class Rendition(models.TextChoices):
        WEB = "web", _("Web (1600 px)")
        PRINT = "print", _("Print (full resolution)")
        # Social-ready crops around the photo's focal point (media_ingest.crops.CROPS).
        SQUARE = "square", _("Square 1:1 (1080 × 1080)")
        PORTRAIT = "portrait", _("Portrait 4:5 (1080 × 1350)")
        WIDE = "wide", _("Link preview 1.91:1 (1200 × 628)")
        STORY = "story", _("Story 9:16 (1080 × 1920)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="downloads")
    rendition = models.CharField(max_length=8, choices=Rendition.choices)
    use = models.CharField(max_length=16, choices=USES)
    campaign = models.CharField(max_length=200)
    consent_record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="+")
    agreement_version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT,
                                          related_name="+")
    collection = models.ForeignKey(Collection, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="downloads")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    file_key = models.CharField(max_length=512, blank=True,
                                help_text=_("The copy handed out, in the downloads storage."))
    owner_told_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the photo's owner was told of this use (the "
                                         "first-use mail or the weekly digest)."))
    api_token = models.ForeignKey(
        "accounts.ApiToken", null=True, blank=True, on_delete=models.PROTECT,
        related_name="downloads",
        help_text=_("The API token it was asked for with (empty: the web form)."))

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.photo_id} {self.rendition} for {self.use}"


class Listing(models.Model):
    """One stretch of time during which a photo was in the catalog (``cleared()``), opened
    when the recall scan (``photolib.catalog.recall``) first sees it cleared or when marketing
    first holds it, and closed, with the reason and the time the rights ended, when it is
    no longer cleared. A closed listing is what tells the licence page to answer 410 and
    what the recall notices hang from. It never decides whether a photo may be used."""

    class Reason(models.TextChoices):
        WITHDRAWN = "withdrawn", _("withdrawn by the photographer")
        DELETED = "deleted", _("deleted by the photographer")
        GROUP_WITHDRAWN = "group_withdrawn", _(
            "the photographer withdrew their consent for the group")
        TAKEN_DOWN = "taken_down", _("taken down by the library's reviewers")
        EXPIRED = "expired", _("the licence term ended")
        ERASED = "erased", _("the photographer's account was erased")
        OTHER = "other", _("it no longer meets the library's conditions")

    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="listings")
    photo_key = models.UUIDField(db_index=True, help_text=_("The photo's id, kept after it is "
                                                          "deleted."))
    title = models.CharField(max_length=200, blank=True,
                             help_text=_("The title marketing saw (empty once erased)."))
    listed_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                    help_text=_("When the scan saw it leave the catalog."))
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    rights_ended_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the rights ended: the withdrawal, takedown, "
                                         "erasure or end of term."))

    class Meta:
        verbose_name = _("catalog listing")
        verbose_name_plural = _("catalog listings")
        ordering = ["-listed_at"]
        constraints = [models.UniqueConstraint(
            fields=["photo_key"], condition=models.Q(ended_at__isnull=True),
            name="listing_one_open_per_photo")]

    def __str__(self) -> str:
        state = f"ended {self.ended_at:%Y-%m-%d} ({self.reason})" if self.ended_at else "open"
        return f"{self.photo_key} listed {self.listed_at:%Y-%m-%d}, {state}"

    @property
    def reason_text(self) -> str:
        return self.get_reason_display()


class RecallNotice(models.Model):
    """A photo a marketing user holds (downloaded or collected) left the catalog: told once,
    in the site and by one mail, and their acknowledgement recorded."""

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="recall_notices")
    created_at = models.DateTimeField(default=timezone.now)
    downloads = models.JSONField(
        default=list, help_text=_("Their downloads of it when told: at, use, campaign, rendition."))
    collections = models.JSONField(default=list,
                                   help_text=_("Names of their collections that held it."))
    mailed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recall notice")
        verbose_name_plural = _("recall notices")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["listing", "user"],
                                               name="recall_notice_once_per_user")]

    def __str__(self) -> str:
        return f"notice to {self.user_id} about {self.listing.photo_key}"
