"""RL1xx: problems reading a file as YAML. These are reported by the loader; the rules name them."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Optional

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability, Fix
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Document, LoadProblem
from recast_lint.model import Analysis
from recast_lint.rules.registry import Finding, rule

Repair = Callable[[Document, LoadProblem], Optional[Fix]]


def _problems(analysis: Analysis, *kinds: str, repair: Optional[Repair] = None) -> Iterator[Finding]:
    for doc in analysis.documents.values():
        for problem in doc.problems:
            if problem.kind in kinds:
                yield Finding(doc, problem.span, problem.message, problem.hint, fix=repair(doc, problem) if repair else None)


def _readable_again(doc: Document, problem: LoadProblem) -> Optional[Fix]:
    """The loader's repair (tabs to spaces, a `{placeholder}...` quoted), which it checked YAML reads."""
    if not problem.repair:
        return None
    title = "indent with spaces instead of tabs" if problem.kind == "tab" else str(problem.hint)
    return fix.make(title, [fix.replace(doc, start, end, text) for start, end, text in problem.repair])


_COMMA = LazyPattern(r"\s*,\s*")


def _drop_earlier(doc: Document, problem: LoadProblem) -> Optional[Fix]:
    """Delete the first of two entries with one key: its lines in a block mapping (its comment too,
    not the comments and blank lines after it), or the entry and its comma in a flow mapping.
    Unsafe: the runtime already keeps only the last value, but the first may be the one meant."""
    if problem.earlier is None:
        return None
    start, end = problem.earlier
    text = doc.text
    title = f"remove the first entry (line {doc.text_span(start, start).line})"
    comma = _COMMA.match(text, end)
    if comma:
        return fix.make(title, [fix.replace(doc, start, comma.end(), "")], safe=False)
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return None  # `- key: ...`, the first key of a list item: its line holds the item too
    kept = text[line_start:end].splitlines(keepends=True)
    while len(kept) > 1 and (not kept[-1].strip() or kept[-1].lstrip().startswith("#")):
        kept.pop()  # what follows the value up to the next key belongs to the next entry
    stop = line_start + sum(len(line) for line in kept)
    rest = text[stop : fix.after_line(doc, stop)] if not kept[-1].endswith("\n") else ""
    if rest.strip() and not rest.lstrip().startswith("#"):
        return None
    return fix.make(title, [fix.replace(doc, line_start, stop + len(rest), "")], safe=False)


@rule("RL101", "invalid-yaml", Severity.ERROR, "the file is not valid YAML", fix=Applicability.SAFE)
def invalid_yaml(analysis: Analysis) -> Iterable[Finding]:
    """Catches YAML syntax errors, including tabs used for indentation and custom `!tags`.

    Why: every `recast` command that reads the catalogue crashes on one invalid file, and yadage
    stops with a parser error before anything runs.

    Bad:

        stages:
        →   - name: hello      # indented with a tab (shown as →)

    Fixed:

        stages:
          - name: hello

    The parser says where it gave up, which is often past the mistake; the diagnostic names the
    likely cause instead, at the line to fix, with that line fixed as the hint:

    - a value starting with `{` is a mapping: `outputfile: {workdir}/out.txt` stops at `/out.txt`
      (quote it: `outputfile: '{workdir}/out.txt'`);
    - a value starting with `*` or `&` is an alias or anchor: `globexpression: *.root`;
    - a plain value holding `: ` is a second key: `cmd: echo status: done`;
    - a key without a space after its colon is text: `image:busybox`, then the next line fails;
    - a line indented to no level of the lines above it, or more than a key that has a value;
    - quotes that close before the value ends (`'it's'`), or never close; a bracket never closed.

    Syntax errors cannot be suppressed: the rest of the file cannot be read until they are fixed.

    `--fix` turns tabs in the indentation into spaces (a tab counts as 4 columns, or 8, or 2 when
    only that width reads; nothing when 4 and 8 read differently), and quotes a value such as
    `out: {workdir}/out.txt`, which YAML starts reading as a mapping; each only when the result
    reads.
    """
    return _problems(analysis, "syntax", "tab", "tag", repair=_readable_again)


@rule("RL102", "not-utf8", Severity.ERROR, "the file is not UTF-8 text")
def not_utf8(analysis: Analysis) -> Iterable[Finding]:
    """Catches files whose bytes are not UTF-8.

    Why: the YAML loaders the runtime uses read UTF-8; any other encoding fails to load or turns
    characters into garbage inside commands.

    Fix: re-save the file as UTF-8 (most editors have an "encoding" option when saving).
    """
    return _problems(analysis, "encoding")


@rule("RL103", "duplicate-key", Severity.ERROR, "a mapping has the same key twice", fix=Applicability.UNSAFE)
def duplicate_key(analysis: Analysis) -> Iterable[Finding]:
    """Catches a key written twice in one mapping.

    Why: YAML 1.2 requires the keys of a mapping to be unique, and yamllint's default treats a
    duplicate as an error; YAML 1.2 tools (editors' language servers among them) reject the file.
    The runtime's loader (PyYAML's SafeLoader, in yadage-schemas and recast-atlas) keeps only the
    last value, silently, so the first one never reaches the run, and it is usually the one you
    meant to edit. A warning when both values are the same: nothing is lost, but other YAML tools
    still refuse the file.

    Bad:

        parameters:
          card: '{workdir}/a.dat'
          card: '{workdir}/b.dat'

    Fixed: keep one `card`, or give the second a different name. `--fix --unsafe-fixes` removes
    the first entry (the runtime already ignores it, but it may be the one you meant).
    """
    for doc in analysis.documents.values():
        for problem in doc.problems:
            if problem.kind in ("duplicate-key", "duplicate-key-same"):
                severity = Severity.WARNING if problem.kind == "duplicate-key-same" else None
                yield Finding(doc, problem.span, problem.message, problem.hint, severity=severity, fix=_drop_earlier(doc, problem))


@rule("RL104", "empty-document", Severity.ERROR, "the file holds no YAML document")
def empty_document(analysis: Analysis) -> Iterable[Finding]:
    """Catches spec files that are empty or hold only comments.

    Why: an empty workflow or steps file loads as nothing, so every `$ref` into it fails at run
    time with an unhelpful error.

    Bad: a `specs/steps.yml` holding only

        # steps go here

    Fixed: write the steps the workflow refers to, or delete the file and its `$ref`s.
    """
    return _problems(analysis, "empty")


@rule("RL105", "input-limit", Severity.ERROR, "the file exceeds a safety limit (size, nesting, alias expansion)")
def input_limit(analysis: Analysis) -> Iterable[Finding]:
    """Catches files too large, too deeply nested, or whose aliases expand without bound.

    Why: spec files are a few kilobytes. A file over 2 MiB, nested deeper than 256 levels, that
    expands to more than 100,000 nodes through aliases ("billion laughs"), or whose alias contains
    itself, is generated, corrupted or hostile. The linter stops reading it rather than hang or
    run out of memory, and the runtime would choke on it too.

    Bad:

        a: &a [x, x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]     # ... and so on: 10 more levels are 10^13 nodes

    Fix: keep generated data out of the spec files; write each value out, or reuse a mapping
    through one alias rather than aliases of aliases.
    """
    return _problems(analysis, "too-large", "too-deep", "too-many-nodes", "recursive-alias")


@rule("RL106", "top-level-type", Severity.ERROR, "a workflow file is not a mapping")
def top_level_type(analysis: Analysis) -> Iterable[Finding]:
    """Catches a workflow file whose top level is not a mapping with `stages:`.

    Why: yadage expects `stages:` at the top of the workflow; a bare list of stages is a legacy
    format the current runtime rejects.

    Bad:

        - name: hello
          scheduler: ...

    Fixed:

        stages:
          - name: hello
            scheduler: ...
    """
    for note in analysis.notes:
        if note.kind == "not-a-mapping":
            yield Finding.at(note.loc, note.message, "put the stages under a top-level `stages:` key")
