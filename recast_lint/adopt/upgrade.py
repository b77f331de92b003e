"""`recast-lint upgrade`: move the pins the template writes to what this version of recast-lint knows.

Like `pre-commit autoupdate`: only the versions change, each by the edit of RL660's fix
(``rules/catalogue/pins.py``), whatever the configuration or a suppression comment says about
that rule. A pin newer than this version, a commit or a moving tag is left as it is. The record
`new` leaves (`.recast-lint-template.yml`) then says which version's pins the repository has.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Tuple

from recast_lint import __version__, fix
from recast_lint.adopt import Plan, inside
from recast_lint.adopt.init import analysis_root
from recast_lint.diagnostics import display_path
from recast_lint.fix import Edit
from recast_lint.load import Document, load_file
from recast_lint.model import Loc, build_entry_analysis, is_file
from recast_lint.rules.catalogue.pins import Pin, known_versions, pins
from recast_lint.scaffold import RECORD

_URL_VERSION = re.compile(r"/v(\d+\.\d+\.\d+)/")


class Moved(NamedTuple):
    pin: Pin
    where: str  # `path:line`


class Upgrade(NamedTuple):
    plan: Plan
    moved: List[Moved]
    current: List[Moved]  # pins already at (or past) what this version knows


def plan_upgrade(path: Path, cwd: Path) -> Upgrade:
    root = analysis_root(path)
    analysis = build_entry_analysis(root)
    plan = Plan(root)
    found = sorted(pins(analysis), key=lambda pin: (display_path(pin.doc.path, cwd), pin.span.line, pin.span.column))
    moved = [Moved(pin, f"{display_path(pin.doc.path, cwd)}:{pin.span.line}") for pin in found if pin.outdated and pin.edit is not None]
    current = [Moved(pin, f"{display_path(pin.doc.path, cwd)}:{pin.span.line}") for pin in found if not pin.outdated]
    by_doc: Dict[Path, Tuple[Document, List[Edit]]] = {}
    for entry in moved:
        by_doc.setdefault(entry.pin.doc.path, (entry.pin.doc, []))[1].append(entry.pin.edit)  # type: ignore[arg-type]
    for doc, edits in by_doc.values():
        plan.add(doc.path, doc.text, fix.apply_edits(doc.text, edits), *(f"{m.pin.what}: {m.pin.written} → {m.pin.known}" for m in moved if m.pin.doc is doc))
    if moved:
        _move_record(plan, root)
    return Upgrade(plan, moved, current)


def _move_record(plan: Plan, root: Path) -> None:
    """The record of `new` brought to this version: `version`, and the answers that are pins."""
    path = root / RECORD
    doc = load_file(path) if is_file(path) and inside(root, path) else None
    if doc is None or not doc.ok or not isinstance(doc.data, dict):
        return
    known = known_versions()
    edits: List[Optional[Edit]] = []
    said = []
    version = doc.data.get("version")
    if isinstance(version, str) and version != __version__:
        edits.append(fix.replace_text(Loc(doc, ("version",)), version, __version__))
        said.append(f"version: {version} → {__version__}")
    answers = Loc(doc, ("answers",))
    recastatlas = answers.get("recastatlas_version")
    if isinstance(recastatlas, str) and recastatlas != known["recastatlas"]:
        edits.append(fix.replace_text(answers.child("recastatlas_version"), recastatlas, known["recastatlas"]))
        said.append(f"recastatlas_version: {recastatlas} → {known['recastatlas']}")
    base = answers.get("schema_base_url")
    match = _URL_VERSION.search(base) if isinstance(base, str) else None
    if match and match.group(1) != __version__:
        edits.append(fix.replace_text(answers.child("schema_base_url"), f"/v{match.group(1)}/", f"/v{__version__}/"))
        said.append(f"schema_base_url: v{match.group(1)} → v{__version__}")
    placed = [edit for edit in edits if edit is not None]
    if placed:
        plan.add(path, doc.text, fix.apply_edits(doc.text, placed), *said)


def report(upgrade: Upgrade, cwd: Path, written: bool) -> str:
    """old → new for each pin moved (or to be moved), and what was current already."""
    newer = [f"{m.where}: left {m.pin.what} at {m.pin.written}, newer than {m.pin.known}, what this version knows"
             for m in upgrade.current if m.pin.written.lstrip("v") != m.pin.known.lstrip("v")]
    if not upgrade.moved:
        count = len(upgrade.current)
        said = f"{count} pin{'s are' if count != 1 else ' is'} at what recast-lint {__version__} knows"
        if not count:
            said = "the repository has none of the pins the template writes"
        return "".join(line + "\n" for line in [*newer, f"nothing to move: {said}"])
    verb = "moved" if written else "would move"
    lines = [f"{m.where}: {m.pin.what}: {m.pin.written} → {m.pin.known}" for m in upgrade.moved] + newer
    lines += [f"{display_path(change.path, cwd)}: {said}" for change in upgrade.plan.changes if change.path.name == RECORD for said in change.says]
    files = len(upgrade.plan.changes)
    lines.append(f"{verb} {len(upgrade.moved)} pin{'s' * (len(upgrade.moved) != 1)} in {files} file{'s' * (files != 1)}; review the diff before you commit")
    return "".join(line + "\n" for line in lines)
