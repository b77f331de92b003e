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
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, TypeVar

from recast_lint.diagnostics import Span
from recast_lint.lazyre import LazyPattern
from recast_lint.model import Loc
from recast_lint.records import Record

if TYPE_CHECKING:
    from recast_lint.diagnostics import Diagnostic
    from recast_lint.lint import LintResult
    from recast_lint.load import Document

MAX_PASSES = 10  # a fix that keeps producing work for another is a bug; stop rather than loop
_BOM = b"\xef\xbb\xbf"


class Applicability(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


class Edit(Record):
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


class Fix(Record):
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


_SIGNIFICANT = set("[]{},:#&*!|>'\"%@`\n")  # characters that can change how YAML reads a plain scalar


def replace_text(loc: Loc, needle: str, replacement: str, occurrence: int = 0) -> Optional[Edit]:
    """Replace the ``occurrence``-th ``needle`` inside the value at ``loc`` as written, escaped for
    the value's quotes; a plain value that would gain a character YAML reads specially is quoted
    whole instead. None when the source does not show the value's text as it is (an escape, a
    folded line), so that the place of the needle in the file is not certain."""
    doc = loc.doc
    info = doc.info(loc.pointer)
    value = loc.value
    source = doc.text[info.start : info.end] if info is not None else ""
    if info is None or isinstance(value, str) and _occurrences(value, needle) != _occurrences(source, needle):
        return None
    span = doc.locate(loc.pointer, needle, occurrence)
    if span is None:
        return None
    start = doc.offset(span.line, span.column)
    if info.style == "'":
        replacement = replacement.replace("'", "''")
    elif info.style == '"':
        replacement = replacement.replace("\\", "\\\\").replace('"', '\\"')
    elif info.style in ("|", ">") and "\n" in replacement:
        return None
    elif info.style == "" and (set(replacement) - set(needle)) & _SIGNIFICANT:
        if not isinstance(value, str) or "\n" in source:
            return None
        at = start - info.start  # a plain scalar's source is its value
        return replace(doc, info.start, info.end, quoted(value[:at] + replacement + value[at + len(needle) :]))
    return replace(doc, start, start + len(needle), replacement)


def replace_at(loc: Loc, offset: int, needle: str, replacement: str) -> Optional[Edit]:
    """Replace the ``needle`` that starts at ``offset`` of the string value at ``loc``."""
    value = loc.value
    if not isinstance(value, str) or not needle or value[offset : offset + len(needle)] != needle:
        return None
    return replace_text(loc, needle, replacement, _occurrences(value[: offset + len(needle) - 1], needle))


def change_at(loc: Loc, offset: int, written: str, meant: Optional[str], safe: bool = True) -> Optional[Fix]:
    """"change 'written' to 'meant'" at ``offset`` of the value at ``loc``; None without a ``meant``."""
    if meant is None:
        return None
    return make(f"change '{written}' to '{meant}'", [replace_at(loc, offset, written, meant)], safe)


def _occurrences(text: str, needle: str) -> int:
    """How many times ``needle`` starts in ``text``, overlapping ones included (as ``Document.locate`` counts)."""
    count, found = 0, text.find(needle)
    while found >= 0:
        count, found = count + 1, text.find(needle, found + 1)
    return count


def append_to_scalar(loc: Loc, text: str) -> Optional[Edit]:
    """Add ``text`` at the end of the one-line plain or quoted scalar at ``loc``, inside its quotes."""
    info = loc.doc.info(loc.pointer)
    if info is None or info.style not in ("", "'", '"') or "\n" in loc.doc.text[info.start : info.end]:
        return None
    return insert(loc.doc, info.end - (info.style != ""), text)


def rename_key(loc: Loc, name: str) -> Optional[Fix]:
    """Rename the key of the entry at ``loc`` to ``name`` (safe: only when the mapping has no
    ``name`` yet, so nothing is lost or doubled)."""
    if not loc.pointer or Loc(loc.doc, loc.pointer[:-1]).has(name):
        return None
    return make(f"rename '{loc.pointer[-1]}' to '{name}'", [replace_key(loc, scalar(name))])


def delete_lines(doc: Document, first: int, last: int) -> Edit:
    """Remove lines ``first`` to ``last`` (1-based) with their line breaks."""
    start = doc.offset(first, 1)
    end = doc.offset(last + 1, 1) if last < doc.line_count else len(doc.text)
    return replace(doc, start, end, "")


# -- writing YAML the way the file already writes it -------------------------------------------

_PLAIN = LazyPattern(r"[A-Za-z_][A-Za-z0-9_./-]*")
_READ_AS_OTHER = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}  # YAML 1.1 booleans and null


def quoted(text: str) -> str:
    """``text`` as a single-quoted YAML scalar, which reads back as exactly that text."""
    return "'" + text.replace("'", "''") + "'"


def scalar(text: str) -> str:
    """``text`` plain when YAML reads it back as the same string (`select`, `steps.yml`), else quoted."""
    return text if _PLAIN.fullmatch(text) and text.lower() not in _READ_AS_OTHER else quoted(text)


def newline(doc: Document) -> str:
    """The line ending the file uses, for lines a fix adds."""
    return "\r\n" if "\r\n" in doc.text else "\n"


def is_flow(loc: Loc) -> bool:
    """Whether the collection at ``loc`` is written in flow style (`{a: 1}`, `[a, b]`)."""
    info = loc.doc.info(loc.pointer)
    return info is not None and loc.doc.text[info.start : info.start + 1] in ("{", "[")


def after_line(doc: Document, offset: int) -> int:
    """The offset where the line holding ``offset`` ends, past its line break."""
    found = doc.text.find("\n", offset)
    return len(doc.text) if found < 0 else found + 1


def line_break_before(doc: Document, at: int) -> str:
    """A line break to add before text inserted at the very end of a file that lacks a final one."""
    return newline(doc) if at == len(doc.text) and doc.text and not doc.text.endswith("\n") else ""


def add_entry(after: Loc, key: str, value: str) -> Optional[Edit]:
    """Insert `key: value` into the mapping holding ``after`` (one of its entries, a scalar), written
    as that mapping is: `, key: value` after it in a flow mapping, a line of its own below it at its
    indentation in a block mapping (after its comment, if any)."""
    doc = after.doc
    info = doc.info(after.pointer)
    if info is None or info.key is None or info.style is None or not after.pointer:
        return None
    if is_flow(Loc(doc, after.pointer[:-1])):
        return insert(doc, info.end, f", {key}: {value}")
    at = after_line(doc, info.end)
    return insert(doc, at, f"{line_break_before(doc, at)}{' ' * (info.key.column - 1)}{key}: {value}{newline(doc)}")


def append_item(sequence: Loc, item: str) -> Optional[Edit]:
    """Append ``item`` (YAML text) to the list at ``sequence``: `[a, b, item]` in flow style, a
    `- item` line below the last one, at its dash, in block style."""
    doc = sequence.doc
    info, items = doc.info(sequence.pointer), sequence.value
    if info is None or not isinstance(items, list):
        return None
    last = doc.info(sequence.pointer + (len(items) - 1,)) if items else None
    if is_flow(sequence):
        if last is None:  # `[]`, maybe with spaces inside
            return insert(doc, info.end - 1, item) if doc.text[info.start + 1 : info.end - 1].strip() == "" else None
        return insert(doc, last.end, f", {item}")
    if last is None or last.style is None:  # a block list's items are scalars when it lists names
        return None
    dash = doc.text.rfind("-", 0, last.start)
    line_start = doc.text.rfind("\n", 0, dash) + 1
    if dash < 0 or doc.text[dash + 1 : last.start].strip() or doc.text[line_start:dash].strip(" -"):
        return None
    at = after_line(doc, last.end)
    return insert(doc, at, f"{line_break_before(doc, at)}{' ' * (dash - line_start)}- {item}{newline(doc)}")


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


T = TypeVar("T")


def choose(fixes: Iterable[T], edits_of: Callable[[T], Sequence[Edit]] = lambda fix: fix.edits) -> List[T]:  # type: ignore[attr-defined]
    """The fixes of one file that can be applied together (each a ``Fix``, or whatever ``edits_of``
    reads its edits from): a fix is taken whole or not at all, and none of its edits may overlap (or
    touch, for two insertions at one place) an edit taken before."""
    taken: List[T] = []
    claimed: List[Tuple[int, int]] = []
    for fix in fixes:
        edits = edits_of(fix)
        if all(_apart(edit, other) for edit in edits for other in claimed) and _apart_within(edits):
            taken.append(fix)
            claimed.extend((edit.start, edit.end) for edit in edits)
    return taken


def _apart(edit: Edit, other: Tuple[int, int]) -> bool:
    start, end = other
    if edit.start == edit.end == start == end:
        return False  # two insertions at one place: their order would be a guess
    return edit.end <= start or edit.start >= end


def _apart_within(edits: Sequence[Edit]) -> bool:
    return all(a.end <= b.start for a, b in zip(edits, edits[1:]))


class Applied(Record):
    """A fix the engine applied (or refused): the file and the diagnostic that carried it."""

    path: Path
    diagnostic: Diagnostic


class FixRun(Record):
    """What fixing did: the texts as they now are (path -> (original, fixed)), how many fixes were
    applied (and which, pass by pass), and the lint of the fixed texts."""

    texts: Dict[Path, Tuple[str, str]]
    applied: int
    final: LintResult  # the lint of the fixed texts
    fixed: Tuple[Applied, ...] = ()
    refused: Tuple[Applied, ...] = ()  # fixes not applied because the file would no longer read as YAML


def fix_until_clean(
    relint: Callable[[Mapping[Path, str]], LintResult],
    unsafe: bool,
    max_passes: int = MAX_PASSES,
) -> FixRun:
    """Lint, apply what can be applied together, lint the new texts, and repeat until no fix is
    left (or ``max_passes``). ``relint(overlay)`` lints with ``overlay`` (path -> text) read in
    place of the files, so nothing is written here.

    A fix must never turn a file YAML could read into one it cannot: if a pass does, that file's
    fixes of the pass are tried again one at a time, and the ones that still break it are left
    out (``FixRun.refused``: a bug in the rule, but the file stays intact)."""
    overlay: Dict[Path, str] = {}
    originals: Dict[Path, str] = {}
    fixed: List[Applied] = []
    dropped: List[Applied] = []
    refused: Set[Tuple[Path, Tuple[Edit, ...]]] = set()
    result = relint(overlay)
    for _ in range(max_passes):
        by_file: Dict[Path, List[Diagnostic]] = {}
        texts: Dict[Path, str] = {}
        for diagnostic in result.diagnostics:
            if diagnostic.fix is None or not applicable(diagnostic.fix, unsafe):
                continue
            doc = result.documents[diagnostic.path]  # as read: reports blank secrets in their sources
            path, text = doc.path, doc.text
            if (path, diagnostic.fix.edits) in refused or all(text[e.start : e.end] == e.replacement for e in diagnostic.fix.edits):
                continue  # a fix that changes nothing would be offered again on every pass
            by_file.setdefault(path, []).append(diagnostic)
            texts[path] = text
        if not by_file:
            break
        readable = _readable(result)
        this_pass: Dict[Path, List[Applied]] = {}
        for path, diagnostics in by_file.items():
            originals.setdefault(path, texts[path])
            this_pass[path] = [Applied(path, d) for d in choose(diagnostics, lambda d: d.fix.edits)]  # type: ignore[union-attr]  (only fixed ones are gathered)
            overlay[path] = _applied(texts[path], this_pass[path])
        result = relint(overlay)
        broken = [path for path in this_pass if path in readable and path not in _readable(result)]
        for path in broken:
            kept: List[Applied] = []
            for applied in this_pass[path]:
                overlay[path] = _applied(texts[path], kept + [applied])
                if path in _readable(relint(overlay)):
                    kept.append(applied)
                else:
                    refused.add((path, applied.diagnostic.fix.edits))  # type: ignore[union-attr]
                    dropped.append(applied)
            overlay[path] = _applied(texts[path], kept)
            this_pass[path] = kept
        if broken:
            result = relint(overlay)
        fixed.extend(applied for chosen in this_pass.values() for applied in chosen)
    changed = {path: (originals[path], overlay[path]) for path in overlay if overlay[path] != originals[path]}
    return FixRun(changed, len(fixed), result, tuple(fixed), tuple(dropped))


def _applied(text: str, fixes: Sequence[Applied]) -> str:
    return apply_edits(text, [edit for applied in fixes for edit in applied.diagnostic.fix.edits])  # type: ignore[union-attr]


def _readable(result: LintResult) -> Set[Path]:
    return {path for analysis in result.analyses for path, doc in analysis.documents.items() if doc.ok}


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
