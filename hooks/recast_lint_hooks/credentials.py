"""``recast-lint-no-credentials``: refuse to commit RECAST credentials and run directories.

- ``recast auth write --basedir authdir`` writes ``authdir/getkrb.sh`` with the CERN password in
  clear text (next to ``getkrb_reana.sh`` and ``expect_script.sh``); ``getkrb.sh`` is refused
  wherever it is, in case another ``--basedir`` was used.
- ``recast run`` and ``recast tests run`` write ``recast-<tag>/`` run directories in the current
  directory: gigabytes of output, logs and copies of the inputs.

pre-commit passes only the files that match the hook's ``files`` pattern, so this runs (and
costs a Python start) only when such a file is being committed. Only the standard library is
imported. Every path is classified again here, so the hook is also right with a wider ``files``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path, PurePosixPath
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

AUTH_DIR = "authdir"
PASSWORD_SCRIPT = "getkrb.sh"
RUN_DIR_PREFIX = "recast-"


class Offence(NamedTuple):
    untrack: str  # what to `git rm -r --cached`: the directory (or the file) that must not be tracked
    ignore: str  # the .gitignore line that keeps it out
    why: str
    secret: bool  # a password may already be in the history


def classify(path: str) -> Optional[Offence]:
    """Why ``path`` (relative, as git and pre-commit write it) must not be committed, or None."""
    parts = PurePosixPath(path).parts
    for depth, part in enumerate(parts[:-1]):
        directory = "/".join(parts[: depth + 1])
        if part == AUTH_DIR:
            return Offence(directory, f"{AUTH_DIR}/", "written by `recast auth write`; getkrb.sh holds your password in clear text", secret=True)
        if part.startswith(RUN_DIR_PREFIX):
            return Offence(directory, f"{RUN_DIR_PREFIX}*/", "a run directory of `recast run`/`recast tests run`: outputs and logs", secret=False)
    if parts and parts[-1] == PASSWORD_SCRIPT:
        return Offence(path, PASSWORD_SCRIPT, "holds your CERN password in clear text (written by `recast auth write`)", secret=True)
    return None


def explain(paths: Sequence[str]) -> Optional[str]:
    """The refusal message for these paths, or None when none of them is a problem."""
    offences: Dict[str, Offence] = {}
    lines: List[str] = []
    for path in paths:
        offence = classify(path)
        if offence is None:
            continue
        offences.setdefault(offence.untrack, offence)
        lines.append(f"  {path}: {offence.why}")
    if not offences:
        return None
    untrack = " ".join(shlex.quote(p) for p in offences)
    missing = _not_ignored_yet(dict.fromkeys(o.ignore for o in offences.values()))
    message = [
        "recast-lint-no-credentials: these files must not be committed:",
        *lines,
        "untrack them (the files stay on disk) and keep them out of git:" if missing else "untrack them (the files stay on disk):",
        f"  git rm -r --cached {untrack}",
    ]
    if missing:
        message.append(f"  printf '%s\\n' {' '.join(shlex.quote(line) for line in missing)} >> .gitignore")
    if any(o.secret for o in offences.values()):
        message.append("if a password was ever committed or pushed, it stays in the history: change the password")
    return "\n".join(message) + "\n"


def _not_ignored_yet(lines: Iterable[str], gitignore: Path = Path(".gitignore")) -> List[str]:
    """The .gitignore lines (of the repository pre-commit runs in) that are not written there yet."""
    try:
        present = {line.strip().rstrip("/") for line in gitignore.read_text(encoding="utf-8").splitlines()}
    except (OSError, UnicodeDecodeError):
        present = set()
    return [line for line in lines if line.rstrip("/") not in present]


def main(argv: Optional[Sequence[str]] = None) -> int:
    message = explain(sys.argv[1:] if argv is None else argv)
    if message is None:
        return 0
    sys.stderr.write(message)
    return 1


if __name__ == "__main__":
    sys.exit(main())
