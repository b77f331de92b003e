"""GitHub Actions workflow commands: one annotation per diagnostic, shown on the pull request diff."""

from __future__ import annotations

from recast_lint.diagnostics import Diagnostic, Severity
from recast_lint.lint import LintResult
from recast_lint.report.text import summary
from recast_lint.report.workspace import relative_to_workspace

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    properties = {
        "file": relative_to_workspace(d.path, "GITHUB_WORKSPACE"),
        "line": d.span.line,
        "col": d.span.column,
        "endLine": d.span.end_line,
        "endColumn": d.span.end_column,
        "title": f"recast-lint {d.code} ({d.rule})",
    }
    message = f"{d.message}\nhint: {d.hint}" if d.hint else d.message
    return f"::{COMMAND[d.severity]} {','.join(f'{k}={_property(str(v))}' for k, v in properties.items())}::{_data(message)}"


def render(result: LintResult, color: bool) -> str:
    return "".join(annotation(d) + "\n" for d in result.diagnostics) + summary(result) + "\n"
