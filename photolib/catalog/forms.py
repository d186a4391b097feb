from __future__ import annotations

from django import forms

from photolib.catalog import search
from photolib.catalog.models import Collection, Download
from photolib.consent.models import USES, CommunityGroup

MAX_QUERY = 200


class SearchForm(forms.Form):
    """The search page's whole state, carried in the query string."""

    q = forms.CharField(required=False, max_length=MAX_QUERY, label="Words",
                        widget=forms.TextInput(attrs={
                            "type": "search", "autocomplete": "off",
                            "placeholder": "harbour sunset, \"old town\""}))
    group = forms.ModelChoiceField(CommunityGroup.objects.all(), required=False,
                                   empty_label="Any group")
    tag = forms.CharField(required=False, max_length=60)
    place = forms.CharField(required=False, max_length=100)
    taken_from = forms.DateField(required=False, label="Taken from",
                                 widget=forms.DateInput(attrs={"type": "date"}))
    taken_to = forms.DateField(required=False, label="Taken until",
                               widget=forms.DateInput(attrs={"type": "date"}))
    shape = forms.ChoiceField(required=False, label="Orientation",
                              choices=[("", "Any")] + [(s, s.title()) for s in search.SHAPES])
    min_px = forms.IntegerField(required=False, min_value=1, max_value=100_000,
                                label="Long edge at least (px)")
    make = forms.CharField(required=False, max_length=100, label="Camera make")
    people = forms.ChoiceField(required=False, choices=[
        ("", "Any"), ("none", "No identifiable people"), ("consented", "People who consented")])
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label="Near latitude")
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, label="Near longitude")
    radius = forms.FloatField(required=False, min_value=0.1, max_value=500, label="Radius (km)")
    sort = forms.ChoiceField(required=False, choices=[
        ("relevance", "Relevance"), ("newest", "Newest"), ("taken", "Date taken")])
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def clean(self):
        data = super().clean()
        near = [data.get(k) for k in ("lat", "lon", "radius")]
        if any(v is not None for v in near) and not all(v is not None for v in near):
            raise forms.ValidationError("For “near a point”, give latitude, longitude and "
                                        "radius together.")
        if data.get("taken_from") and data.get("taken_to") and \
                data["taken_from"] > data["taken_to"]:
            raise forms.ValidationError("“Taken from” is after “taken until”.")
        return data

    def tags(self) -> tuple[str, ...]:
        """Every ``tag`` in the query string (several narrow the search), at most five."""
        raw = self.data.getlist("tag") if hasattr(self.data, "getlist") else \
            [self.data.get("tag", "")]
        return tuple(t[:60] for t in raw if t)[:5]

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
    rendition = forms.ChoiceField(choices=Download.Rendition.choices, initial="web",
                                  widget=forms.RadioSelect)
    use = forms.ChoiceField(choices=USES, label="Use",
                            help_text="One use from the photo's agreement.")
    campaign = forms.CharField(max_length=200, label="Campaign or note",
                               help_text="What the photo is for, e.g. “Summer festival 2027 "
                                         "poster”.")

    def __init__(self, *args, permitted_uses=None, **kwargs):
        """``permitted_uses``: the photo's agreement's use codes; only those are offered
        (the collection ZIP, across agreements, offers every use and leaves out what a
        photo's agreement does not permit)."""
        super().__init__(*args, **kwargs)
        if permitted_uses is not None:
            offered = [(c, label) for c, label in USES if c in permitted_uses]
            self.fields["use"].choices = offered
            allowed = ", ".join(str(label) for _c, label in offered) or "no use"
            self.fields["use"].error_messages["invalid_choice"] = (
                f"“%(value)s” is not permitted for this photo: its agreement allows only "
                f"{allowed}.")


class CollectionForm(forms.ModelForm):
    class Meta:
        model = Collection
        fields = ("name", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
