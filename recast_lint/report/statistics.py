"""`--statistics`: how many diagnostics each rule produced, most frequent first."""

from __future__ import annotations

from collections import Counter

from recast_lint.lint import LintResult
from recast_lint.report.text import summary


def render(result: LintResult, color: bool) -> str:
    counts = Counter((d.code, d.rule) for d in result.diagnostics)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    width = len(str(max(counts.values(), default=0)))
    lines = [f"{count:>{width}}  {code}  {name}" for (code, name), count in rows]
    return "".join(line + "\n" for line in lines) + summary(result) + "\n"
