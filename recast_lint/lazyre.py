"""Regular expressions compiled when first used.

A check imports every rule module, and compiling a pattern costs 0.1 to 0.5 ms: a pattern that only
a CI file, a suppression comment or a YAML 1.1 number needs is compiled when one turns up, not on
every commit's start-up.
"""

from __future__ import annotations

import re
from typing import Any

_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "split")


class LazyPattern:
    """``re.compile(pattern, flags)`` on the first attribute asked for; after that the pattern's
    methods are this object's own attributes, as fast to reach as the compiled pattern's."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)
