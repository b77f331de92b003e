"""``recast-lint-precommit``: ``recast-lint check`` over the analyses that hold the files pre-commit passes.

pre-commit passes the changed files, but cross-file rules need the whole analysis. A file inside
an analysis (a `recast.yml` at or above it) is passed on as it is: ``recast-lint check`` lints
its whole analysis once however many of its files changed, and still reads the changed file
itself, so a broken file that nothing references yet is reported too. Without a `recast.yml`:

- a file under a ``specs/`` directory stands for that whole directory of loose specs, so a
  changed ``steps.yml`` is checked together with the workflow that uses it;
- a ``.gitlab-ci.yml`` is dropped: it is only checked as part of an analysis, and read loosely
  its ``stages:`` list would look like a broken workflow;
- any other file (a loose ``reana.yaml`` or workflow) is linted as it is.

Every option of ``recast-lint check`` works, and the output format defaults to ``concise``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from recast_lint.cli import GuardedCommand, check
from recast_lint.model import find_entry_root

GITLAB_CI_NAME = ".gitlab-ci.yml"
SPECS_DIR_NAME = "specs"


def lint_targets(paths: Iterable[Path]) -> List[Path]:
    """What to hand to ``recast-lint check`` for these changed files, in order and without repeats."""
    targets: Dict[Path, None] = {}
    for path in paths:
        if find_entry_root(path) is not None:
            targets[path] = None
        elif path.name == GITLAB_CI_NAME:
            continue
        else:
            targets[_outermost_specs_dir(path) or path] = None
    return list(targets)


def _outermost_specs_dir(path: Path) -> Optional[Path]:
    """The outermost ``specs`` directory above ``path`` (sub-workflows live below the toplevel)."""
    parts = path.parts[:-1]
    if SPECS_DIR_NAME not in parts:
        return None
    return Path(*parts[: parts.index(SPECS_DIR_NAME) + 1])


def _lint_analyses(paths: tuple, **options) -> None:
    targets = lint_targets(paths)
    if not targets:  # only files that belong to no analysis changed
        return
    check.callback(tuple(targets), **options)


command = GuardedCommand(
    "recast-lint-precommit",
    callback=_lint_analyses,
    params=check.params,
    help="Lint the analyses that hold PATHS, each once and whole (the entry of the `recast-lint` pre-commit hook). "
    "Options as for `recast-lint check`; the format defaults to concise.",
    context_settings={"default_map": {"format_name": "concise"}, "help_option_names": ["-h", "--help"]},
)


def main(argv: Optional[List[str]] = None) -> None:
    command.main(args=sys.argv[1:] if argv is None else argv, prog_name="recast-lint-precommit")
