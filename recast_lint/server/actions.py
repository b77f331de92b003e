"""Code actions: a diagnostic's own fix, every safe fix of a file at once, and a suppression comment.

Fixes are the rules' own (``Diagnostic.fix``); "fix all" runs ``recast_lint.fix``'s engine, the one
`check --fix` runs, over the editor's buffers, and hands back the file's new text as one change.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, List, Mapping, Optional

from recast_lint.diagnostics import Diagnostic
from recast_lint.fix import fix_until_clean
from recast_lint.lint import LintResult
from recast_lint.load import Document
from recast_lint.records import Record
from recast_lint.suppress import UNSUPPRESSIBLE

REASON_PLACEHOLDER = "<reason>"  # the user replaces it with why the finding does not apply
_TRAILING_DIRECTIVE = re.compile(r"#\s*recast-lint:\s*ignore\[(?P<codes>[^\]]*)\]")


class Change(Record):
    """Replace characters ``start`` to ``end`` of the text the lint read with ``replacement``."""

    start: int
    end: int
    replacement: str


class Action(Record):
    title: str
    kind: str  # quickfix | source.fixAll
    diagnostics: List[Diagnostic]
    changes: List[Change]
    preferred: bool = False


def fix_actions(diagnostics: List[Diagnostic]) -> List[Action]:
    """Each diagnostic's fix: the safe ones first, the unsafe ones saying so."""
    actions = []
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if fix is None:
            continue
        title = fix.title if fix.safe else f"{fix.title} (unsafe: may change what the workflow does)"
        changes = [Change(edit.start, edit.end, edit.replacement) for edit in fix.edits]
        actions.append(Action(title, "quickfix", [diagnostic], changes, preferred=fix.safe))
    return sorted(actions, key=lambda action: not action.preferred)


def fix_all(relint: Callable[[Mapping[Path, str]], LintResult], path: Path) -> Optional[Change]:
    """The safe fixes of the file at ``path`` applied together (in bounded passes, re-linting in
    between), as one change of its text; None when there is nothing to fix."""

    def this_file(overlay: Mapping[Path, str]) -> LintResult:
        result = relint(overlay)
        kept = [d for d in result.diagnostics if d.path in result.documents and result.documents[d.path].path == path]
        return LintResult(kept, result.analyses, result.sources, result.rules, result.crashes, result.documents)

    fixing = fix_until_clean(this_file, unsafe=False)
    if path not in fixing.texts:
        return None
    original, fixed = fixing.texts[path]
    return minimal_change(original, fixed)


def minimal_change(original: str, fixed: str) -> Change:
    """One change from ``original`` to ``fixed``: the characters between their common ends."""
    start = 0
    limit = min(len(original), len(fixed))
    while start < limit and original[start] == fixed[start]:
        start += 1
    end_original, end_fixed = len(original), len(fixed)
    while end_original > start and end_fixed > start and original[end_original - 1] == fixed[end_fixed - 1]:
        end_original -= 1
        end_fixed -= 1
    return Change(start, end_original, fixed[start:end_fixed])


def can_suppress(diagnostic: Diagnostic) -> bool:
    # RL9xx report on the suppression comments themselves and cannot be suppressed inline
    return diagnostic.code not in UNSUPPRESSIBLE and not diagnostic.code.startswith("RL9")


def ignore_action(doc: Document, diagnostic: Diagnostic) -> Optional[Action]:
    """`# recast-lint: ignore[CODE] <reason>` at the end of the diagnostic's line, or on a line of its
    own above the entry when the line ends inside a scalar (a block `cmd: |`, a string running on)
    where a `#` is text; a directive already on the line gets the code added."""
    if not can_suppress(diagnostic):
        return None
    code = diagnostic.code
    title = f"ignore {code} on this line"
    lines = doc.text.split("\n")
    number = min(max(diagnostic.span.line, 1), len(lines))
    line = lines[number - 1].rstrip("\r")
    line_start = doc.offset(number, 1)
    end_of_line = line_start + len(line)
    existing = _TRAILING_DIRECTIVE.search(line)
    if existing is not None and line[: existing.start()].strip() and not _inside_scalar(doc, line_start + existing.start()):
        codes_end = line_start + existing.end("codes")
        return Action(title, "quickfix", [diagnostic], [Change(codes_end, codes_end, f", {code}")])
    directive = f"# recast-lint: ignore[{code}] {REASON_PLACEHOLDER}"
    if not line.strip() or line.lstrip().startswith("#"):  # a finding about the whole file, shown on its first line
        title, directive, above = f"ignore {code} in this file", directive.replace("ignore[", "ignore-file[", 1), number
    else:
        above = _scalar_running_past(doc, end_of_line) or 0
        if not above:
            return Action(title, "quickfix", [diagnostic], [Change(end_of_line, end_of_line, f"  {directive}")])
    target = lines[above - 1]
    indent = target[: len(target) - len(target.lstrip(" "))]
    newline = "\r\n" if target.endswith("\r") else "\n"
    at = doc.offset(above, 1)
    return Action(title, "quickfix", [diagnostic], [Change(at, at, f"{indent}{directive}{newline}")])


def _inside_scalar(doc: Document, offset: int) -> bool:
    return any(info.style is not None and info.start < offset < info.end for info in doc.nodes.values())


def _scalar_running_past(doc: Document, end_of_line: int) -> Optional[int]:
    """The line where the entry of a scalar that goes on past ``end_of_line`` begins, if there is one."""
    for info in doc.nodes.values():
        if info.style is not None and info.start < end_of_line < info.end and "\n" in doc.text[end_of_line : info.end]:
            return (info.key or info.value).line
    return None

