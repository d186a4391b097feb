from django import forms


class EraseForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}))
    confirm = forms.BooleanField(label="I understand that this deletes my account and cannot "
                                       "be undone.")
