"""SARIF 2.1.0 for code scanning: the rules that fired, with their documentation, and one result each,
with its fix as `fixes` when it has one.

Columns count characters (`columnKind: unicodeCodePoints`); `endColumn` is just past the region,
as in SARIF. `partialFingerprints` use the same stable key as the GitLab report.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List
from urllib.parse import quote

from recast_lint import __version__
from recast_lint.diagnostics import Diagnostic, Severity, Span
from recast_lint.lint import LintResult
from recast_lint.report.fingerprint import fingerprints
from recast_lint.report.workspace import relative_to_workspace

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT = "recastLint/v1"


def _descriptor(first: Diagnostic, result: LintResult) -> Dict[str, Any]:
    """The rule behind ``first`` (a diagnostic of it), from the metadata of the rules that ran."""
    described: Dict[str, Any] = {"id": first.code, "name": first.rule}
    rule = result.rules.get(first.code)
    if rule is not None:
        documentation = rule.documentation
        described.update(
            shortDescription={"text": rule.summary},
            fullDescription={"text": documentation.split("\n\n")[0]},
            help={"text": documentation, "markdown": documentation},
            defaultConfiguration={"level": LEVEL[rule.severity]},
        )
    return described


def _repository_path(path: str) -> str:
    return relative_to_workspace(path, "GITHUB_WORKSPACE")  # code scanning resolves URIs in the checkout


def _region(span: Span) -> Dict[str, int]:
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line, "endColumn": span.end_column}


def _fixes(d: Diagnostic, uri: str) -> List[Dict[str, Any]]:
    """The diagnostic's fix as SARIF `fixes`: one artifact change of the file, each edit a replacement
    (an insertion deletes an empty region). SARIF has no safe/unsafe, so a property says it."""
    if d.fix is None:
        return []
    replacements = [{"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.replacement}} for edit in d.fix.edits]
    return [
        {
            "description": {"text": d.fix.title},
            "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}],
            "properties": {"applicability": d.fix.applicability.value},
        }
    ]


def _result(d: Diagnostic, index: int, fingerprint: str) -> Dict[str, Any]:
    message = f"{d.message} (hint: {d.hint})" if d.hint else d.message
    uri = quote(_repository_path(d.path))
    result = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": LEVEL[d.severity],
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": _region(d.span)}}],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    }
    fixes = _fixes(d, uri)
    if fixes:
        result["fixes"] = fixes
    return result


def render(result: LintResult, color: bool) -> str:
    first_of: Dict[str, Diagnostic] = {}
    for d in result.diagnostics:
        first_of.setdefault(d.code, d)
    codes = sorted(first_of)
    index = {code: i for i, code in enumerate(codes)}
    run = {
        "tool": {"driver": {"name": "recast-lint", "version": __version__, "rules": [_descriptor(first_of[c], result) for c in codes]}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code], f) for d, f in zip(result.diagnostics, fingerprints(result, _repository_path))],
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
