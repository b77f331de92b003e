"""RL9xx: the linter itself. The pipeline runs these after every other rule, once it knows which
suppression comments were used (``recast_lint.suppress``); they are not suppressible inline."""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from recast_lint import fix
from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Applicability, Fix
from recast_lint.model import Analysis
from recast_lint.rules.registry import Finding, rule
from recast_lint.suppress import CACHE_KEY, Code, Directive


@rule("RL901", "unused-suppression", Severity.WARNING, "a suppression comment suppresses nothing", fix=Applicability.SAFE)
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
    unused = list(suppressions.unused()) if suppressions else []
    idle: Dict[int, List[Span]] = {}
    for directive, code in unused:
        idle.setdefault(id(directive), []).append(code.span)
    for directive, code in unused:
        scope = {"line": "on this line", "node": "in the node below", "file": "in this file"}[directive.kind]
        every_code_idle = len(idle[id(directive)]) == len(directive.written)
        yield Finding(
            directive.doc,
            code.span,
            f"suppression of {code.pattern} matches no diagnostic {scope}",
            f"remove {code.pattern} from the comment",
            fix=_remove_comment(directive) if every_code_idle else _remove_code(directive, code),
        )


def _remove_code(directive: Directive, code: Code) -> Optional[Fix]:
    """Take one code out of the brackets with its comma (safe: it suppresses nothing)."""
    doc, written = directive.doc, list(directive.written)
    index = written.index(code.span)
    at = [doc.offset(span.line, span.column) for span in written]
    ends = [doc.offset(span.end_line, span.end_column) for span in written]
    start, end = (ends[index - 1], ends[index]) if index else (at[index], at[index + 1])
    return fix.make(f"remove {code.pattern} from the comment", [fix.replace(doc, start, end, "")])


def _remove_comment(directive: Directive) -> Optional[Fix]:
    """Delete a comment whose every code is idle: its line when it stands alone, else the comment
    and the spaces before it (safe: it suppresses nothing)."""
    doc, comment = directive.doc, directive.comment
    title = "remove the suppression comment"
    start = doc.offset(comment.line, comment.column)
    line_start = doc.offset(comment.line, 1)
    if not doc.text[line_start:start].strip():
        return fix.make(title, [fix.delete_lines(doc, comment.line, comment.line)])
    while start > line_start and doc.text[start - 1] in " \t":
        start -= 1
    return fix.make(title, [fix.replace(doc, start, doc.offset(comment.end_line, comment.end_column), "")])


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
