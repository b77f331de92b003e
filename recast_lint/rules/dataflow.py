"""RL5xx: data flow between stages and steps (placeholders, parameters, published outputs, literal values).

packtivity hands a step exactly the parameters its stage passes: `cmd` and `script` are rendered
with ``template.format(**parameters)``, `interpolated-pub` templates with
``template.format(workdir=..., **parameters)``, and a `frompar-pub` outputmap leaf is looked up as
``parameters[leaf]``. Before that, every literal string in the stage's parameters (and in initdata)
is rendered with only ``{workdir}`` and ``{readdirN}`` available. The rules below check these
contracts statically; a step is checked against every stage that uses it.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.model import SELECTOR_TARGET_KEYS, Analysis, Loc, Parameter, Stage, Step, Workflow, is_selector
from recast_lint.placeholders import BraceError, Field, scan
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule
from recast_lint.stagepaths import roots

SCATTER_METHODS = ("zip", "cartesian")
_PLACEHOLDER_NAME = re.compile(r"\w[\w-]*(\[[^\]{}]*\]|\.\w+)*")
_DIRNAME = re.compile(r"workdir|readdir\d+")
_READDIR = re.compile(r"readdir\d+")
_JQ_PATHS_ONLY = re.compile(r"[\s.\w\[\]|,]*")
_JQ_NAME = re.compile(r"\.([A-Za-z_]\w*)")
_OUTPUT_ROOT = re.compile(r"[A-Za-z_][\w-]*")
_ESCAPE_HINT = "write literal braces doubled: `{{` and `}}` (e.g. `${{HOME}}`, `awk '{{print $1}}'`)"


# -- the templates a step renders with its parameters ------------------------------------------


class Template(NamedTuple):
    """A string the runtime renders with ``str.format``: a `cmd`, a `script` or a publish template."""

    loc: Loc
    text: str
    where: str  # cmd | script | publish template
    fields: Tuple[Field, ...]
    error: Optional[BraceError]

    @property
    def has_workdir(self) -> bool:
        """`{workdir}` is passed to publish templates, never to `cmd` or `script`."""
        return self.where == "publish template"

    def kind(self, field: Field) -> str:
        """shell | positional | named: how the runtime treats this `{...}`."""
        if field.dollar or not _PLACEHOLDER_NAME.fullmatch(field.name):
            return "positional" if field.text == "" else "shell"
        return "positional" if field.positional else "named"

    def named(self) -> Iterator[Field]:
        """Fields the stage's parameters must provide (in a command, `{workdir}` too)."""
        for field in self.fields:
            if self.kind(field) == "named" and not (self.has_workdir and field.root == "workdir"):
                yield field


@functools.lru_cache(maxsize=4096)  # a dozen rules read each template; scanning a long one is not free
def _template(loc: Loc, where: str) -> Optional[Template]:
    text = loc.value
    if not isinstance(text, str):
        return None
    fields, error = scan(text)
    return Template(loc, text, where, tuple(fields), error)


def _leaves(loc: Loc, opaque: Callable[[Any], bool] = lambda value: False) -> Iterator[Loc]:
    """Every scalar under ``loc``, with its location; nothing under a value ``opaque`` says to leave alone."""
    value = loc.value
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


def templates(step: Step) -> List[Template]:
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
        for leaf in _leaves(publisher.child("publish")):
            template = _template(leaf, "publish template")
            if template:
                found.append(template)
    return found


def outputmap_leaves(step: Step) -> List[Loc]:
    """The parameter names a `frompar-pub` outputmap publishes (its string leaves)."""
    publisher = step.part("publisher")
    if publisher is None or publisher.get("publisher_type") != "frompar-pub" or not publisher.has("outputmap"):
        return []
    return [leaf for leaf in _leaves(publisher.child("outputmap")) if isinstance(leaf.value, str)]


def _at_text(loc: Loc, text: str, needle: str, start: int, message: str, hint: Optional[str] = None, **kw: Any) -> Finding:
    """At the ``needle`` that starts at offset ``start`` of ``text`` (the value at ``loc``)."""
    occurrence = text.count(needle, 0, start)  # a `{field}` cannot overlap itself, so counting is finding
    return Finding.at_text(loc, needle, message, hint, occurrence=occurrence, **kw)


def _at_field(template: Template, field: Field, message: str, hint: Optional[str] = None, **kw: Any) -> Finding:
    start = field.start - 1 if field.dollar else field.start
    return _at_text(template.loc, template.text, template.text[start : field.end], start, message, hint, **kw)


# -- which stages pass parameters to which steps ----------------------------------------------


def _parameters_unknown(stage: Stage) -> bool:
    """A jq-stage's parameters come from its stepscript; `parameters: {$ref: ...}` is not resolved by the model."""
    written = stage.scheduler.get("parameters") if stage.scheduler else None
    return stage.scheduler_type == "jq-stage" or isinstance(written, dict) and "$ref" in written


def _stage_steps(stage: Stage) -> List[Step]:
    """The steps a stage runs with parameters the linter can see."""
    if _parameters_unknown(stage):
        return []
    return ([stage.step] if stage.step else []) + stage.case_steps


def _users(step: Step) -> List[Stage]:
    """The stages that pass parameters to ``step``, each once."""
    return list(dict.fromkeys(stage for stage in step.used_by if step in _stage_steps(stage)))


def _checked_steps(analysis: Analysis) -> Iterator[Tuple[Step, List[Stage]]]:
    """Every step some stage passes parameters to, with those stages; a step no stage uses cannot be checked."""
    for step in analysis.steps:
        users = _users(step)
        if users:
            yield step, users


def _checked_templates(analysis: Analysis) -> Iterator[Template]:
    for step, _ in _checked_steps(analysis):
        yield from templates(step)


def _names(stage: Stage) -> List[str]:
    return [str(name) for name in stage.parameter_names()]


def _stage_list(stages: Sequence[Stage]) -> str:
    names = ", ".join(f"'{s.path}'" for s in stages)
    return f"stage {names}" if len(stages) == 1 else f"stages {names}"


def needed_parameters(step: Step) -> Dict[str, str]:
    """Every parameter name the step reads, with the first place it reads it (for messages).

    Only real placeholders count: positional `{}` and shell braces are reported by RL503/RL504,
    and `{workdir}` in a publish template is the runtime's own. In `cmd`/`script`, `{workdir}`
    counts (a stage may pass a parameter of that name).
    """
    needed: Dict[str, str] = {}
    for template in templates(step):
        for field in template.named():
            needed.setdefault(field.root, f"`{field.literal}` in {template.where}")
    for leaf in outputmap_leaves(step):
        needed.setdefault(leaf.value, "the frompar-pub outputmap")
    return needed


def _missing_everywhere(name: str, users: Sequence[Stage]) -> bool:
    """No stage passes ``name``: the step itself is wrong (a typo), so report it in the step."""
    return all(name not in _names(stage) for stage in users)


def _parameter_hint(name: str, names: List[str]) -> str:
    """The closest parameter name, else what the stage passes and how to add the missing one."""
    if closest(name, names):
        return str(did_you_mean(name, names))
    passed = f" (passed now: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else ""
    return f"pass '{name}' in `parameters`{passed}, or use a parameter that is passed"


def _union_names(users: Sequence[Stage]) -> List[str]:
    names: List[str] = []
    for stage in users:
        names.extend(n for n in _names(stage) if n not in names)
    return names


# -- placeholders in cmd, script and publish templates -----------------------------------------


@rule("RL501", "unknown-placeholder", Severity.ERROR, "a `{placeholder}` names no parameter of the stage")
def unknown_placeholder(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `{placeholder}` in `cmd`, `script` or an `interpolated-pub` template that no
    stage using the step passes as a parameter, with the closest parameter name.

    Why: packtivity renders the command with ``cmd.format(**parameters)``; an unknown name raises
    `KeyError` inside the step, which the default multiproc backend hides behind "workflow
    finished but failed". When only some of the stages using a step lack the parameter, RL502
    reports it at those stages instead.

    Bad:

        cmd: 'echo Hello my Name is {nmae} | tee {outputfile}'   # the stage passes `name`

    Fixed:

        cmd: 'echo Hello my Name is {name} | tee {outputfile}'
    """
    for step, users in _checked_steps(analysis):
        names = _union_names(users)
        reported: Set[str] = {"workdir"}  # RL505 explains `{workdir}` in a command
        for template in templates(step):
            for field in template.named():
                if field.root in reported or not _missing_everywhere(field.root, users):
                    continue
                reported.add(field.root)
                hint = _parameter_hint(field.root, names)
                yield _at_field(template, field, f"`{field.literal}` is not a parameter of {_stage_list(users)}", hint)


@rule("RL502", "parameter-not-passed", Severity.ERROR, "a stage does not pass a parameter its step needs")
def parameter_not_passed(analysis: Analysis) -> Iterable[Finding]:
    """Catches a stage that does not pass a parameter its step reads (in `cmd`, `script`, a
    publish template or the frompar-pub outputmap) while other stages using the same step do.

    Why: the step fails with `KeyError` for this stage only. A name that *no* stage passes is a
    mistake in the step, reported there by RL501 or RL508.

    Bad:

        - name: fit_signal
          scheduler: {..., parameters: {input: ..., output: '{workdir}/fit.root'}, step: {$ref: 'steps.yml#/fit'}}
        - name: fit_control                 # the fit step also reads {region}
          scheduler: {..., parameters: {input: ...}, step: {$ref: 'steps.yml#/fit'}}

    Fixed: pass every parameter the step reads in every stage that uses it.
    """
    for step, users in _checked_steps(analysis):
        needed = needed_parameters(step)
        for stage in users:
            names = _names(stage)
            for name, where in needed.items():
                if name in names or _missing_everywhere(name, users):
                    continue
                yield Finding.at(
                    _parameters_loc(stage),
                    f"stage '{stage.path}' does not pass parameter '{name}', which its step reads ({where})",
                    did_you_mean(name, names, limit=0) or f"add '{name}' to the stage's `parameters`",
                    key=True,
                )


def _parameters_loc(stage: Stage) -> Loc:
    """The stage's `parameters:` key, or its scheduler when it has none."""
    scheduler = stage.scheduler
    if scheduler is None:
        return stage.loc
    return scheduler.child("parameters") if scheduler.has("parameters") else scheduler


@rule("RL503", "positional-placeholder", Severity.ERROR, "a positional `{}` or `{0}` in a command or template")
def positional_placeholder(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{}` and `{0}` in `cmd`, `script` and `interpolated-pub` templates.

    Why: the runtime passes only named parameters, so a positional field raises `IndexError`.
    `find ... -exec rm {} \\;` is the usual culprit.

    Bad:

        cmd: 'find {inputdir} -name "*.root" -exec hadd {output} {} +'

    Fixed:

        cmd: 'find {inputdir} -name "*.root" -exec hadd {output} {{}} +'
    """
    for template in _checked_templates(analysis):
        for field in template.fields:
            if template.kind(field) == "positional":
                yield _at_field(
                    template,
                    field,
                    f"`{field.literal}` in {template.where} is a positional placeholder; only named parameters are passed",
                    f"write `{{{{{field.text}}}}}` for literal braces, or name a parameter: `{{name}}`",
                )


@rule("RL504", "unescaped-brace", Severity.ERROR, "shell, awk or C++ braces in a command that need escaping")
def unescaped_brace(analysis: Analysis) -> Iterable[Finding]:
    """Catches braces meant for the shell, awk, C++, Python or JSON inside `cmd`, `script` and
    `interpolated-pub` templates (`${HOME}`, `awk '{print $1}'`, `{1..3}`, `{a,b}`, `{"a": 1}`),
    and unbalanced braces.

    Why: the whole text is a ``str.format`` template, so `${HOME}` asks for a parameter `HOME`
    (`KeyError`), `{print $1}` for a parameter named `print $1`, and a lone `{` or `}` raises
    `ValueError`. Braces meant literally must be doubled. `${name}` where `name` *is* a
    parameter renders `$` plus its value: that runs, so it is only a warning.

    Bad:

        script: |
          for f in {1..3}; do echo ${HOME}/$f; done

    Fixed:

        script: |
          for f in {{1..3}}; do echo ${{HOME}}/$f; done
    """
    for step, users in _checked_steps(analysis):
        names = _union_names(users)
        for template in templates(step):
            yield from _shell_braces(template, names)


def _shell_braces(template: Template, names: List[str]) -> Iterator[Finding]:
    for field in template.fields:
        if template.kind(field) != "shell":
            continue
        shown = _short(("$" if field.dollar else "") + field.literal)
        if field.dollar and field.name in names:
            # `${name}` renders `$` plus the parameter's value: valid, but rarely what was meant
            message = f"`{shown}` in {template.where} is `$` followed by the value of parameter '{field.name}'"
            hint = f"write `{{{field.name}}}` for the parameter, or `${{{{{field.name}}}}}` for the shell variable"
            yield _at_field(template, field, message, hint, severity=Severity.WARNING)
        else:
            message = f"`{shown}` in {template.where} is read as a placeholder, not literal braces"
            yield _at_field(template, field, message, _ESCAPE_HINT)
    if template.error is not None:
        char = template.text[template.error.offset]
        message = f"{template.error.message} in {template.where}; the runtime cannot render it"
        yield _at_text(template.loc, template.text, char, template.error.offset, message, _ESCAPE_HINT)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 4] + " ...}"


@rule("RL505", "workdir-in-command", Severity.ERROR, "`{workdir}` in a `cmd` or `script`")
def workdir_in_command(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{workdir}` written in `cmd` or `script`, comments included.

    Why: `{workdir}` is expanded in stage parameters, publish templates and `environment.workdir`,
    but a command sees only the parameters: `KeyError: 'workdir'` (yadage issue #123). Comments
    are not special to ``str.format``.

    Bad:

        cmd: 'run.sh > {workdir}/log.txt'

    Fixed: pass it as a parameter, `log: '{workdir}/log.txt'`, and write `run.sh > {log}`.
    (A stage that passes a parameter named `workdir` is fine, unless its publisher is
    `interpolated-pub`: see RL506.)
    """
    for step, users in _checked_steps(analysis):
        if not _missing_everywhere("workdir", users):
            continue  # the stages pass a parameter named `workdir` themselves
        commands = (t for t in templates(step) if not t.has_workdir)
        found = next(((t, f) for t in commands for f in t.named() if f.root == "workdir"), None)
        if found is not None:
            template, field = found
            yield _at_field(
                template,
                field,
                f"`{field.literal}` is not available in {template.where}; only the stage's parameters are",
                "pass a parameter such as `outdir: '{workdir}'` and use `{outdir}`, or write `{{workdir}}` for the literal text",
            )


@rule("RL506", "workdir-parameter", Severity.ERROR, "a parameter named `workdir` with an `interpolated-pub` publisher")
def workdir_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches a stage parameter named `workdir` passed to a step whose publisher is
    `interpolated-pub`.

    Why: the publisher calls ``template.format(workdir=..., **parameters)``, so a parameter of
    that name raises `TypeError: got multiple values for keyword argument 'workdir'`.

    Bad:

        parameters: {workdir: '{workdir}', input: ...}

    Fixed:

        parameters: {outdir: '{workdir}', input: ...}
    """
    for step, users in _checked_steps(analysis):
        publisher = step.part("publisher")
        if publisher is None or publisher.get("publisher_type") != "interpolated-pub":
            continue
        for stage in users:
            for parameter in stage.parameters:
                if parameter.key == "workdir":
                    yield Finding.at(
                        parameter.key_loc,
                        f"parameter 'workdir' of stage '{stage.path}' clashes with the `{{workdir}}` the interpolated-pub publisher passes",
                        "rename the parameter, e.g. `outdir`",
                        key=True,
                    )


# -- parameters passed but not used ------------------------------------------------------------


def _jq_names(script: Any) -> Optional[Set[str]]:
    """The parameters a par_mounts jq script reads, or None when it may read any of them."""
    if not isinstance(script, str) or not _JQ_PATHS_ONLY.fullmatch(script):
        return None
    names = set(_JQ_NAME.findall(script))
    return names or None


def _used_by_step(step: Step) -> Optional[Set[str]]:
    """Names the step reads, or None when it may read any parameter (jq over the parameters, manual steps)."""
    process = step.part_value("process")
    if not any(isinstance(process.get(k), str) for k in ("cmd", "script")):
        return None
    if step.part_value("publisher").get("publisher_type") == "fromparjq-pub":
        return None
    used = set(needed_parameters(step))
    environment = step.part_value("environment")
    workdir = environment.get("workdir")
    if isinstance(workdir, str):
        used.update(f.root for f in scan(workdir)[0])
    mounts = environment.get("par_mounts")
    for mount in mounts if isinstance(mounts, list) else []:
        names = _jq_names(mount.get("jqscript") if isinstance(mount, dict) else None)
        if names is None:
            return None
        used.update(names)
    return used


def _selectors(value: Any) -> Iterator[Dict[str, Any]]:
    if is_selector(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _selectors(item)
    elif isinstance(value, list):
        for item in value:
            yield from _selectors(item)


def _targets(selector: Dict[str, Any]) -> List[str]:
    target = next((selector[k] for k in SELECTOR_TARGET_KEYS if k in selector), None)
    return [part.strip() for part in target.split(",")] if isinstance(target, str) else []


def _used_by_workflow(workflow: Workflow) -> Optional[Set[str]]:
    """Names a sub-workflow reads from its `init` (the stage's parameters), or None when unsure."""
    used: Set[str] = set()
    for stage in workflow.stages:
        if _parameters_unknown(stage):
            return None
        for parameter in stage.parameters:
            for selector in _selectors(parameter.value):
                if "init" not in _targets(selector):
                    continue
                output = selector.get("output")
                root = _OUTPUT_ROOT.match(output) if isinstance(output, str) else None
                if root is None:
                    return None
                used.add(root.group(0))
    return used


def _used_by_stage(stage: Stage) -> Optional[Set[str]]:
    if _parameters_unknown(stage) or stage.case_steps or stage.case_workflows:
        return None
    if stage.step is not None:
        return _used_by_step(stage.step)
    if stage.subworkflow is not None and not _init_read_from_outside(stage):
        return _used_by_workflow(stage.subworkflow)
    return None


def _init_read_from_outside(stage: Stage) -> bool:
    """Whether a sibling stage reads the sub-workflow's `init` directly (`{stages: 'sub[*].init', ...}`)."""
    for sibling in stage.workflow.stages:
        for parameter in sibling.parameters:
            for selector in _selectors(parameter.value):
                if any(str(stage.name) in target and "init" in target for target in _targets(selector)):
                    return True
    return False


@rule("RL507", "unused-parameter", Severity.WARNING, "a parameter the stage passes is never used by its step")
def unused_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches stage parameters that the step never reads: not in `cmd`/`script`, not in the
    publisher (outputmap leaves, publish templates), not in `environment.workdir` or a
    `par_mounts` jq script; for a sub-workflow, not read from its `init`.

    Why: the runtime ignores them silently (yadage issue #102), so a misspelt parameter name or a
    leftover goes unnoticed. Steps whose publisher runs jq over all parameters are not checked.

    Bad:

        parameters: {inputfile: ..., outputfile: '{workdir}/out.root', nevents: 1000}
        cmd: 'run {inputfile} {outputfile}'          # nevents is never used

    Fixed: use it (`run -n {nevents} ...`) or remove it.
    """
    for stage in analysis.all_stages():
        used = _used_by_stage(stage)
        if used is None:
            continue
        missing = [n for n in (needed_parameters(stage.step) if stage.step else {}) if n not in _names(stage)]
        for parameter in stage.parameters:
            name = str(parameter.key)
            if name in used or closest(name, missing):  # a misspelt name is reported once, where it is read
                continue
            if stage.step is not None:
                target, hint = "its step", f"use it as `{{{name}}}` in the command or publisher, or remove it"
            else:
                target, hint = "its sub-workflow", f"read it in the sub-workflow with `{{step: init, output: {name}}}`, or remove it"
            yield Finding.at(parameter.key_loc, f"parameter '{name}' of stage '{stage.path}' is not used by {target}", hint, key=True)


# -- publishers --------------------------------------------------------------------------------


@rule("RL508", "outputmap-unknown-parameter", Severity.ERROR, "a frompar-pub outputmap value names no parameter")
def outputmap_unknown_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `frompar-pub` outputmap value (leaf) that no stage using the step passes as a
    parameter.

    Why: the publisher replaces each leaf by ``parameters[leaf]``; an unknown name raises
    `KeyError` after the step has run. The keys are the published output names; the values must
    be parameter names.

    Bad:

        outputmap:
          outputfile: outfile      # the parameter is `outputfile`

    Fixed:

        outputmap:
          outputfile: outputfile
    """
    for step, users in _checked_steps(analysis):
        names = _union_names(users)
        in_templates = {f.root for t in templates(step) for f in t.named()}
        for leaf in outputmap_leaves(step):
            if leaf.value not in in_templates and _missing_everywhere(leaf.value, users):  # else RL501 reports it
                yield Finding.at(
                    leaf,
                    f"outputmap value '{leaf.value}' is not a parameter of {_stage_list(users)}",
                    _parameter_hint(leaf.value, names),
                )


# -- literal parameter values ------------------------------------------------------------------


def _is_reference(value: Any) -> bool:
    """A stage-output selector or another expression (`expression_type: fromvalue`), not a literal."""
    return is_selector(value) or isinstance(value, dict) and "expression_type" in value


def _not_literal(value: Any) -> bool:
    """A reference, or a typed value (`{$type: File, ...}`) that its own datamodel renders."""
    return _is_reference(value) or isinstance(value, dict) and "$type" in value


def _literal_strings(loc: Loc) -> Iterator[Loc]:
    """String leaves of a literal value."""
    return (leaf for leaf in _leaves(loc, _not_literal) if isinstance(leaf.value, str))


class BraceProblem(NamedTuple):
    """Braces in a literal string that ``value.format(**dirnames)`` cannot expand."""

    needle: str  # the text shown and pointed at
    start: int
    root: str  # the field's parameter name, "" for a lone brace
    lone: bool

    def finding(self, loc: Loc, message: str, hint: str) -> Finding:
        return _at_text(loc, loc.value, self.needle, self.start, message, hint)

    @property
    def shown(self) -> str:
        return "a lone `" + self.needle + "`" if self.lone else "`" + _short(self.needle) + "`"


def _brace_problems(text: str, allowed: re.Pattern) -> Iterator[BraceProblem]:
    fields, error = scan(text)
    for field in fields:
        if field.positional and not field.dollar and _PLACEHOLDER_NAME.fullmatch(field.name or "0"):
            continue  # `{}`/`{0}`: IndexError, which the runtime swallows and leaves the text as it is
        if not field.dollar and allowed.fullmatch(field.root):
            continue
        start = field.start - 1 if field.dollar else field.start
        yield BraceProblem(text[start : field.end], start, field.root, lone=False)
    if error is not None:
        yield BraceProblem(text[error.offset], error.offset, "", lone=True)


@rule("RL510", "braces-in-parameter", Severity.ERROR, "a literal parameter with braces other than `{workdir}`/`{readdirN}`")
def braces_in_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches literal stage parameters whose braces are not `{workdir}` or `{readdirN}`:
    `'${HOME}/x'`, `'{"a": 1}'`, `'{outputdir}/x'`, a lone `{`.

    Why: before a step runs, every literal string in its parameters is rendered with
    ``value.format(workdir=..., readdir0=...)``; any other name raises `KeyError`, a lone brace
    `ValueError`, and the stage fails. Parameters cannot refer to each other.

    Bad:

        parameters: {cuts: '{"pt": 25}', out: '${HOME}/x.root'}

    Fixed:

        parameters: {cuts: '{{"pt": 25}}', out: '{workdir}/x.root'}
    """
    for stage in analysis.all_stages():
        if _parameters_unknown(stage):
            continue
        names = [n for n in _names(stage) if n != "workdir"]
        for parameter in stage.parameters:
            for leaf in _literal_strings(parameter.loc):
                for problem in _brace_problems(leaf.value, _DIRNAME):
                    if problem.root in names:
                        hint = f"parameters cannot refer to each other; use `{{{problem.root}}}` in the step's command instead"
                    elif problem.root and closest(problem.root, ["workdir"]):
                        hint = "did you mean '{workdir}'?"
                    else:
                        hint = "only `{workdir}` and `{readdirN}` are expanded in parameters; " + _ESCAPE_HINT
                    message = f"parameter '{parameter.key}' of stage '{stage.path}' holds {problem.shown}, which the runtime cannot expand"
                    yield problem.finding(leaf, message, hint)


@rule("RL511", "bool-or-null-parameter", Severity.ERROR, "a parameter value is `true`, `false` or `null`")
def bool_or_null_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches stage parameters whose value YAML reads as a boolean or null (`true`, `no`, `~`,
    or nothing at all).

    Why: a parameter value must be a string, number, list or mapping; the runtime's schema
    rejects the whole workflow ("is not valid under any of the given schemas").

    Bad:

        parameters: {dosys: true, tag: }

    Fixed:

        parameters: {dosys: 'true', tag: 'v1'}
    """
    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            value = parameter.value
            if value is None or isinstance(value, bool):
                info = parameter.loc.doc.info(parameter.loc.pointer)
                written = parameter.loc.doc.text[info.start : info.end].strip() if info else ""
                if not written:
                    message = f"parameter '{parameter.key}' of stage '{stage.path}' has no value"
                    yield Finding.at(parameter.key_loc, message, "write a value, e.g. `''`", key=True)
                else:
                    kind = "a boolean" if isinstance(value, bool) else "null"
                    yield Finding.at(
                        parameter.loc,
                        f"parameter '{parameter.key}' of stage '{stage.path}' is {written}, which YAML reads as {kind}",
                        f"quote it so it is text: '{written}'",
                    )


@rule("RL512", "readdir-in-parameter", Severity.WARNING, "`{readdirN}` in a stage parameter")
def readdir_in_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{readdir0}`, `{readdir1}`, ... in stage parameters.

    Why: in a stage, the read-only directories are the upstream stages' workdirs sorted by path,
    so which one is `readdir0` changes when a dependency is added or renamed. `{readdirN}` is
    meant for initdata, where it is the input directory.

    Bad:

        parameters: {input: '{readdir0}/events.root'}

    Fixed:

        parameters: {input: {step: generate, output: events}}
    """
    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            for leaf in _literal_strings(parameter.loc):
                for field in scan(leaf.value)[0]:
                    if _READDIR.fullmatch(field.root) and not field.dollar:
                        yield _at_text(
                            leaf,
                            leaf.value,
                            field.literal,
                            field.start,
                            f"`{field.literal}` in stage '{stage.path}' is the upstream workdir at position {field.root[7:]} in path order,"
                            " which changes when dependencies change",
                            "select the upstream output with `{step: <stage>, output: <key>}`",
                        )


def _is_list(value: Any) -> bool:
    """A parameter that reaches the step as a list: a literal list, or a `stages:` selector without `unwrap`."""
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and ("stages" in value or "steps" in value) and not value.get("unwrap")


@rule("RL513", "index-into-list", Severity.WARNING, "`{files[0]}` or `{cfg.x}` on a list parameter in a command")
def index_into_list(analysis: Analysis) -> Iterable[Finding]:
    """Catches indexing or attribute access in `cmd`/`script` on a parameter that is a list (a
    literal list, or a `{stages: ..., output: ...}` selector without `unwrap: true`).

    Why: before rendering a command, packtivity joins list parameters with spaces, so
    `{files[0]}` is the first *character* of the joined string and `{files.x}` fails.

    Bad:

        parameters: {files: {stages: merge, output: files}}
        cmd: 'hadd out.root {files[0]}'

    Fixed: use `{files}` for all of them, or pass the file you need as a parameter of its own,
    e.g. `first: {step: merge, output: 'files[0]'}` and `{first}`.
    """
    for step, users in _checked_steps(analysis):
        for template in templates(step):
            if template.where == "publish template":
                continue  # publishers receive the parameters unflattened
            for field in template.named():
                if field.name == field.root:
                    continue
                lists = [s for s in users if any(p.key == field.root and _is_list(p.value) for p in s.parameters)]
                if lists:
                    yield _at_field(
                        template,
                        field,
                        f"`{field.literal}` indexes parameter '{field.root}', a list in {_stage_list(lists)}; commands see lists joined with spaces",
                        f"use `{{{field.root}}}` for all elements, or pass the one you need as a parameter of its own",
                    )


def _is_literal_mapping(value: Any) -> bool:
    return isinstance(value, dict) and not _is_reference(value) and "$type" not in value


@rule("RL516", "mapping-in-command", Severity.INFO, "a mapping parameter written whole into a command")
def mapping_in_command(analysis: Analysis) -> Iterable[Finding]:
    """Reports `{cfg}` in `cmd`/`script` where the stage passes `cfg` as a literal mapping.

    Why: mappings are not flattened for commands, so the command receives the Python repr,
    `{'pt': 25, 'eta': 2.5}`, with quotes and spaces a shell or a program rarely expects.

    Bad:

        parameters: {cuts: {pt: 25, eta: 2.5}}
        cmd: 'select --cuts {cuts}'

    Fixed:

        cmd: 'select --pt {cuts[pt]} --eta {cuts[eta]}'
    """
    for step, users in _checked_steps(analysis):
        mapping_parameters = {stage: {p.key for p in stage.parameters if _is_literal_mapping(p.value)} for stage in users}
        for template in templates(step):
            if template.has_workdir:
                continue  # publish templates are data, not a command line
            for field in template.named():
                if field.name != field.root:
                    continue
                mappings = [s for s in users if field.root in mapping_parameters[s]]
                if mappings:
                    yield _at_field(
                        template,
                        field,
                        f"`{field.literal}` is a mapping in {_stage_list(mappings)}; the {template.where} receives its Python repr",
                        f"pick the values you need, e.g. `{{{field.root}[key]}}`",
                    )


# -- initdata ----------------------------------------------------------------------------------


def _reads_init(stage: Stage) -> Optional[Loc]:
    """Where ``stage`` depends on or selects from `init`, or None."""
    for expression in stage.dependencies:
        if isinstance(expression.text, str) and "init" in roots(expression.text):
            return expression.loc
    for parameter in stage.parameters:
        if any("init" in _targets(s) for s in _selectors(parameter.value)):
            return parameter.loc
    return None


def _init_reader(workflow: Optional[Workflow]) -> Optional[Tuple[Stage, Loc]]:
    """The first top-level stage that depends on or selects from `init`, and where it does."""
    for stage in workflow.stages if workflow else []:
        read_at = _reads_init(stage)
        if read_at is not None:
            return stage, read_at
    return None


@rule("RL514", "empty-initdata", Severity.ERROR, "an example's `initdata` is empty while stages read `init`")
def empty_initdata(analysis: Analysis) -> Iterable[Finding]:
    """Catches an example in `recast.yml` whose `initdata` is empty (`{}` or null) while other
    examples give initdata and a stage of the workflow depends on `init` or selects from it.

    Why: yadage creates the `init` stage only when initdata is non-empty, so with this example
    every stage that waits for `init` never runs, and the run reports success having done
    nothing. (When no example gives initdata, RL401/RL408 report each use of `init` instead.)

    Bad:

        example_inputs:
          default:
            initdata: {name: hello}
          quick:
            initdata: {}

    Fixed:

        example_inputs:
          quick:
            initdata: {name: hi}
    """
    entry = analysis.entry
    reader = _init_reader(entry.workflow if entry else None)
    if entry is None or reader is None or not any(example.initdata for example in entry.examples):
        return
    stage, read_at = reader
    where = f"{os.path.relpath(read_at.doc.path, analysis.root)}:{read_at.span().line}"
    for example in entry.examples:
        if example.loc.has("initdata") and not example.initdata:
            yield Finding.at(
                example.loc.child("initdata"),
                f"initdata of example '{example.name}' is empty, so no `init` stage is created and stage '{stage.path}' ({where}) never runs",
                "give the inputs the workflow reads from `init`",
            )


@rule("RL515", "braces-in-initdata", Severity.ERROR, "initdata with braces other than `{readdirN}`")
def braces_in_initdata(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{workdir}` and other braces except `{readdirN}` in initdata values (recast
    examples and `reana.yaml` `inputs.parameters`).

    Why: the `init` stage renders its values with only the read-only input directories
    (`{readdir0}`, ...); it has no workdir, so `{workdir}` raises `KeyError: 'workdir'`, and
    `${VAR}` or JSON text fail the same way.

    Bad:

        initdata: {outdir: '{workdir}/out'}

    Fixed: let the stage that writes the output name it, `outdir: '{workdir}/out'` in its
    parameters.
    """
    for label, loc, value in analysis.initdata_sources():
        if not isinstance(value, dict):
            continue
        for key in value:
            for leaf in _literal_strings(loc.child(key)):
                for problem in _brace_problems(leaf.value, _READDIR):
                    if problem.root == "workdir":
                        hint = "initdata has no workdir; name output paths in the stage parameters with `{workdir}`"
                    else:
                        hint = "only `{readdirN}` (the input directory) is expanded in initdata; " + _ESCAPE_HINT
                    yield problem.finding(leaf, f"initdata '{key}' of {label} holds {problem.shown}, which the runtime cannot expand", hint)


# -- multistep stages --------------------------------------------------------------------------


def _scheduled(analysis: Analysis, scheduler_type: str) -> Iterator[Tuple[Stage, Loc]]:
    for stage in analysis.all_stages():
        if stage.scheduler is not None and stage.scheduler_type == scheduler_type:
            yield stage, stage.scheduler


def _scatter(scheduler: Loc) -> Optional[Loc]:
    return scheduler.child("scatter") if isinstance(scheduler.get("scatter"), dict) else None


def _list_parameters(stage: Stage) -> str:
    """The stage's parameters that hold lists, the usual candidates for scattering."""
    return ", ".join(str(p.key) for p in stage.parameters if _is_list(p.value)) or "<list parameter>"


@rule("RL520", "scatter-missing", Severity.ERROR, "a multistep stage without a complete `scatter`")
def scatter_missing(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `multistep-stage` without `scatter`, or whose `scatter` lacks `method` or
    `parameters`.

    Why: the schema does not require them, but the scheduler reads `scatter['method']` and
    `scatter['parameters']` and fails with `KeyError`.

    Bad:

        scheduler:
          scheduler_type: multistep-stage
          parameters: {inputfile: [a.root, b.root]}
          step: {$ref: 'steps.yml#/select'}

    Fixed: add `scatter: {method: zip, parameters: [inputfile]}`.
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        if scatter is None:
            yield Finding.at(
                scheduler.child("scatter") if scheduler.has("scatter") else scheduler.child("scheduler_type"),
                f"multistep stage '{stage.path}' has no `scatter` mapping",
                f"add `scatter: {{method: zip, parameters: [{_list_parameters(stage)}]}}`",
            )
            continue
        for key in ("method", "parameters"):
            if not scatter.has(key):
                example = "method: zip" if key == "method" else f"parameters: [{_list_parameters(stage)}]"
                yield Finding.at(scatter, f"`scatter` of stage '{stage.path}' has no `{key}`", f"add `{example}`", key=True)
        if scatter.get("parameters") == []:
            yield Finding.at(scatter.child("parameters"), f"`scatter` of stage '{stage.path}' scatters no parameter", "name the list parameters to scatter")


@rule("RL521", "scatter-method", Severity.ERROR, "`scatter.method` is neither `zip` nor `cartesian`")
def scatter_method(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `scatter.method` other than `zip` or `cartesian`.

    Why: the schema accepts any string, but the scheduler knows only these two; any other value
    silently schedules zero steps, stages downstream never run, and the run reports success.

    Bad:

        scatter: {method: zipp, parameters: [inputfile]}

    Fixed:

        scatter: {method: zip, parameters: [inputfile]}
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        if scatter is not None and scatter.has("method") and scatter.get("method") not in SCATTER_METHODS:
            method = scatter.get("method")
            message = f"scatter method '{method}' of stage '{stage.path}' schedules no steps"
            yield Finding.at(scatter.child("method"), message, did_you_mean(method, SCATTER_METHODS))


@rule("RL522", "scatter-unknown-parameter", Severity.ERROR, "a scattered parameter is not in `parameters`")
def scatter_unknown_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `scatter.parameters` entry that the stage's `parameters` do not define.

    Why: the scheduler pops each scattered name from the parameters: `KeyError` before any step
    is scheduled.

    Bad:

        parameters: {inputfiles: [...]}
        scatter: {method: zip, parameters: [inputfile]}

    Fixed:

        scatter: {method: zip, parameters: [inputfiles]}
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        scattered = scatter.get("parameters") if scatter is not None else None
        if not isinstance(scattered, list):
            continue
        names = _names(stage)
        for i, name in enumerate(scattered):
            if str(name) not in names:
                yield Finding.at(
                    scatter.child("parameters", i),
                    f"scattered parameter '{name}' is not a parameter of stage '{stage.path}'",
                    did_you_mean(name, names) or "add it to the stage's `parameters`",
                )


@rule("RL523", "batchsize-and-partitionsize", Severity.ERROR, "`batchsize` and `partitionsize` together")
def batchsize_and_partitionsize(analysis: Analysis) -> Iterable[Finding]:
    """Catches a multistep stage that sets both `batchsize` and `partitionsize`.

    Why: they are alternative ways of grouping the scattered values (groups of N, or N groups);
    the runtime's schema allows only one of them.

    Bad:

        batchsize: 10
        partitionsize: 4

    Fixed: keep one of them.
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        if scheduler.has("batchsize") and scheduler.has("partitionsize"):
            yield Finding.at(
                scheduler.child("partitionsize"),
                f"stage '{stage.path}' sets both `batchsize` and `partitionsize`",
                "keep `batchsize` (values per step) or `partitionsize` (number of steps), not both",
                key=True,
            )


@rule("RL524", "stage-without-step", Severity.ERROR, "a stage has no (or several) `step`, `workflow` or `cases`")
def stage_without_step(analysis: Analysis) -> Iterable[Finding]:
    """Catches a single-step or multistep stage with none of `step`, `workflow` and `cases`, and
    a single-step stage with more than one of them.

    Why: the scheduler does not know what to run: `RuntimeError: do not know what kind of stage
    spec we are dealing with`. The multistep schema misses this (it declares `oneOf` twice), so
    the reference validator accepts it.

    Bad:

        scheduler:
          scheduler_type: multistep-stage
          scatter: {method: zip, parameters: [inputfile]}

    Fixed: add `step: {$ref: 'steps.yml#/select'}`.
    """
    for scheduler_type in ("singlestep-stage", "multistep-stage"):
        for stage, scheduler in _scheduled(analysis, scheduler_type):
            present = [k for k in ("step", "workflow", "cases") if scheduler.has(k)]
            if not present:
                yield Finding.at(
                    scheduler.child("scheduler_type"),
                    f"stage '{stage.path}' has no `step`, `workflow` or `cases`, so nothing is scheduled",
                    "add `step: {$ref: 'steps.yml#/<name>'}`",
                )
            elif len(present) > 1 and scheduler_type == "singlestep-stage":
                yield Finding.at(
                    scheduler.child(present[1]),
                    f"stage '{stage.path}' has both `{present[0]}` and `{present[1]}`; a stage runs exactly one",
                    f"keep `{present[0]}` or `{present[1]}`",
                    key=True,
                )


@rule("RL525", "scatter-over-string", Severity.WARNING, "a scattered parameter is a literal string")
def scatter_over_string(analysis: Analysis) -> Iterable[Finding]:
    """Catches a scattered parameter whose value is a literal string or number.

    Why: scattering iterates over the value, so a string is scattered character by character
    (one step per letter) and a number fails.

    Bad:

        parameters: {inputfile: a.root}
        scatter: {method: zip, parameters: [inputfile]}

    Fixed:

        parameters: {inputfile: [a.root]}
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        scattered = scatter.get("parameters") if scatter is not None else None
        if not isinstance(scattered, list):
            continue
        for parameter in _scattered(stage, scattered):
            if isinstance(parameter.value, (str, int, float)) and not isinstance(parameter.value, bool):
                yield Finding.at(
                    parameter.loc,
                    f"scattered parameter '{parameter.key}' of stage '{stage.path}' is a single value, not a list",
                    f"write a list: [{parameter.value}]",
                )


def _scattered(stage: Stage, scattered: List[Any]) -> Iterator[Parameter]:
    wanted = {str(name) for name in scattered}
    return (p for p in stage.parameters if str(p.key) in wanted)
