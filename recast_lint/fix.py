"""Fixes: text edits a rule attaches to its finding, and the engine that applies them.

A fix never re-serialises YAML. Each edit replaces a span of the file's original text, so every
character outside the edited spans stays as it was: comments, quoting style, key order,
indentation, anchors, line endings and a missing final newline.

    rule ──Finding(fix=Fix(title, applicability, edits))──▶ lint ──Diagnostic.fix──▶ apply / report

A fix edits the file its finding is in. It is *safe* when it keeps what the author evidently
meant and cannot change a run that works (quoting a value YAML misread, a misspelt key with one
close match); *unsafe* when it changes behaviour (renaming a stage reference): those are applied
only when asked for (``--unsafe-fixes``). The engine applies, per file, the fixes whose edits do
not overlap, lints again and repeats, a bounded number of times, as ruff does: fixes are planned
against one text and another fix may move what they point at.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from recast_lint.diagnostics import Span

if TYPE_CHECKING:
    from recast_lint.diagnostics import Diagnostic
    from recast_lint.lint import LintResult
    from recast_lint.load import Document
    from recast_lint.model import Loc

MAX_PASSES = 10  # a fix that keeps producing work for another is a bug; stop rather than loop
_BOM = b"\xef\xbb\xbf"


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


class Edit(NamedTuple):
    """Replace characters ``start`` to ``end`` of a file's text with ``replacement``; ``span`` is the
    same place as lines and columns, for reports and editors."""

    span: Span
    start: int
    end: int
    replacement: str

    def as_dict(self) -> dict:
        return {
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "replacement": self.replacement,
        }


class Fix(NamedTuple):
    title: str  # what applying it does, in the imperative: "rename 'dependecies' to 'dependencies'"
    applicability: Applicability
    edits: Tuple[Edit, ...]

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    def as_dict(self) -> dict:
        return {"title": self.title, "applicability": self.applicability.value, "edits": [e.as_dict() for e in self.edits]}


# -- building edits from the loader's positions ------------------------------------------------


def replace(doc: Document, start: int, end: int, replacement: str) -> Edit:
    """Replace characters ``start`` to ``end`` of ``doc``'s text."""
    return Edit(doc.text_span(start, end), start, end, replacement)


def insert(doc: Document, offset: int, text: str) -> Edit:
    return replace(doc, offset, offset, text)


def replace_value(loc: Loc, replacement: str) -> Optional[Edit]:
    """Replace the whole value at ``loc`` as written (a scalar with its quotes, or a collection)."""
    info = loc.doc.info(loc.pointer)
    if info is None:
        return None
    return replace(loc.doc, info.start, info.end, replacement)


def replace_key(loc: Loc, replacement: str) -> Optional[Edit]:
    """Rename the mapping key of the entry at ``loc`` (its value stays as written)."""
    info = loc.doc.info(loc.pointer)
    if info is None or info.key is None:
        return None
    doc = loc.doc
    return replace(doc, doc.offset(info.key.line, info.key.column), doc.offset(info.key.end_line, info.key.end_column), replacement)


def replace_text(loc: Loc, needle: str, replacement: str, occurrence: int = 0) -> Optional[Edit]:
    """Replace the ``occurrence``-th ``needle`` inside the value at ``loc`` as written."""
    span = loc.doc.locate(loc.pointer, needle, occurrence)
    if span is None:
        return None
    start = loc.doc.offset(span.line, span.column)
    return replace(loc.doc, start, start + len(needle), replacement)


def delete_lines(doc: Document, first: int, last: int) -> Edit:
    """Remove lines ``first`` to ``last`` (1-based) with their line breaks."""
    start = doc.offset(first, 1)
    end = doc.offset(last + 1, 1) if last < doc.line_count else len(doc.text)
    return replace(doc, start, end, "")


def make(title: str, edits: Iterable[Optional[Edit]], safe: bool = True) -> Optional[Fix]:
    """A fix from edits, or None when one of them could not be placed (then nothing is offered)."""
    placed = list(edits)
    if not placed or any(edit is None for edit in placed):
        return None
    return Fix(title, Applicability.SAFE if safe else Applicability.UNSAFE, tuple(sorted(placed, key=lambda e: (e.start, e.end))))  # type: ignore[arg-type]


# -- applying ----------------------------------------------------------------------------------


def applicable(fix: Optional[Fix], unsafe: bool) -> bool:
    return fix is not None and (fix.safe or unsafe)


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (offsets refer to ``text``)."""
    out: List[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[cursor : edit.start])
        out.append(edit.replacement)
        cursor = edit.end
    out.append(text[cursor:])
    return "".join(out)


def choose(fixes: Iterable[Fix]) -> List[Fix]:
    """The fixes of one file that can be applied together: a fix is taken whole or not at all, and
    none of its edits may overlap (or touch, for two insertions at one place) an edit taken before."""
    taken: List[Fix] = []
    claimed: List[Tuple[int, int]] = []
    for fix in fixes:
        if all(_apart(edit, other) for edit in fix.edits for other in claimed) and _apart_within(fix.edits):
            taken.append(fix)
            claimed.extend((edit.start, edit.end) for edit in fix.edits)
    return taken


def _apart(edit: Edit, other: Tuple[int, int]) -> bool:
    start, end = other
    if edit.start == edit.end == start == end:
        return False  # two insertions at one place: their order would be a guess
    return edit.end <= start or edit.start >= end


def _apart_within(edits: Sequence[Edit]) -> bool:
    return all(a.end <= b.start for a, b in zip(edits, edits[1:]))


class FixRun(NamedTuple):
    """What fixing did: the texts as they now are (path -> (original, fixed)), how many fixes were
    applied, and the lint of the fixed texts."""

    texts: Dict[Path, Tuple[str, str]]
    applied: int
    final: LintResult  # the lint of the fixed texts


def fix_until_clean(
    relint: Callable[[Mapping[Path, str]], LintResult],
    unsafe: bool,
    max_passes: int = MAX_PASSES,
) -> FixRun:
    """Lint, apply what can be applied together, lint the new texts, and repeat until no fix is
    left (or ``max_passes``). ``relint(overlay)`` lints with ``overlay`` (path -> text) read in
    place of the files, so nothing is written here."""
    overlay: Dict[Path, str] = {}
    originals: Dict[Path, str] = {}
    applied = 0
    result = relint(overlay)
    for _ in range(max_passes):
        by_file: Dict[Path, List[Fix]] = {}
        texts: Dict[Path, str] = {}
        for diagnostic in result.diagnostics:
            if diagnostic.fix is not None and applicable(diagnostic.fix, unsafe):
                doc = result.documents[diagnostic.path]  # as read: reports blank secrets in their sources
                by_file.setdefault(doc.path, []).append(diagnostic.fix)
                texts[doc.path] = doc.text
        if not by_file:
            break
        for path, fixes in by_file.items():
            chosen = choose(fixes)
            originals.setdefault(path, texts[path])
            overlay[path] = apply_edits(texts[path], [edit for fix in chosen for edit in fix.edits])
            applied += len(chosen)
        result = relint(overlay)
    changed = {path: (originals[path], overlay[path]) for path in overlay if overlay[path] != originals[path]}
    return FixRun(changed, applied, result)


def fixable(diagnostics: Iterable[Diagnostic]) -> Tuple[int, int]:
    """How many diagnostics carry a safe fix, and how many an unsafe one."""
    safe = unsafe = 0
    for diagnostic in diagnostics:
        if diagnostic.fix is not None:
            if diagnostic.fix.safe:
                safe += 1
            else:
                unsafe += 1
    return safe, unsafe


# -- writing -----------------------------------------------------------------------------------


class WriteError(Exception):
    """A fixed file could not be written (a usage error naming it)."""


def write(path: Path, original: str, fixed: str) -> None:
    """Write ``fixed`` over ``path``, keeping a byte-order mark the file had; refuse when the file
    changed since it was linted (someone else's edit would be lost)."""
    try:
        raw = path.read_bytes()
        bom = raw.startswith(_BOM)
        if raw[len(_BOM) if bom else 0 :].decode("utf-8") != original:
            raise WriteError(f"cannot write {path}: it changed while it was being fixed; run again")
        path.write_bytes((_BOM if bom else b"") + fixed.encode("utf-8"))
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise WriteError(f"cannot write {path}: it is no longer UTF-8 text") from exc


def unified_diff(path: str, original: str, fixed: str) -> str:
    import difflib  # only when there is a diff to show

    lines = difflib.unified_diff(
        original.splitlines(keepends=True), fixed.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
