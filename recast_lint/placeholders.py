"""`{placeholder}` templates, read with the same rules as Python's ``str.format``.

packtivity renders `cmd`, `script` and `interpolated-pub` templates with ``str.format``, so
``{{`` and ``}}`` are literal braces, ``{name}``, ``{name[0]}``, ``{name.attr}`` and
``{name:03d}`` are fields, and a lone brace is an error. This module finds every field with its
offset in the template; it judges nothing (the rules do).
"""

from __future__ import annotations

import re
import sys
from typing import List, Optional, Tuple

from recast_lint.records import Record

_ROOT = re.compile(r"[^.\[]*")
_NAME_END = re.compile(r"[!:]")
_BRACE = re.compile(r"[{}]")


class Field(Record):
    text: str  # everything between the braces, e.g. `name[0]:>3`
    start: int  # offset of `{` in the template
    end: int  # offset just past `}`
    name: str  # the field name, e.g. `name[0]`
    dollar: bool  # written `${...}` (shell variable syntax)
    root: str  # the parameter the field reads: `files` for `{files[0]}`, `cfg` for `{cfg.x}`

    @property
    def positional(self) -> bool:
        return self.root == "" or self.root.isdigit()

    @property
    def literal(self) -> str:
        return "{" + self.text + "}"


class BraceError(Record):
    offset: int
    message: str


def scan(template: str) -> Tuple[List[Field], Optional[BraceError]]:
    """Fields in ``template`` and the first brace error, if any (``str.format`` stops there too)."""
    fields: List[Field] = []
    n = len(template)
    brace = _BRACE.search(template)  # from brace to brace: most of a command is no field
    while brace is not None:
        i = brace.start()
        if template[i] == "}":
            if i + 1 < n and template[i + 1] == "}":
                brace = _BRACE.search(template, i + 2)
                continue
            return fields, BraceError(i, "single '}' with no matching '{'")
        if i + 1 < n and template[i + 1] == "{":
            brace = _BRACE.search(template, i + 2)
            continue
        depth, j = 1, i + 1
        while depth:
            inner = _BRACE.search(template, j)
            if inner is None:
                return fields, BraceError(i, "'{' is never closed")
            depth += 1 if inner.group() == "{" else -1
            j = inner.end()
        # generated commands name the same few parameters thousands of times: one string for each name
        text = sys.intern(template[i + 1 : j - 1])
        # mostly `{name}`: text, name and root are then one string, not three copies (a command may hold thousands)
        name = _NAME_END.split(text, maxsplit=1)[0] if ":" in text or "!" in text else text
        root = _ROOT.match(name).group(0) if "." in name or "[" in name else name  # type: ignore[union-attr]  # matches any string
        fields.append(Field(text=text, start=i, end=j, name=name, dollar=i > 0 and template[i - 1] == "$", root=root))
        brace = _BRACE.search(template, j)
    return fields, None
