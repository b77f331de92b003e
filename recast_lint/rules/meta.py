"""RL9xx: the linter itself. The pipeline runs these after every other rule, once it knows which
suppression comments were used (``recast_lint.suppress``); they are not suppressible inline."""

from __future__ import annotations

from typing import Iterable

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis
from recast_lint.rules.registry import Finding, rule
from recast_lint.suppress import CACHE_KEY


@rule("RL901", "unused-suppression", Severity.WARNING, "a suppression comment suppresses nothing")
def unused_suppression(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `# recast-lint: ignore[...]` code that matched no diagnostic in this run.

    Why: once the problem is fixed (or the comment drifted away from it) the comment hides the
    next, unrelated problem of that rule at the same place. Codes of rules that did not run
    (`--select`, `ignore` in the configuration) are not reported.

    Bad (the image has a tag, RL701 no longer fires):

        image: busybox:1.36  # recast-lint: ignore[RL701] legacy image

    Fixed:

        image: busybox:1.36
    """
    suppressions = analysis.cache.get(CACHE_KEY)
    for directive, code in suppressions.unused() if suppressions else ():
        scope = {"line": "on this line", "node": "in the node below", "file": "in this file"}[directive.kind]
        yield Finding(directive.doc, code.span, f"suppression of {code.pattern} matches no diagnostic {scope}", f"remove {code.pattern} from the comment")


@rule("RL902", "invalid-suppression", Severity.WARNING, "a suppression comment cannot be read or names no rule")
def invalid_suppression(analysis: Analysis) -> Iterable[Finding]:
    """Catches `# recast-lint:` comments that do not follow the grammar, name a code no rule has,
    or try to suppress RL101 (invalid YAML, which cannot be suppressed).

    Why: such a comment suppresses nothing, so the diagnostic it was written for still shows (or a
    typo in the code silently stops protecting the line once the code is fixed).

    Bad:

        image: busybox  # recast-lint: ignore RL701

    Fixed:

        image: busybox  # recast-lint: ignore[RL701] legacy image
    """
    suppressions = analysis.cache.get(CACHE_KEY)
    for problem in suppressions.problems if suppressions else ():
        yield Finding(problem.doc, problem.span, problem.message, problem.hint)
