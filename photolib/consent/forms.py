from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from photolib.consent.credit import validate_credit_format
from photolib.consent.models import (
    USES,
    AgreementVersion,
    CommunityGroup,
    ConsentRecord,
    default_agreement_language,
)


class JoinForm(forms.Form):
    """One unticked, required checkbox per statement of the version shown."""

    version_id = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, version: AgreementVersion, verb: str = "join", **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["version_id"].initial = version.pk
        for index, statement in enumerate(version.statements):
            self.fields[f"statement_{index}"] = forms.BooleanField(
                label=statement, required=True, initial=False,
                error_messages={"required": (_("Tick this statement to join: it is required.")
                                            if verb == "join" else
                                            _("Tick this statement to renew: it is required."))},
            )

    def affirmed(self) -> list[str]:
        return [s for i, s in enumerate(self.version.statements)
                if self.cleaned_data.get(f"statement_{i}")]


class RecordFilterForm(forms.Form):
    group = forms.ModelChoiceField(CommunityGroup.objects.all(), required=False,
                                   empty_label=_("All groups"))
    version = forms.IntegerField(required=False, min_value=1, label=_("Version number"))
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("Grants and withdrawals")),
                                        *ConsentRecord.Action.choices], required=False)
    resident = forms.CharField(required=False, max_length=254, label=_("Resident (email contains)"))
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                label=_("From"))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              label=_("To"))

    def filter(self, qs):
        data = self.cleaned_data
        if data.get("group"):
            qs = qs.filter(group=data["group"])
        if data.get("version"):
            qs = qs.filter(agreement_version__number=data["version"])
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("resident"):
            qs = qs.filter(evidence__email__icontains=data["resident"].strip())
        if data.get("date_from"):
            qs = qs.filter(created_at__date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(created_at__date__lte=data["date_to"])
        return qs


class AgreementVersionAdminForm(forms.ModelForm):
    """Drafts are edited with plain widgets: statements one per line, uses as boxes."""

    permitted_uses = forms.MultipleChoiceField(choices=USES,
                                               widget=forms.CheckboxSelectMultiple)
    statements = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One statement per line; residents tick each one separately."),
    )

    class Meta:
        model = AgreementVersion
        fields = ("group", "language", "title", "text", "statements", "permitted_uses",
                  "credit_required", "credit_format", "term_years", "minimum_age",
                  "release_required_for_people", "ai_training_allowed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and isinstance(self.instance.statements, list):
            self.initial["statements"] = "\n".join(self.instance.statements)
        # Left out, a draft is in the site's language.
        if "language" in self.fields:  # absent from a published version's read-only view
            self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or default_agreement_language()

    def clean_statements(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["statements"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError(_("Give at least one statement."))
        return lines

    def clean_credit_format(self) -> str:
        # Never str.format() here: a format spec such as {credit_name:>999999999} would
        # build a gigabyte while validating (photolib/consent/credit.py).
        value = self.cleaned_data["credit_format"]
        validate_credit_format(value)
        return value


class VerifyReceiptForm(forms.Form):
    """A signed receipt, pasted or uploaded (one of the two), at most 64 KB."""

    receipt = forms.CharField(
        required=False, strip=True, label=_("Paste the signed receipt"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false",
                                     "autocomplete": "off", "class": "mono"}),
        help_text=_("The text of the .jwt file that came with your receipt email."))
    file = forms.FileField(required=False, label=_("…or upload the .jwt file"))

    def clean(self):
        from photolib.consent.receipts import MAX_RECEIPT_BYTES

        data = super().clean()
        pasted, uploaded = data.get("receipt") or "", data.get("file")
        if pasted and uploaded:
            raise forms.ValidationError(_("Paste the receipt or upload it, not both."))
        if uploaded is not None:
            if uploaded.size > MAX_RECEIPT_BYTES:
                raise forms.ValidationError(
                    _("That file is %(size)s bytes; a signed receipt is a few "
                      "kilobytes (at most %(max)d KB).")
                    % {"size": f"{uploaded.size:,}", "max": MAX_RECEIPT_BYTES // 1024})
            try:
                pasted = uploaded.read().decode("ascii").strip()
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("That file is not a signed receipt: a receipt is "
                                              "plain text (letters, digits, - _ and dots)."
                                              )) from exc
        elif len(pasted.encode()) > MAX_RECEIPT_BYTES:
            raise forms.ValidationError(_("That is more than %(max)d KB; a signed receipt is "
                                          "a few kilobytes.") % {"max": MAX_RECEIPT_BYTES // 1024})
        if not pasted:
            raise forms.ValidationError(_("Paste a signed receipt or upload its .jwt file."))
        data["token"] = pasted
        return data
