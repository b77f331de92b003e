"""`{placeholder}` templates, read with the same rules as Python's ``str.format``.

packtivity renders `cmd`, `script` and `interpolated-pub` templates with ``str.format``, so
``{{`` and ``}}`` are literal braces, ``{name}``, ``{name[0]}``, ``{name.attr}`` and
``{name:03d}`` are fields, and a lone brace is an error. This module finds every field with its
offset in the template; it judges nothing (the rules do).
"""

from __future__ import annotations

import re
from typing import List, NamedTuple, Optional, Tuple

_ROOT = re.compile(r"[^.\[]*")
_NAME_END = re.compile(r"[!:]")


class Field(NamedTuple):
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


class BraceError(NamedTuple):
    offset: int
    message: str


def scan(template: str) -> Tuple[List[Field], Optional[BraceError]]:
    """Fields in ``template`` and the first brace error, if any (``str.format`` stops there too)."""
    fields: List[Field] = []
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        if ch == "}":
            if i + 1 < n and template[i + 1] == "}":
                i += 2
                continue
            return fields, BraceError(i, "single '}' with no matching '{'")
        if ch != "{":
            i += 1
            continue
        if i + 1 < n and template[i + 1] == "{":
            i += 2
            continue
        depth, j = 1, i + 1
        while j < n and depth:
            if template[j] == "{":
                depth += 1
            elif template[j] == "}":
                depth -= 1
            j += 1
        if depth:
            return fields, BraceError(i, "'{' is never closed")
        text = template[i + 1 : j - 1]
        name = _NAME_END.split(text, maxsplit=1)[0]
        root = _ROOT.match(name).group(0)  # type: ignore[union-attr]  # the pattern matches any string, if only its empty start
        fields.append(Field(text=text, start=i, end=j, name=name, dollar=i > 0 and template[i - 1] == "$", root=root))
        i = j
    return fields, None
