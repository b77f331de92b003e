#!/usr/bin/env python3
"""How many error diagnostics carry a fix, safe or unsafe, on the test fixtures and the corpus.

    python3 bench/fix_share.py [--corpus DIR] [--by-code]

The fixtures are linted without tests/fixtures/fix/ (those cases exist to be fixed, so they would
inflate the share); the corpus is linted in place, read-only. Each line: errors, how many carry a
safe fix, how many an unsafe one, and the share of errors `--fix` and `--fix --unsafe-fixes` would
touch. `--by-code` adds the same per rule code for the codes that fired as errors.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import List, Tuple

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from recast_lint.diagnostics import Diagnostic, Severity  # noqa: E402
from recast_lint.lint import lint  # noqa: E402

FIXTURES = PROJECT / "tests" / "fixtures"
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus"


def errors(roots: List[Path], cwd: Path) -> List[Diagnostic]:
    return [d for root in roots for d in lint([root], cwd=cwd).diagnostics if d.severity is Severity.ERROR]


def share(found: List[Diagnostic]) -> Tuple[int, int, int]:
    safe = sum(1 for d in found if d.fix is not None and d.fix.safe)
    unsafe = sum(1 for d in found if d.fix is not None and not d.fix.safe)
    return len(found), safe, unsafe


def line(name: str, found: List[Diagnostic]) -> str:
    total, safe, unsafe = share(found)
    if not total:
        return f"{name:<10} no errors"
    return (f"{name:<10} {total:>4} errors, {safe:>3} with a safe fix, {unsafe:>3} with an unsafe fix: "
            f"--fix {100 * safe / total:4.1f}%, --fix --unsafe-fixes {100 * (safe + unsafe) / total:4.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--by-code", action="store_true")
    options = parser.parse_args()
    trees = {"fixtures": (sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "fix"), FIXTURES)}
    if options.corpus.is_dir():
        trees["corpus"] = ([options.corpus], options.corpus)
    for name, (roots, cwd) in trees.items():
        found = errors(roots, cwd)
        print(line(name, found))
        if options.by_code:
            for code, _ in sorted(Counter(d.code for d in found).items()):
                print("  " + line(code, [d for d in found if d.code == code]))


if __name__ == "__main__":
    main()
