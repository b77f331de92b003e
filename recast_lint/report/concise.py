"""One line per diagnostic, for pre-commit and grep: `file:line:col: severity CODE message (hint)`."""

from __future__ import annotations

from recast_lint.lint import LintResult
from recast_lint.report.text import summary


def render(result: LintResult, color: bool) -> str:
    if result.found_nothing:
        return ""  # the warning on stderr is the one statement about it
    lines = []
    for d in result.diagnostics:
        line = f"{d.path}:{d.span.line}:{d.span.column}: {d.severity.value} {d.code} {d.message}"
        if d.hint:
            line += f" (hint: {d.hint})"
        lines.append(line)
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
