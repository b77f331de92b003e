"""`recast-lint check --add-suppressions REASON`: a suppression comment for every finding, so that
a legacy analysis turns `--strict` on today and pays its findings off later (ruff's `--add-noqa`).
RL901 then reports each comment once the finding it hid is gone.

Where the comment goes (the grammar is ``recast_lint.suppress``'s):

- after the YAML of the finding's line: `key: value  # recast-lint: ignore[RL702] REASON`;
- on a line of its own above the entry, covering all of it, where a comment at the end of the line
  would be text or a second comment: the line is inside (or opens) a block scalar, a quoted or
  plain scalar running over several lines, or a flow collection running over several lines, or
  it has a comment already;
- into the codes of a directive that is already there for that line or entry;
- `ignore-file` on top (below a schema modeline) when the finding is on no line of YAML (an
  empty file).

Not suppressible: RL101 (nothing else in the file is read until it is valid YAML), the RL9xx
findings about suppression comments themselves, and findings in files that cannot hold a comment
(JSON) or could not be read as text. Comments never change what a file holds: each file is read
again after the edit, and one whose data changed (a bug) is left as it was.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional, Set, Tuple

from recast_lint import fix
from recast_lint.adopt import insert_lines, is_content, line_text
from recast_lint.diagnostics import Diagnostic
from recast_lint.fix import Edit
from recast_lint.lint import LintResult
from recast_lint.load import Document, Pointer, load_bytes
from recast_lint.suppress import UNSUPPRESSIBLE, Directive, Suppressions

_MODELINE = "# yaml-language-server:"


class Suppressed(NamedTuple):
    texts: Dict[Path, Tuple[str, str]]  # path -> (original, with the comments)
    comments: int  # comments written
    merged: int  # directives there already, given more codes
    findings: int  # the findings they suppress
    final: LintResult  # the lint of the texts with the comments
    left: Tuple[Tuple[Diagnostic, str], ...]  # what could not be suppressed, and why


def check_reason(reason: str) -> Optional[str]:
    """What is wrong with a reason for the comments, or None."""
    if not reason.strip():
        return "--add-suppressions needs a reason, e.g. --add-suppressions 'legacy, fixed in the v2 workflow'"
    if not reason.isprintable():
        return "the reason of --add-suppressions must be one line of printable text"
    return None


def why_not(diagnostic: Diagnostic, doc: Optional[Document]) -> Optional[str]:
    """Why no comment can suppress ``diagnostic``, or None when one can."""
    if diagnostic.code in UNSUPPRESSIBLE:
        return f"{diagnostic.code} cannot be suppressed: fix the YAML syntax, nothing else in the file is checked until it is valid"
    if diagnostic.code.startswith("RL9"):
        return f"{diagnostic.code} is about a suppression comment and cannot itself be suppressed: " + (
            "`recast-lint check --fix` removes what it names" if diagnostic.fix is not None else "correct the comment")
    if doc is None:
        return f"{diagnostic.code} cannot be suppressed here: the file was not read"
    if doc.path.suffix.lower() == ".json":
        return f"{diagnostic.code} cannot be suppressed inline: JSON has no comments; ignore it for this file under `per-file-ignores` in .recast-lint.yml"
    if not doc.text and any(problem.kind in ("encoding", "too-large") for problem in doc.problems):
        return f"{diagnostic.code} cannot be suppressed inline: the file could not be read as text"
    return None


def add_suppressions(relint: Callable[[Mapping[Path, str]], LintResult], reason: str) -> Suppressed:
    """Lint, write a comment for each finding into the texts (``relint(overlay)`` lints with
    ``overlay``, path -> text, read in place of the files), and lint again; nothing is written here."""
    reason = reason.strip()
    overlay: Dict[Path, Tuple[str, str]] = {}
    comments = merged = 0
    result = relint({})
    found = len(result.diagnostics)
    by_file: Dict[Path, Tuple[Document, List[Diagnostic]]] = {}
    for diagnostic in result.diagnostics:
        doc = result.documents.get(diagnostic.path)
        if doc is not None and why_not(diagnostic, doc) is None:
            by_file.setdefault(doc.path, (doc, []))[1].append(diagnostic)
    for path, (doc, diagnostics) in by_file.items():
        edits, merges = comment_edits(doc, diagnostics, reason)
        text = fix.apply_edits(doc.text, edits)
        if text != doc.text and _holds_the_same(doc, text):  # else a bug of ours: the file stays as it was
            overlay[path] = (doc.text, text)
            comments, merged = comments + len(edits) - merges, merged + merges
    if overlay:
        result = relint({path: text for path, (_, text) in overlay.items()})
    left = tuple((d, why_not(d, result.documents.get(d.path)) or f"{d.code} is left: no comment could be placed for it (please report it)")
                 for d in result.diagnostics)
    return Suppressed(overlay, comments, merged, max(found - len(result.diagnostics), 0), result, left)


def _holds_the_same(doc: Document, text: str) -> bool:
    """Whether ``text`` reads as the data ``doc`` holds (comments change nothing a tool reads)."""
    again = load_bytes(text.encode("utf-8", "surrogatepass"), doc.path)
    return again.ok == doc.ok and again.data == doc.data


# -- placing comments ---------------------------------------------------------------------------


class _Shape:
    """What decides where a comment may go in one document: where its scalars and keys stand, and
    which nodes run over several lines in a way a comment cannot interrupt."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        text = doc.text
        texts: List[Tuple[int, int]] = []
        self.spanning: List[Tuple[int, int, Pointer]] = []
        for pointer, info in doc.nodes.items():
            if info.key is not None:
                texts.append((doc.offset(info.key.line, info.key.column), doc.offset(info.key.end_line, info.key.end_column)))
            scalar = info.style is not None
            if scalar:
                texts.append((info.start, info.end))
            flow = not scalar and text[info.start : info.start + 1] in ("[", "{")
            if info.style in ("|", ">") or (scalar or flow) and "\n" in text[info.start : info.end].rstrip("\r\n"):
                self.spanning.append((info.start, info.end, pointer))
        texts.sort()
        self.starts = [start for start, _ in texts]
        self.texts = texts
        self.directives: List[Directive] = Suppressions.read([doc]).directives.get(id(doc), [])

    def in_text(self, offset: int) -> bool:
        """Whether ``offset`` is inside a scalar or a key as written (a `#` there is text); they
        do not overlap, so the last one starting before ``offset`` is the only candidate."""
        at = bisect.bisect_right(self.starts, offset) - 1
        return at >= 0 and offset < self.texts[at][1]

    def comment(self, line: int) -> Optional[int]:
        """The offset of the comment on ``line``, if it has one."""
        written, start = line_text(self.doc, line), self.doc.offset(line, 1)
        for column, character in enumerate(written):
            if character == "#" and (column == 0 or written[column - 1] in " \t") and not self.in_text(start + column):
                return start + column
        return None

    def place(self, line: int) -> Tuple[str, int]:
        """Where the comment for a finding on ``line`` goes: (`line`, that line), (`node`, the line
        the comment goes above) or (`file`, 0)."""
        doc = self.doc
        if not is_content(doc, line):
            return "file", 0
        end = doc.offset(line, 1) + len(line_text(doc, line))
        around = [(start, pointer) for start, stop, pointer in self.spanning if start < end < stop]
        if around:
            pointer = min(around)[1]  # the outermost: a comment above it covers the whole of it
            info = doc.info(pointer)
            if not pointer or info is None:
                return "file", 0
            return "node", info.key.line if info.key is not None else info.value.line
        return ("node" if self.comment(line) is not None and not self.is_directive(line) else "line"), line

    def is_directive(self, line: int) -> bool:
        return any(d.kind == "line" and d.first_line == line for d in self.directives)


def comment_edits(doc: Document, diagnostics: List[Diagnostic], reason: str) -> Tuple[List[Edit], int]:
    """One edit per place: a new comment, or more codes in the directive already there (how many of those, second)."""
    shape = _Shape(doc)
    wanted: Dict[Tuple[str, int], Set[str]] = {}
    for diagnostic in diagnostics:
        wanted.setdefault(shape.place(diagnostic.span.line), set()).add(diagnostic.code)
    above: Dict[int, List[Tuple[int, str]]] = {}  # line -> (order, comment line): `ignore-file` above a node's comment
    edits: List[Edit] = []
    merges = 0
    newline = fix.newline(doc)
    for (kind, line), codes in sorted(wanted.items()):
        there = next((d for d in shape.directives if d.kind == kind and (kind == "file" or d.first_line == line)), None)
        merged = _merge(doc, there, codes) if there is not None else None
        if merged is not None:
            edits.append(merged)
            merges += 1
            continue
        written = f"# recast-lint: {'ignore-file' if kind == 'file' else 'ignore'}[{', '.join(sorted(codes))}] {reason}"
        if kind == "line":
            edits.append(fix.insert(doc, doc.offset(line, 1) + len(line_text(doc, line)), f"  {written}"))
        elif kind == "node":
            lead = line_text(doc, line)
            above.setdefault(line, []).append((1, lead[: len(lead) - len(lead.lstrip(" \t"))] + written + newline))
        else:
            above.setdefault(2 if line_text(doc, 1).startswith(_MODELINE) else 1, []).append((0, written + newline))
    edits += [insert_lines(doc, line, "".join(text for _, text in sorted(texts))) for line, texts in above.items()]
    return edits, merges


def _merge(doc: Document, directive: Directive, codes: Set[str]) -> Optional[Edit]:
    """The directive's brackets with ``codes`` added after the codes written there."""
    if not directive.written:
        return None
    last = directive.written[-1]
    have = {doc.text[doc.offset(s.line, s.column) : doc.offset(s.end_line, s.end_column)].upper() for s in directive.written}
    extra = sorted(code for code in codes if code not in have)
    return fix.insert(doc, doc.offset(last.end_line, last.end_column), "".join(f", {code}" for code in extra)) if extra else None


def messages(done: Suppressed, written: bool) -> List[str]:
    """What `check` says on stderr: how many comments, and each finding left with why."""
    files = len(done.texts)
    merged = f" (and codes to {done.merged} there already)" if done.merged else ""
    lines = [f"{'added' if written else 'would add'} {done.comments} suppression comment{'s' * (done.comments != 1)}{merged} for "
             f"{done.findings} finding{'s' * (done.findings != 1)} in {files} file{'s' * (files != 1)}"]
    lines += [f"{d.path}:{d.span.line}:{d.span.column}: {why}" for d, why in done.left]
    return lines
