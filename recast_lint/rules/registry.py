"""The rule registry: every code, its name, severity, one-line summary and documentation.

A rule is a function ``check(analysis) -> Iterable[Finding]`` decorated with ``@rule``; its
docstring is its documentation (``recast-lint explain CODE``). Codes are grouped by family:

    RL1xx  reading YAML          RL5xx  data flow between stages and steps
    RL2xx  schema                RL6xx  catalogue entry, REANA spec and CI file
    RL3xx  references and files  RL7xx  preservation and security
    RL4xx  the stage graph       RL9xx  the linter itself (suppressions)
"""

from __future__ import annotations

import functools
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Applicability, Fix
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc
from recast_lint.records import Record


class Finding(Record):
    """What a rule found: where, what, and how to fix it. The engine adds code, name and severity."""

    doc: Document
    span: Span
    message: str
    hint: Optional[str] = None
    severity: Optional[Severity] = None  # only when one rule's findings differ in severity
    sensitive: bool = False  # the region holds a secret: no output may show its text
    fix: Optional[Fix] = None  # edits to ``doc`` that resolve it, built with ``recast_lint.fix``

    @classmethod
    def at(cls, loc: Loc, message: str, hint: Optional[str] = None, key: bool = False, **kw) -> Finding:
        return cls(loc.doc, loc.span(key=key), message, hint, **kw)

    @classmethod
    def at_text(cls, loc: Loc, needle: str, message: str, hint: Optional[str] = None, occurrence: int = 0, **kw) -> Finding:
        """At ``needle`` inside the value at ``loc`` (e.g. a `{placeholder}` in a command)."""
        span = loc.doc.locate(loc.pointer, needle, occurrence) or loc.span()
        return cls(loc.doc, span, message, hint, **kw)


Check = Callable[[Analysis], Iterable[Finding]]


class Rule(Record):
    code: str
    name: str
    severity: Severity
    summary: str
    check: Check
    finds_secrets: bool = False  # its sensitive findings are masked in every output, even when it is not selected
    fix: Optional[Applicability] = None  # the applicability of every fix its findings may carry; None: it never fixes

    @property
    def family(self) -> str:
        return self.code[:3]

    @property
    def documentation(self) -> str:
        import inspect  # only to show the documentation: a check does not need it

        return inspect.getdoc(self.check) or ""


RULES: Dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, summary: str, fix: Optional[Applicability] = None, finds_secrets: bool = False) -> Callable[[Check], Check]:
    """Register a rule. ``fix`` declares that its findings may carry a fix, and how safe it is
    (`rules` and `explain` say so; tests/test_fix_rules.py holds every rule to its word).
    ``finds_secrets``: its sensitive findings are masked in every output, even when it is not selected."""

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        if not (check.__doc__ or "").strip():
            raise ValueError(f"rule {code} has no documentation")
        RULES[code] = Rule(code, name, severity, summary, check, finds_secrets, fix)
        return check

    return register


def did_you_mean(word: object, choices: Iterable[object], limit: int = 8) -> Optional[str]:
    """`did you mean 'x'?` plus the valid choices, or None when there is nothing to offer."""
    options = [str(c) for c in choices]
    if not options:
        return None
    best = closest(word, options)
    listing = ", ".join(options[:limit]) + (", ..." if len(options) > limit else "")
    if best:
        return f"did you mean '{best}'?" + (f" (one of: {listing})" if limit else "")
    return f"expected one of: {listing}" if limit else None


def closest(word: object, choices: Sequence[object]) -> Optional[str]:
    """The most similar choice, or None. Ties in similarity go to the choice with more characters
    in the same places (`RL2O1` is `RL201`, not `RL621`), then to the earlier choice."""
    return _closest(str(word), tuple(str(c) for c in choices))


@functools.lru_cache(maxsize=256)
def _closest(text: str, choices: Tuple[str, ...]) -> Optional[str]:
    # remembered: the same name is looked up among the same stages by several rules and in every
    # sub-workflow instance (10,000 stages: 396 lookups among 1,000 names, 19 of them different)
    import difflib  # only when there is a name to correct, not on a clean run

    close = difflib.get_close_matches(text, list(choices), n=5, cutoff=0.6)
    if not close:
        return None

    def score(choice: str) -> tuple:
        ratio = difflib.SequenceMatcher(None, text, choice).ratio()
        same_places = sum(a == b for a, b in zip(text.lower(), choice.lower()))
        return (round(ratio, 6), same_places)

    return max(close, key=score)


MAX_MATCHED_LENGTH = 100  # longer words are not names anyone misspells; comparing them costs O(n*m)


def single_close_match(word: object, choices: Iterable[object]) -> Optional[str]:
    """The choice `did you mean` names when it is the one thing ``word`` can stand for, so that a fix
    may write it; None when that is in doubt. It is the ``closest`` choice, and it is

    - close: at most 2 edits away (a character inserted, deleted, replaced, or two neighbours
      swapped: `inti`, `nmae`, `steps.yaml`), or a shortening of it that keeps its first letter and
      3/5 of its length (`string-interpolated-cmd` for `-command`, `frompar-pub` for `-publisher`);
    - single: no other choice is close and as few edits away (`temps` between `temp` and `temp2`).

    `proc_card` for `param_card` (3 edits) and `parallel_prod.yml` for `lhe_prod.yml` are guesses,
    not slips of the finger.
    """
    options = [str(c) for c in choices]
    best = closest(word, options)
    if best is None:
        return None
    text = str(word)
    distance = _edits(text, best)
    if distance is None or not _close(text, best, distance):
        return None
    for other in options:
        if other != best:
            other_distance = _edits(text, other)
            if other_distance is not None and other_distance <= distance and _close(text, other, other_distance):
                return None
    return best


def _close(word: str, choice: str, distance: int) -> bool:
    if distance <= 2:
        return True
    shorter, longer = sorted((word, choice), key=len)
    return shorter[:1] == longer[:1] and len(shorter) * 5 >= len(longer) * 3 and _within(shorter, longer)


def _within(shorter: str, longer: str) -> bool:
    """Whether ``shorter`` is ``longer`` with characters left out (`cmd` in `command`)."""
    letters = iter(longer)
    return all(ch in letters for ch in shorter)


def _edits(a: str, b: str) -> Optional[int]:
    """Edits from ``a`` to ``b`` (insert, delete, replace, swap two neighbours), or None for overlong words."""
    if len(a) > MAX_MATCHED_LENGTH or len(b) > MAX_MATCHED_LENGTH:
        return None
    before: List[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[len(b)]


def all_rules() -> List[Rule]:
    from recast_lint import rules  # noqa: F401  (importing the package registers every family)

    return [RULES[code] for code in sorted(RULES)]
