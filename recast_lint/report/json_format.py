"""Machine output: `{"diagnostics": [...], "summary": {...}}`, 1-based lines and columns."""

from __future__ import annotations

import json

from recast_lint.diagnostics import Severity
from recast_lint.lint import LintResult


def render(result: LintResult, color: bool) -> str:
    payload = {
        "diagnostics": [d.as_dict() for d in result.diagnostics],
        "summary": {
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "infos": result.count(Severity.INFO),
            "files": result.files,
            "fixed": result.fixed,
        },
    }
    return json.dumps(payload, indent=2) + "\n"
