"""Inline suppression comments in the YAML files (the loader keeps no comments, so they are read from the text).

Grammar: one directive per comment; CODES are comma-separated codes, code prefixes (`RL7`) or rule
names; after the brackets and a space comes an optional reason, free text to the end of the line.

    key: value  # recast-lint: ignore[CODES] reason       that line
    # recast-lint: ignore[CODES] reason                   the next node: the mapping entry or list
    key:                                                  item on the next line of YAML, with
      everything: below                                   everything nested under it
    # recast-lint: ignore-file[CODES] reason              the whole file (on a line of its own)

RL101 (invalid YAML) cannot be suppressed: the rest of the file cannot be read until it is fixed.
The pipeline (``recast_lint.lint``) asks ``Suppressions.suppresses`` about each finding; the RL9xx
rules (``recast_lint.rules.meta``) then report the directives that suppressed nothing and the ones
that cannot be read.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from recast_lint.config import matches, normalize, unknown_pattern
from recast_lint.diagnostics import Span
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Document
from recast_lint.records import Record

MARKER = "recast-lint:"
UNSUPPRESSIBLE = ("RL101",)
UNUSED = "RL901"  # the rule reporting a code that suppressed nothing (recast_lint.rules.meta)
CACHE_KEY = "suppressions"  # where the pipeline leaves ``Suppressions`` for the RL9xx rules

_DIRECTIVE = LazyPattern(r"#\s*recast-lint:")
_BODY = LazyPattern(r"\s*(?P<kind>ignore-file|ignore)\[(?P<codes>[^\]]*)\]($|\s)")  # then the optional reason, free text
_CODE = LazyPattern(r"[^,\s]+")
GRAMMAR = "write `# recast-lint: ignore[RL301] reason` (this line or the next node) or `# recast-lint: ignore-file[RL301] reason`"


class Code:
    """One code written in a directive, and whether it suppressed anything."""

    def __init__(self, pattern: str, span: Span) -> None:
        self.pattern = pattern  # normalized, as `matches` wants it
        self.span = span  # where it is written in the comment
        self.used = False


class Directive(Record):
    doc: Document
    kind: str  # line | node | file
    codes: List[Code]
    first_line: int
    last_line: int
    comment: Span = Span.point()  # from the `#` to the end of its line
    written: Tuple[Span, ...] = ()  # every code between the brackets, those that name no rule too

    def covers(self, line: int) -> bool:
        return self.first_line <= line <= self.last_line


class Problem(Record):
    """A directive that cannot be read or names something that cannot be suppressed."""

    doc: Document
    span: Span
    message: str
    hint: str


class Suppressions:
    """Every directive in the documents of one analysis, and which of their codes were used."""

    def __init__(self) -> None:
        self.directives: Dict[int, List[Directive]] = {}  # id(document) -> directives
        self.problems: List[Problem] = []
        self.ran: List[Tuple[str, str]] = []  # (code, name) of the rules that ran

    @classmethod
    def read(cls, documents: Iterable[Document]) -> Suppressions:
        found = cls()
        for doc in documents:
            if MARKER in doc.text:
                found.directives[id(doc)] = list(_directives(doc, found.problems))
        return found

    def suppresses(self, doc: Document, code: str, name: str, span: Span) -> bool:
        """True (and the directive's code is marked used) when a directive covers this finding."""
        if code in UNSUPPRESSIBLE:
            return False
        hit = False
        for directive in self.directives.get(id(doc), ()):
            if directive.covers(span.line):
                for written in directive.codes:
                    if matches(code, name, [written.pattern]):
                        written.used = hit = True
        return hit

    def used(self) -> Iterator[Tuple[Path, Span]]:
        """(file, where the code is written) of each code that suppressed a finding."""
        for directives in self.directives.values():
            for directive in directives:
                yield from ((directive.doc.path, code.span) for code in directive.codes if code.used)

    def unused(self) -> Iterator[tuple]:
        """(directive, code) for each code that suppressed nothing although a rule it names ran."""
        for directives in self.directives.values():
            for directive in directives:
                if not directive.doc.ok:
                    continue  # rules could not read the file, so nothing could be suppressed in it
                for written in directive.codes:
                    if not written.used and any(matches(code, name, [written.pattern]) for code, name in self.ran):
                        yield directive, written


def _comments(doc: Document) -> Iterator[tuple]:
    """(line number, column of `#`, own line?, text after the marker) of each directive comment."""
    if _DIRECTIVE.search(doc.text) is None:  # most files: then their nodes' positions are never needed
        return
    # a `#` inside a string is text, not a comment; scalars do not overlap, so sorted starts find the one around it
    scalars = sorted((info.start, info.end) for info in doc.nodes.values() if info.style is not None)
    starts = [start for start, _ in scalars]
    offset = 0
    for number, line in enumerate(doc.text.splitlines(keepends=True), 1):
        found = _DIRECTIVE.search(line)
        around = bisect.bisect_right(starts, offset + found.start()) - 1 if found else -1
        if found and not (around >= 0 and offset + found.start() < scalars[around][1]):
            own_line = not line[: found.start()].strip()
            yield number, found.start() + 1, own_line, line[found.end() :].rstrip("\r\n")
        offset += len(line)


def _directives(doc: Document, problems: List[Problem]) -> Iterator[Directive]:
    lines = doc.lines
    for number, column, own_line, body in _comments(doc):
        comment = Span(number, column, number, len(lines[number - 1]) + 1)
        parsed = _BODY.match(body)
        if parsed is None:
            problems.append(Problem(doc, comment, "suppression comment cannot be read", GRAMMAR))
            continue
        body_column = comment.end_column - len(body)
        codes = []
        written: List[Span] = []
        for code in _CODE.finditer(parsed.group("codes")):
            start = body_column + parsed.start("codes") + code.start()
            span = Span(number, start, number, start + len(code.group()))
            written.append(span)
            pattern = normalize(code.group())
            why_not = _cannot_suppress(pattern)
            if why_not:
                problems.append(Problem(doc, span, why_not[0], why_not[1]))
            else:
                codes.append(Code(pattern, span))
        if not codes:
            if not parsed.group("codes").strip():
                problems.append(Problem(doc, comment, "suppression comment names no code", "name the codes to ignore, e.g. `ignore[RL301]`"))
            continue
        where = (comment, tuple(written))
        if parsed.group("kind") == "ignore-file":
            if own_line:
                yield Directive(doc, "file", codes, 1, len(lines), *where)
            else:
                problems.append(Problem(doc, comment, "`ignore-file` must stand on a line of its own", "move the comment to its own line, e.g. at the top"))
        elif own_line:
            node = _next_content_line(lines, number)
            yield Directive(doc, "node", codes, node, _node_end(doc, node), *where)
        else:
            yield Directive(doc, "line", codes, number, number, *where)


def _cannot_suppress(pattern: str) -> Optional[tuple]:
    if pattern in UNSUPPRESSIBLE:
        return f"{pattern} cannot be suppressed", "fix the YAML syntax: nothing else in the file can be checked until it is valid"
    suggestion = unknown_pattern(pattern)
    return (f"unknown rule {pattern!r} in suppression comment", suggestion) if suggestion else None


def _next_content_line(lines: List[str], after: int) -> int:
    """The first line after ``after`` that holds YAML (not blank, not only a comment)."""
    for number in range(after + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return len(lines) + 1


def _node_end(doc: Document, line: int) -> int:
    """The last line of the mapping entry or list item that begins on ``line`` (that line alone if none)."""
    end = line
    for pointer, info in doc.nodes.items():
        begins = info.key.line if info.key is not None else info.value.line
        if pointer and begins == line:
            end = max(end, info.value.end_line)
    return end
