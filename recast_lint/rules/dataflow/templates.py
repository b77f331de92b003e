"""The strings a step renders with its parameters (`cmd`, `script`, publish templates), and which stages pass parameters to which steps."""

from __future__ import annotations

import functools
import re
import weakref
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from recast_lint import fix
from recast_lint.fix import Fix
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc, Stage, Step
from recast_lint.placeholders import BraceError, Field, scan
from recast_lint.records import Record
from recast_lint.rules.registry import Finding, closest, did_you_mean, single_close_match

PLACEHOLDER_NAME = re.compile(r"\w[\w-]*(\[[^\]{}]*\]|\.\w+)*")
READDIR = re.compile(r"readdir\d+")
ESCAPE_HINT = "write literal braces doubled: `{{` and `}}` (e.g. `${{HOME}}`, `awk '{{print $1}}'`)"


# -- the templates a step renders with its parameters ------------------------------------------


class Template(Record):
    """A string the runtime renders with ``str.format``: a `cmd`, a `script` or a publish template."""

    loc: Loc
    text: str
    where: str  # cmd | script | publish template
    fields: Tuple[Field, ...]
    error: Optional[BraceError]
    named_fields: Tuple[Field, ...] = ()  # see `named`; filled in once by `_template`

    @property
    def has_workdir(self) -> bool:
        """`{workdir}` is passed to publish templates, never to `cmd` or `script`."""
        return self.where == "publish template"

    def kind(self, field: Field) -> str:
        """shell | positional | named: how the runtime treats this `{...}`."""
        if field.dollar or not PLACEHOLDER_NAME.fullmatch(field.name):
            return "positional" if field.text == "" else "shell"
        return "positional" if field.positional else "named"

    def named(self) -> Iterator[Field]:
        """Fields the stage's parameters must provide (in a command, `{workdir}` too)."""
        return iter(self.named_fields)


def per_object(compute: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``compute(obj)`` once per object (a step, a stage) for as long as the object lives: a dozen rules
    ask for the same templates and names of a step thousands of stages share. What it returns is shared:
    read it, never change it."""
    results: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @functools.wraps(compute)
    def cached(obj: Any) -> Any:
        found = results.get(obj, _NOT_YET)
        if found is _NOT_YET:
            found = results[obj] = compute(obj)
        return found

    return cached


_NOT_YET = object()


def _template(loc: Loc, where: str) -> Optional[Template]:
    text = loc.value
    if not isinstance(text, str):
        return None
    fields, error = scan(text)
    template = Template(loc, text, where, tuple(fields), error)
    named = (f for f in fields if template.kind(f) == "named" and not (template.has_workdir and f.root == "workdir"))
    return template._replace(named_fields=tuple(named))  # a dozen rules ask which fields are named


def value_leaves(loc: Loc, opaque: Callable[[Any], bool] = lambda value: False) -> Iterator[Loc]:
    """Every scalar under ``loc``, with its location; nothing under a value ``opaque`` says to leave alone."""
    value = loc.value
    if not isinstance(value, (dict, list)):  # most parameters are one scalar: no walk
        return iter(() if opaque(value) else (loc,))
    return _leaves(loc, opaque)


def _leaves(loc: Loc, opaque: Callable[[Any], bool]) -> Iterator[Loc]:
    value = loc.value  # a child's is taken from its parent's (``Loc.child``)
    if opaque(value):
        return
    if isinstance(value, dict):
        for key in value:
            yield from _leaves(loc.child(key), opaque)
    elif isinstance(value, list):
        for i in range(len(value)):
            yield from _leaves(loc.child(i), opaque)
    else:
        yield loc


@per_object
def templates(step: Step) -> Tuple[Template, ...]:
    """The step's `cmd` or `script` and every string of an `interpolated-pub` `publish`."""
    found: List[Template] = []
    process = step.part("process")
    if process is not None:
        for key in ("cmd", "script"):
            if process.has(key):
                template = _template(process.child(key), key)
                if template:
                    found.append(template)
    publisher = step.part("publisher")
    if publisher is not None and publisher.get("publisher_type") == "interpolated-pub" and publisher.has("publish"):
        for leaf in value_leaves(publisher.child("publish")):
            template = _template(leaf, "publish template")
            if template:
                found.append(template)
    return tuple(found)


def outputmap_leaves(step: Step) -> List[Loc]:
    """The parameter names a `frompar-pub` outputmap publishes (its string leaves)."""
    publisher = step.part("publisher")
    if publisher is None or publisher.get("publisher_type") != "frompar-pub" or not publisher.has("outputmap"):
        return []
    return [leaf for leaf in value_leaves(publisher.child("outputmap")) if isinstance(leaf.value, str)]


def at_text(loc: Loc, text: str, needle: str, start: int, message: str, hint: Optional[str] = None, **kw: Any) -> Finding:
    """At the ``needle`` that starts at offset ``start`` of ``text`` (the value at ``loc``)."""
    occurrence = text.count(needle, 0, start)  # a `{field}` cannot overlap itself, so counting is finding
    return Finding.at_text(loc, needle, message, hint, occurrence=occurrence, **kw)


def at_field(template: Template, field: Field, message: str, hint: Optional[str] = None, **kw: Any) -> Finding:
    start = field.start - 1 if field.dollar else field.start
    return at_text(template.loc, template.text, template.text[start : field.end], start, message, hint, **kw)


# -- which stages pass parameters to which steps ----------------------------------------------


def parameters_unknown(stage: Stage) -> bool:
    """A jq-stage's parameters come from its stepscript; `parameters: {$ref: ...}` is not resolved by the model."""
    written = stage.scheduler.get("parameters") if stage.scheduler else None
    return stage.scheduler_type == "jq-stage" or isinstance(written, dict) and "$ref" in written


def _stage_steps(stage: Stage) -> List[Step]:
    """The steps a stage runs with parameters the linter can see."""
    if parameters_unknown(stage):
        return []
    return ([stage.step] if stage.step else []) + stage.case_steps


@per_object
def _users(step: Step) -> Tuple[Stage, ...]:
    """The stages that pass parameters to ``step``, each once."""
    return tuple(dict.fromkeys(stage for stage in step.used_by if step in _stage_steps(stage)))


def checked_steps(analysis: Analysis) -> Iterator[Tuple[Step, Tuple[Stage, ...]]]:
    """Every step some stage passes parameters to, with those stages; a step no stage uses cannot be checked."""
    for step in analysis.steps:
        users = _users(step)
        if users:
            yield step, users


def checked_templates(analysis: Analysis) -> Iterator[Template]:
    for step, _ in checked_steps(analysis):
        yield from templates(step)


@per_object
def passed_names(stage: Stage) -> Tuple[str, ...]:
    return tuple(str(name) for name in stage.parameter_names())


def passes(stage: Stage, name: str) -> bool:
    """Whether ``stage`` passes a parameter called ``name``."""
    return name in passed_names(stage)


def stage_list(stages: Sequence[Stage]) -> str:
    names = ", ".join(f"'{s.path}'" for s in stages)
    return f"stage {names}" if len(stages) == 1 else f"stages {names}"


def needed_parameters(step: Step) -> Dict[str, str]:
    """Every parameter name the step reads, with the first place it reads it (for messages).

    Only real placeholders count: positional `{}` and shell braces are reported by RL503/RL504,
    and `{workdir}` in a publish template is the runtime's own. In `cmd`/`script`, `{workdir}`
    counts (a stage may pass a parameter of that name).
    """
    needed: Dict[str, str] = {}
    for name, read in _reads(step):
        if name not in needed:
            needed[name] = f"`{read[1].literal}` in {read[0].where}" if read else "the frompar-pub outputmap"
    return needed


def needed_names(step: Step) -> Dict[str, None]:
    """The names of ``needed_parameters``, in its order, without wording where each is read (a rule
    asking for every stage whether it passes them would word thousands)."""
    return dict.fromkeys(name for name, _ in _reads(step))


def _reads(step: Step) -> Iterator[Tuple[str, Optional[Tuple[Template, Field]]]]:
    """Each parameter name the step reads, with the template and field reading it (None: the outputmap)."""
    for template in templates(step):
        for field in template.named():
            yield field.root, (template, field)
    for leaf in outputmap_leaves(step):
        yield leaf.value, None


def missing_everywhere(name: str, users: Sequence[Stage]) -> bool:
    """No stage passes ``name``: the step itself is wrong (a typo), so report it in the step."""
    return not any(passes(stage, name) for stage in users)


def parameter_hint(name: str, names: List[str], rename: bool = True) -> str:
    """The closest parameter name, else (or when a close name is a different parameter, not a
    misspelling: ``rename`` False) what the stage passes and how to add the missing one."""
    if rename and closest(name, names):
        return str(did_you_mean(name, names))
    passed = f" (passed now: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else ""
    return f"pass '{name}' in `parameters`{passed}, or use a parameter that is passed"


def rename_placeholder(step: Step, doc: Document, name: str, names: List[str]) -> Optional[Fix]:
    """`{nmae}` to the one passed parameter the hint names, everywhere the step's templates in
    ``doc`` write it (safe: the runtime fails with KeyError on what is written)."""
    meant = single_close_match(name, names)
    if meant is None:
        return None
    edits = [
        fix.replace_at(template.loc, field.start + 1, name, meant)
        for template in templates(step)
        if template.loc.doc is doc
        for field in template.named()
        if field.root == name
    ]
    return fix.make(f"change `{{{name}}}` to `{{{meant}}}`", edits)


def double_braces(loc: Loc, start: int, written: str, keep: Sequence[str] = ()) -> Optional[Fix]:
    """Literal braces doubled (`${HOME}` to `${{HOME}}`, a lone `}` to `}}`) at ``start`` of the
    string at ``loc``, except placeholders of the parameters ``keep`` inside them
    (`{"name": "{name}"}` to `{{"name": "{name}"}}`): ``str.format`` then renders the text the author
    wrote, with the parameters' values in it (safe: the runtime fails on it now)."""
    doubled = _doubled(written, keep)
    if doubled is None:
        return None
    return fix.make(f"double the braces: `{shortened(doubled)}`", [fix.replace_at(loc, start, written, doubled)])


def _doubled(text: str, keep: Sequence[str]) -> Optional[str]:
    kept: List[Field] = []
    head = text.find("{")
    if keep and head >= 0 and text.endswith("}"):
        inner, error = scan(text[head + 1 : -1])
        if error is not None:
            return None  # which braces pair up is not clear
        kept = [f._replace(start=f.start + head + 1, end=f.end + head + 1) for f in inner if f.root in keep and not f.dollar]
    out, cursor = [], 0
    for field in kept:
        out += [text[cursor : field.start].replace("{", "{{").replace("}", "}}"), field.literal]
        cursor = field.end
    out.append(text[cursor:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def shortened(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 4] + " ...}"


def union_names(users: Sequence[Stage]) -> List[str]:
    names: Dict[str, None] = {}  # in order, each once
    for stage in users:
        names.update(dict.fromkeys(passed_names(stage)))
    return list(names)
