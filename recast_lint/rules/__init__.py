"""Rule families; importing this package registers every rule (see ``registry``)."""

from recast_lint.rules import loading, refs, schema  # noqa: F401
