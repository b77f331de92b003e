"""Paths as a CI service wants them: relative to the checkout it annotates, wherever the linter ran."""

from __future__ import annotations

import os
from pathlib import Path


def relative_to_workspace(path: str, variable: str) -> str:
    """``path`` (as diagnostics give it, relative to the current directory) relative to the
    directory named by the environment ``variable`` (`CI_PROJECT_DIR`, `GITHUB_WORKSPACE`), when set."""
    workspace = os.environ.get(variable)
    return Path(os.path.relpath(os.path.abspath(path), workspace)).as_posix() if workspace else path
