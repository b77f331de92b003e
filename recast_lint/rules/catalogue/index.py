"""RL613: catalogue index files (`recast_catalogue_entries`)."""

from __future__ import annotations

import os
from typing import Any, Iterable, List

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis
from recast_lint.rules.registry import Finding, did_you_mean, rule


def item_names(items: Any) -> List[str]:
    items = items if isinstance(items, list) else [items]
    return [str(item.get("name", "")) if isinstance(item, dict) else str(item) for item in items if item is not None]


@rule("RL613", "index-entry-unusable", Severity.ERROR, "a catalogue index names a file that is not a catalogue entry")
def index_entry_unusable(analysis: Analysis) -> Iterable[Finding]:
    """Catches an item of an index file's `recast_catalogue_entries` that names no file inside the
    analysis, or a file without the `name`, `metadata` and `spec` of a catalogue entry.

    Why: recast-atlas reads each listed path relative to the index file; a missing file is a
    `FileNotFoundError` for every `recast` command, and a file that is not an entry is silently
    left out of the catalogue.

    Bad:

        name: atlas/exotics
        tags: [exotics]
        recast_catalogue_entries: [searches/monojet.yml]     # the file is monojet.yaml

    Fixed:

        recast_catalogue_entries: [searches/monojet.yaml]
    """
    entry = analysis.entry
    if entry is None:
        return
    for loc, doc, beside in entry.index_entries:
        if doc is None:
            hint = did_you_mean(os.path.basename(str(loc.value)), beside) or "list a path, relative to this index file, inside the repository"
            yield Finding.at(loc, f"catalogue entry {loc.value!r} is not a file inside the analysis", hint)
        elif doc.ok and not (isinstance(doc.data, dict) and all(key in doc.data for key in ("name", "metadata", "spec"))):
            yield Finding.at(
                loc,
                f"{loc.value!r} is not a catalogue entry (it needs `name`, `metadata` and `spec`), so it is left out",
                "point at a recast.yml-style entry file",
            )
