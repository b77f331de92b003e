"""``recast-lint-no-credentials``: refuse to commit RECAST credentials and run directories.

- ``recast auth write --basedir authdir`` writes ``authdir/getkrb.sh`` with the CERN password in
  clear text (``echo 'PASSWORD'|kinit USER@CERN.CH``, next to ``getkrb_reana.sh`` and
  ``expect_script.sh``). ``authdir/`` and ``getkrb.sh`` are refused whatever their case, with the
  names editors and tools give copies (``getkrb.sh~``, ``.getkrb.sh.swp``, ``getkrb.sh.bak``), and
  any other file is refused when its content holds that line: a renamed copy is caught too.
- ``recast run`` and ``recast tests run`` write ``recast-<tag>/`` run directories in the current
  directory: gigabytes of output, logs and copies of the inputs.

pre-commit passes every file being committed, so this runs on every commit; only the standard
library is imported, and only the first 64 KiB of a regular file are read. pre-commit stashes the
changes that are not staged before hooks run, so the file on disk is the staged content.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path, PurePosixPath
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

AUTH_DIR = "authdir"
PASSWORD_SCRIPT = "getkrb.sh"
RUN_DIR_PREFIX = "recast-"
# getkrb.sh in any case, as a backup (`~`, `.bak`, `.orig`, `.1`), a vim swap file or an emacs autosave
PASSWORD_SCRIPT_NAME = re.compile(r"[.#]?getkrb\.sh(?:~|#|\.(?:bak|orig|old|save|tmp|sw[a-p]|\d+))*", re.IGNORECASE)
# the line `recast auth write` writes into getkrb.sh
WRITTEN_PASSWORD = re.compile(r"\becho\s+'[^'\n]*'\s*\|\s*kinit\s+\S+@CERN\.CH", re.IGNORECASE)
CONTENT_LIMIT = 65536


class Offence(NamedTuple):
    untrack: str  # what to `git rm -r --cached`: the directory (or the file) that must not be tracked
    ignore: str  # the .gitignore line that keeps it out
    why: str
    secret: bool  # a password may already be in the history


def classify(path: str, content: Optional[str] = None) -> Optional[Offence]:
    """Why ``path`` (relative, as git and pre-commit write it), holding ``content`` if known, must not be committed, or None."""
    parts = PurePosixPath(path).parts
    for depth, part in enumerate(parts[:-1]):
        directory = "/".join(parts[: depth + 1])
        if part.lower() == AUTH_DIR:
            return Offence(directory, f"{part}/", "written by `recast auth write`; getkrb.sh holds your password in clear text", secret=True)
        if part.startswith(RUN_DIR_PREFIX):
            return Offence(directory, f"{RUN_DIR_PREFIX}*/", "a run directory of `recast run`/`recast tests run`: outputs and logs", secret=False)
    if parts and PASSWORD_SCRIPT_NAME.fullmatch(parts[-1]):
        return Offence(path, parts[-1], "holds your CERN password in clear text (written by `recast auth write`)", secret=True)
    if content is not None and WRITTEN_PASSWORD.search(content):
        return Offence(path, path, f"holds a password in clear text: the `echo '...'|kinit` line `recast auth write` puts in {PASSWORD_SCRIPT}", secret=True)
    return None


def _content(path: str) -> Optional[str]:
    """The start of the regular file at ``path`` as text, or None (a link, a directory, unreadable)."""
    file = Path(path)
    try:
        if file.is_symlink() or not file.is_file():
            return None
        with file.open("rb") as handle:
            return handle.read(CONTENT_LIMIT).decode("utf-8", "replace")
    except OSError:
        return None


def explain(paths: Sequence[str]) -> Optional[str]:
    """The refusal message for these paths, or None when none of them is a problem."""
    offences: Dict[str, Offence] = {}
    lines: List[str] = []
    for path in paths:
        offence = classify(path) or classify(path, _content(path))
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
