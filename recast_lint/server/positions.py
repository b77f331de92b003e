"""Places in a text three ways: character offsets (what the model's edits use), the model's 1-based
lines and columns (``Span``: lines end at `\\n`, columns count characters), and LSP positions
(0-based; lines end at `\\n`, `\\r\\n` or `\\r`; columns in the code units the client and server agreed
on, UTF-16 unless it asked for another)."""

from __future__ import annotations

import bisect
import re
from typing import List, Tuple

from recast_lint.diagnostics import Span

_LSP_BREAK = re.compile(r"\r\n|\r|\n")
_MODEL_BREAK = re.compile(r"\n")


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)  # UTF-16: two units past the BMP


class TextIndex:
    """One text's line starts in both line models, for turning one kind of place into another."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self._model_starts = [0] + [m.end() for m in _MODEL_BREAK.finditer(text)]  # in C: a buffer may hold 2 MiB
        self._lsp_starts = [0] + [m.end() for m in _LSP_BREAK.finditer(text)]

    # the model's lines and columns
    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based ``line`` and ``column`` of a ``Span`` (as ``Document.offset``)."""
        if line > len(self._model_starts):
            return len(self.text)
        return max(0, min(self._model_starts[line - 1] + column - 1, len(self.text)))

    # LSP positions
    def position(self, offset: int) -> Tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._lsp_starts, offset) - 1
        start = self._lsp_starts[line]
        if offset > start and self.text[offset - 1] == "\r" and offset < len(self.text) and self.text[offset] == "\n":
            offset -= 1  # between `\r` and `\n`: the end of the line
        return line, _units(self.text[start:offset], self.encoding)

    def offset_at(self, line: int, character: int) -> int:
        """The offset of an LSP position; a position past a line's end is its end, as the protocol says."""
        if line >= len(self._lsp_starts):
            return len(self.text)
        start = self._lsp_starts[line]
        end = self._lsp_starts[line + 1] if line + 1 < len(self._lsp_starts) else len(self.text)
        content = _LSP_BREAK.sub("", self.text[start:end])
        if self.encoding == "utf-32" or content.isascii():
            return start + min(character, len(content))
        counted = 0
        for index, ch in enumerate(content):
            if counted >= character:
                return start + index
            counted += _units(ch, self.encoding)
        return start + len(content)

    def span_range(self, span: Span) -> Tuple[Tuple[int, int], Tuple[int, int]]:
        start = self.offset(span.line, span.column)
        end = max(start, self.offset(span.end_line, span.end_column))
        return self.position(start), self.position(end)

    def line_text(self, line: int) -> str:
        """LSP line ``line`` without its line break."""
        starts = self._lsp_starts
        if line >= len(starts):
            return ""
        end = starts[line + 1] if line + 1 < len(starts) else len(self.text)
        return _LSP_BREAK.sub("", self.text[starts[line] : end])

    def line_start(self, line: int) -> int:
        return self._lsp_starts[min(line, len(self._lsp_starts) - 1)]

    @property
    def lsp_line_count(self) -> int:
        return len(self._lsp_starts)

    def lsp_lines(self) -> List[str]:
        return [self.line_text(n) for n in range(len(self._lsp_starts))]
