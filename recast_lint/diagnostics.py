"""The one diagnostic model every rule produces and every formatter consumes.

Records across the package are ``Record``s (``recast_lint.records``: a ``NamedTuple`` without its
per-field cost), and objects built up step by step are plain classes, never ``dataclasses``:
defining a dataclass costs 0.25-0.45 ms at import, which added up to 15 ms of the 87 ms a
pre-commit run of ``recast-lint check`` took on a helloworld analysis.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from recast_lint.records import Record

if TYPE_CHECKING:
    from recast_lint.fix import Fix


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


def display_path(path: Path, cwd: Path) -> str:
    """How a path is shown in every message: relative to the current directory ``cwd``, and
    printable (bytes of a file name that are not UTF-8 become U+FFFD)."""
    try:
        shown = path.relative_to(cwd).as_posix()
    except ValueError:
        shown = os.path.relpath(path, cwd) if path.anchor == cwd.anchor else str(path)
    return one_line(shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def one_line(text: str) -> str:
    """``text`` as one printable line: a newline, NUL or escape a YAML key or value carries into a
    message is shown escaped (`\\n`), so every format keeps one diagnostic per line."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class Span(Record):
    """A region of a file: 1-based lines and columns, ``end_column`` just past the last character."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int = 1, column: int = 1) -> Span:
        return cls(line, column, line, column + 1)


class Diagnostic(Record):
    path: str
    span: Span
    severity: Severity
    code: str
    rule: str
    message: str
    hint: Optional[str] = None
    fix: Optional[Fix] = None  # edits to the file at ``path`` that resolve it (``recast_lint.fix``)

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "severity": self.severity.value,
            "code": self.code,
            "rule": self.rule,
            "message": self.message,
            "hint": self.hint,
            "fix": self.fix.as_dict() if self.fix is not None else None,
        }
