"""GitLab Code Quality report: a JSON array of issues (the fields GitLab documents and shows).

`location.path` is relative to `$CI_PROJECT_DIR` when it is set (GitLab CI), else to the current
directory. GitLab shows `description` but not `check_name`, so the description starts with the code.
"""

from __future__ import annotations

import json

from recast_lint.diagnostics import Severity
from recast_lint.lint import LintResult
from recast_lint.report.fingerprint import fingerprints
from recast_lint.report.workspace import relative_to_workspace

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def project_path(path: str) -> str:
    return relative_to_workspace(path, "CI_PROJECT_DIR")


def render(result: LintResult, color: bool) -> str:
    issues = [
        {
            "description": f"{d.code}: {d.message}",
            "check_name": d.code,
            "fingerprint": fingerprint,
            "severity": SEVERITY[d.severity],
            "location": {"path": project_path(d.path), "lines": {"begin": d.span.line, "end": d.span.end_line}},
        }
        for d, fingerprint in zip(result.diagnostics, fingerprints(result, project_path))
    ]
    return json.dumps(issues, indent=2) + "\n"
