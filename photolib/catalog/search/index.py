"""The search documents: what a ``SearchDocument`` holds of a photo, and the functions
that write and drop them (called by ``catalog/receivers.py`` on the photos app's events,
and by the periodic jobs ``search-clearance`` and ``search-clearance-audit``). None of
them decides whether a photo may be used: ``refresh_clearance`` writes down what
``Photo.objects.cleared()`` answers, and the search checks the photos it shows against
the rule itself."""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Now

from photolib.catalog.models import SearchDocument, SearchWord
from photolib.catalog.search.backends import get_backend
from photolib.catalog.search.words import MAX_WORD, WORD
from photolib.celery import enqueue
from photolib.languages import fold, group_language
from photolib.photos.models import Photo, PhotoAttestation

log = logging.getLogger(__name__)

MIN_WORD = 3  # shorter words are not worth correcting, and crowd the trigram index

# The photo's facts that the document copies (the search filters, facets and sorts on
# them); ``people`` comes from the attestation.
DOCUMENT_FACTS = ("group_id", "uploaded_at", "taken_at", "width", "height", "camera_make",
                  "place_name", "coarse_latitude", "coarse_longitude")


def document_text(photo: Photo) -> dict[str, str]:
    """The photo's words by weight: A title, B tags, C place, D description and the
    owner's public credit name (empty strings where there are none). Never the display
    name: marketing would find a resident's photos by a name they did not publish."""
    return {
        "A": photo.title,
        "B": " ".join(t.name for t in photo.tags.all()),
        "C": "" if photo.hide_location else photo.place_name,
        "D": " ".join(filter(None, [photo.description, photo.owner.public_credit_name])),
    }


def index_photo(photo: Photo) -> None:
    """Build (or rebuild) the photo's search document: its words (``text``, and what the
    database's backend adds, e.g. PostgreSQL's vector) and a copy of its facts. Called by
    ``catalog/receivers.py`` when photos announces an approval or changed facts."""
    parts = document_text(photo)
    language = group_language(photo.group)
    people = (PhotoAttestation.objects.filter(photo=photo)
              .values_list("people", flat=True).first())
    defaults = {"text": " ".join(v for v in parts.values() if v), "people": people or "",
                "language": language,
                **{name: getattr(photo, name) for name in DOCUMENT_FACTS}}
    if photo.hide_location:  # the owner's choice: no place, no position for marketing
        defaults.update(place_name="", coarse_latitude=None, coarse_longitude=None)
    doc, _ = SearchDocument.objects.update_or_create(photo=photo, defaults=defaults)
    get_backend().index_document(doc.pk, parts, language)
    refresh_clearance([doc.pk])
    remember_words(defaults["text"])


# Documents the hourly audit asks the rule about in one statement: at 1M documents the
# whole table in one took 33 s, past the site's 30 s statement timeout.
AUDIT_BATCH = 50_000


def refresh_clearance(photo_ids=None, *, hidden_only: bool = False, after=None,
                      upto=None) -> tuple[int, int]:
    """Ask ``Photo.objects.cleared()`` about the documents of ``photo_ids`` (every
    document: None; with ``after`` and ``upto``, those with a photo id after the one and
    up to the other) and write its answer where the document's ``cleared`` or
    ``cleared_until`` (the photo's ``rights_expire_at``) says otherwise. With
    ``hidden_only``, only documents not marked cleared are asked (what the triggers
    unset). Returns (documents now marked cleared, documents no longer marked).

    The only code that marks a document cleared. Called by ``index_photo``, after every
    change the photos app announces, and by the periodic jobs; a few queries whatever
    the number of documents (ids are read, then written in batches)."""
    if hidden_only and photo_ids is None:
        # The unmarked documents first (a small index), then the rule for those only: the
        # planner, misjudging how many photos the rule clears, otherwise evaluated it for
        # every photo (15 s at 1M, every five minutes, with nothing to mark).
        unmarked = list(SearchDocument.objects.filter(cleared=False)
                        .values_list("photo_id", flat=True))
        shown = 0
        for start in range(0, len(unmarked), 1000):
            shown += refresh_clearance(unmarked[start:start + 1000], hidden_only=True)[0]
        return shown, 0
    # A document's key is its photo's: the same ids narrow both, the photos too since the
    # planner cannot carry them into the rule's joins (it evaluated the rule for every
    # photo otherwise).
    narrow = {}
    if photo_ids is not None:
        narrow["pk__in"] = list(photo_ids)
    if after is not None:
        narrow["pk__gt"] = after
    if upto is not None:
        narrow["pk__lte"] = upto
    docs = SearchDocument.objects.filter(**narrow)
    rule = Exists(Photo.objects.cleared().filter(**narrow).filter(pk=OuterRef("photo_id")))
    asked = docs.filter(cleared=False) if hidden_only else docs
    until = Subquery(Photo.objects.filter(pk=OuterRef("photo_id"))
                     .values("rights_expire_at")[:1])
    stale = (Q(cleared=False) | Q(until__isnull=True, cleared_until__isnull=False)
             | Q(until__isnull=False, cleared_until__isnull=True)
             | Q(until__lt=F("cleared_until")) | Q(until__gt=F("cleared_until")))
    show = list(asked.filter(rule).annotate(until=until).filter(stale)
                .values_list("photo_id", flat=True))
    hide = [] if hidden_only else list(docs.filter(cleared=True).exclude(rule)
                                      .values_list("photo_id", flat=True))
    for start in range(0, len(show), 1000):
        SearchDocument.objects.filter(photo_id__in=show[start:start + 1000]).update(
            cleared=True, cleared_until=until)
    for start in range(0, len(hide), 1000):
        SearchDocument.objects.filter(photo_id__in=hide[start:start + 1000]).update(
            cleared=False, cleared_until=None)
    return len(show), len(hide)


def clearance_periodic() -> str:
    """The periodic job ``search-clearance``: documents whose licence term has ended are
    unmarked (the search already leaves them out, reading ``cleared_until``), and
    documents not marked (unset by the triggers, or never asked) whose photos the rule
    now clears are marked again, e.g. after a change that no event announced."""
    ended = SearchDocument.objects.filter(cleared=True, cleared_until__lte=Now()).update(
        cleared=False, cleared_until=None)
    shown, _ = refresh_clearance(hidden_only=True)
    return (f"search clearance: {shown} document(s) marked cleared, {ended} whose "
            f"licence term ended unmarked")


def clearance_audit() -> str:
    """The periodic job ``search-clearance-audit``: every document's flag compared with
    the rule, and corrected. On PostgreSQL a document marked cleared whose photo the
    rule refuses means a change the triggers did not see: it is logged as an error
    (pages never showed it: they check the rule itself). Asked ``AUDIT_BATCH`` documents
    at a time, in photo id order, each batch its own statements."""
    shown = hidden = 0
    after = None
    while True:
        following = SearchDocument.objects.order_by("photo_id")
        if after is not None:
            following = following.filter(photo_id__gt=after)
        last = list(following.values_list("photo_id", flat=True)[AUDIT_BATCH - 1:AUDIT_BATCH])
        upto = last[0] if last else None
        marked, unmarked = refresh_clearance(after=after, upto=upto)
        shown, hidden = shown + marked, hidden + unmarked
        if upto is None:
            break
        after = upto
    if hidden and connection.vendor == "postgresql":
        log.error("search clearance: %d document(s) were marked cleared but the rule "
                  "refuses their photos; unmarked", hidden)
    return f"search clearance audit: {shown} marked, {hidden} unmarked"


def dictionary_words(text: str) -> list[str]:
    """The words of ``text`` as the typo dictionary holds them: folded, as typed, not
    stemmed; long enough to be worth correcting; not numbers."""
    found = {fold(w)[:MAX_WORD] for w in WORD.findall(text)}
    return sorted(w for w in found if len(w) >= MIN_WORD and not w.isdigit())


def remember_words(text: str) -> None:
    """Add the words of ``text`` to the dictionary typo correction looks in (one INSERT;
    words already there are left alone)."""
    words = dictionary_words(text)
    if words:
        SearchWord.objects.bulk_create([SearchWord(word=w) for w in words],
                                       ignore_conflicts=True)


def unindex_photo(photo_id) -> bool:
    """Drop the photo's search document, if it has one; returns whether it had.
    Idempotent. Called when a photo is withdrawn or taken down, for good: the search never
    needs a document dropped to hide a photo, since it checks the rights-cleared rule
    itself, but the index keeps to photos that may still be found."""
    deleted, _ = SearchDocument.objects.filter(photo_id=photo_id).delete()
    get_backend().unindex_document(photo_id)
    return bool(deleted)


@transaction.atomic
def reindex_owner(user_id) -> int:
    """Rebuild every search document of the user ``user_id``'s photos (their public
    credit name is among the words), in one transaction; returns how many were
    written. Called when accounts announces ``credit_changed``. Queries: the photos, their
    tags, then per photo the attestation and the document's writes."""
    photos = (Photo.objects.owned_by(user_id)
              .filter(status=Photo.Status.APPROVED, search_document__isnull=False)
              .select_related("owner").prefetch_related("tags"))
    n = 0
    for photo in photos:
        index_photo(photo)
        n += 1
    return n


# The task that rebuilds the documents of some photos (``catalog.tasks``), and how many
# photos one request names: a tag on 100,000 photos is a hundred requests of 37 kB.
REINDEX_PHOTOS_TASK = "catalog.reindex_photos_search"
REINDEX_CHUNK = 1000


def reindex_photos(photo_ids, batch: int = 500, forget=()) -> int:
    """Rebuild the documents of these photos (those that have one) from the photos as
    they are now, then take out of the typo dictionary the words of ``forget`` that no
    document holds any more (``forget_words``); returns how many documents. Idempotent."""
    n = _reindex(SearchDocument.objects.filter(photo_id__in=photo_ids), batch)
    forget_words(forget)
    return n


def forget_words(words) -> list[str]:
    """Take out of the typo dictionary each of ``words`` that no document's text holds
    (folded, anywhere in a word: a word some document still uses in any form is kept);
    returns those taken out. Otherwise "Did you mean ...?" could go on offering a tag
    name taken out of every photo. A scan of the documents' text per word: for the
    background (``REINDEX_PHOTOS_TASK``), a few words at a time."""
    docs = SearchDocument.objects.all()
    gone = []
    for word in words:
        if connection.vendor == "postgresql":  # unaccent: the database folds as fold() does
            held = docs.filter(text__unaccent__icontains=word).exists()
        else:
            held = any(word in fold(text) for text in
                       docs.values_list("text", flat=True).iterator(chunk_size=2000))
        if not held:
            gone.append(word)
    if gone:
        SearchWord.objects.filter(word__in=gone).delete()
    return gone


def reindex_tagged_later(tag_id: int, name: str) -> int:
    """Ask, in the current transaction, for the documents of every photo tagged
    ``tag_id`` to be rebuilt once it commits (``REINDEX_PHOTOS_TASK``, in requests of
    ``REINDEX_CHUNK`` photos; one even for none), and for the words of ``name``, the
    tag's name until now, to leave the typo dictionary where no document holds them
    afterwards (each request checks after its photos: the last to finish takes them
    out); returns how many photos. For a tag renamed or deleted in the admin: its name is
    among the words of each document, which would otherwise go on finding the photos by
    a name the tag no longer has (a person's name taken out, say)."""
    ids = [str(i) for i in Photo.tags.through.objects.filter(
        tag_id=tag_id, photo__search_document__isnull=False)
        .order_by("photo_id").values_list("photo_id", flat=True)]
    forget = dictionary_words(name)
    for start in range(0, max(len(ids), 1), REINDEX_CHUNK):
        enqueue(REINDEX_PHOTOS_TASK, ids[start:start + REINDEX_CHUNK], forget)
    return len(ids)


def reindex_all(batch: int = 500) -> int:
    """Rebuild every existing search document from its photo as it is now; returns how
    many. For documents written under an older rule of what they hold (before the display
    name was left out, issue 12): ``manage.py reindex_search``."""
    return _reindex(SearchDocument.objects.all(), batch)


def reindex_group(group_id: int, batch: int = 500) -> int:
    """Rebuild the documents of one group's photos (after its search language changed);
    returns how many."""
    return _reindex(SearchDocument.objects.filter(group_id=group_id), batch)


def _reindex(documents, batch: int) -> int:
    """Rebuild the photos of ``documents`` with ``index_photo``. Each batch commits on its
    own, so a large catalog is not one long transaction."""
    n = 0
    ids = list(documents.order_by("pk").values_list("photo_id", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            for photo in (Photo.objects.filter(pk__in=ids[start:start + batch])
                          .select_related("owner", "group").prefetch_related("tags")):
                index_photo(photo)
                n += 1
    return n
