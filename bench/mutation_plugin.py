"""pytest plugin for ``make mutation`` (bench/MUTATION.md); outside mutmut it does nothing.

- A mutant's tests run fastest first. mutmut hands each mutant the set of tests that
  reach the mutated function, in no particular order, and stops at the first failure
  (``-x``); ordered by the durations of its clean run, a killed mutant costs its quickest
  failing test instead of whatever slow test came first.
- Passwords are hashed with a fast hasher, as tests/photos/conftest.py does: nothing
  mutated hashes passwords, and PBKDF2 took a third of a second per test user.
"""

from __future__ import annotations

import math
import os

UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ


def pytest_configure(config) -> None:
    if not UNDER_MUTMUT:
        return
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(session, config, items) -> None:
    if os.environ.get("MUTANT_UNDER_TEST", "") in ("", "stats", "fail", "mutant_generation"):
        return
    try:
        from mutmut.state import state
    except ImportError:
        return
    durations = state().duration_by_test
    items.sort(key=lambda item: durations.get(item.nodeid, math.inf))
