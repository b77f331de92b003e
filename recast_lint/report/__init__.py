"""Formatters: each module turns a list of diagnostics into text. None of them knows any rule."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Dict, List

if TYPE_CHECKING:  # `check` reads FORMATS for its options before anything is linted
    from recast_lint.lint import LintResult

# name -> module holding `render(result, color) -> str`
FORMATS: Dict[str, str] = {
    "text": "recast_lint.report.text",
    "concise": "recast_lint.report.concise",
    "json": "recast_lint.report.json_format",
    "gitlab": "recast_lint.report.gitlab",
    "sarif": "recast_lint.report.sarif",
    "github": "recast_lint.report.github",
}


def format_names() -> List[str]:
    return list(FORMATS)


def render(name: str, result: LintResult, color: bool = False) -> str:
    module = importlib.import_module(FORMATS[name])
    return module.render(result, color)
