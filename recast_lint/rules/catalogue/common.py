"""What several RL6xx rules read from `recast.yml`."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, Tuple

from recast_lint.lazyre import LazyPattern
from recast_lint.model import Analysis, Loc

ENTRY_NAME = re.compile(r"[^/\s]+/[^/\s]+")  # `<group>/<identifier>`
TEMPLATED = LazyPattern(r"\$|\{\{")  # a template (`$name`, `{{ cookiecutter.name }}`) is filled in before use


def entry_data(analysis: Analysis) -> Dict[str, Any]:
    """The parsed `recast.yml` of a catalogue entry (not an index file), or an empty mapping."""
    entry = analysis.entry
    if entry is None or not entry.doc.ok or entry.is_index or not isinstance(entry.doc.data, dict):
        return {}
    return entry.doc.data


def list_items(loc: Loc) -> Iterator[Tuple[Loc, Any]]:
    value = loc.value
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield loc.child(index), item
