"""RL5xx: data flow between stages and steps (placeholders, parameters, published outputs, literal values)."""

from __future__ import annotations
