"""Fingerprints that let CI match a finding across runs (GitLab Code Quality, SARIF)."""

from __future__ import annotations

import hashlib
from typing import Callable, Dict, List

from recast_lint.lint import LintResult


def fingerprints(result: LintResult, reported_path: Callable[[str], str]) -> List[str]:
    """One per diagnostic, in order: a hash of code, path (as the report gives it, so the same
    wherever the linter ran), message and the flagged line's text.

    The line *number* is left out, so a finding keeps its fingerprint when unrelated lines are added
    or removed above it; findings with the same key (one rule, one message, identical lines) are told
    apart by their order in the file.
    """
    seen: Dict[str, int] = {}
    found = []
    for d in result.diagnostics:
        lines = result.source_lines(d.path)
        flagged = " ".join(lines[d.span.line - 1].split()) if 0 < d.span.line <= len(lines) else ""
        key = "\0".join((d.code, reported_path(d.path), d.message, flagged))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        found.append(hashlib.sha256(f"{key}\0{occurrence}".encode()).hexdigest())
    return found
