"""RL501-RL506: `{placeholders}` in commands and publish templates against the parameters the stage passes."""

from __future__ import annotations

from typing import Iterable, Iterator, List, Optional, Set

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.model import Analysis, Loc, Parameter, Stage
from recast_lint.rules.dataflow.templates import (
    ESCAPE_HINT,
    Template,
    at_field,
    at_text,
    checked_steps,
    checked_templates,
    double_braces,
    missing_everywhere,
    needed_names,
    needed_parameters,
    parameter_hint,
    passed_names,
    rename_placeholder,
    shortened,
    stage_list,
    templates,
    union_names,
)
from recast_lint.rules.registry import Finding, did_you_mean, rule
from recast_lint.rules.spelling import Misspelt, step_misspelling


@rule("RL501", "unknown-placeholder", Severity.ERROR, "a `{placeholder}` names no parameter of the stage", fix=Applicability.SAFE)
def unknown_placeholder(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `{placeholder}` in `cmd`, `script` or an `interpolated-pub` template that no
    stage using the step passes as a parameter, with the closest parameter name.

    Why: packtivity renders the command with ``cmd.format(**parameters)``; an unknown name raises
    `KeyError` inside the step, which the default multiproc backend hides behind "workflow
    finished but failed". When only some of the stages using a step lack the parameter, RL502
    reports it at those stages instead.

    The did-you-mean fixes the spelling that no other place writes: when the step's `{name}` is
    written elsewhere too (the selector's `output`, the initdata, a test) and the stage's close
    `nmae` nowhere else, the stage is wrong, and RL502 says so there. When both names are written
    elsewhere they are two parameters, and no rename is offered.

    Bad:

        cmd: 'echo Hello my Name is {nmae} | tee {outputfile}'   # the stage passes `name`

    Fixed:

        cmd: 'echo Hello my Name is {name} | tee {outputfile}'
    """
    for step, users in checked_steps(analysis):
        names = union_names(users)
        passed = set(names)
        reported: Set[str] = {"workdir"}  # RL505 explains `{workdir}` in a command
        for template in templates(step):
            for field in template.named():
                if field.root in reported or field.root in passed:
                    continue
                reported.add(field.root)
                _, side = step_misspelling(analysis, step, users, field.root)
                if side is Misspelt.CANDIDATE:
                    continue  # the stage's parameter is the misspelt one: RL502 reports it there
                hint = parameter_hint(field.root, names, rename=side is not Misspelt.NEITHER)
                rename = rename_placeholder(step, template.loc.doc, field.root, names) if side is not Misspelt.NEITHER else None
                yield at_field(template, field, f"`{field.literal}` is not a parameter of {stage_list(users)}", hint, fix=rename)


@rule("RL502", "parameter-not-passed", Severity.ERROR, "a stage does not pass a parameter its step needs", fix=Applicability.SAFE)
def parameter_not_passed(analysis: Analysis) -> Iterable[Finding]:
    """Catches a stage that does not pass a parameter its step reads (in `cmd`, `script`, a
    publish template or the frompar-pub outputmap) while other stages using the same step do.

    Why: the step fails with `KeyError` for this stage only. A name that *no* stage passes is a
    mistake in the step, reported there by RL501 or RL508, unless the stage's parameter is the
    misspelt one: `nmae: {step: init, output: name}` for a step reading `{name}`, where `name` is
    written in other places (the initdata, a test) and `nmae` in none. Then this rule stands at
    the stage's key with "rename 'nmae' to 'name'", and `--fix` renames it (safe: the step reads
    no `nmae`, and nothing but the step reads a stage's parameters).

    Bad:

        - name: fit_signal
          scheduler: {..., parameters: {input: ..., output: '{workdir}/fit.root'}, step: {$ref: 'steps.yml#/fit'}}
        - name: fit_control                 # the fit step also reads {region}
          scheduler: {..., parameters: {input: ...}, step: {$ref: 'steps.yml#/fit'}}

    Fixed: pass every parameter the step reads in every stage that uses it.
    """
    for step, users in checked_steps(analysis):
        needed = needed_names(step)
        passed = set(union_names(users))  # a name in no stage's parameters is missing everywhere: the step is wrong
        for name in needed:
            if name == "workdir" or name in passed:
                continue
            candidate, side = step_misspelling(analysis, step, users, name)
            if side is Misspelt.CANDIDATE:  # the step's name is written elsewhere too, the stages' nowhere
                yield from _misspelt_parameter(users, candidate, name, needed_parameters(step)[name])
        for stage in users:
            names = passed_names(stage)
            for name in needed:
                if name in names or name not in passed:
                    continue
                yield Finding.at(
                    _parameters_loc(stage),
                    f"stage '{stage.path}' does not pass parameter '{name}', which its step reads ({needed_parameters(step)[name]})",
                    did_you_mean(name, names, limit=0) or f"add '{name}' to the stage's `parameters`",
                    key=True,
                )


def _misspelt_parameter(users: List[Stage], written: Optional[str], meant: str, where: str) -> Iterator[Finding]:
    for stage in users:
        for parameter in stage.parameters:
            if str(parameter.key) == written:
                yield Finding.at(
                    parameter.key_loc,
                    f"stage '{stage.path}' passes '{written}', which its step does not read, instead of '{meant}', which it does ({where})",
                    f"rename '{written}' to '{meant}'",
                    key=not _is_item(parameter),  # in a `{key: nmae, value: ...}` item the name is a value
                    fix=_rename_parameter(parameter, meant),
                )


def _rename_parameter(parameter: Parameter, meant: str) -> Optional[fix.Fix]:
    """Rename a stage's parameter: the key of a `parameters` mapping, or the `key:` of a key/value item."""
    if _is_item(parameter):
        return fix.make(f"rename '{parameter.key}' to '{meant}'", [fix.replace_value(parameter.key_loc, fix.scalar(meant))])
    return fix.rename_key(parameter.key_loc, meant)


def _is_item(parameter: Parameter) -> bool:
    """Written as a `{key: ..., value: ...}` item of a `parameters` list (yadage's own form)."""
    pointer = parameter.key_loc.pointer
    return len(pointer) >= 2 and isinstance(pointer[-2], int) and pointer[-1] == "key"


def _parameters_loc(stage: Stage) -> Loc:
    """The stage's `parameters:` key, or its scheduler when it has none."""
    scheduler = stage.scheduler
    if scheduler is None:
        return stage.loc
    return scheduler.child("parameters") if scheduler.has("parameters") else scheduler


@rule("RL503", "positional-placeholder", Severity.ERROR, "a positional `{}` or `{0}` in a command or template", fix=Applicability.SAFE)
def positional_placeholder(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{}` and `{0}` in `cmd`, `script` and `interpolated-pub` templates.

    Why: the runtime passes only named parameters, so a positional field raises `IndexError`.
    `find ... -exec rm {} \\;` is the usual culprit.

    Bad:

        cmd: 'find {inputdir} -name "*.root" -exec hadd {output} {} +'

    Fixed:

        cmd: 'find {inputdir} -name "*.root" -exec hadd {output} {{}} +'
    """
    for template in checked_templates(analysis):
        for field in template.fields:
            if template.kind(field) == "positional":
                yield at_field(
                    template,
                    field,
                    f"`{field.literal}` in {template.where} is a positional placeholder; only named parameters are passed",
                    f"write `{{{{{field.text}}}}}` for literal braces, or name a parameter: `{{name}}`",
                    # `{}` is `find -exec`'s, to be kept literally; `{0}` may stand for a parameter
                    fix=double_braces(template.loc, field.start, field.literal) if field.text == "" else None,
                )


@rule("RL504", "unescaped-brace", Severity.ERROR, "shell, awk or C++ braces in a command that need escaping", fix=Applicability.SAFE)
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
    for step, users in checked_steps(analysis):
        names = union_names(users)
        for template in templates(step):
            yield from _shell_braces(template, names)


def _shell_braces(template: Template, names: List[str]) -> Iterator[Finding]:
    for field in template.fields:
        if template.kind(field) != "shell":
            continue
        shown = shortened(("$" if field.dollar else "") + field.literal)
        if field.dollar and field.name in names:
            # `${name}` renders `$` plus the parameter's value: valid, but rarely what was meant
            message = f"`{shown}` in {template.where} is `$` followed by the value of parameter '{field.name}'"
            hint = f"write `{{{field.name}}}` for the parameter, or `${{{{{field.name}}}}}` for the shell variable"
            yield at_field(template, field, message, hint, severity=Severity.WARNING)
        else:
            message = f"`{shown}` in {template.where} is read as a placeholder, not literal braces"
            start = field.start - 1 if field.dollar else field.start
            doubled = double_braces(template.loc, start, template.text[start : field.end], keep=names)
            yield at_field(template, field, message, ESCAPE_HINT, fix=doubled)
    if template.error is not None:
        char = template.text[template.error.offset]
        message = f"{template.error.message} in {template.where}; the runtime cannot render it"
        doubled = double_braces(template.loc, template.error.offset, char)
        yield at_text(template.loc, template.text, char, template.error.offset, message, ESCAPE_HINT, fix=doubled)


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
    for step, users in checked_steps(analysis):
        if not missing_everywhere("workdir", users):
            continue  # the stages pass a parameter named `workdir` themselves
        commands = (t for t in templates(step) if not t.has_workdir)
        found = next(((t, f) for t in commands for f in t.named() if f.root == "workdir"), None)
        if found is not None:
            template, field = found
            yield at_field(
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
    for step, users in checked_steps(analysis):
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
