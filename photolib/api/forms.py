from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from photolib.accounts.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, label=_("Name"),
                           help_text=_("What will use it, e.g. “City website (WordPress)”."))
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ,
                              widget=forms.RadioSelect, label=_("Scope"))
    expires_on = forms.DateField(required=False, label=_("Expires on (optional)"),
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Leave empty for a token that works until you "
                                             "revoke it."))
