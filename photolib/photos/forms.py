"""Forms for the resident's pages. They parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from photolib.consent.models import CommunityGroup
from photolib.photos.attestation import OWN_WORK_STATEMENT, PEOPLE_STATEMENTS
from photolib.photos.models import People

# What the picker offers; the server decides from content, never from these.
ACCEPT = ("image/jpeg,image/png,image/webp,image/heic,image/heif,image/avif,image/tiff,"
          ".jpg,.jpeg,.png,.webp,.heic,.heif,.avif,.tif,.tiff")
RELEASE_ACCEPT = "application/pdf,.pdf,image/*,.heic,.heif,.avif"


def split_tags(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class TagsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("label", _("Tags"))
        kwargs.setdefault("help_text", _("Separate tags with commas, e.g. park, autumn, market."))
        super().__init__(**kwargs)

    def to_python(self, value):
        return split_tags(super().to_python(value))


class PhotoDetailsForm(forms.Form):
    """Title, description, tags and place: what the owner may change while it awaits review."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    tags = TagsField()
    place_name = forms.CharField(label=_("Place"), required=False, max_length=200,
                                 help_text=_("Where it was taken, e.g. Riverside Park."))
    hide_location = forms.BooleanField(
        label=_("Hide where it was taken from the city's marketing staff"), required=False,
        help_text=_("They then see neither the place nor a position on the map; reviewers "
                    "still do."))
    alt_text = forms.CharField(
        label=_("Alt text"), required=False, max_length=250,
        help_text=_("What the photo shows, in a sentence, for people who cannot see it "
                    "(about 125 characters, at most 250). It goes with the photo wherever "
                    "the city uses it."))
    extended_description = forms.CharField(
        label=_("Extended description"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: more detail for screen readers, e.g. text that appears in "
                    "the photo."))


class UploadForm(PhotoDetailsForm):
    """Everything but the photo files themselves (read from ``request.FILES`` by the view).
    Alt text is written per photo afterwards (Edit), not once for a whole batch."""

    alt_text = None
    extended_description = None

    field_order = ["group", "title", "description", "tags", "place_name", "hide_location",
                   "people", "release", "own_work"]

    group = forms.ModelChoiceField(label=_("Group"), queryset=CommunityGroup.objects.none(),
                                   empty_label=None)
    # No answer is pre-selected: each photo's people answer is an explicit choice.
    people = forms.ChoiceField(
        label=_("People in the photo"), choices=[(p.value, PEOPLE_STATEMENTS[p]) for p in People],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether identifiable people appear in the photos: "
                                      "choose one answer.")})
    release = forms.FileField(
        label=_("Signed release"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": RELEASE_ACCEPT}),
        help_text=_("Needed when identifiable people or minors appear: a PDF or a photo of the "
                    "signed page."))
    own_work = forms.BooleanField(
        label=OWN_WORK_STATEMENT,
        error_messages={"required": _("You can only share photos you took yourself: tick the "
                                      "statement to confirm it.")})

    def __init__(self, *args, groups: list[CommunityGroup], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = CommunityGroup.objects.filter(
            pk__in=[g.pk for g in groups])
        if len(groups) == 1:
            self.fields["group"].initial = groups[0].pk
