"""The catalog's own rows: the search document, collections and the usage log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone

from photolib.consent.models import USES, AgreementVersion, CommunityGroup, ConsentRecord
from photolib.photos.models import Photo


class SearchDocument(models.Model):
    """What the catalog's search reads of one photo, in one narrow row: its words
    (weighted for PostgreSQL full-text search, GIN-indexed; ``text`` serves the portable
    backend) and the facts every filter, facet and sort uses, copied from the photo by
    ``catalog.search.index`` whenever photos or accounts announce a change it copies
    (approval, new facts, the owner's credit: ``catalog/receivers.py``).

    Search matches words and filters here, in one table scan, instead of joining the
    wide photo row (EXIF and all) for every candidate; beyond this table it reads only
    the photo's tags (``photos_photo_tags``), the rights-cleared rule and the page's
    rows. The rule itself is never copied: a document says nothing about whether its
    photo may be used (``Photo.objects.cleared()`` decides, at the moment of every
    search).
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
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"search document of {self.photo_id}"


class Collection(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="collections")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    photos = models.ManyToManyField(Photo, through="CollectionItem", related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at"]
        constraints = [models.UniqueConstraint(fields=["collection", "photo"],
                                               name="collection_photo_once")]

    def __str__(self) -> str:
        return f"{self.photo_id} in {self.collection_id}"


class Download(models.Model):
    """The usage log: one row per file served, written in the same request."""

    class Rendition(models.TextChoices):
        WEB = "web", "Web (1600 px)"
        PRINT = "print", "Print (full resolution)"

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
                                help_text="The copy handed out, in the downloads storage.")

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.photo_id} {self.rendition} for {self.use}"
