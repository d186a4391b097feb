from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from photolib.catalog import search
from photolib.catalog.models import Collection, Download
from photolib.consent.models import USES, CommunityGroup

MAX_QUERY = 200
MAX_TAGS = 5
#: Where each facet of the search sends its value (a year sets both date bounds).
FACET_KEYS = {"group": "group", "tag": "tag", "shape": "shape", "make": "make"}


@dataclass(frozen=True)
class Chip:
    """One active filter of the search page: what it is (``kind``, ``value``, as the chip's
    link reads them: "Remove tag: harbour") and the query string of the same search
    without it, from the first page (``href``)."""

    kind: str
    value: str
    href: str
    label: str = ""  # ``kind`` as the page shows it, in the reader's language

    @property
    def remove_label(self) -> str:
        return f"Remove {self.kind}: {self.value}"


class SortField(forms.ChoiceField):
    """The sort order; ``relevance``, the name best match had before it became the
    default, is still read as best match so that links people saved keep working."""

    def to_python(self, value):
        value = super().to_python(value)
        return "" if value == "relevance" else value


# The orientations search offers (search.SHAPES), as the form shows them.
# What each kind of active filter is called on its chip ("words: harbour").
CHIP_LABELS = {"words": pgettext_lazy("search filter", "words"),
               "group": pgettext_lazy("search filter", "group"),
               "tag": pgettext_lazy("search filter", "tag"),
               "place": pgettext_lazy("search filter", "place"),
               "taken from": pgettext_lazy("search filter", "taken from"),
               "taken until": pgettext_lazy("search filter", "taken until"),
               "orientation": pgettext_lazy("search filter", "orientation"),
               "long edge at least": pgettext_lazy("search filter", "long edge at least"),
               "camera make": pgettext_lazy("search filter", "camera make"),
               "people": pgettext_lazy("search filter", "people"),
               "near": pgettext_lazy("search filter", "near")}
SHAPE_LABELS = {"landscape": pgettext_lazy("orientation", "Landscape"),
                "portrait": pgettext_lazy("orientation", "Portrait"),
                "square": pgettext_lazy("orientation", "Square")}


class SearchForm(forms.Form):
    """The search page's whole state, carried in the query string."""

    q = forms.CharField(required=False, max_length=MAX_QUERY, label=_("Words"),
                        widget=forms.TextInput(attrs={
                            "type": "search", "autocomplete": "off",
                            "placeholder": _("harbour sunset, \"old town\"")}))
    group = forms.ModelChoiceField(CommunityGroup.objects.all(), required=False,
                                   label=_("Group"), empty_label=_("Any group"))
    tag = forms.CharField(required=False, max_length=60, label=_("Tag"))
    place = forms.CharField(required=False, max_length=100, label=_("Place"))
    taken_from = forms.DateField(required=False, label=_("Taken from"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    taken_to = forms.DateField(required=False, label=_("Taken until"),
                               widget=forms.DateInput(attrs={"type": "date"}))
    shape = forms.ChoiceField(required=False, label=_("Orientation"),
                              choices=[("", _("Any")), *((s, SHAPE_LABELS.get(s, s.title()))
                                                         for s in search.SHAPES)])
    min_px = forms.IntegerField(required=False, min_value=1, max_value=100_000,
                                label=_("Long edge at least (px)"))
    make = forms.CharField(required=False, max_length=100, label=_("Camera make"))
    people = forms.ChoiceField(required=False, label=_("People"), choices=[
        ("", _("Any")), ("none", _("No identifiable people")),
        ("consented", _("People who consented"))])
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label=_("Near latitude"))
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, label=_("Near longitude"))
    radius = forms.FloatField(required=False, min_value=0.1, max_value=500, label=_("Radius (km)"))
    # Best match is the empty choice, so that a first visit and a search typed into the
    # words field without touching the sort rank by relevance (newest when there are no
    # words: there is nothing to rank by).
    sort = SortField(required=False, label=_("Sort by"), choices=[
        ("", _("Best match")), ("newest", _("Newest")), ("taken", _("Date taken"))])
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, error_messages={
        "invalid": _("The page must be a whole number, such as 2."),
        "min_value": _("Pages are numbered from 1."),
        "max_value": _("There is no such page."),
    })

    def clean(self):
        data = super().clean()
        near = [data.get(k) for k in ("lat", "lon", "radius")]
        if any(v is not None for v in near) and not all(v is not None for v in near):
            raise forms.ValidationError(_("For “near a point”, give latitude, longitude and "
                                          "radius together."))
        if data.get("taken_from") and data.get("taken_to") and \
                data["taken_from"] > data["taken_to"]:
            raise forms.ValidationError(_("“Taken from” is after “taken until”."))
        return data

    def tags(self) -> tuple[str, ...]:
        """Every ``tag`` in the query string (several narrow the search), each once, in
        the order given, at most ``MAX_TAGS``."""
        raw = self.data.getlist("tag") if hasattr(self.data, "getlist") else \
            [self.data.get("tag", "")]
        seen = dict.fromkeys(t.strip()[:60] for t in raw if t and t.strip())
        return tuple(seen)[:MAX_TAGS]

    # --- the query string: chips, facet links, pages ---------------------------------

    def _pairs(self) -> list[tuple[str, str]]:
        """The search as (key, value) pairs, without the page: only the form's own keys,
        no empty values, each tag once (``tags()``)."""
        pairs: list[tuple[str, str]] = []
        for name in self.fields:
            if name in ("page", "tag"):
                continue
            value = self.data.get(name, "")
            if isinstance(value, str):
                value = value.strip()
            if value not in ("", None):
                pairs.append((name, str(value)))
        pairs += [("tag", t) for t in self.tags()]
        return pairs

    @staticmethod
    def _encode(pairs: list[tuple[str, str]]) -> str:
        query = QueryDict(mutable=True)
        for key, value in pairs:
            query.appendlist(key, value)
        return query.urlencode()

    def query(self) -> str:
        """This search's query string without the page (pages and links start from it)."""
        return self._encode(self._pairs())

    def page_href(self, page: int) -> str:
        return self._encode(self._pairs() + [("page", str(page))])

    def without(self, *keys: str, tag: str | None = None) -> str:
        """This search's query string without ``keys`` (or, with ``tag``, without that
        one tag only), from the first page."""
        return self._encode([(k, v) for k, v in self._pairs()
                             if k not in keys and not (k == "tag" and v == tag)])

    def facet_href(self, facet: str, value: str) -> str:
        """This search narrowed by one facet value, from the first page: the facet's
        filter is replaced (a year sets both date bounds), a tag is added unless it is
        already one of the search's tags."""
        if facet == "year":
            pairs = [(k, v) for k, v in self._pairs() if k not in ("taken_from", "taken_to")]
            return self._encode(pairs + [("taken_from", f"{value}-01-01"),
                                         ("taken_to", f"{value}-12-31")])
        key = FACET_KEYS.get(facet, facet)
        if key == "tag":
            pairs = self._pairs()
            if value not in self.tags():
                pairs.append(("tag", value))
            return self._encode(pairs)
        return self._encode([(k, v) for k, v in self._pairs() if k != key] + [(key, value)])

    def chips(self) -> list[Chip]:
        """One chip per active filter of a valid search, in the form's order; each links
        to the same search without that filter alone (one tag at a time; the point, its
        latitude, longitude and radius, as one)."""
        if not self.is_valid():
            return []
        d = self.cleaned_data
        chips: list[Chip] = []

        def add(kind: str, value, *keys: str) -> None:
            chips.append(Chip(kind=kind, value=str(value), href=self.without(*keys),
                              label=str(CHIP_LABELS[kind])))

        if d.get("q"):
            add("words", d["q"], "q")
        if d.get("group"):
            add("group", d["group"].name, "group")
        chips += [Chip(kind="tag", value=t, href=self.without(tag=t),
                       label=str(CHIP_LABELS["tag"])) for t in self.tags()]
        if d.get("place"):
            add("place", d["place"], "place")
        if d.get("taken_from"):
            add("taken from", d["taken_from"].isoformat(), "taken_from")
        if d.get("taken_to"):
            add("taken until", d["taken_to"].isoformat(), "taken_to")
        if d.get("shape"):
            add("orientation", dict(self.fields["shape"].choices)[d["shape"]], "shape")
        if d.get("min_px"):
            add("long edge at least", f"{d['min_px']} px", "min_px")
        if d.get("make"):
            add("camera make", d["make"], "make")
        if d.get("people"):
            add("people", dict(self.fields["people"].choices)[d["people"]], "people")
        if d.get("lat") is not None:
            add("near", f"{d['lat']:g}, {d['lon']:g} within {d['radius']:g} km",
                "lat", "lon", "radius")
        return chips

    def filters(self) -> search.Filters:
        d = self.cleaned_data
        return search.Filters(
            q=d.get("q") or "", group=d["group"].pk if d.get("group") else None,
            tags=self.tags(),
            place=d.get("place") or "", taken_from=d.get("taken_from"),
            taken_to=d.get("taken_to"), shape=d.get("shape") or "", min_px=d.get("min_px"),
            make=d.get("make") or "", people=d.get("people") or "",
            near_lat=d.get("lat"), near_lon=d.get("lon"), radius_km=d.get("radius"),
            sort=d.get("sort") or ("relevance" if d.get("q") else "newest"),
            page=d.get("page") or 1)


class DownloadForm(forms.Form):
    rendition = forms.ChoiceField(label=_("Rendition"), choices=Download.Rendition.choices,
                                  initial="web",
                                  widget=forms.RadioSelect)
    use = forms.ChoiceField(choices=[(c, _(label)) for c, label in USES], label=_("Use"),
                            help_text=_("One use from the photo's agreement."))
    campaign = forms.CharField(max_length=200, label=_("Campaign or note"),
                               help_text=_("What the photo is for, e.g. “Summer festival 2027 "
                                           "poster”."))

    def __init__(self, *args, permitted_uses=None, **kwargs):
        """``permitted_uses``: the photo's agreement's use codes; only those are offered
        (the collection ZIP, across agreements, offers every use and leaves out what a
        photo's agreement does not permit)."""
        super().__init__(*args, **kwargs)
        if permitted_uses is not None:
            offered = [(c, gettext(label)) for c, label in USES if c in permitted_uses]
            self.fields["use"].choices = offered
            allowed = ", ".join(str(label) for _c, label in offered) or gettext("no use")
            self.fields["use"].error_messages["invalid_choice"] = (
                gettext("“%(value)s” is not permitted for this photo: its agreement allows "
                        "only %(allowed)s.").replace("%(allowed)s", allowed))


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ("name", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ShareForm(forms.Form):
    email = forms.EmailField(label=_("Colleague’s email"), help_text=_("A colleague in marketing."),
                             widget=forms.EmailInput(attrs={"list": "colleagues",
                                                            "autocomplete": "off"}))
