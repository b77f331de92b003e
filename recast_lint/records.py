"""``Record``: the package's ``typing.NamedTuple``, without its import-time cost.

``class Span(Record)`` is written, read and type-checked exactly as ``class Span(NamedTuple)``
(fields as annotations, defaults, a docstring, methods and properties), and makes the same
``collections.namedtuple`` class. The difference is what defining it costs: with ``from __future__
import annotations`` every field's annotation is a string, and ``typing.NamedTuple`` compiles each
one into a ``ForwardRef`` that nothing reads. That was 0.2 to 0.3 ms a class, some 7 ms of every
`recast-lint check` (over 50 classes are defined on the way to a lint). Here the annotations are
kept as the strings they are (``typing.get_type_hints`` resolves them as it would).
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any, Dict, Tuple

# what namedtuple sets itself, or Python sets on every class body: not copied onto the record
_OWN = frozenset({"__module__", "__qualname__", "__annotations__"})


class _RecordMeta(type):
    def __new__(mcls, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any]) -> Any:
        if not bases:  # ``Record`` itself
            return super().__new__(mcls, name, bases, namespace)
        fields: Dict[str, Any] = namespace.get("__annotations__", {})
        defaults = [namespace[field] for field in fields if field in namespace]
        if any(field not in namespace for field in list(fields)[len(fields) - len(defaults):]):
            raise TypeError(f"{name}: a field without a default follows one with a default")
        record = collections.namedtuple(name, list(fields), defaults=defaults, module=namespace["__module__"])
        record.__qualname__ = namespace["__qualname__"]
        record.__annotations__ = record.__new__.__annotations__ = dict(fields)
        for key, value in namespace.items():
            if key not in _OWN and key not in fields:
                setattr(record, key, value)
        return record


if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:

    class Record(metaclass=_RecordMeta):
        """Subclass it as ``typing.NamedTuple``; what you get is a ``collections.namedtuple``."""
