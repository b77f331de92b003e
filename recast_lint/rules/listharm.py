"""Rules that say what a one-element list from `{stages: X}` breaks, so RL415's note stays away.

RL526 (scattered), RL419 (compared in a `cases` condition) and RL530 (rendered by a publisher)
each compute their findings once per analysis, every finding with the selector whose list it
judges; RL415 asks them whether one speaks for a selector before it adds its own note.
"""

from __future__ import annotations

import functools
from typing import Callable, List, Optional, Tuple, TypeVar

from recast_lint.model import Analysis
from recast_lint.rules.registry import Finding
from recast_lint.stagegraph import Selector

Judged = List[Tuple[Finding, Optional[Selector]]]
T = TypeVar("T")


def once_per_analysis(compute: Callable[[Analysis], T]) -> Callable[[Analysis], T]:
    """``compute`` run once per analysis, however many rules ask for it."""
    key = f"{compute.__module__}.{compute.__name__}"

    @functools.wraps(compute)
    def cached(analysis: Analysis) -> T:
        if key not in analysis.cache:
            analysis.cache[key] = compute(analysis)
        return analysis.cache[key]

    return cached


def speaks_for(judged: Judged, selector: Selector) -> bool:
    return any(wrapped is selector for _, wrapped in judged)
