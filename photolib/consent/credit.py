"""The credit format of an agreement: which placeholders it may hold, and how a credit line
is made from it.

A reviewer types the format (``Photo: {credit_name} / {group}``) and residents' names fill
it in on every credit line, licence page and downloaded file. Python's ``str.format`` would
let the format reach attributes (``{credit_name.__class__}``), positional arguments
(``{0}``) or pad a name to any width (``{credit_name:>999999999}`` is a gigabyte), so the
format is never handed to it: :func:`validate_credit_format` accepts only the two bare
placeholders, and :func:`format_credit` substitutes them itself.

Callers: ``AgreementVersion.credit_format``'s validators (model and admin form),
``services.agreement_create_draft`` and ``agreement_publish``, and whatever shows a credit
line (``AgreementVersion.summary``, ``Photo.credit_line``).
"""

from __future__ import annotations

import logging
import string

from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

CREDIT_FORMAT_MAX_LENGTH = 200
PLACEHOLDERS = ("credit_name", "group")
DEFAULT_CREDIT_FORMAT = "Photo: {credit_name} / {group}"

_ONLY_PLACEHOLDERS = ("Use only {credit_name} and {group} as placeholders, exactly as "
                      "written here (no other names, numbers, dots or colons inside braces); "
                      "write {{ or }} for a literal brace.")


def _pieces(value: str) -> list[tuple[str, str | None]]:
    """(literal text, placeholder name or None) pairs; raises ``ValidationError``."""
    try:
        parsed = list(string.Formatter().parse(value))
    except ValueError:  # a lone "{" or "}"
        raise ValidationError(_ONLY_PLACEHOLDERS, code="credit_format_braces") from None
    pieces = []
    for literal, field, spec, conversion in parsed:
        if field is not None and (field not in PLACEHOLDERS or spec or conversion):
            raise ValidationError(_ONLY_PLACEHOLDERS, code="credit_format_placeholder")
        pieces.append((literal, field))
    return pieces


def validate_credit_format(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is at most 200 characters and its only
    placeholders are a bare ``{credit_name}`` or ``{group}``."""
    if len(value) > CREDIT_FORMAT_MAX_LENGTH:
        raise ValidationError(
            f"Keep the credit format to {CREDIT_FORMAT_MAX_LENGTH} characters "
            f"(it has {len(value)}).", code="credit_format_length")
    _pieces(value)


def format_credit(value: str, *, credit_name: str, group: str) -> str:
    """The credit line ``value`` gives for this name and group. A format stored before it
    was validated and refused now falls back to the default one rather than fail a page."""
    try:
        validate_credit_format(value)
        pieces = _pieces(value)
    except ValidationError:
        logger.warning("credit format %r is refused now; the default format is used", value[:80])
        pieces = _pieces(DEFAULT_CREDIT_FORMAT)
    names = {"credit_name": credit_name, "group": group}
    return "".join(literal + (names[field] if field else "") for literal, field in pieces)
