"""pytest plugin for ``make mutation``: run a mutant's tests fastest first.

mutmut hands each mutant the set of tests that reach the mutated function, in no
particular order, and stops at the first failure (``-x``). Ordering them by the
durations mutmut measured in its clean run makes a killed mutant cost its quickest
failing test instead of whatever slow test came first. Outside mutmut it does nothing.
"""

from __future__ import annotations

import math
import os


def pytest_collection_modifyitems(session, config, items) -> None:
    if os.environ.get("MUTANT_UNDER_TEST", "") in ("", "stats", "fail", "mutant_generation"):
        return
    try:
        from mutmut.state import state
    except ImportError:
        return
    durations = state().duration_by_test
    items.sort(key=lambda item: durations.get(item.nodeid, math.inf))
