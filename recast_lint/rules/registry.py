"""The rule registry: every code, its name, severity, one-line summary and documentation.

A rule is a function ``check(analysis) -> Iterable[Finding]`` decorated with ``@rule``; its
docstring is its documentation (``recast-lint explain CODE``). Codes are grouped by family:

    RL1xx  reading YAML          RL5xx  data flow between stages and steps
    RL2xx  schema                RL6xx  catalogue entry, REANA spec and CI file
    RL3xx  references and files  RL7xx  preservation and security
    RL4xx  the stage graph       RL9xx  the linter itself (suppressions)
"""

from __future__ import annotations

import inspect
from typing import Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence

from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Fix
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc


class Finding(NamedTuple):
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


class Rule(NamedTuple):
    code: str
    name: str
    severity: Severity
    summary: str
    check: Check
    finds_secrets: bool = False  # its sensitive findings are masked in every output, even when it is not selected

    @property
    def family(self) -> str:
        return self.code[:3]

    @property
    def documentation(self) -> str:
        return inspect.getdoc(self.check) or ""


RULES: Dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, summary: str, finds_secrets: bool = False) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        if not inspect.getdoc(check):
            raise ValueError(f"rule {code} has no documentation")
        RULES[code] = Rule(code, name, severity, summary, check, finds_secrets)
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
    import difflib  # only when there is a name to correct, not on a clean run

    text = str(word)
    close = difflib.get_close_matches(text, [str(c) for c in choices], n=5, cutoff=0.6)
    if not close:
        return None

    def score(choice: str) -> tuple:
        ratio = difflib.SequenceMatcher(None, text, choice).ratio()
        same_places = sum(a == b for a, b in zip(text.lower(), choice.lower()))
        return (round(ratio, 6), same_places)

    return max(close, key=score)


def all_rules() -> List[Rule]:
    from recast_lint import rules  # noqa: F401  (importing the package registers every family)

    return [RULES[code] for code in sorted(RULES)]
