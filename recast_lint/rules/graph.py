"""RL4xx: the stage graph of every workflow scope (dependencies, names, cycles, reachability, selectors, scatter)."""

from __future__ import annotations
