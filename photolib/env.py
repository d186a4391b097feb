"""Reading settings from the environment, in one place.

Every helper raises ``ImproperlyConfigured`` with the fix in the message when a
value cannot be understood, so a bad deployment fails at start-up, not later.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number (seconds).") from exc
    if value <= 0:
        raise ImproperlyConfigured(f"{name}={raw!r} must be more than 0.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default).lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}; expected one of: {', '.join(choices)}.")
    return value


def management_command(argv: list[str] | None = None) -> str:
    """The Django command this process was started to run (``manage.py NAME``,
    ``django-admin NAME`` or ``python -m django NAME``), or ``""`` for anything
    else (gunicorn, celery, pytest)."""
    argv = sys.argv if argv is None else argv
    if len(argv) < 2:
        return ""
    program = Path(argv[0]).name
    if program in {"manage.py", "django-admin"} or Path(argv[0]).parent.name == "django":
        return argv[1]
    return ""


def env_rate_limits(defaults: dict[str, str]) -> dict[str, str | None]:
    """The named abuse limits: ``defaults`` with ``PHOTOLIB_RATE_LIMIT_<NAME>`` overrides
    (the name upper-cased, ``-`` as ``_``), e.g. ``PHOTOLIB_RATE_LIMIT_PASSWORD_RESET_EMAIL=
    "3/hour"``. A value is one or more ``limits`` rates separated by ``;`` (``"20/minute;
    200/hour"``); ``off`` turns that limit off (``None``)."""
    from limits import parse_many

    found: dict[str, str | None] = {}
    for name, default in defaults.items():
        variable = "PHOTOLIB_RATE_LIMIT_" + name.upper().replace("-", "_")
        value = env_str(variable, default)
        if value.lower() in {"off", "none", "0"}:
            found[name] = None
            continue
        try:
            parse_many(value)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{variable}={value!r} is not a rate: write it as COUNT/PERIOD, e.g. "
                "'5/hour' or '20/minute;200/hour' (periods: second, minute, hour, day; "
                "'10/15 minutes' works too), or 'off'.") from exc
        found[name] = value
    return found
