"""RL540-RL541: values YAML 1.1 reads differently from how they look, and format specs their value cannot take.

The runtime reads every file with PyYAML's SafeLoader, which resolves plain scalars by YAML 1.1:
`0123` is the octal number 83, `1:30` the base-60 number 90, `yes`/`no`/`on`/`off` are booleans,
and `4e-3` (no dot, no sign in the exponent) is a string. Editors and YAML 1.2 tools read the
same text as 123, the string '1:30', the strings 'yes'/'no' and the number 0.004, so the file
looks right and the step gets something else. (recast-atlas 0.4.2 loads `recast.yml` with
`yaml.safe_load`, yadage-schemas 0.11.1 the specs, packtivity the test parameters.)
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.lazyre import LazyPattern
from recast_lint.model import Analysis, Loc, is_selector
from recast_lint.placeholders import Field
from recast_lint.rules.dataflow.templates import Template, at_field, checked_steps, templates, value_leaves
from recast_lint.rules.listharm import Judged, once_per_analysis
from recast_lint.rules.registry import Finding, rule
from recast_lint.stagegraph import Selector
from recast_lint.stagevalues import parameter_values

_OCTAL = LazyPattern(r"[-+]?0[0-7_]+")
_BASE_60 = LazyPattern(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_BOOLEAN_WORDS = ("yes", "no", "on", "off")
# text that reads as a number in YAML 1.2 and JSON (YAML 1.1 keeps `4e-3` as text: no dot, no sign in the exponent)
_NUMBER_TEXT = LazyPattern(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _written(loc: Loc) -> Optional[str]:
    """The source text of a plain (unquoted) scalar, or None."""
    info = loc.doc.info(loc.pointer)
    if info is None or info.style != "":
        return None
    return loc.doc.text[info.start : info.end]


def misread(loc: Loc) -> Optional[str]:
    """How YAML 1.1 misreads the plain scalar at ``loc``: 'as the octal number 83', or None."""
    value = loc.value
    if not isinstance(value, (int, float)):  # text, or a collection: read as written (a bool is an int)
        return None
    text = _written(loc)
    if text is None:
        return None
    if isinstance(value, bool):
        return f"as the boolean {value}" if text.lower() in _BOOLEAN_WORDS else None
    if isinstance(value, int) and _OCTAL.fullmatch(text) and int(text.replace("_", ""), 10) != value:
        return f"as the octal number {value}"  # `007` is 7 either way; `0123` is 83, not 123
    if isinstance(value, (int, float)) and _BASE_60.fullmatch(text):
        return f"as the base-60 number {value}"
    return None


def _misread_inputs(analysis: Analysis) -> Iterator[Tuple[Loc, str, str]]:
    """Every literal value that reaches a step (initdata, literal stage parameters, test parameters)
    and that YAML 1.1 misreads, with how (``misread``) and where: the where is worded only for those."""
    for label, loc, data in analysis.initdata_sources():
        if isinstance(data, dict):
            for leaf, how in _misread(value_leaves(loc)):
                yield leaf, how, f"the initdata of {label}"
    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            literal = (leaf for leaf in value_leaves(parameter.loc, opaque=is_selector) if not isinstance(leaf.value, bool))  # a boolean is RL511's
            for leaf, how in _misread(literal):
                yield leaf, how, f"parameter '{parameter.key}' of stage '{stage.path}'"
    entry = analysis.entry
    for test in entry.tests if entry is not None and entry.doc.ok and not entry.is_index else []:
        for leaf, how in _misread(value_leaves(test.loc.child("parameters"))):
            yield leaf, how, f"the parameters of test {test.name!r}"


def _misread(leaves: Iterable[Loc]) -> Iterator[Tuple[Loc, str]]:
    for leaf in leaves:
        how = misread(leaf)
        if how is not None:
            yield leaf, how


@rule("RL540", "yaml11-misread", Severity.ERROR, "a plain value YAML 1.1 reads as another number or as a boolean", fix=Applicability.SAFE)
def yaml11_misread(analysis: Analysis) -> Iterable[Finding]:
    """Catches an unquoted value that reaches a step (initdata, a literal stage parameter, test
    parameters) and that YAML 1.1 reads as something other than it looks: a zero-padded number
    (`0123`, read as octal: 83), a time-like `1:30` (base 60: 90), or `yes`/`no`/`on`/`off`
    (booleans, rendered `True`/`False` in a command). A boolean stage parameter is RL511.

    Why: the runtime reads the files with PyYAML (YAML 1.1); editors and YAML 1.2 tools show the
    text as written, so nothing looks wrong. Verified with recast-atlas 0.4.2 (`recast run
    --backend local`): initdata `run: 0123`, `syst: no`, `window: 1:30` and a stage parameter
    `seed: 0042` ran `echo run=83 syst=False window=90 seed=34`.

    Bad:

        initdata:
          run: 0123
          syst: no

    Fixed:

        initdata:
          run: '0123'
          syst: 'no'
    """
    for loc, how, where in _misread_inputs(analysis):
        text = _written(loc) or ""
        rendered = loc.value
        yield Finding.at(
            loc,
            f"YAML 1.1 reads {text} in {where} {how}, so the step gets {rendered}, not {text}",
            f"quote it to pass it as written: '{text}'",
            fix=fix.make(f"quote {text}", [fix.replace_value(loc, f"'{text}'")]),
        )


_NUMBER_TYPES = set("bcdeEfFgGnoxX%")


def _spec(field: Field) -> Optional[Tuple[Optional[str], str]]:
    """(conversion, format spec) of a simple `{name!r:spec}` field, or None when there is neither
    or the spec is built from other fields (`{x:{width}}`)."""
    rest = field.text[len(field.name) :]
    conversion = None
    if rest.startswith("!"):
        conversion, rest = rest[1:2], rest[2:]
    if not rest.startswith(":") or "{" in rest or field.name != field.root:
        return None
    return conversion, rest[1:]


def _formatted(value: Any, conversion: Optional[str], spec: str) -> Optional[str]:
    """The error ``format`` raises for ``value`` (after ``!r``/``!s``/``!a``), or None when it works."""
    if conversion in ("r", "s", "a"):
        value = {"r": repr, "s": str, "a": ascii}[conversion](value)
    try:
        format(value, spec)
    except (ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _sample(kind: str, length: Optional[int], template: Template) -> Any:
    """A value of the kind the runtime passes when the literal itself is not known."""
    if kind == "array":
        return "x" if template.where in ("cmd", "script") else ["x"] * (length or 1)
    return {"string": "x", "boolean": True, "null": None, "object": {}}.get(kind)


@rule("RL541", "format-spec-type", Severity.ERROR, "a `{name:spec}` whose format spec the parameter's value cannot take", fix=Applicability.UNSAFE)
def format_spec_type(analysis: Analysis) -> Iterable[Finding]:
    """Catches a placeholder with a format spec (`{mass:.2e}`, `{n:03d}`) in a `cmd`, `script` or
    `interpolated-pub` template, whose parameter holds a value of another type: most often a
    number YAML 1.1 read as text (`4e-3`, `1e5`: an exponent needs a dot and a sign, `4.0e-3`), a
    quoted number, or a list (in a command lists are joined into one string first).

    Why: packtivity renders templates with `str.format`, which raises `ValueError: Unknown format
    code 'e' for object of type 'str'`; the step fails before it starts. Verified with yadage
    0.21.2 (`yadage-run`): initdata `mass: 4e-3` and `cmd: echo {mass:.2e}` failed with exactly
    that error.

    Bad:

        initdata:
          mass: 4e-3
        cmd: 'run --mass {mass:.2e}'

    Fixed:

        initdata:
          mass: 4.0e-3
    """
    return [finding for finding, _ in format_misfits(analysis)]


@once_per_analysis
def format_misfits(analysis: Analysis) -> Judged:
    """RL541's findings, each with the `{stages: X}` selector whose one-element list it judges (RL415 then stays away)."""
    judged: Judged = []
    seen = set()
    for step, users in checked_steps(analysis):
        for template in templates(step):
            for field in template.named():
                written = _spec(field)
                if written is None:
                    continue
                for finding, wrapped in _field_findings(analysis, template, field, written, users):
                    key = (id(finding.doc), finding.span, finding.message)
                    if key not in seen:
                        seen.add(key)
                        judged.append((finding, wrapped))
    return judged


def _field_findings(
    analysis: Analysis, template: Template, field: Field, written: Tuple[Optional[str], str], users: List[Any]
) -> Iterator[Tuple[Finding, Optional[Selector]]]:
    conversion, spec = written
    for stage in users:
        parameter = next((p for p in stage.parameters if str(p.key) == field.root), None)
        if parameter is None:
            continue  # RL501/RL502 say it is missing
        for sourced in parameter_values(analysis, stage, parameter):
            known = sourced.value
            if known is None or known.kind == "number" and known.loc is None:
                continue  # unknown, or a number of unknown type: an int and a float take different specs
            value = known.loc.value if known.loc is not None else _sample(known.kind, known.length, template)
            if isinstance(value, list) and template.where in ("cmd", "script"):
                value = " ".join(str(x) for x in value)  # as packtivity flattens a list for a command
            error = _formatted(value, conversion, spec)
            if error is None:
                continue
            if known.loc is not None and isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
                yield _number_as_text(known.loc, field, template, value, error), None
                continue
            source = f" ({sourced.source})" if sourced.source else ""
            if known.wrapped is not None:
                what = f"a one-element list (`stages: {known.wrapped.target.text}` without `unwrap`)"
                hint = "add `unwrap: true` to the selector, for the value itself"
            else:
                what = f"the text {value!r}" if known.loc is not None and known.kind == "string" else _KINDS[known.kind]
                hint = "use a format spec for that type, or pass a value of the type the spec formats"
            message = f"`{field.literal}` in {template.where} formats '{field.root}' of stage '{stage.path}'{source}, which holds {what}: {error}"
            yield at_field(template, field, message, hint), known.wrapped


_KINDS = {"array": "a list", "object": "a mapping", "string": "text", "boolean": "a boolean", "null": "null", "number": "a number"}


def _number_as_text(loc: Loc, field: Field, template: Template, text: str, error: str) -> Finding:
    """A number written so that the runtime reads text, reported where it is written."""
    if _written(loc) is None:  # quoted
        why, number = "it is quoted, so it is text", text
    else:
        mantissa, _, exponent = text.lower().partition("e")
        number = (mantissa if "." in mantissa else mantissa + ".0") + "e" + (exponent if exponent[:1] in "+-" else "+" + exponent)
        why = "YAML 1.1 reads it as text (a number needs a dot and a signed exponent)"
    return Finding.at(
        loc,
        f"{text} is formatted by `{field.literal}` in {template.where}, but {why}: {error}",
        f"write {number}" + (" without quotes" if number == text else ""),
        fix=fix.make(f"write {number}", [fix.replace_value(loc, number)], safe=False),
    )
