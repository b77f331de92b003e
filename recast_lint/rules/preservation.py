"""RL7xx: preservation and security (images, tags, resources, credentials)."""

from __future__ import annotations
