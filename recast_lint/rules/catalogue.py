"""RL6xx: the catalogue entry, REANA specs and the CI file."""

from __future__ import annotations
