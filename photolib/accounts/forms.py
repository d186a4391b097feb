from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from photolib.accounts.language import language_choices
from photolib.accounts.models import User
from photolib.accounts.timezones import available_zones


class SignUpForm(BaseUserCreationForm):
    """Self sign-up: email, names and a password that passes the validators."""

    class Meta:
        model = User
        fields = ("email", "display_name", "credit_name")
        help_texts = {
            "credit_name": _("Printed with your photos, e.g. “Photo: Ana Silva”. "
                             "Leave empty to use your display name."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credit_name"].required = False
        self.fields["email"].widget.attrs.update(autocomplete="email", autofocus=True)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def validate_unique(self) -> None:
        """Not here: an error saying the address is taken would tell anyone whether it is
        registered. ``services.user_sign_up`` mails the account's owner instead, and the
        page answers as for a new account."""


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong email or password. Check both and try again "
                           "(after several failed attempts, sign-in is paused for a while)."),
    }


class ProfileForm(forms.ModelForm):
    # Not required: a form sent without it (an older page) leaves the zone as it is.
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=(), required=False,
                                  help_text=_("Times on this site are shown in this zone."))

    class Meta:
        model = User
        fields = ("display_name", "credit_name", "language")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The site's language")), *language_choices()]
        self.fields["time_zone"].choices = [(z, z) for z in available_zones()]
        self.fields["time_zone"].initial = self.instance.time_zone


class SecondFactorForm(forms.Form):
    """One code: six digits from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code",
                                      "inputmode": "text", "spellcheck": "false"}),
    )
