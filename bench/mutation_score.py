"""The mutation score of the last ``mutmut run``, over the mutants named by globs.

mutmut keeps each mutant's outcome in ``mutants/<path>.py.meta``; its own totals count
every mutant of every mutated file, while ``make mutation`` tests only some functions of
some files. This reads those outcomes, keeps the mutants whose names match one of the
globs given (the same globs ``mutmut run`` was given), and prints killed / total with the
percentage, the count of each outcome, and every mutant not killed.

    python bench/mutation_score.py [--fail-under 90] GLOB...

Killed means a test failed (or timed out, or the type checker refused the mutant). A
mutant not checked yet counts as not killed. Exit status 1 when the score is below
``--fail-under``, or when no mutant matches.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

KILLED = {"killed", "timeout", "caught by type check"}


def outcomes(root: Path) -> dict[str, str]:
    """Every mutant's name and outcome, from the ``.meta`` files under ``root``."""
    found: dict[str, str] = {}
    for meta in sorted(root.rglob("*.py.meta")):
        data = json.loads(meta.read_text("utf-8"))
        for name, exit_code in data.get("exit_code_by_key", {}).items():
            found[name] = status_by_exit_code[exit_code]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("globs", nargs="+", help="mutant names, as given to mutmut run")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    parser.add_argument("--fail-under", type=float, default=0.0)
    args = parser.parse_args(argv)

    selected = {name: status for name, status in outcomes(args.mutants).items()
                if any(fnmatch.fnmatchcase(name, glob) for glob in args.globs)}
    if not selected:
        print(f"no mutant matches {args.globs} under {args.mutants}/: run `make mutation`")
        return 1
    counts = Counter(selected.values())
    killed = sum(counts[s] for s in KILLED)
    total = len(selected)
    score = 100.0 * killed / total

    by_module = Counter(name.rsplit(".", 1)[0] for name in selected)
    killed_by_module = Counter(name.rsplit(".", 1)[0] for name, s in selected.items()
                               if s in KILLED)
    print("module                                   killed / total")
    for module in sorted(by_module):
        print(f"  {module:<38} {killed_by_module[module]:>5} / {by_module[module]}")
    print("outcomes: " + ", ".join(f"{status} {n}" for status, n in sorted(counts.items())))
    for name, status in sorted(selected.items()):
        if status not in KILLED:
            print(f"  {status:<12} {name}")
    print(f"mutation score: {killed} / {total} killed = {score:.1f}%")
    if score < args.fail_under:
        print(f"below the target of {args.fail_under:g}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
