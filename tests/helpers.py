"""Shared test helpers: lint real fixture files and look at what came out."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from recast_lint.diagnostics import Diagnostic
from recast_lint.lint import lint

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def run(*paths: Path, toplevel: Optional[Path] = None, cwd: Optional[Path] = None) -> List[Diagnostic]:
    return lint(list(paths), toplevel=toplevel, cwd=cwd or (paths[0] if paths[0].is_dir() else paths[0].parent)).diagnostics


def where(diagnostics: Sequence[Diagnostic], code: str) -> List[Tuple[str, int, int]]:
    """(path, line, column) of every diagnostic with ``code``."""
    return [(d.path, d.span.line, d.span.column) for d in diagnostics if d.code == code]


def only(diagnostics: Sequence[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {[(d.path, d.span.line, d.message) for d in diagnostics]}"
    return found[0]
