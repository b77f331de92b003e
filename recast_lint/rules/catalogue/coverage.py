"""RL640: what recast-atlas loads from a catalogue directory, and what it silently passes over.

`recast catalogue add DIR` puts DIR on `RECAST_ATLAS_CATALOGUE`; recast-atlas 0.4.2 then reads
`glob(DIR/*.yml)` (``config.py``, `Config.catalogue`) and keeps every file holding `name`,
`metadata` and `spec`, whatever its name, with `DIR/specs` as its default toplevel. The linter
lints each such file as a catalogue entry, `recast.yml` or not.
"""

from __future__ import annotations

import os
from typing import Iterable

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis
from recast_lint.rules.registry import Finding, rule


@rule("RL640", "entry-not-loaded", Severity.ERROR, "a catalogue entry in a file recast-atlas does not load")
def entry_not_loaded(analysis: Analysis) -> Iterable[Finding]:
    """Catches a catalogue entry (`name`, `metadata` and `spec` at the top) written in a `.yaml`
    file of the catalogue directory.

    Why: recast-atlas loads only `*.yml` there (`glob(DIR/*.yml)`). Seen with recast-atlas 0.4.2:
    the helloworld entry saved as `search.yml` is listed by `recast catalogue ls`, the same file
    saved as `search.yaml` (or as a hidden `.search.yml`) is not, so `recast run NAME` fails with
    `KeyError` and `recast catalogue check` finds nothing to check.

    Bad:

        search.yaml          # name: atlas/my-search, metadata: ..., spec: ...

    Fixed: rename it `search.yml` (or `recast.yml`).
    """
    for note in analysis.notes:
        if note.kind == "entry-not-loaded":
            name = os.path.basename(note.message)
            yield Finding.at(
                note.loc.child("name"),
                f"'{name}' holds a catalogue entry, but recast-atlas loads only the `*.yml` files of a catalogue directory",
                f"rename it to '{name[: -len('.yaml')]}.yml'",
                key=True,
            )
