"""Human output: `file:line:col: severity CODE message`, the source line with a caret, the hint."""

from __future__ import annotations

from typing import List

from recast_lint.diagnostics import Diagnostic, Severity
from recast_lint.lint import LintResult

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def render_one(d: Diagnostic, source_lines: List[str], color: bool) -> str:
    head = (
        f"{_paint(f'{d.path}:{d.span.line}:{d.span.column}:', '1', color)} "
        f"{_paint(d.severity.value, _COLORS[d.severity], color)} {_paint(d.code, '1', color)} {d.message}"
    )
    out = [head]
    if 0 < d.span.line <= len(source_lines):
        line = source_lines[d.span.line - 1].replace("\t", " ")
        end = d.span.end_column if d.span.end_line == d.span.line else len(line) + 1
        width = max(1, min(end, len(line) + 1) - d.span.column)
        if d.sensitive:
            line = line[: d.span.column - 1] + "*" * width + line[d.span.column - 1 + width :]
        out.append(f"{d.span.line:>4} | {line}")
        out.append(f"{'':>4} | {' ' * (d.span.column - 1)}{_paint('^' * width, _COLORS[d.severity], color)}")
    if d.hint:
        out.append(f"  = {_paint('hint', '1', color)}: {d.hint}")
    return "\n".join(out)


def summary(result: LintResult) -> str:
    errors, warnings, infos = (result.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    if not result.diagnostics:
        return f"no problems found in {result.files} file{'s' if result.files != 1 else ''}"
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    if infos:
        parts.append(f"{infos} info")
    return f"found {', '.join(parts)} in {result.files} file{'s' if result.files != 1 else ''}"


def render(result: LintResult, color: bool) -> str:
    if result.found_nothing:
        return ""  # "no problems found" would not be true either: the warning on stderr says what was read
    blocks = [render_one(d, result.sources.get(d.path, "").splitlines(), color) for d in result.diagnostics]
    blocks.append(summary(result))
    return "\n\n".join(blocks) + "\n"
