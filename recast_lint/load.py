"""Load YAML, and say where every key and value stands when asked.

One pass of ``yaml.compose`` (libyaml when available) gives a node tree with marks, and plain
Python data is built from it. Where each key and value stands, by JSON-pointer-like path
(``Document.nodes``), is made only for a file something asks a position of, by composing its text
again: most files of a clean check never need one. Everything that can go wrong while reading a
file becomes a ``LoadProblem`` with a position, never an exception: bad bytes, syntax errors,
tabs, duplicate keys, alias bombs, excessive nesting, recursive aliases and oversized files.
"""

from __future__ import annotations

import bisect
import functools
import re
import stat
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import yaml

from recast_lint.diagnostics import Span
from recast_lint.records import Record

try:
    from yaml import CSafeLoader as _LibLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _LibLoader  # type: ignore[assignment]


class _Loader(_LibLoader):  # type: ignore[valid-type, misc]
    """The safe loader (libyaml's when PyYAML has it), remembering the tag of each plain scalar.

    Even libyaml's composer asks PyYAML's resolver, in Python, for the tag of every scalar, and
    that tries its regular expressions each time; a plain scalar's tag depends on its text alone
    (no path resolvers are registered), and a workflow writes the same keys thousands of times."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._plain_tags: Dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        tag = self._plain_tags.get(value)
        if tag is None:
            tag = self._plain_tags[value] = super().resolve(kind, value, implicit)
        return tag

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 256
MAX_INT_BITS = 10_000  # about 3,000 digits: below Python's limit of 4,300 for turning an int into text

Key = Union[str, int]
Pointer = Tuple[Key, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"


class NodeInfo:
    """Where one key and value stand, and how the value is written.

    There is one per YAML node, so it keeps the parser's line and column numbers (each line number one
    shared object per document) and makes spans and offsets only when asked: a span per key and value
    and the offsets, made for every node, were two thirds of the memory of a check."""

    __slots__ = ("_source", "_line", "_column", "_end_line", "_end_column", "_key_line", "_key_column", "_key_end_line", "_key_end_column",
                 "placeholder_mapping", "style")

    def __init__(self, source: Tuple[List[int], int], line: int, column: int, end_line: int, end_column: int, style: Optional[str]) -> None:
        self._source = source  # the document's line starts and length
        self._line, self._column, self._end_line, self._end_column = line, column, end_line, end_column  # 0-based, as the parser marks them
        self._key_line: Optional[int] = None
        self.placeholder_mapping: Optional[str] = None  # `{name}` written unquoted, read by YAML as a mapping
        self.style = style  # scalar style: '' plain, "'" or '"' quoted, '|' or '>' block

    def _set_key(self, line: int, column: int, end_line: int, end_column: int) -> None:
        self._key_line, self._key_column, self._key_end_line, self._key_end_column = line, column, end_line, end_column

    @property
    def value(self) -> Span:
        return _span(self._line, self._column, self._end_line, self._end_column, self._source[0])

    @property
    def key(self) -> Optional[Span]:
        if self._key_line is None:
            return None
        return _span(self._key_line, self._key_column, self._key_end_line, self._key_end_column)

    @property
    def start(self) -> int:
        """Character offset of the value in the text, for locating substrings."""
        lines = self._source[0]
        return lines[self._line] + self._column if self._line < len(lines) else 0

    @property
    def end(self) -> int:
        lines, size = self._source
        return lines[self._end_line] + self._end_column if self._end_line < len(lines) else size


class Merge(Record):
    """A mapping that merges others with `<<: *anchor`: the keys it takes from them (where each is
    written) and the keys written in it, which override those."""

    source: Span  # the `<<` value, e.g. `*defaults`
    merged: Dict[Any, Span]
    explicit: Dict[Any, Span]


class LoadProblem(Record):
    kind: str  # encoding | syntax | tab | duplicate-key[-same] | empty | too-large | too-deep | too-many-nodes | recursive-alias | tag
    message: str
    span: Span
    hint: Optional[str] = None
    # edits (start, end, replacement) of the text after which YAML reads past this problem, found by
    # reading the edited text; the rule naming the problem decides whether to offer them as a fix
    repair: Tuple[Tuple[int, int, str], ...] = ()
    earlier: Optional[Tuple[int, int]] = None  # duplicate-key: the first entry, from its key to the end of its value


class Document:
    """One YAML file: its text, the data it holds and where each piece of that data stands."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = ""
        self.data: Any = None
        self.problems: List[LoadProblem] = []
        self.merges: Dict[Pointer, Merge] = {}  # by the pointer of each mapping that uses `<<`
        self._nodes: Optional[Dict[Pointer, NodeInfo]] = None
        self._line_starts: List[int] = []
        self._places: Dict[Tuple[Pointer, str], List[int]] = {}  # where `locate` found each needle

    def __repr__(self) -> str:
        return f"Document({str(self.path)!r})"

    @property
    def ok(self) -> bool:
        """True when the file was read and parsed into data (warnings may still exist)."""
        return self.data is not None and not self.problems_fatal

    @property
    def lines(self) -> List[str]:
        return self.text.splitlines()

    @property
    def nodes(self) -> Dict[Pointer, NodeInfo]:
        """Where each key and value stands, by pointer: made the first time a position is asked for.

        Reading a file makes only its data. Positions are wanted for the files something is reported
        in, and there the text is composed again: a record per YAML node for every file read was
        most of the memory of a check, and a clean file never needs one. Below a key written twice
        (or merged over) the first value's children keep their entries."""
        if self._nodes is None:
            self._nodes = _Builder(self).index() if self.data is not None and not self.problems_fatal else {}
        return self._nodes

    @property
    def problems_fatal(self) -> bool:
        return any(p.kind in _FATAL for p in self.problems)

    def info(self, pointer: Pointer) -> Optional[NodeInfo]:
        return self.nodes.get(tuple(pointer))

    def value(self, pointer: Pointer) -> Any:
        """The data at ``pointer``, or None where there is none."""
        return value_at(self.data, pointer)

    def span(self, pointer: Pointer, key: bool = False) -> Span:
        """The value (or key) at ``pointer``, or the nearest ancestor that exists."""
        pointer = tuple(pointer)
        while True:
            info = self.nodes.get(pointer)
            if info is not None:
                if key and info.key is not None:
                    return info.key
                return info.value
            if not pointer:
                return Span.point()
            pointer = pointer[:-1]
            key = True  # a missing child is best shown at its parent's key

    def locate(self, pointer: Pointer, needle: str, occurrence: int = 0) -> Optional[Span]:
        """Where ``needle`` appears inside the source of the value at ``pointer``."""
        pointer = tuple(pointer)
        info = self.nodes.get(pointer)
        if info is None or not needle:
            return None
        places = self._places.get((pointer, needle))
        if places is None:  # every place at once: a command may hold thousands of fields to point at
            places, found = [], self.text.find(needle, info.start, info.end)
            while found >= 0:
                places.append(found)
                found = self.text.find(needle, found + 1, info.end)
            self._places[(pointer, needle)] = places
        if occurrence >= len(places):
            return None
        return self.text_span(places[occurrence], places[occurrence] + len(needle))

    def text_span(self, start: int, end: int) -> Span:
        """The span of characters ``start`` to ``end`` of the text (e.g. a regular-expression match)."""
        return Span(*self._position(start), *self._position(end))

    @property
    def line_count(self) -> int:
        return len(self._starts())

    def offset(self, line: int, column: int) -> int:
        """The character offset of 1-based ``line`` and ``column`` (the inverse of ``text_span``)."""
        starts = self._starts()
        if line > len(starts):
            return len(self.text)
        return min(starts[line - 1] + column - 1, len(self.text))

    def _position(self, offset: int) -> Tuple[int, int]:
        starts = self._starts()
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def _starts(self) -> List[int]:
        if not self._line_starts:
            self._line_starts = line_starts(self.text)
        return self._line_starts


def value_at(data: Any, pointer: Sequence[Any]) -> Any:
    """The value at ``pointer`` inside plain ``data``, or None when the path does not lead anywhere."""
    for key in pointer:
        if isinstance(data, dict) and key in data or isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


_FATAL = {"encoding", "syntax", "tab", "empty", "too-large", "too-deep", "too-many-nodes", "recursive-alias"}


def load_file(path: Path) -> Document:
    doc = Document(path=path)
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(status.st_mode):  # reading a pipe would wait forever
            doc.problems.append(
                LoadProblem("syntax", "not a regular file (a pipe, socket or device), so it is not read", Span.point(), "make it a plain file")
            )
            return doc
        if status.st_size > MAX_FILE_BYTES:
            doc.problems.append(_too_large(status.st_size))
            return doc
        raw = path.read_bytes()
    except OSError as exc:
        doc.problems.append(LoadProblem("syntax", f"cannot read file: {exc.strerror or exc}", Span.point()))
        return doc
    return load_bytes(raw, path)


class _Kept:
    """The documents parsed last, by path and bytes, for a process that lints the same files again
    after every keystroke (the editor server); off unless ``keep_parsed`` turns it on. Sharing is
    safe: a document is never changed once loaded (its caches are of its own text)."""

    def __init__(self, count: int) -> None:
        import collections
        import hashlib
        import threading

        self.count = count
        self.documents: collections.OrderedDict = collections.OrderedDict()
        self.lock = threading.Lock()
        self.digest = lambda raw: hashlib.blake2b(raw, digest_size=16).digest()  # a key that does not hold the bytes


_kept: Optional[_Kept] = None


def keep_parsed(count: int) -> None:
    """Hand back the same document for the same path and bytes, for the last ``count`` files parsed."""
    global _kept
    _kept = _Kept(count) if count > 0 else None


def load_bytes(raw: bytes, path: Path) -> Document:
    kept = _kept
    if kept is None:
        return _load_bytes(raw, path)
    key = (path, kept.digest(raw))
    with kept.lock:
        doc = kept.documents.get(key)
        if doc is not None:
            kept.documents.move_to_end(key)
            return doc
    doc = _load_bytes(raw, path)
    with kept.lock:
        kept.documents[key] = doc
        while len(kept.documents) > kept.count:
            kept.documents.popitem(last=False)
    return doc


def _load_bytes(raw: bytes, path: Path) -> Document:
    doc = Document(path=path)
    if len(raw) > MAX_FILE_BYTES:  # the text of an editor's buffer or of a fix is held to the limit of a file
        doc.problems.append(_too_large(len(raw)))
        return doc
    try:
        doc.text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.problems.append(
            LoadProblem(
                "encoding",
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                Span.point(line, column),
                "save the file as UTF-8",
            )
        )
        return doc
    _Builder(doc).build()
    return doc


class _Stop(Exception):
    def __init__(self, problem: LoadProblem):
        self.problem = problem


def _mark_span(node: yaml.Node, line_starts: Optional[List[int]] = None) -> Span:
    start, end = node.start_mark, node.end_mark
    return _span(start.line, start.column, end.line, end.column, line_starts)


def _span(line: int, column: int, end_line: int, end_column: int, line_starts: Optional[List[int]] = None) -> Span:
    """The span of a parser's 0-based marks."""
    if end_line > line and end_column == 0 and line_starts and end_line < len(line_starts):
        # block collections end at the start of the next line; show them ending on their last line
        last_line_length = line_starts[end_line] - line_starts[end_line - 1] - 1
        return Span(line + 1, column + 1, end_line, last_line_length + 1)
    return Span(line + 1, column + 1, end_line + 1, max(end_column + 1, column + 2))


@functools.cache
def _composer_limits_nesting() -> bool:
    """Whether libyaml refuses to nest past a limit of its own (1,000 levels since 0.2.5), so that composing
    cannot recurse until the C stack is exhausted. Asked once, on 1,100 levels, which composes safely either way."""
    if _LibLoader.__name__ != "CSafeLoader":
        return False
    try:
        yaml.compose("[" * 1100 + "]" * 1100, Loader=_Loader)
    except yaml.YAMLError as exc:
        return "maximum nesting depth" in str(exc)
    return False


def line_starts(text: str) -> List[int]:
    """The offset of the first character of each line."""
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


_NEWLINE = re.compile("\n")


class _Builder:
    """Makes a document's data from its text (``build``), or, asked later, where each node stands (``index``)."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.count = 0
        self.deep = False  # a collection as deep as MAX_DEPTH was built, or one was not: the events decide whether it is too deep
        self.constructor = yaml.constructor.SafeConstructor()
        self.problems = doc.problems
        self.merges = doc.merges
        self.nodes: Optional[Dict[Pointer, NodeInfo]] = None  # recorded only by ``index``
        self.top: Optional[yaml.Node] = None  # the top-level key (or item) being built, where too many nodes is reported

    def build(self) -> None:
        doc = self.doc
        pre_read = self._maybe_too_deep()
        try:
            if pre_read and not _composer_limits_nesting():  # composing deep input would exhaust the C stack
                self._check_depth()
                pre_read = False  # done
            root = yaml.compose(doc.text, Loader=_Loader)
        except _Stop as stop:
            doc.problems.append(stop.problem)
            return
        except (yaml.YAMLError, RecursionError) as exc:
            doc.problems.append(self._pre_read_problem(pre_read) or self._reading_problem(exc))
            return
        if root is None:
            doc.problems.append(
                LoadProblem("empty", "file holds no YAML document", Span.point(), "add the content this file is meant to hold")
            )
            return
        try:
            doc.data = self._build(root, (), 0, set(), None)
            problem = self._pre_read_problem(pre_read and self.deep)
        except _Stop as stop:
            problem = self._pre_read_problem(pre_read) or stop.problem
        if problem is not None:
            doc.problems.append(problem)
            doc.data = None

    def index(self) -> Dict[Pointer, NodeInfo]:
        """Where every node of a document that ``build`` read stands. Its text composed once already
        within the limits (so composing it again is safe), and what building finds (problems,
        merges) was kept then: here the data is made again only to walk it the same way."""
        try:
            root = yaml.compose(self.doc.text, Loader=_Loader)
        except (yaml.YAMLError, RecursionError):
            return {}
        offsets = self.doc._starts()
        self.source = (offsets, len(self.doc.text))
        self.line_numbers = list(range(len(offsets) + 1))  # every node of a line shares its number
        self.problems, self.merges, self.nodes = [], {}, {}
        try:
            self._build(root, (), 0, set(), None)
        except _Stop:
            return {}
        return self.nodes

    def _reading_problem(self, exc: Exception) -> LoadProblem:
        if isinstance(exc, RecursionError):  # pure-Python composer on deep input that slipped past the estimate
            return _too_deep(Span.point())
        return self._syntax_problem(exc)  # type: ignore[arg-type]

    def _pre_read_problem(self, needed: bool) -> Optional[LoadProblem]:
        """What reading the events first finds (too deep, or broken YAML), when the file might be too deep.

        A composer with a nesting limit of its own cannot crash, so the file was composed without reading
        its events first; but where something went wrong, or it nests as deep as the limit, the events
        say what is reported, as they always did."""
        if not needed:
            return None
        try:
            self._check_depth()
        except _Stop as stop:
            return stop.problem
        except (yaml.YAMLError, RecursionError) as exc:
            return self._reading_problem(exc)
        return None

    # -- guards --------------------------------------------------------------------------------
    def _maybe_too_deep(self) -> bool:
        text = self.doc.text
        if text.count("[") + text.count("{") > MAX_DEPTH:
            return True
        return any(len(line) - len(line.lstrip(" -?:")) > MAX_DEPTH for line in text.splitlines())

    def _check_depth(self) -> None:
        depth = 0
        for event in yaml.parse(self.doc.text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise _Stop(_too_deep(Span.point(mark.line + 1, mark.column + 1)))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1

    def _syntax_problem(self, exc: yaml.YAMLError) -> LoadProblem:
        if isinstance(exc, yaml.reader.ReaderError):
            line, column = self.doc._position(exc.position) if exc.position <= len(self.doc.text) else (1, 1)
            return LoadProblem(
                "syntax",
                f"character {exc.character!r} is not allowed in YAML ({exc.reason})",
                Span.point(line, column),
                "remove the control character",
            )
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = (getattr(exc, "problem", None) or str(exc)).strip()
        if "maximum nesting depth" in problem:  # some libyaml builds enforce a limit of their own
            return _too_deep(Span.point(line, column))
        context = getattr(exc, "context", None)
        lines = self.doc.text.splitlines()
        if 0 < line <= len(lines) and "\t" in lines[line - 1][: column]:
            return LoadProblem(
                "tab",
                "tab character used for indentation",
                Span.point(line, lines[line - 1].index("\t") + 1),
                "YAML forbids tabs for indentation; indent with spaces",
                repair=_tab_repair(self.doc.text),
            )
        message = problem if not context else f"{problem} ({context})"
        if message.startswith("expected a single document"):
            return LoadProblem("syntax", f"invalid YAML: {message}", Span.point(line, column), "each spec file holds one document; remove the extra `---`")
        from recast_lint.yamlsyntax import explain  # only for a file that does not parse

        context_mark = getattr(exc, "context_mark", None)
        cause = explain(self.doc.text, problem, (line, column), context or "", (context_mark.line + 1, context_mark.column + 1) if context_mark else None)
        if cause is not None:
            return LoadProblem("syntax", f"invalid YAML: {cause.message}", cause.span, cause.hint, repair=cause.repair)
        return LoadProblem("syntax", f"invalid YAML: {message}", Span.point(line, column), "fix the YAML syntax at this position")

    # -- construction --------------------------------------------------------------------------
    def _offset(self, mark: yaml.Mark) -> int:
        offsets = self.doc._starts()
        return offsets[mark.line] + mark.column if mark.line < len(offsets) else len(self.doc.text)

    def _info(self, node: yaml.Node, key_node: Optional[yaml.Node]) -> NodeInfo:
        numbers, count = self.line_numbers, len(self.line_numbers)
        start, end = node.start_mark, node.end_mark
        style = (node.style or "") if isinstance(node, yaml.ScalarNode) else None
        info = NodeInfo(self.source, numbers[start.line] if start.line < count else start.line, start.column,
                        numbers[end.line] if end.line < count else end.line, end.column, style)
        if key_node is not None:
            start, end = key_node.start_mark, key_node.end_mark
            info._set_key(numbers[start.line] if start.line < count else start.line, start.column,
                          numbers[end.line] if end.line < count else end.line, end.column)
        return info

    def _build(self, node: yaml.Node, pointer: Pointer, depth: int, active: set, key_node: Optional[yaml.Node]) -> Any:
        if depth == 1:
            self.top = key_node or node
        self._guard(node, depth)
        info = None
        if self.nodes is not None:
            info = self.nodes[pointer] = self._info(node, key_node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if depth >= MAX_DEPTH:
            self.deep = True
        self._enter(node, active)
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self._build(child, pointer + (i,), depth + 1, active, None) for i, child in enumerate(node.value)]
            return self._mapping(node, pointer, depth, active, info)
        finally:
            active.discard(id(node))

    def _guard(self, node: yaml.Node, depth: int) -> None:
        """The limits every node counts toward, merged ones included."""
        self.count += 1
        if self.count > MAX_NODES:
            raise _Stop(
                LoadProblem(
                    "too-many-nodes",
                    f"document expands to more than {MAX_NODES:,} nodes (aliases multiply content)",
                    _mark_span(self.top or node),
                    "this looks like an alias bomb; spec files do not need repeated aliases of aliases",
                )
            )
        if depth > MAX_DEPTH:
            raise _Stop(_too_deep(_mark_span(node)))

    def _enter(self, node: yaml.Node, active: set) -> None:
        """Inside ``node`` until the caller discards it from ``active``: meeting it again below (through
        an alias or a merge) would never end. (Not a context manager: entering one costs more than
        building the node.)"""
        if id(node) in active:
            raise _Stop(
                LoadProblem(
                    "recursive-alias",
                    "alias refers to a node that contains it, so the data would be infinite",
                    _mark_span(node),
                    "replace the recursive alias with the data it should hold",
                )
            )
        active.add(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _STR_TAG:  # most values: what the constructor would return, without its bookkeeping
            return node.value
        try:
            value = self.constructor.construct_object(node)
            if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:  # Python cannot even print it
                self.problems.append(
                    LoadProblem("too-large", "number with more than 3,000 digits", _mark_span(node), "spec values are small; quote it if it is text")
                )
                return node.value
            return value
        except yaml.constructor.ConstructorError as exc:
            self.problems.append(
                LoadProblem("tag", f"cannot read value: {exc.problem}", _mark_span(node), "remove the custom `!tag`")
            )
            return node.value
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError, IndexError):  # PyYAML's own types on a value not of that type
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            if self.doc.text[node.start_mark.index : node.start_mark.index + 1] == "!":
                hint = f"remove the `{tag}`, or write a value of that type"
            else:  # YAML took it for a date or a number by its look
                hint = f"quote it so YAML reads it as text: '{node.value}'"
            self.problems.append(LoadProblem("tag", f"cannot read {node.value!r} as {tag}", _mark_span(node), hint))
            return node.value

    def _mapping(self, node: yaml.MappingNode, pointer: Pointer, depth: int, active: set, info: Optional[NodeInfo]) -> dict:
        result: Dict[Any, Any] = {}
        explicit = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        merges: List[yaml.Node] = []
        merge_value: Optional[yaml.Node] = None
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merge_value = value_node
                merges.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
        # merged keys first, the first source winning; explicit keys then override them (YAML merge semantics)
        for source in reversed(merges):
            if not isinstance(source, yaml.MappingNode):
                self.problems.append(
                    LoadProblem("syntax", "merge key `<<` must refer to a mapping", _mark_span(source), "merge a mapping alias: `<<: *name`")
                )
                continue
            self._guard(source, depth + 1)
            self._enter(source, active)
            try:
                result.update(self._mapping(source, pointer, depth + 1, active, info))
            finally:
                active.discard(id(source))
        seen: Dict[Any, Tuple[yaml.Node, yaml.Node]] = {}  # each key's nodes: spans only for the few a problem needs
        for key_node, value_node in explicit:
            key = self._key(key_node)
            earlier = result.get(key) if key in seen else None
            value = self._build(value_node, pointer + (key,), depth + 1, active, key_node)
            if key in seen:
                first_key, first_value = seen[key]
                same = type(value) is type(earlier) and value == earlier  # then no value is lost
                self.problems.append(
                    LoadProblem(
                        "duplicate-key-same" if same else "duplicate-key",
                        f"duplicate key {key!r} (first defined on line {first_key.start_mark.line + 1})"
                        + (" with the same value" if same else "; only this last value is kept, the first is lost"),
                        _mark_span(key_node),
                        "remove one of the two entries" if same else "remove or rename one of the two entries",
                        earlier=(self._offset(first_key.start_mark), self._offset(first_value.end_mark)),
                    )
                )
            seen[key] = (key_node, value_node)
            result[key] = value
        if merge_value is not None:
            self.merges[pointer] = Merge(_mark_span(merge_value), _merged_keys(merges), {k: _mark_span(nodes[0]) for k, nodes in seen.items()})
        if info is None:
            return result
        self.nodes[pointer] = info  # type: ignore[index]  # building a merge source re-records its own span here; keep ours
        if len(node.value) == 1 and node.flow_style:
            only_key, only_value = node.value[0]
            if (
                isinstance(only_key, yaml.ScalarNode)
                and isinstance(only_value, yaml.ScalarNode)
                and only_value.tag == _NULL_TAG
                and only_value.value == ""
            ):
                info.placeholder_mapping = only_key.value
        return result

    def _key(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            key = self._scalar(node)
            if type(key) is str:  # the same few keys in every stage of a workflow: one string each, not one per mapping
                return sys.intern(key)
            try:
                hash(key)
                return key
            except TypeError:
                return str(key)
        self.deep = True  # its nesting is not built: the events decide whether it is too deep
        self.problems.append(
            LoadProblem("syntax", "mapping key is a collection; keys must be plain values", _mark_span(node), "use a string key")
        )
        return f"<complex key at line {node.start_mark.line + 1}>"


def _too_large(size: int) -> LoadProblem:
    return LoadProblem(
        "too-large",
        f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for spec files",
        Span.point(),
        "spec files are small; split generated data out of the spec",
    )


def _merged_keys(sources: List[yaml.Node]) -> Dict[Any, Span]:
    """The plain keys the merged mappings give, where each is written; the first source wins, as in YAML."""
    keys: Dict[Any, Span] = {}
    for source in sources:
        if isinstance(source, yaml.MappingNode):
            for key_node, _ in source.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                    keys.setdefault(key_node.value, _mark_span(key_node))
    return keys


def _too_deep(span: Span) -> LoadProblem:
    return LoadProblem(
        "too-deep",
        f"nesting is deeper than {MAX_DEPTH} levels",
        span,
        "spec files are shallow; this file is generated or corrupted",
    )


# -- repairs: edits that make a text YAML cannot read readable, checked by reading the result ------

TAB_WIDTHS = (4, 8, 2)  # what a tab in the indentation most likely stood for, in that order


def _events(text: str) -> Optional[List[yaml.Event]]:
    """The parse events of ``text`` (linear in its size, aliases unexpanded), or None when it is not YAML."""
    try:
        return list(yaml.parse(text, Loader=_Loader))
    except (yaml.YAMLError, RecursionError):
        return None


def _meaning(events: List[yaml.Event]) -> List[tuple]:
    """What the events say, without where they stand: two texts with equal meanings hold the same data."""
    return [(type(e).__name__, getattr(e, "value", None), getattr(e, "tag", None), getattr(e, "anchor", None)) for e in events]


def _tab_repair(text: str) -> Tuple[Tuple[int, int, str], ...]:
    """Tabs in the indentation turned into spaces, as edits of each such line's leading white space.

    A tab counts as 4 columns (as most editors show it), or 8, or 2 when only that width reads; when
    4 and 8 both read but mean different data, what the author meant is unknown and nothing is
    offered. Tabs after a block scalar's indentation (`|`, `>`) are its content and stay."""
    lines = text.splitlines(keepends=True)
    tabbed = [i for i, line in enumerate(lines) if "\t" in line[: len(line) - len(line.lstrip(" \t"))]]
    readings: Dict[int, Tuple[List[int], List[tuple]]] = {}
    for width in TAB_WIDTHS:
        reading = _read_with_tabs(lines, tabbed, width)
        if reading is not None:
            readings[width] = reading
    if 4 in readings and 8 in readings and readings[4][1] != readings[8][1]:
        return ()
    width = next((w for w in TAB_WIDTHS if w in readings), None)
    if width is None:
        return ()
    edits = []
    offset = 0
    expanded = set(readings[width][0])
    for index, line in enumerate(lines):
        if index in expanded:
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            edits.append((offset, offset + len(indent), indent.expandtabs(width)))
        offset += len(line)
    return tuple(edits)


def _read_with_tabs(lines: List[str], tabbed: List[int], width: int) -> Optional[Tuple[List[int], List[tuple]]]:
    """(the lines whose indentation is expanded, the meaning of the text then), or None when it does not read."""
    expanded = list(tabbed)
    for _ in range(2):  # once with every tabbed line, once more without those inside block scalars
        candidate = [_expand(line, width) if i in expanded else line for i, line in enumerate(lines)]
        events = _events("".join(candidate))
        if events is None:
            return None
        content = _block_content_tabs(events, lines, candidate, expanded)
        if not content:
            return expanded, _meaning(events)
        expanded = [i for i in expanded if i not in content]
    return None


def _expand(line: str, width: int) -> str:
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return indent.expandtabs(width) + line[len(indent) :]


def _block_content_tabs(events: List[yaml.Event], lines: List[str], candidate: List[str], expanded: List[int]) -> List[int]:
    """The expanded lines inside a block scalar whose tab comes after the scalar's indentation."""
    content = []
    for event in events:
        if isinstance(event, yaml.ScalarEvent) and event.style in ("|", ">"):
            last = event.end_mark.line + (event.end_mark.column > 0)  # a block scalar ends at the start of the next line
            body = range(event.start_mark.line + 1, min(last, len(lines)))
            shown = [candidate[i] for i in body if candidate[i].strip()]
            indent = min((len(line) - len(line.lstrip(" ")) for line in shown), default=0)
            for i in body:
                if i in expanded and len(lines[i]) - len(lines[i].lstrip(" ")) >= indent:
                    content.append(i)
    return content


