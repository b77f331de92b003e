"""Why PyYAML stopped reading a file: the likely cause of its common errors, from the text at the mark.

PyYAML says where it gave up and what token it expected (`did not find expected key`, `mapping
values are not allowed here`), which is rarely where the mistake is or what it is. The mistakes
analysts make in spec files are few, and each leaves a recognisable shape in the line:

- a value that starts with `{` is a flow mapping: `outputfile: {workdir}/out.txt` reads
  `{workdir}` as a mapping and then cannot place `/out.txt`;
- a value that starts with `*` or `&` is an alias or an anchor (`files: *.root`);
- a plain value holding `: ` is a second key on the line (`cmd: echo a: b`);
- a key without a space after its `:` (`image:busybox`) is plain text, so the next line's key has
  nothing to belong to;
- a line indented to no level the lines above open;
- a quoted value whose quotes end before the value does (`'it's'`), or never end.

``explain`` returns the cause, a hint with the fixed text, and where to point; ``None`` when the
text has none of these shapes (the caller then keeps PyYAML's own words). Only called for a file
that failed to parse, so it costs nothing on a clean run.
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional, Tuple

import yaml

from recast_lint.diagnostics import Span
from recast_lint.load import line_starts
from recast_lint.records import Record

_KEY_NO_SPACE = re.compile(r"^(?P<lead>\s*(?:-\s+)*)(?P<key>[A-Za-z_][\w.-]*):(?P<value>[^\s:/].*)$")
_KEY_VALUE = re.compile(r"^(?P<lead>\s*(?:-\s+)*)(?P<key>[^\s#'\"{\[\-][^#]*?):(?:\s+|$)")
_BAD_START = {"@": "`@` is reserved", "%": "`%` starts a directive"}


class Cause(Record):
    message: str
    hint: str
    span: Span
    # the edit that quotes the value (character offsets into the text, replacement), when YAML then
    # reads past this line: offered as RL101's fix
    repair: Tuple[Tuple[int, int, str], ...] = ()
    quoting: Optional[Tuple[int, int, int, str]] = None  # (line, start, end, quoted): where _quote_it would quote


class _Mark(Record):
    line: int  # 1-based
    column: int  # 0-based index into the line


def explain(text: str, problem: str, mark: Tuple[int, int], context: str = "", context_mark: Optional[Tuple[int, int]] = None) -> Optional[Cause]:
    """The cause of the error PyYAML reported as ``problem`` (and ``context``) at ``mark``
    (1-based line and column), or None."""
    lines = text.splitlines()
    at = _Mark(mark[0], mark[1] - 1)
    started = _Mark(context_mark[0], context_mark[1] - 1) if context_mark else None
    if not 0 < at.line <= len(lines) + 1:
        return None
    reading = _Reading(lines, problem.lower(), context.lower(), at, started)
    for cause in (reading.quoted, reading.unclosed_flow, reading.alias_or_anchor, reading.flow_mapping, reading.closed_quote,
                  reading.colon_in_value, reading.no_space_after_colon, reading.indentation, reading.bad_start):
        found = cause()
        if found is not None:
            return _with_repair(text, found)
    return None


def _with_repair(text: str, cause: Cause) -> Cause:
    """The cause with the edit that quotes its value, when the text really holds that value there
    and YAML, once it is quoted, reads past the line (quoting it was the answer)."""
    if cause.quoting is None:
        return cause
    line, start, end, quoted = cause.quoting
    starts = line_starts(text)
    if line > len(starts):
        return cause
    begin, finish = starts[line - 1] + start, starts[line - 1] + end
    if quote(text[begin:finish]) != quoted:
        return cause
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        yaml.compose(text[:begin] + quoted + text[finish:], Loader=loader)
    except yaml.YAMLError as exc:
        later = getattr(exc, "problem_mark", None)
        if later is None or later.line + 1 <= line:
            return cause  # still stuck on this line
    return cause._replace(repair=((begin, finish, quoted),))


def quote(value: str) -> str:
    """``value`` as a YAML quoted scalar that reads back as exactly this text."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _end_of_value(line: str, start: int, flow: bool) -> int:
    """Where a plain value that starts at ``start`` ends: a comment, or in flow context `,` `]` `}` at depth 0."""
    depth = 0
    for index in range(start, len(line)):
        char = line[index]
        if char == "#" and index > start and line[index - 1] == " ":
            return len(line[:index].rstrip())
        if char in "{[":
            depth += 1
        elif char in "}]":
            if depth == 0 and flow:
                return index
            depth -= 1
        elif char == "," and depth == 0 and flow:
            return index
    return len(line.rstrip())


class _Reading:
    def __init__(self, lines: List[str], problem: str, context: str, at: _Mark, started: Optional[_Mark]) -> None:
        self.lines = lines
        self.problem = problem
        self.context = context
        self.at = at
        self.started = started

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def span(self, line: int, start: int, end: int) -> Span:
        return Span(line, start + 1, line, max(end, start + 1) + 1)

    def fixed(self, line: str, start: int, end: int, value: str) -> str:
        """The line with its value from ``start`` to ``end`` quoted, from the key on (no indentation)."""
        return (line[:start] + quote(value) + line[end:]).strip()

    # -- the causes, most specific first ------------------------------------------------------
    def quoted(self) -> Optional[Cause]:
        if "quoted scalar" not in self.context or self.started is None:
            return None
        opened = self.line(self.started.line)
        where = self.span(self.started.line, self.started.column, self.started.column)
        if "escape" in self.problem:
            return Cause(
                "a backslash in a double-quoted value starts an escape sequence, and this one is not a YAML escape",
                "use single quotes, in which a backslash is an ordinary character, or write it doubled (`\\\\`)",
                where,
            )
        if "end of stream" in self.problem or "document" in self.problem:
            char = opened[self.started.column] if self.started.column < len(opened) else "'"
            return Cause(
                f"the `{char}` opened on line {self.started.line} is never closed, so the rest of the file is read as this value",
                f"end the value with `{char}` on line {self.started.line}" + (" (write a `'` inside it as `''`)" if char == "'" else ""),
                where,
            )
        return None

    def unclosed_flow(self) -> Optional[Cause]:
        """`[a, b` or `{a: 1` with no closing bracket on its line: the next lines are read as its items."""
        if "flow" not in self.context or self.started is None or self.started.line >= self.at.line:
            return None
        opened = self.line(self.started.line)
        char = opened[self.started.column] if self.started.column < len(opened) else "["
        closing = "]" if char == "[" else "}"
        return Cause(
            f"the `{char}` on line {self.started.line} is not closed, so YAML reads the lines after it as its items",
            f"close it with `{closing}`, or quote the value if the `{char}` is meant as text",
            self.span(self.started.line, self.started.column, self.started.column),
        )

    def alias_or_anchor(self) -> Optional[Cause]:
        line = self.line(self.at.line)
        if "alias" in self.context or "alias" in self.problem:
            sign, what = "*", "an alias (a reference to an `&anchor`)"
        elif "anchor" in self.context:
            sign, what = "&", "an anchor (a name for this node)"
        else:
            return None
        start = self.started.column if self.started is not None and self.started.line == self.at.line else self.at.column
        start = line.rfind(sign, 0, start + 1)
        if start < 0:
            return None
        return self._quote_it(start, lambda value: f"`{value}` starts with `{sign}`, which YAML reads as {what}, not as text")

    def flow_mapping(self) -> Optional[Cause]:
        """`key: {workdir}/out.txt`: a mapping `{workdir}`, then text YAML cannot place."""
        line = self.line(self.at.line)
        close = len(line[: self.at.column].rstrip()) - 1
        if close < 0 or close >= len(line) or line[close] != "}":
            return None
        depth, start = 0, -1
        for index in range(close, -1, -1):
            if line[index] == "}":
                depth += 1
            elif line[index] == "{":
                depth -= 1
                if depth == 0:
                    start = index
                    break
        before = line[:start].rstrip() if start >= 0 else ""
        if start < 0 or not (before.endswith((":", "-", ",", "[", "{")) or not before):
            return None
        mapping = line[start : close + 1]
        return self._quote_it(
            start,
            lambda value: f"`{value}` starts with `{{`, so YAML reads `{mapping}` as a mapping and cannot place `{value[len(mapping):].strip()}` after it",
        )

    def closed_quote(self) -> Optional[Cause]:
        """`'it's'` or `'echo' {x}`: the quotes close before the value ends."""
        line = self.line(self.at.line)
        match = _KEY_VALUE.match(line)
        start = match.end() if match else len(line) - len(line.lstrip(" -"))
        if start >= len(line) or line[start] not in "'\"" or self.at.column <= start:
            return None
        char = line[start]
        end = _end_of_value(line, start, flow=False)
        value = line[start:end]
        meant = value[1:-1] if len(value) > 1 and value.endswith(char) else value
        return Cause(
            f"the `{char}` that opens the value is closed again before the value ends, and YAML cannot read what follows",
            f"quote the whole value: `{self.fixed(line, start, end, meant)}`",
            self.span(self.at.line, start, end),
        )

    def colon_in_value(self) -> Optional[Cause]:
        """`cmd: echo a: b`: a plain value holding `: ` reads as a second key on the line."""
        if "mapping values" not in self.problem:
            return None
        line = self.line(self.at.line)
        match = _KEY_VALUE.match(line)
        if match is None or match.end() > self.at.column:
            return None  # the line's own key is what YAML cannot place: indentation or the line above
        return self._quote_it(match.end(), lambda value: f"the value `{value}` holds `: `, which YAML reads as the start of another key")

    def no_space_after_colon(self) -> Optional[Cause]:
        """`image:busybox`: one word of text, so the key on the next line has nothing to belong to."""
        if "mapping values" not in self.problem and "expected ':'" not in self.problem:
            return None
        first = self.started.line if self.started is not None and "simple key" in self.context else self.at.line - 1
        for number in range(min(first, self.at.line), max(1, self.at.line - 20) - 1, -1):
            line = self.line(number)
            if not _content(line):
                continue
            match = _KEY_NO_SPACE.match(line)
            if match is not None:
                key, value = match.group("key"), match.group("value")
                start = len(match.group("lead"))
                return Cause(
                    f"`{key}:{value.split()[0]}` has no space after the `:`, so YAML reads it as text, not as the key `{key}`",
                    f"write a space after the colon: `{key}: {value}`",
                    self.span(number, start, start + len(key) + 1 + len(value.split()[0])),
                )
            if number != self.at.line and _KEY_VALUE.match(line):
                return None  # a well-formed key above: the mistake is not a missing space
        return None

    def indentation(self) -> Optional[Cause]:
        """A line whose indentation matches no level that the lines above it open."""
        number = self.at.line
        line = self.line(number)
        if not _content(line) or "\t" in line[: _indent(line)]:
            return None
        column = _indent(line)
        levels: List[Tuple[int, int]] = []  # (indentation, line) of the line above and each of its parents
        for above in range(number - 1, 0, -1):
            text = self.line(above)
            if not _content(text) or not (_KEY_VALUE.match(text) or text.lstrip().startswith("- ")):
                continue  # a comment, or a line of a block scalar: it opens no level
            indent = _indent(text)
            if not levels or indent < levels[-1][0]:
                dash = len(text) - len(text.lstrip(" -")) if text.lstrip().startswith("- ") else None
                if dash is not None and (not levels or dash < levels[-1][0]):
                    levels.append((dash, above))  # the keys of a list item `- name:` are indented past the dash
                levels.append((indent, above))
                if indent == 0:
                    break
        levels.sort()
        if not levels or any(indent == column for indent, _ in levels):
            return self._sibling_of_list(number, line, column)
        lower = [(i, n) for i, n in levels if i < column]
        higher = [(i, n) for i, n in levels if i > column]
        key = line.strip().split(":")[0]
        shown = f"`{key}:`" if ":" in line else f"`{line.strip()}`"
        parent = self.line(lower[-1][1]) if lower else ""
        if lower and lower[-1][1] == max(n for _, n in levels) and not parent.rstrip().endswith(":"):
            above_key = parent.strip().split(":")[0].lstrip("- ")
            return Cause(
                f"{shown} is indented more than `{above_key}:` on line {lower[-1][1]}, which already has a value, so it cannot be nested there",
                f"indent it like `{above_key}:` ({_spaces(lower[-1][0])}), or remove the value of `{above_key}` to nest {shown} under it",
                self.span(number, column, len(line.rstrip())),
            )
        nearest = [level for level in lower[-1:] if not self._is_dash(*level) or not higher] + higher[:1]
        options = [self._level(i, n) for i, n in nearest]
        return Cause(
            f"{shown} is indented {_spaces(column)}, which matches none of the lines above it",
            f"indent it like {' or like '.join(options)}",
            self.span(number, column, len(line.rstrip())),
        )

    def _is_dash(self, indent: int, number: int) -> bool:
        """Whether the level is the dash of a list item `- name:` (its keys are further in)."""
        text = self.line(number)
        return text.lstrip().startswith("- ") and _indent(text) == indent

    def _level(self, indent: int, number: int) -> str:
        text = self.line(number)
        if self._is_dash(indent, number):
            return f"the `-` on line {number} ({_spaces(indent)})"
        return f"`{text.strip().lstrip('- ').split(':')[0]}:` on line {number} ({_spaces(indent)})"

    def _sibling_of_list(self, number: int, line: str, column: int) -> Optional[Cause]:
        """A key at the indentation of the `- ` items above it, in the middle of the list."""
        if not ("'-'" in self.problem or "block end" in self.problem) or self.started is None:
            return None
        if column != self.started.column or line.lstrip().startswith("-"):
            return None
        shown = line.strip().split(":")[0]
        return Cause(
            f"`{shown}` is at the indentation of the list items that start on line {self.started.line}, but is not one (no `- `)",
            f"indent it like the keys of the item above to make it part of that item, or write `- {line.strip()}` for a new item",
            self.span(number, column, len(line.rstrip())),
        )

    def bad_start(self) -> Optional[Cause]:
        line = self.line(self.at.line)
        char = line[self.at.column] if self.at.column < len(line) else ""
        if "cannot start any token" not in self.problem or char not in _BAD_START:
            return None
        return self._quote_it(self.at.column, lambda value: f"`{value}` starts with `{char}`, which a plain YAML value cannot start with ({_BAD_START[char]})")

    def _quote_it(self, start: int, message: Callable[[str], str]) -> Cause:
        """The plain value that starts at ``start`` of the error line, with the line quoting it as the hint."""
        line = self.line(self.at.line)
        end = _end_of_value(line, start, flow=self._in_flow(line, start))
        value = line[start:end]
        return Cause(
            message(value), f"quote it: `{self.fixed(line, start, end, value)}`", self.span(self.at.line, start, end),
            quoting=(self.at.line, start, end, quote(value)),
        )

    def _in_flow(self, line: str, start: int) -> bool:
        """Whether ``start`` is inside a `[...]` or `{...}` opened earlier on the line."""
        depth = 0
        for char in line[:start]:
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
        return depth > 0
