"""The workflow block of a README: a ```mermaid block between two marker lines, rewritten in place.

Every byte outside the block stays as it was; the block takes the file's line endings. Markers
inside a fenced code block (a README that documents them) are not markers.
"""

from __future__ import annotations

from typing import List

BEGIN = "<!-- recast-lint graph: begin -->"
END = "<!-- recast-lint graph: end -->"
_FENCES = ("```", "~~~")


class MarkerError(Exception):
    """The README has no (or no usable) pair of markers (exit code 2)."""


def block(mermaid: str, newline: str = "\n") -> str:
    return newline.join(["```mermaid", *mermaid.rstrip("\n").split("\n"), "```"]) + newline


def replace_block(text: str, mermaid: str, name: str) -> str:
    """``text`` with the lines between its markers replaced by the ```mermaid block of ``mermaid``."""
    lines = text.splitlines(keepends=True)
    begins: List[int] = []
    ends: List[int] = []
    fenced = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        if begins and not ends and stripped == END:  # the block itself holds fences, perhaps broken ones
            ends.append(number)
        elif not begins or ends:
            if stripped.startswith(_FENCES):
                fenced = not fenced
            elif not fenced and stripped == BEGIN:
                begins.append(number)
            elif not fenced and stripped == END:
                ends.append(number)
    add = f"add the two lines {BEGIN} and {END} where the graph goes"
    if not begins and not ends:
        raise MarkerError(f"{name} has no workflow block to update; {add}")
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise MarkerError(f"{name} needs exactly one {BEGIN} line followed by one {END} line (found {len(begins)} and {len(ends)}); {add}")
    begin, end = begins[0], ends[0]
    newline = "\r\n" if lines[begin].endswith("\r\n") else "\n"
    return "".join(lines[: begin + 1]) + block(mermaid, newline) + "".join(lines[end:])
