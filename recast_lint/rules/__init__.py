"""Rule families; importing this package registers every rule (see ``registry``)."""

from recast_lint.rules import catalogue, dataflow, graph, interpreters, loading, meta, preservation, published, refs, schema  # noqa: F401
