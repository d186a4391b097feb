"""Compiling the committed translations (``locale/<lang>/LC_MESSAGES/*.po``) to the ``.mo``
files Django reads, in pure Python (polib), so that a fresh clone needs nothing but Python:
no GNU gettext. ``manage.py compile_translations`` runs it; ``make run`` and ``make test``
call that command. Only catalogs whose ``.po`` is newer than their ``.mo`` are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polib


def catalogs(locale_dirs: Iterable[Path]) -> list[Path]:
    """Every ``.po`` file under the given ``LOCALE_PATHS``."""
    return sorted(po for directory in locale_dirs
                  for po in Path(directory).glob("*/LC_MESSAGES/*.po"))


def compile_catalogs(locale_dirs: Iterable[Path], *, force: bool = False) -> list[Path]:
    """Write the ``.mo`` beside each ``.po`` that changed since; return the ``.mo`` written.

    A fuzzy entry is left out of the ``.mo``, as ``msgfmt`` does, so a translation nobody
    checked is never shown."""
    written = []
    for po_path in catalogs(locale_dirs):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalog = polib.pofile(str(po_path))
        for entry in [e for e in catalog if "fuzzy" in e.flags]:
            catalog.remove(entry)
        catalog.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


#: The catalogs ``makemessages`` keeps (English is the source) and what it must not read.
LANGUAGES_TRANSLATED = ("de", "fr")
MAKEMESSAGES_IGNORE = (".venv/*", "var/*", "tests/*", "bench/*", "infra/*", "mutants/*",
                       "build/*", "dist/*")
