"""The one diagnostic model every rule produces and every formatter consumes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Span:
    """A region of a file: 1-based lines and columns, ``end_column`` just past the last character."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int = 1, column: int = 1) -> Span:
        return cls(line, column, line, column + 1)


@dataclass(frozen=True)
class Diagnostic:
    path: str
    span: Span
    severity: Severity
    code: str
    rule: str
    message: str
    hint: Optional[str] = None
    sensitive: bool = False  # the region holds a secret; formatters that show source must mask it

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
        }
