"""Adoption: bring an analysis repository that exists under recast-lint, and keep it current.

    init        the template's pieces (scaffold.render_file) ──placed in the files as they are──▶ Plan
    upgrade     the pins RL660 finds (rules/catalogue/pins.py) ──their edits──▶ Plan
    check --add-suppressions   a comment per finding (suppressions.py) ──▶ the texts `check` writes

A plan is made against the files as read and written only when asked (`--dry-run` prints it as
a diff). A file that exists is edited as text through ``recast_lint.fix`` (every character outside
an edit stays: comments, layout, line endings, a byte-order mark); a new file is only created.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, NamedTuple, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import display_path
from recast_lint.fix import Edit
from recast_lint.load import Document
from recast_lint.model import real


def line_text(doc: Document, number: int) -> str:
    """Line ``number`` (1-based) of ``doc`` without its line break; lines end at `\n` only, as the
    loader's positions count them (`str.splitlines` also breaks at a form feed)."""
    if number < 1 or number > doc.line_count:
        return ""
    return doc.text[doc.offset(number, 1) : doc.offset(number + 1, 1)].rstrip("\r\n")


def is_content(doc: Document, number: int) -> bool:
    """Whether line ``number`` holds YAML (is not blank, not only a comment)."""
    stripped = line_text(doc, number).strip()
    return bool(stripped) and not stripped.startswith("#")


def inside(root: Path, path: Path) -> bool:
    """Whether ``path``, its links followed, is inside the analysis at ``root``."""
    return real(root) in real(path).parents


def last_line(doc: Document, pointer: tuple) -> int:
    """The last line that holds YAML of the node at ``pointer``: the loader's end of a block node is
    where the next token starts, past trailing comments and the next item's dash."""
    info = doc.info(pointer)
    assert info is not None, pointer
    line = doc.text_span(info.end, info.end).line
    if not doc.text[doc.offset(line, 1) : info.end].strip():
        line -= 1
    while line > 1 and not is_content(doc, line):
        line -= 1
    return line


def insert_lines(doc: Document, before: int, text: str) -> Edit:
    """``text`` (whole lines, each ending in a line break) inserted before line ``before``, or at the
    end; a last line without its line break gets one first."""
    at = doc.offset(before, 1) if before <= doc.line_count else len(doc.text)
    return fix.insert(doc, at, fix.line_break_before(doc, at) + text)


class AdoptError(Exception):
    """The command cannot start (not an analysis, a file that cannot be written): exit 2, one line."""


class Change(NamedTuple):
    path: Path
    original: Optional[str]  # the text as read; None for a file the plan creates
    text: str
    says: Tuple[str, ...]  # what the change does, a line each: "added the `lint` job"


class Plan:
    """What a command would write, and what it could not do (each a line saying why)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.changes: List[Change] = []
        self.problems: List[str] = []

    def add(self, path: Path, original: Optional[str], text: str, *says: str) -> None:
        if text == original:
            return
        if not inside(self.root, path):  # an analysis is untrusted: nothing outside it is written
            self.problems.append(f"{path.name}: a symbolic link to outside the analysis, so it is not changed")
            return
        self.changes.append(Change(path, original, text, says))

    def diff(self, cwd: Path) -> str:
        """A unified diff of every change (a new file as one from /dev/null)."""
        out = []
        for change in self.changes:
            shown = display_path(change.path, cwd)
            patch = fix.unified_diff(shown, change.original or "", change.text)
            if change.original is None:
                patch = patch.replace(f"--- a/{shown}\n", "--- /dev/null\n", 1)
            out.append(patch)
        return "".join(out)

    def write(self) -> None:
        """Write every change; a file that changed since it was read, or appeared, is not overwritten."""
        for change in self.changes:
            if change.original is not None:
                try:
                    fix.write(change.path, change.original, change.text)
                except fix.WriteError as exc:
                    raise AdoptError(str(exc)) from exc
                continue
            try:
                change.path.parent.mkdir(parents=True, exist_ok=True)
                with change.path.open("x", encoding="utf-8", newline="") as handle:
                    handle.write(change.text)
            except FileExistsError as exc:
                raise AdoptError(f"cannot create {change.path}: it appeared while the plan was made; run again") from exc
            except OSError as exc:
                raise AdoptError(f"cannot write {change.path}: {exc.strerror or exc}") from exc
