"""jq programs, as the runtime compiles them: the `if:` of a `cases` scheduler.

yadage evaluates each case with ``jq.jq(program)`` (the `jq` Python package; 1.13.0, bundling
libjq 1.8, is what installing yadage 0.21.2 brings), which compiles the program first: a syntax
error, a function that is not defined (`lenght`, `not(.a)`) or a variable that is not bound
(`$x`) raises `ValueError: jq: error: ... compile error` when the stage is applied. This module
reads a program with jq's own lexer and grammar (``src/lexer.l``, ``src/parser.y``) and checks
the names jq checks at compile time, so a rule can report that error before the run; it also
keeps the comparisons in the program, with their operands, for the rules that judge what they
compare. It evaluates nothing.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, TypeVar

from recast_lint.records import Record

# `jq -n 'builtins'` of libjq 1.8 (the jq 1.13.0 package): name/arity
_BUILTINS = """
IN/1 IN/2 INDEX/1 INDEX/2 JOIN/2 JOIN/3 JOIN/4 abs/0 acos/0 acosh/0 add/0 add/1 all/0 all/1 all/2
any/0 any/1 any/2 arrays/0 ascii_downcase/0 ascii_upcase/0 asin/0 asinh/0 atan/0 atan2/2 atanh/0
booleans/0 bsearch/1 builtins/0 capture/1 capture/2 cbrt/0 ceil/0 combinations/0 combinations/1
contains/1 copysign/2 cos/0 cosh/0 debug/0 debug/1 del/1 delpaths/1 drem/2 empty/0 endswith/1 env/0
erf/0 erfc/0 error/0 error/1 exp/0 exp10/0 exp2/0 explode/0 expm1/0 fabs/0 fdim/2 finites/0 first/0
first/1 flatten/0 flatten/1 floor/0 fma/3 fmax/2 fmin/2 fmod/2 format/1 frexp/0 from_entries/0
fromdate/0 fromdateiso8601/0 fromjson/0 fromstream/1 gamma/0 get_jq_origin/0 get_prog_origin/0
get_search_list/0 getpath/1 gmtime/0 group_by/1 gsub/2 gsub/3 halt/0 halt_error/0 halt_error/1 has/1
have_decnum/0 have_literal_numbers/0 hypot/2 implode/0 in/1 index/1 indices/1 infinite/0 input/0
input_filename/0 input_line_number/0 inputs/0 inside/1 isempty/1 isfinite/0 isinfinite/0 isnan/0
isnormal/0 iterables/0 j0/0 j1/0 jn/2 join/1 keys/0 keys_unsorted/0 last/0 last/1 ldexp/2 length/0
lgamma/0 lgamma_r/0 limit/2 localtime/0 log/0 log10/0 log1p/0 log2/0 logb/0 ltrim/0 ltrimstr/1 map/1
map_values/1 match/1 match/2 max/0 max_by/1 min/0 min_by/1 mktime/0 modf/0 modulemeta/0 nan/0
nearbyint/0 nextafter/2 nexttoward/2 normals/0 not/0 now/0 nth/1 nth/2 nulls/0 numbers/0 objects/0
path/1 paths/0 paths/1 pick/1 pow/2 range/1 range/2 range/3 recurse/0 recurse/1 recurse/2 remainder/2
repeat/1 reverse/0 rindex/1 rint/0 round/0 rtrim/0 rtrimstr/1 scalars/0 scalb/2 scalbln/2 scan/1
scan/2 select/1 setpath/2 significand/0 sin/0 sinh/0 skip/2 sort/0 sort_by/1 split/1 split/2 splits/1
splits/2 sqrt/0 startswith/1 stderr/0 strflocaltime/1 strftime/1 strings/0 strptime/1 sub/2 sub/3
tan/0 tanh/0 test/1 test/2 tgamma/0 to_entries/0 toboolean/0 todate/0 todateiso8601/0 tojson/0
tonumber/0 tostream/0 tostring/0 transpose/0 trim/0 trimstr/1 trunc/0 truncate_stream/1 type/0
unique/0 unique_by/1 until/2 utf8bytelength/0 values/0 walk/1 while/2 with_entries/1 y0/0 y1/0 yn/2
"""
BUILTINS: FrozenSet[str] = frozenset(_BUILTINS.split())
BUILTIN_VARIABLES = frozenset({"$ENV", "$__loc__"})
KEYWORDS = frozenset(
    ("as", "def", "module", "import", "include", "if", "then", "elif", "else", "end")
    + ("reduce", "foreach", "and", "or", "try", "catch", "label", "break")
)
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ASSIGNMENTS = ("=", "|=", "+=", "-=", "*=", "/=", "%=", "//=")

_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\n]+|\#[^\n]*)
    |(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<field>\.[A-Za-z_][A-Za-z_0-9]*)
    |(?P<binding>\$(?:[A-Za-z_][A-Za-z_0-9]*::)*[A-Za-z_][A-Za-z_0-9]*)
    |(?P<ident>(?:[A-Za-z_][A-Za-z_0-9]*::)*[A-Za-z_][A-Za-z_0-9]*)
    |(?P<format>@[A-Za-z0-9_]+)
    |(?P<op>\?//|//=|\.\.|!=|==|//|\|=|\+=|-=|\*=|/=|%=|<=|>=|[.\[\]{}()|,:;=<>+\-*/%$?])
    |(?P<string>")""",
    re.X,
)
_ESCAPES = set('"\\/bfnrt')
T = TypeVar("T")


class JqError(Exception):
    """A program jq refuses to compile: what is wrong, and where (an offset in the program)."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


class Token(Record):
    kind: str  # number | field | binding | ident | keyword | format | op | string | end
    text: str
    start: int
    end: int
    parts: Tuple[Tuple[int, int], ...] = ()  # a string's interpolations `\(...)`: (start, end) of the inner program


class Node(Record):
    """One piece of a program: a `literal`, a `path` (`.a`, `.a.b`, `.["a"]`), a `compare` or
    `assign` (operator in ``text``), or `other` (anything else, with its operands)."""

    kind: str
    text: str
    start: int
    end: int
    children: Tuple[Node, ...] = ()
    value: object = None  # a literal's value; a path's field names (a tuple)


def tokenize(program: str, start: int = 0, stop: Optional[int] = None) -> List[Token]:
    stop = len(program) if stop is None else stop
    tokens: List[Token] = []
    i = start
    while i < stop:
        match = _TOKEN.match(program, i, stop)
        if match is None:
            raise JqError(f"{program[i]!r} is not part of jq's syntax", i)
        kind = match.lastgroup or ""
        if kind == "space":
            i = match.end()
            continue
        if kind == "string":
            token = _string(program, i, stop)
            tokens.append(token)
            i = token.end
            continue
        text = match.group(0)
        if kind == "ident" and text in KEYWORDS:
            kind = "keyword"
        tokens.append(Token(kind, text, i, match.end()))
        i = match.end()
    tokens.append(Token("end", "", stop, stop))
    return tokens


def _string(program: str, start: int, stop: int) -> Token:
    """A `"..."` string from ``start``, with the spans of its `\\(...)` interpolations."""
    i, parts = start + 1, []
    while i < stop:
        ch = program[i]
        if ch == '"':
            return Token("string", program[start : i + 1], start, i + 1, tuple(parts))
        if ch != "\\":
            i += 1
            continue
        nxt = program[i + 1] if i + 1 < stop else ""
        if nxt == "(":
            depth, j = 1, i + 2
            while j < stop and depth:  # the inner program's own strings are skipped whole
                if program[j] == '"':
                    j = _string(program, j, stop).end
                    continue
                depth += {"(": 1, ")": -1}.get(program[j], 0)
                j += 1
            if depth:
                raise JqError("`\\(` in a string is never closed", i)
            parts.append((i + 2, j - 1))
            i = j
        elif nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", program[i + 2 : i + 6]):
            i += 6
        elif nxt in _ESCAPES:
            i += 2
        else:
            raise JqError(f"invalid escape `\\{nxt}` in a string", i)
    raise JqError("string is never closed", start)


class Program(Record):
    text: str
    root: Node
    calls: Tuple[Tuple[str, int, int], ...]  # name/arity, start, end of each call of an undefined-yet function
    variables: Tuple[Tuple[str, int], ...]  # each `$name` read that no pattern binds, with its offset

    def comparisons(self) -> Iterator[Node]:
        yield from _walk(self.root, ("compare", "assign"))


def _walk(node: Node, kinds: Tuple[str, ...]) -> Iterator[Node]:
    if node.kind in kinds:
        yield node
    for child in node.children:
        yield from _walk(child, kinds)


def parse(program: str) -> Program:
    """The program as jq compiles it; raises ``JqError`` for what jq rejects."""
    parser = _Parser(program, tokenize(program))
    root = parser.pipe()
    if parser.peek().kind != "end":
        parser.fail()
    for name, start, _ in parser.calls:
        if name not in BUILTINS:
            raise JqError(f"{name} is not defined", start)
    for name, start in parser.unbound:
        raise JqError(f"{name} is not defined", start)
    return Program(program, root, tuple(parser.calls), tuple(parser.unbound))


class _Parser:
    """Recursive descent over jq's grammar, from its loosest operator (`|`) to its terms.

    Scopes follow jq: a `def` is visible in its own body and in the expression after it; `as`
    patterns bind in the body after `|`; `reduce`/`foreach` patterns in their update expressions.
    """

    def __init__(self, program: str, tokens: List[Token]):
        self.program = program
        self.tokens = tokens
        self.pos = 0
        self.functions: List[Dict[str, Pending]] = [{}]
        self.variables: List[Set[str]] = [set(BUILTIN_VARIABLES)]
        self.labels: List[Set[str]] = [set()]
        self.calls: List[Tuple[str, int, int]] = []
        self.unbound: List[Tuple[str, int]] = []

    # tokens
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind in ("op", "keyword") and token.text in texts

    def take(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def expect(self, text: str) -> Token:
        if not self.at(text):
            self.fail(f"expected `{text}`")
        return self.take()

    def fail(self, expected: str = "") -> None:
        token = self.peek()
        found = "the end of the program" if token.kind == "end" else f"`{token.text}`"
        raise JqError(f"syntax error: unexpected {found}" + (f", {expected}" if expected else ""), token.start)

    def node(self, kind: str, start: int, children: Tuple[Node, ...] = (), text: str = "", value: object = None) -> Node:
        end = self.tokens[self.pos - 1].end if self.pos else start
        return Node(kind, text or self.program[start:end], start, end, children, value)

    # scopes
    def scoped(self, variables: Set[str] = frozenset(), functions: Optional[Dict[str, Pending]] = None) -> _Scope:  # type: ignore[assignment]
        return _Scope(self, set(variables), dict(functions or {}))

    def bound(self, name: str) -> bool:
        return any(name in scope for scope in self.variables)

    def defined(self, signature: str) -> Optional[Pending]:
        """The definition in scope (with what its body leaves undefined), or None for a builtin or nothing."""
        for scope in reversed(self.functions):
            if signature in scope:
                return scope[signature]
        return None

    # expressions, loosest first
    def pipe(self, comma: bool = True, definitions: bool = True) -> Node:
        """A pipeline; `def` and `label` may start one (not an operand, nor an object's value)."""
        start = self.peek().start
        if not definitions and self.at("def", "label"):
            self.fail()
        if self.at("def"):
            signature, pending = self.funcdef()
            with self.scoped(functions={signature: pending}):
                body = self.pipe(comma)
            return self.node("other", start, (body,))
        if self.at("label"):
            self.take()
            label = self.take()
            if label.kind != "binding":
                self.fail("expected a `$name` after `label`")
            self.expect("|")
            self.labels.append({label.text})
            try:
                body = self.pipe(comma)
            finally:
                self.labels.pop()
            return self.node("other", start, (body,))
        left = self.comma() if comma else self.alternative()
        if self.at("|"):
            self.take()
            right = self.pipe(comma, definitions)
            return self.node("other", start, (left, right))
        return left

    def comma(self) -> Node:
        start = self.peek().start
        items = [self.alternative()]
        while self.at(","):
            self.take()
            items.append(self.pipe() if self.at("def", "label") else self.alternative())
        return items[0] if len(items) == 1 else self.node("other", start, tuple(items))

    def alternative(self) -> Node:
        start = self.peek().start
        left = self.assignment()
        if self.at("//"):
            self.take()
            return self.node("other", start, (left, self.alternative()))
        return left

    def assignment(self) -> Node:
        return self._non_assoc(self.disjunction, ASSIGNMENTS, "assign")

    def disjunction(self) -> Node:
        return self._left_assoc(self.conjunction, ("or",))

    def conjunction(self) -> Node:
        return self._left_assoc(self.comparison, ("and",))

    def comparison(self) -> Node:
        return self._non_assoc(self.additive, COMPARISONS, "compare")

    def _non_assoc(self, operand, operators: Tuple[str, ...], kind: str) -> Node:  # type: ignore[no-untyped-def]
        """`a OP b` at most once: jq declares these operators %nonassoc, so `a < b < c` does not parse."""
        start = self.peek().start
        left = operand()
        if not self.at(*operators):
            return left
        operator = self.take().text
        right = operand()
        if self.at(*operators):
            self.fail("comparisons do not chain" if kind == "compare" else "assignments do not chain")
        return self.node(kind, start, (left, right), value=operator)

    def additive(self) -> Node:
        return self._left_assoc(self.multiplicative, ("+", "-"))

    def multiplicative(self) -> Node:
        return self._left_assoc(self.unary, ("*", "/", "%"))

    def _left_assoc(self, operand, operators: Tuple[str, ...]) -> Node:  # type: ignore[no-untyped-def]
        start = self.peek().start
        left = operand()
        while self.at(*operators):
            self.take()
            left = self.node("other", start, (left, operand()))
        return left

    def unary(self) -> Node:
        start = self.peek().start
        if self.at("-"):
            self.take()
            operand = self.multiplicative()
            if operand.kind == "literal" and isinstance(operand.value, (int, float)) and not isinstance(operand.value, bool):
                return self.node("literal", start, value=-operand.value)
            return self.node("other", start, (operand,))
        return self.postfix()

    # terms
    def postfix(self) -> Node:
        start = self.peek().start
        term = self.primary()
        while True:
            token = self.peek()
            if token.kind == "field":
                self.take()
                term = self._path(term, token.text[1:], start)
            elif self.at(".") and self.peek(1).kind == "string":
                self.take()
                key = self.string()
                term = self._path(term, key.value, start) if isinstance(key.value, str) else self.node("other", start, (term, key))
            elif self.at("[") or self.at(".") and self.peek(1).text == "[" and self.peek(1).kind == "op":
                dotted = self.at(".")
                if dotted:
                    self.take()
                term = self.index(term, start, slices=not dotted)  # `.a.[1:2]` is a syntax error, `.a[1:2]` is not
            elif self.at("?"):
                self.take()
                term = term._replace(end=token.end, text=self.program[start : token.end]) if term.kind == "path" else self.node("other", start, (term,))
            elif self.at("as"):
                return self.destructure(term, start)
            else:
                return term

    def _path(self, base: Node, name: object, start: int) -> Node:
        if base.kind == "path" and isinstance(name, str):
            return self.node("path", start, value=tuple(base.value) + (name,))  # type: ignore[arg-type]
        return self.node("other", start, (base,))

    def index(self, term: Node, start: int, slices: bool = True) -> Node:
        self.expect("[")
        if self.at("]"):
            self.take()
            return self.node("other", start, (term,))
        if self.at(":") and slices:
            self.take()
            upper = self.pipe()
            self.expect("]")
            return self.node("other", start, (term, upper))
        key = self.pipe()
        if self.at(":") and slices:
            self.take()
            parts = (term, key) if self.at("]") else (term, key, self.pipe())
            self.expect("]")
            return self.node("other", start, parts)
        self.expect("]")
        if term.kind == "path" and key.kind == "literal" and isinstance(key.value, str):
            return self.node("path", start, value=tuple(term.value) + (key.value,))  # type: ignore[arg-type]
        return self.node("other", start, (term, key))

    def destructure(self, term: Node, start: int) -> Node:
        self.expect("as")
        names = self.patterns()
        self.expect("|")
        with self.scoped(variables=names):
            body = self.pipe()
        return self.node("other", start, (term, body))

    def patterns(self) -> Set[str]:
        names = self.pattern()
        while self.at("?//"):
            self.take()
            names |= self.pattern()
        return names

    def pattern(self) -> Set[str]:
        token = self.peek()
        if token.kind == "binding":
            self.take()
            return {token.text}
        names: Set[str] = set()
        if self.at("["):
            self.take()
            names |= self.pattern()
            while self.at(","):
                self.take()
                names |= self.pattern()
            self.expect("]")
            return names
        if self.at("{"):
            self.take()
            while True:
                key = self.peek()
                if key.kind == "binding":
                    self.take()
                    names.add(key.text)
                    if self.at(":"):
                        self.take()
                        names |= self.pattern()
                elif key.kind in ("ident", "keyword"):
                    self.take()
                    self.expect(":")
                    names |= self.pattern()
                elif key.kind == "string":
                    self.string()
                    self.expect(":")
                    names |= self.pattern()
                elif self.at("("):
                    self.take()
                    self.pipe()
                    self.expect(")")
                    self.expect(":")
                    names |= self.pattern()
                else:
                    self.fail("expected a key in an object pattern")
                if not self.at(","):
                    break
                self.take()
            self.expect("}")
            return names
        self.fail("expected `$name`, `[...]` or `{...}` after `as`")
        return names

    def primary(self) -> Node:
        token = self.peek()
        start = token.start
        if token.kind == "number":
            self.take()
            return self.node("literal", start, value=float(token.text) if any(c in token.text for c in ".eE") else int(token.text))
        if token.kind == "string":
            return self.string()
        if token.kind == "format":
            self.take()
            if self.peek().kind == "string":
                self.string()
            return self.node("other", start)
        if token.kind == "field":
            self.take()
            return self.node("path", start, value=(token.text[1:],))
        if token.kind == "binding":
            self.take()
            if token.text not in ("$__loc__",) and not self.bound(token.text):
                self.unbound.append((token.text, start))
            return self.node("other", start)
        if token.kind == "ident":
            return self.call()
        if token.kind == "keyword":
            return self.keyword_form()
        if self.at("."):
            self.take()
            if self.peek().kind == "string":
                key = self.string()
                return self.node("path", start, value=(key.value,)) if isinstance(key.value, str) else self.node("other", start, (key,))
            return self.node("path", start, value=())
        if self.at(".."):
            self.take()
            return self.node("other", start)
        if self.at("("):
            self.take()
            inner = self.pipe()
            self.expect(")")
            return self.node(inner.kind if inner.kind == "literal" else "other", start, (inner,), value=inner.value)
        if self.at("["):
            self.take()
            if self.at("]"):
                self.take()
                return self.node("literal", start, value=[])
            inner = self.pipe()
            self.expect("]")
            return self.node("other", start, (inner,))
        if self.at("{"):
            return self.object()
        if self.at("-"):
            return self.unary()
        self.fail()
        raise AssertionError  # fail() raises

    def string(self) -> Node:
        token = self.take()
        children = []
        for inner_start, inner_end in token.parts:
            inner = _Parser(self.program, tokenize(self.program, inner_start, inner_end))
            inner.functions, inner.variables, inner.labels = self.functions, self.variables, self.labels
            children.append(inner.pipe())
            if inner.peek().kind != "end":
                inner.fail()
            self.calls.extend(inner.calls)
            self.unbound.extend(inner.unbound)
        value = _unescape(token.text[1:-1]) if not token.parts else None
        return self.node("literal" if not token.parts else "other", token.start, tuple(children), value=value)

    def call(self) -> Node:
        token = self.take()
        start = token.start
        if token.text in ("true", "false", "null"):
            return self.node("literal", start, value={"true": True, "false": False, "null": None}[token.text])
        args = self.arguments(self.pipe) if self.at("(") else []
        signature = f"{token.text}/{len(args)}"
        definition = self.defined(signature)
        if definition is None:
            self.calls.append((signature, start, token.end))
        else:  # jq checks a function's body only once something calls it
            self.calls.extend(definition.calls)
            self.unbound.extend(definition.unbound)
            definition.calls.clear()
            definition.unbound.clear()
        return self.node("other", start, tuple(args))

    def optional(self, word: str, item: Callable[[], Node]) -> List[Node]:
        """What follows ``word`` when it is next (`else ...`, `catch ...`), else nothing."""
        if not self.at(word):
            return []
        self.take()
        return [item()]

    def arguments(self, item: Callable[[], T]) -> List[T]:
        """`(a; b; ...)`: a call's arguments, or a definition's parameters."""
        self.expect("(")
        items = [item()]
        while self.at(";"):
            self.take()
            items.append(item())
        self.expect(")")
        return items

    def keyword_form(self) -> Node:
        token = self.peek()
        start = token.start
        word = token.text
        if word == "if":
            self.take()
            parts = [self.pipe()]
            self.expect("then")
            parts.append(self.pipe())
            while self.at("elif"):
                self.take()
                parts.append(self.pipe())
                self.expect("then")
                parts.append(self.pipe())
            parts += self.optional("else", self.pipe)
            self.expect("end")
            return self.node("other", start, tuple(parts))
        if word == "try":
            self.take()
            parts = [self.unary(), *self.optional("catch", self.unary)]
            return self.node("other", start, tuple(parts))
        if word in ("reduce", "foreach"):
            self.take()
            source = self.postfix_until_as()
            self.expect("as")
            names = self.patterns()
            self.expect("(")
            with self.scoped(variables=names):
                parts = [source, self.pipe()]
                self.expect(";")
                parts.append(self.pipe())
                if word == "foreach":
                    parts += self.optional(";", self.pipe)
            self.expect(")")
            return self.node("other", start, tuple(parts))
        if word == "break":
            self.take()
            label = self.take()
            if label.kind != "binding" or not any(label.text in scope for scope in self.labels):
                raise JqError(f"`break {label.text}` has no `label {label.text}` around it", start)
            return self.node("other", start)
        self.fail()
        raise AssertionError

    def postfix_until_as(self) -> Node:
        """The source of `reduce`/`foreach`: a term, whose `as` belongs to the keyword."""
        start = self.peek().start
        term = self.primary()
        while not self.at("as") and (self.peek().kind == "field" or self.at("[", "?")):
            if self.peek().kind == "field" or self.at("?"):
                self.take()
            else:
                term = self.index(term, start)
        return self.node("other", start, (term,))

    def object(self) -> Node:
        start = self.expect("{").start
        values: List[Node] = []
        while not self.at("}"):
            key = self.peek()
            if key.kind in ("ident", "keyword", "binding") or key.text == "$__loc__":
                self.take()
                if key.kind == "binding" and not self.bound(key.text):
                    self.unbound.append((key.text, key.start))
            elif key.kind == "string":
                self.string()
            elif self.at("("):
                self.take()
                values.append(self.pipe())
                self.expect(")")
                if not self.at(":"):
                    self.fail("expected `:` after a computed key")
            else:
                self.fail("expected a key: a name, a string, `$name` or `(expression)`")
            if self.at(":"):
                self.take()
                values.append(self.pipe(comma=False, definitions=False))
            if not self.at(","):
                break
            self.take()
        self.expect("}")
        return self.node("other", start, tuple(values))

    def funcdef(self) -> Tuple[str, Pending]:
        self.expect("def")
        name = self.take()
        if name.kind not in ("ident", "keyword"):
            self.fail("expected a function name after `def`")
        parameters = self.arguments(self.take) if self.at("(") else []
        self.expect(":")
        signature = f"{name.text}/{len(parameters)}"
        variables = {p.text for p in parameters if p.kind == "binding"}
        pending = Pending([], [])
        functions = {f"{p.text.lstrip('$')}/0": Pending([], []) for p in parameters}
        outer = self.calls, self.unbound
        self.calls, self.unbound = pending.calls, pending.unbound
        try:
            with self.scoped(variables=variables, functions={**functions, signature: Pending([], [])}):
                self.pipe()
        finally:
            self.calls, self.unbound = outer
        self.expect(";")
        return signature, pending


class Pending(Record):
    """What a function's body calls or reads that is not defined: an error once the function is called."""

    calls: List[Tuple[str, int, int]]
    unbound: List[Tuple[str, int]]


class _Scope:
    def __init__(self, parser: _Parser, variables: Set[str], functions: Dict[str, Pending]):
        self.parser, self.variables, self.functions = parser, variables, functions

    def __enter__(self) -> None:
        self.parser.variables.append(self.variables)
        self.parser.functions.append(self.functions)

    def __exit__(self, *exc: object) -> None:
        self.parser.variables.pop()
        self.parser.functions.pop()


def _unescape(text: str) -> str:
    simple: Dict[str, str] = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "/": "/"}
    return re.sub(r"\\(u[0-9A-Fa-f]{4}|.)", lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 5 else simple[m.group(1)], text)
