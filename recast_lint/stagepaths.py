"""Stage expressions: the JSONPath that `dependencies` and parameter selectors use to name stages.

yadage evaluates every dependency and every `stages:`/`step:` selector with jsonpath-rw 1.4 over
the scope's steps-by-stage index (``../shared/reference/runtime-semantics.md`` B.2), which looks
like this at run time::

    {"init": [{"_nodeid": ...}],                       # a stage: the list of its steps
     "fit":  [{"_nodeid": ...}, {"_nodeid": ...}],     # a multistep stage: one entry per step
     "map":  [{"_offset": "/map/0", "inner": [...]}]}  # a sub-workflow stage: one scope per instance

so `fit` is the list of fit's steps, `map[*].inner` (or `map.[*].inner`) reaches stage `inner` in
every instance of map's sub-workflow, `a,b` and `[a]` are field lists, `$` is the scope and `*`
all of its stages. `*.x` matches nothing: a wildcard over a scope yields stage *lists*, and a
field of a list is nothing in jsonpath-rw.

This module parses the subset of jsonpath-rw that stage expressions use, with the same lexer and
grammar, and evaluates it against a static picture of that index built from the model. Syntax it
does not model (`..`, `where`, `&`, parentheses, backquoted operators) is *unsupported*: callers
skip such expressions rather than guess.
"""

from __future__ import annotations

import functools
import re
from typing import List, Optional, Sequence, Tuple, Union

from recast_lint.lazyre import LazyPattern
from recast_lint.model import Stage, Workflow
from recast_lint.records import Record

IDENTIFIER = re.compile(r"[A-Za-z_@][A-Za-z0-9_@\-]*")
RESERVED = ("where",)
_NUMBER = LazyPattern(r"-?\d+")
_LITERALS = "*.[](),$:|&"
_UNSUPPORTED_TOKENS = ("..", "where", "&", "(", ")", "`")


def addressable(name: str) -> bool:
    """Whether a stage name can be written plainly in a dependency: one jsonpath-rw identifier."""
    return bool(IDENTIFIER.fullmatch(name)) and name not in RESERVED


class ExpressionError(Exception):
    """An expression jsonpath-rw rejects (``unsupported`` is False) or one this module does not model."""

    def __init__(self, message: str, offset: int, unsupported: bool = False):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.unsupported = unsupported


class Token(Record):
    kind: str  # ID | NUMBER | one of _LITERALS | .. | where | `
    value: Union[str, int]
    offset: int
    quoted: bool = False


def tokenize(text: str) -> List[Token]:
    """jsonpath-rw's lexer: identifiers, numbers, quoted names (which lex as identifiers), literals."""
    tokens: List[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t":
            i += 1
        elif text.startswith("..", i):
            tokens.append(Token("..", "..", i))
            i += 2
        elif ch in "'\"":
            end = i + 1
            value = []
            while end < n and text[end] != ch:
                if text[end] == "\\" and end + 1 < n:
                    end += 1
                value.append(text[end])
                end += 1
            if end >= n:
                raise ExpressionError("unterminated quoted name", i)
            tokens.append(Token("ID", "".join(value), i, quoted=True))
            i = end + 1
        elif ch == "`":
            tokens.append(Token("`", ch, i))
            i += 1
        elif IDENTIFIER.match(text, i):
            word = IDENTIFIER.match(text, i).group(0)  # type: ignore[union-attr]
            tokens.append(Token("where" if word == "where" else "ID", word, i))
            i += len(word)
        elif _NUMBER.match(text, i):
            digits = _NUMBER.match(text, i).group(0)  # type: ignore[union-attr]
            tokens.append(Token("NUMBER", int(digits), i))
            i += len(digits)
        elif ch in _LITERALS:
            tokens.append(Token(ch, ch, i))
            i += 1
        else:
            raise ExpressionError(f"character {ch!r} cannot appear in a stage expression", i)
    return tokens


# -- syntax -------------------------------------------------------------------------------------


class Fields(Record):
    names: Tuple[str, ...]  # ('*',) for the wildcard
    offsets: Tuple[int, ...]


class Index(Record):
    index: int


class Slice(Record):
    """`[*]` or `[a:b]`: every element (a non-list counts as a list of itself, like jsonpath-rw)."""

    start: Optional[int] = None
    end: Optional[int] = None


class Root(Record):
    """`$`: the scope the expression starts from."""


Segment = Union[Fields, Index, Slice, Root]
Chain = Tuple[Segment, ...]


class StagePath(Record):
    text: str
    chains: Tuple[Chain, ...]  # alternatives joined by `|`


def roots(text: str) -> List[str]:
    """The stages an expression starts from (`init` for `init`, `[init]`, `init[0]`; `a` and `b` for
    `a,b`), or nothing when it does not parse (RL407 reports that)."""
    try:
        chains = parse(text).chains
    except ExpressionError:
        return []
    return [name for chain in chains if chain and isinstance(chain[0], Fields) for name in chain[0].names]


@functools.lru_cache(maxsize=4096)  # a workflow writes the same few expressions (`init`, a stage's name) again and again
def parse(text: str) -> StagePath:
    """Parse ``text`` the way jsonpath-rw does; raises ``ExpressionError``."""
    tokens = tokenize(text)
    for token in tokens:
        if token.kind in _UNSUPPORTED_TOKENS:
            raise ExpressionError(f"{token.value!r} is not modelled", token.offset, unsupported=True)
    parser = _Parser(text, tokens)
    chains = [parser.chain()]
    while parser.accept("|"):
        chains.append(parser.chain())
    if parser.peek() is not None:
        parser.fail()
    return StagePath(text, tuple(chains))


class _Parser:
    def __init__(self, text: str, tokens: Sequence[Token]):
        self.text = text
        self.tokens = list(tokens)
        self.pos = 0

    def peek(self) -> Optional[Token]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def accept(self, kind: str) -> Optional[Token]:
        token = self.peek()
        if token is not None and token.kind == kind:
            self.pos += 1
            return token
        return None

    def fail(self) -> None:
        token = self.peek()
        if token is None:
            raise ExpressionError("expression ends too early", len(self.text))
        raise ExpressionError(f"unexpected {token.value!r}", token.offset)

    def chain(self) -> Chain:
        segments = [*self.primary()]
        while True:
            if self.accept("."):
                segments.extend(self.primary())
            elif self.peek() is not None and self.peek().kind == "[":  # type: ignore[union-attr]
                segments.append(self.bracket())
            else:
                return tuple(segments)

    def primary(self) -> List[Segment]:
        token = self.peek()
        if token is None:
            self.fail()
        assert token is not None
        if token.kind == "$":
            self.pos += 1
            return [Root()]
        if token.kind == "*":
            self.pos += 1
            return [Fields(("*",), (token.offset,))]
        if token.kind == "ID":
            return [self.fields()]
        if token.kind == "[":
            return [self.bracket()]
        self.fail()
        return []

    def fields(self) -> Fields:
        names, offsets = [], []
        while True:
            token = self.accept("ID")
            if token is None:
                self.fail()
            assert token is not None
            names.append(str(token.value))
            offsets.append(token.offset)
            if not self.accept(","):
                return Fields(tuple(names), tuple(offsets))

    def bracket(self) -> Segment:
        self.accept("[")
        token = self.peek()
        segment: Segment
        if token is not None and token.kind == "*":
            self.pos += 1
            segment = Slice()
        elif token is not None and token.kind == "ID":
            segment = self.fields()
        else:
            start = self.accept("NUMBER")
            if self.accept(":"):
                end = self.accept("NUMBER")
                segment = Slice(start.value if start else None, end.value if end else None)  # type: ignore[arg-type]
            elif start is not None:
                segment = Index(int(start.value))
            else:
                self.fail()
        if not self.accept("]"):
            self.fail()
        return segment


# -- the static steps-by-stage index ----------------------------------------------------------


class Entry(Record):
    """A name in a scope: a stage of the workflow, or the `init` stage the runtime adds."""

    name: str
    stage: Optional[Stage]  # None for `init`
    scope: Scope

    @property
    def kind(self) -> str:
        """init | step | multistep-step | workflow | multistep-workflow | dynamic."""
        stage = self.stage
        if stage is None:
            return "init"
        if stage.scheduler_type == "singlestep-stage" and stage.step is not None:
            return "step"
        if stage.scheduler_type == "multistep-stage" and stage.step is not None:
            return "multistep-step"
        if stage.scheduler_type == "singlestep-stage" and stage.subworkflow is not None:
            return "workflow"
        if stage.scheduler_type == "multistep-stage" and stage.subworkflow is not None:
            return "multistep-workflow"
        return "dynamic"  # cases, jq-stage, or a stage the schema rules already reject

    def sub_scope(self) -> Optional[Scope]:
        if self.stage is not None and self.stage.subworkflow is not None:
            return Scope(self.stage.subworkflow, has_init=True)
        return None


class Scope(Record):
    """One workflow's stages plus `init` when the runtime adds it."""

    workflow: Workflow
    has_init: bool

    def entries(self, name: str) -> List[Entry]:
        found = [Entry(name, None, self)] if name == "init" and self.has_init else []
        return found + [Entry(name, s, self) for s in self.workflow.stages_named(name)]

    def all_entries(self) -> List[Entry]:
        named = [Entry(str(s.name), s, self) for s in self.workflow.stages if isinstance(s.name, str)]
        return ([Entry("init", None, self)] if self.has_init else []) + named

    def names(self) -> List[str]:
        return list(dict.fromkeys(entry.name for entry in self.all_entries()))


class Reached(Record):
    """What an expression reached: a stage's list of steps, one step of it, or one instance of its
    sub-workflow; and the stage of the starting scope it went through."""

    entry: Entry
    level: str  # stage | item | instance
    via: Entry


class Miss(Record):
    name: str
    offset: int
    scope: Scope


class Resolution:
    """What an expression reaches in its scope, the names it misses, and whether that is only known at run time."""

    def __init__(self) -> None:
        self.reached: List[Reached] = []
        self.misses: List[Miss] = []
        self.uncertain = False  # went through something only known at run time

    @property
    def matches_nothing(self) -> bool:
        return not self.reached and not self.uncertain

    def via(self) -> List[Entry]:
        return list({id(r.via): r.via for r in self.reached}.values())


# values during evaluation: (kind, payload, via) with kind scope (payload a Scope), stage (the
# entry's list of steps), item (one step) or instance (one run of the entry's sub-workflow)
_Value = Tuple[str, Union[Scope, Entry], Optional[Entry]]


def resolve(path: StagePath, scope: Scope) -> Resolution:
    result = Resolution()
    for chain in path.chains:
        values: List[_Value] = [("scope", scope, None)]
        for position, segment in enumerate(chain):
            values = [out for value in values for out in _step(value, segment, position, scope, result)]
        for kind, payload, via in values:
            if isinstance(payload, Entry):
                result.reached.append(Reached(payload, kind, via or payload))
            elif kind == "scope":  # `$` alone: the whole scope, never one stage
                result.uncertain = True
    return result


def _step(value: _Value, segment: Segment, position: int, start: Scope, result: Resolution) -> List[_Value]:
    kind, payload, via = value
    if isinstance(segment, Root):
        if position == 0:
            return [("scope", start, None)]
        result.uncertain = True
        return []
    if isinstance(segment, Fields):
        scope = payload if isinstance(payload, Scope) else payload.sub_scope() if kind == "instance" else None
        if scope is None:
            return []  # a field of a stage's list, or of a step's `{_nodeid}`: nothing
        out: List[_Value] = []
        for name, offset in zip(segment.names, segment.offsets):
            entries = scope.all_entries() if name == "*" else scope.entries(name)
            if not entries and name not in ("*", "_offset"):
                result.misses.append(Miss(name, offset, scope))
            out.extend(("stage", entry, via or entry) for entry in entries)
        return out
    if kind != "stage":  # an element of a list: a mapping
        if isinstance(segment, Slice):
            return [value]  # jsonpath-rw wraps a mapping into a one-element list
        result.uncertain = True  # an index into a mapping raises at run time; not modelled
        return []
    assert isinstance(payload, Entry)
    entry_kind = payload.kind
    if entry_kind == "dynamic":
        result.uncertain = True
        return []
    if isinstance(segment, Index) and entry_kind in ("init", "step", "workflow") and segment.index not in (0, -1):
        return []
    return [("instance" if payload.sub_scope() is not None else "item", payload, via)]
