"""Human output: `file:line:col: severity CODE message`, the source line with a caret, the hint."""

from __future__ import annotations

import itertools
from typing import List, Optional, Tuple

from recast_lint.diagnostics import Diagnostic, Severity, one_line
from recast_lint.fix import fixable
from recast_lint.lint import LintResult

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def _shown(line: str) -> Tuple[str, Optional[List[int]]]:
    """The source line as it is printed, and where each of its characters starts there (None: where it was).

    A tab is one space, so the caret stays under its character; any other control character (an
    escape sequence, a carriage return, a right-to-left override) is shown escaped, as in messages,
    so a linted file cannot act on the terminal that shows it."""
    line = line.replace("\t", " ")
    if line.isprintable():
        return line, None
    pieces = [one_line(ch) for ch in line]
    return "".join(pieces), list(itertools.accumulate((len(piece) for piece in pieces), initial=0))


def render_one(d: Diagnostic, source_lines: List[str], color: bool) -> str:
    head = (
        f"{_paint(f'{d.path}:{d.span.line}:{d.span.column}:', '1', color)} "
        f"{_paint(d.severity.value, _COLORS[d.severity], color)} {_paint(d.code, '1', color)} {d.message}"
    )
    out = [head]
    if 0 < d.span.line <= len(source_lines):
        raw = source_lines[d.span.line - 1]
        end = d.span.end_column if d.span.end_line == d.span.line else len(raw) + 1
        start, stop = d.span.column - 1, max(d.span.column, min(end, len(raw) + 1)) - 1
        line, starts = _shown(raw)
        if starts is not None:  # character positions to positions in the escaped line (one past its end stays one past)
            start, stop = (starts[min(i, len(raw))] + max(0, i - len(raw)) for i in (start, stop))
        out.append(f"{d.span.line:>4} | {line}")
        out.append(f"{'':>4} | {' ' * start}{_paint('^' * max(1, stop - start), _COLORS[d.severity], color)}")
    if d.hint:
        out.append(f"  = {_paint('hint', '1', color)}: {d.hint}")
    if d.fix is not None:
        label = "fix" if d.fix.safe else "unsafe fix"
        out.append(f"  = {_paint(label, '1', color)}: {one_line(d.fix.title)}")
    return "\n".join(out)


def summary(result: LintResult) -> str:
    errors, warnings, infos = (result.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    fixed = f"fixed {result.fixed} problem{'s' if result.fixed != 1 else ''}; " if result.fixed else ""
    if not result.diagnostics:
        return f"{fixed}no problems {'left' if fixed else 'found'} in {files}"
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    if infos:
        parts.append(f"{infos} info")
    return f"{fixed}found {', '.join(parts)} in {files}{_fixable(result)}"


def _fixable(result: LintResult) -> str:
    """How many findings `--fix` would resolve, as ruff says it."""
    safe, unsafe = fixable(result.diagnostics)
    if not (safe or unsafe):
        return ""
    more = f"; {unsafe} more with `--fix --unsafe-fixes`" if unsafe else ""
    return f" ({safe} fixable with `--fix`{more})" if safe else f" ({unsafe} fixable with `--fix --unsafe-fixes`)"


def render(result: LintResult, color: bool) -> str:
    if result.found_nothing:
        return ""  # "no problems found" would not be true either: the warning on stderr says what was read
    blocks = [render_one(d, result.source_lines(d.path), color) for d in result.diagnostics]
    blocks.append(summary(result))
    return "\n\n".join(blocks) + "\n"
