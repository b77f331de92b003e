"""Where the cursor is in a YAML file being typed, read from the text alone.

Completion runs while the file is half written, when YAML cannot parse it, so the path of the
node under the cursor comes from indentation, as a person reads it: the keys and list items that
open at smaller indentation on the lines above (`- ` opens a list item, `key:` a mapping entry),
the items counted among their siblings, block scalars (`cmd: |`) skipped as text, and one-line
flow collections (`[a, b]`, `{step: x}`) read up to the cursor.
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple

from recast_lint.load import Pointer
from recast_lint.records import Record

# a mapping key at the start of what remains of a line: plain (`$ref`, `process_type`) or quoted
_KEY = re.compile(r"""(?P<key>"[^"]*"|'[^']*'|[^\s#'"\[\]{},:-][^#]*?|-[^\s#][^#]*?)\s*:(?=\s|$)""")
_BLOCK_START = re.compile(r"[|>][0-9+-]*\s*(#.*)?$")
_WORD = re.compile(r"[\w$.\-/]*$")


class Opener(Record):
    kind: str  # seq (a `- ` item) | key (a `key:` entry)
    column: int
    key: Optional[str] = None


class Line(Record):
    openers: List[Opener]
    rest: int  # column where what follows the openers starts (a value, or the key being typed)


class Cursor(Record):
    """What is being typed: a key of the mapping at ``pointer`` (mode `key`), the value at ``pointer``
    (mode `value`), or a new item of the list at ``pointer[:-1]`` that may be a value or a mapping
    (mode `item`). ``prefix`` is the word before the cursor that a completion replaces, starting at
    ``start`` (a column of the line, in characters); ``value`` is the value as written so far on
    this line; ``block``: inside a block scalar (`cmd: |`)."""

    pointer: Pointer
    mode: str
    prefix: str
    start: int
    value: str = ""
    block: bool = False


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] and key[0] in "'\"" else key.strip()


def parse_line(text: str) -> Line:
    """The list items and the key that open on one line, left to right."""
    openers: List[Opener] = []
    i = len(text) - len(text.lstrip(" "))
    while i < len(text):
        if text[i] == "-" and (i + 1 == len(text) or text[i + 1] in " \t"):
            openers.append(Opener("seq", i))
            i += 1
            while i < len(text) and text[i] in " \t":
                i += 1
            continue
        found = _KEY.match(text, i)
        if found:
            openers.append(Opener("key", i, _unquote(found.group("key"))))
            i = found.end() + 1
            while i < len(text) and text[i] in " \t":
                i += 1
        break
    return Line(openers, min(i, len(text)))


def _blank(text: str) -> bool:
    stripped = text.strip()
    return not stripped or stripped.startswith("#")


def _block_lines(lines: Sequence[str], upto: int) -> List[Optional[int]]:
    """For each line up to ``upto``: the line whose block scalar it belongs to, or None."""
    owner: List[Optional[int]] = []
    active: Optional[Tuple[int, int]] = None  # (owner line, owner column)
    for number in range(upto + 1):
        text = lines[number]
        indent = len(text) - len(text.lstrip(" "))
        if active is not None and (not text.strip() or indent > active[1]):
            owner.append(active[0])
            continue
        active = None
        owner.append(None)
        parsed = parse_line(text)
        if parsed.openers and _BLOCK_START.match(text[parsed.rest :]):
            active = (number, parsed.openers[-1].column)
    return owner


class _Part:
    def __init__(self, opener: Opener) -> None:
        self.opener = opener
        self.index = 0  # for a list item: how many items come before it

    def value(self) -> object:
        return self.index if self.opener.kind == "seq" else self.opener.key


def _is_ancestor(opener: Opener, top: Opener) -> bool:
    # `key:` with its list items at the same indentation (`stages:` then `- name: a`) is their parent
    return opener.column < top.column or (opener.kind == "key" and top.kind == "seq" and opener.column == top.column)


def _path(lines: Sequence[str], blocks: List[Optional[int]], number: int, own: List[Opener]) -> List[object]:
    """The pointer of the last of ``own`` (the openers on line ``number``, the first of which may be a
    key being typed, without a name) from the lines above."""
    parts = [_Part(o) for o in own]
    top = parts[0]
    for above in range(number - 1, -1, -1):
        if top.opener.column == 0 and top.opener.kind == "key":
            break
        text = lines[above]
        if blocks[above] is not None or _blank(text):
            continue
        openers = parse_line(text).openers
        ancestors = [o for o in openers if _is_ancestor(o, top.opener)]
        if any(o.kind == top.opener.kind and o.column == top.opener.column for o in openers) and top.opener.kind == "seq":
            top.index += 1
        if ancestors:
            found = [_Part(o) for o in ancestors]
            parts = found + parts
            top = found[0]
    return [part.value() for part in parts if part.opener.key is not None or part.opener.kind == "seq"]


def _flow(value: str) -> Tuple[List[object], str, str]:
    """Inside a one-line flow collection: the parts it adds to the pointer, the mode and the word
    being typed. Outside one: no parts, mode `value`, the value without its opening quote."""
    stack: List[list] = []  # [seq, index] or [map, key, expecting]
    token_start = 0
    i = 0
    while i < len(value):
        ch = value[i]
        if ch in "'\"" and i == token_start + (len(value[token_start:i]) - len(value[token_start:i].lstrip())):
            close = value.find(ch, i + 1)
            if close < 0:
                break  # the cursor is inside this string
            i = close + 1
            continue
        if ch == "[":
            stack.append(["seq", 0])
        elif ch == "{":
            stack.append(["map", None, "key"])
        elif ch == "," and stack:
            if stack[-1][0] == "seq":
                stack[-1][1] += 1
            else:
                stack[-1][1:] = [None, "key"]
        elif ch == ":" and stack and stack[-1][0] == "map" and stack[-1][2] == "key" and (i + 1 == len(value) or value[i + 1] == " "):
            stack[-1][1:] = [_unquote(value[token_start:i]), "value"]
        elif ch in "]}" and stack:
            stack.pop()
        else:
            i += 1
            continue
        i += 1
        token_start = i
    word = value[token_start:].lstrip()
    if word[:1] in ("'", '"'):
        word = word[1:]
    parts: List[object] = []
    mode = "value"
    for entry in stack:
        if entry[0] == "seq" or entry[2] == "value":
            parts.append(entry[1])
            mode = "value"
        else:
            mode = "key"
    return parts, mode, word


def cursor_at(text: str, line: int, column: int) -> Optional[Cursor]:
    """The cursor at 0-based ``line`` and ``column`` (characters) of ``text``; None in a comment."""
    lines = text.split("\n")
    lines = [raw[:-1] if raw.endswith("\r") else raw for raw in lines]
    if line >= len(lines):
        return None
    current = lines[line][:column]
    blocks = _block_lines(lines, line)
    owner = blocks[line]
    if owner is not None:  # inside `key: |`: the value of that key, as text
        openers = parse_line(lines[owner]).openers
        pointer = tuple(_path(lines, blocks, owner, openers))
        word = _WORD.search(current)
        return Cursor(pointer, "value", word.group(0) if word else "", column - len(word.group(0)) if word else column, current.strip(), block=True)
    if "#" in current and (current.lstrip().startswith("#") or " #" in current):
        return None  # a comment (a `#` inside a quoted string is rare where completion helps)
    parsed = parse_line(current)
    openers = list(parsed.openers)
    rest = current[parsed.rest :]
    if openers and openers[-1].kind == "key":
        path = _path(lines, blocks, line, openers)
        extra, mode, word = _flow(rest)
        return Cursor(tuple(path + extra), mode, word, column - len(word), rest)
    # what follows is a key being typed (or, after `- `, maybe a plain list item)
    typed = Opener("key", parsed.rest)
    path = _path(lines, blocks, line, [*openers, typed])
    extra, _, word = _flow(rest)
    if extra:  # `- [a, b` : a flow list as an item
        return Cursor(tuple(path + extra), "value", word, column - len(word), rest)
    word_match = _WORD.search(rest)
    word = word_match.group(0) if word_match else ""
    mode = "item" if openers and openers[-1].kind == "seq" else "key"
    return Cursor(tuple(path), mode, word, column - len(word), rest)
