"""The language a person reads the site in.

Visitors get the language cookie the switcher sets, else their browser's Accept-Language,
else the site's LANGUAGE_CODE (Django's LocaleMiddleware). A signed-in person has a language
of their own (``User.language``, chosen on the profile page or with the switcher): it is
activated on every request of theirs, and mail and receipts rendered outside a request are
written in it (``override_for``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from django.conf import settings
from django.utils import translation


def language_choices() -> list[tuple[str, str]]:
    """The languages an account may choose: the site's ``LANGUAGES``."""
    return list(settings.LANGUAGES)


def supported(code: str | None) -> str | None:
    """``code`` when the site is translated into it, else None."""
    return code if code and code in dict(settings.LANGUAGES) else None


def language_of(user) -> str:
    """The language to write to ``user`` in: theirs, else the site's default."""
    return supported(getattr(user, "language", None)) or settings.LANGUAGE_CODE


def override_for(user) -> AbstractContextManager:
    """``with override_for(user):`` renders text (mail, a receipt) in the person's language."""
    return translation.override(language_of(user))


class AccountLanguageMiddleware:
    """After authentication: a signed-in person's own language wins over cookie and browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            code = supported(getattr(user, "language", None))
            if code and code != translation.get_language():
                translation.activate(code)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
