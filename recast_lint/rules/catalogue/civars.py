"""RL650-RL651: what a CI job's `recast run` really names once the CI file's variables are expanded.

A GitLab job runs its `before_script` and `script` lines in one shell, with the variables of the
CI file exported: the top-level `variables:`, then those of the jobs it `extends:` (in order), then
its own, each key overriding the one before; a variable's value may use other variables. A line
`NAME=value` or `export NAME=value` sets a shell variable for the lines after it. The name and the
`--example` a `recast run` passes are read through all of that; a variable the file does not
define (a project CI/CD variable, `$CI_...`) leaves the command unknown, and nothing is said.
"""

from __future__ import annotations

import re
import shlex
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc
from recast_lint.records import Record
from recast_lint.rules.catalogue.common import entry_data
from recast_lint.rules.listharm import once_per_analysis
from recast_lint.rules.registry import Finding, did_you_mean, rule

_REFERENCE = LazyPattern(r"\$(?:\{(\w+)\}|(\w+))")
_ASSIGNMENT = LazyPattern(r"^\s*(?:export\s+)?([A-Za-z_]\w*)=(.*)$")
_COMMAND_SEPARATORS = LazyPattern(r"&&|\|\||[;|&]")  # within one line
_SUBCOMMANDS = {("run",): "run", ("submit",): "submit", ("catalogue", "check"): "catalogue check", ("catalogue", "describe"): "catalogue describe"}
_VALUED_OPTIONS = ("--example", "--tag", "--backend", "--infofile")
_MAX_DEPTH = 10  # variables naming variables naming variables...; GitLab nests `extends:` 11 deep at most


class Variable(Record):
    value: Optional[str]  # None: set by something the linter cannot read (`$(...)`, another unknown variable)
    loc: Loc  # where it is set: a `variables:` value, or the script line that assigns it
    shell: bool = False  # assigned in a script line


class Word(Record):
    """One argument of a command as the shell sees it once variables are expanded."""

    written: str
    value: Optional[str]  # None when a variable in it is unknown
    through: Optional[Tuple[str, Variable]]  # the variable it is read from, when it is one variable


class RecastCommand(Record):
    job: str
    line: Loc
    subcommand: str  # run | submit | catalogue check | catalogue describe
    name: Optional[Word]
    example: Optional[Word]
    inputdata: bool  # a second argument: initdata read from that file, `--example` ignored


@once_per_analysis
def _commands(analysis: Analysis) -> List[RecastCommand]:
    """The analysis's CI `recast` commands, read once for RL650 and RL651."""
    return list(recast_commands(analysis.ci)) if analysis.ci is not None else []


def recast_commands(ci: Document) -> Iterator[RecastCommand]:
    """Every `recast run|submit|catalogue check|describe` of every job, its words expanded."""
    data = ci.data if ci.ok and isinstance(ci.data, dict) else {}
    for key, value in data.items():
        if not isinstance(value, dict) or str(key).startswith(".") or key in ("default", "variables", "workflow"):
            continue
        job = Loc(ci, (key,))
        variables = _job_variables(ci, job)
        for loc, block in _shell_lines(ci, job):
            for line in block.splitlines():
                assigned = _ASSIGNMENT.match(line)
                if assigned and not _COMMAND_SEPARATORS.search(assigned.group(2)):
                    variables[assigned.group(1)] = Variable(_shell_value(assigned.group(2), variables), loc, shell=True)
                    continue
                for command in _COMMAND_SEPARATORS.split(line):
                    found = _recast_command(str(key), loc, command, variables)
                    if found is not None:
                        yield found


def _recast_command(job: str, loc: Loc, command: str, variables: Dict[str, Variable]) -> Optional[RecastCommand]:
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    if not words or words[0] != "recast":
        return None
    parts = next((p for p in _SUBCOMMANDS if tuple(words[1 : 1 + len(p)]) == p), None)
    if parts is None:
        return None
    positional: List[str] = []
    example: Optional[str] = None
    rest = words[1 + len(parts) :]
    while rest:
        word = rest.pop(0)
        option, _, attached = word.partition("=")
        if option in _VALUED_OPTIONS:
            value = attached if attached or "=" in word else (rest.pop(0) if rest else "")
            if option == "--example":
                example = value
        elif not word.startswith("-"):
            positional.append(word)
    name = _word(positional[0], variables) if positional else None
    return RecastCommand(job, loc, _SUBCOMMANDS[parts], name, _word(example, variables) if example is not None else None, len(positional) > 1)


def _word(written: str, variables: Dict[str, Variable]) -> Word:
    whole = _REFERENCE.fullmatch(written)
    through = None
    if whole:
        variable_name = whole.group(1) or whole.group(2)
        if variable_name in variables:
            through = (variable_name, variables[variable_name])
    return Word(written, _expand(written, variables), through)


def _expand(text: str, variables: Dict[str, Variable], depth: int = 0) -> Optional[str]:
    """``text`` with every `$NAME`/`${NAME}` replaced, or None when one of them is not known."""
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        variable = variables.get(match.group(1) or match.group(2))
        if variable is None or variable.value is None or depth > _MAX_DEPTH:
            unknown = True
            return ""
        if variable.shell:  # expanded when the line that sets it ran
            return variable.value
        expanded = _expand(variable.value, variables, depth + 1)
        unknown = unknown or expanded is None
        return expanded or ""

    result = _REFERENCE.sub(replace, text)
    return None if unknown or "$" in result or "`" in result else result


def _shell_value(written: str, variables: Dict[str, Variable]) -> Optional[str]:
    try:
        words = shlex.split(written)
    except ValueError:
        return None
    if len(words) != 1 or "$(" in written or "`" in written:
        return None
    return _expand(words[0], variables)


def _job_variables(ci: Document, job: Loc) -> Dict[str, Variable]:
    variables: Dict[str, Variable] = {}
    for holder in [Loc(ci)] + extended_jobs(ci, job, 0) + [job]:
        table = holder.get("variables")
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            loc = holder.child("variables", key)
            expand = True
            if isinstance(value, dict):  # `{value: ..., description: ..., expand: false}`
                expand = value.get("expand", True) is not False
                value, loc = value.get("value"), loc.child("value")
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                continue
            text = str(value)
            known = "$$" not in text and (expand or "$" not in text)  # `$$` and `expand: false` keep a `$` as it is
            variables[str(key)] = Variable(text if known else None, loc)
    return variables


def extended_jobs(ci: Document, job: Loc, depth: int) -> List[Loc]:
    """The jobs `job` extends, each after the ones it extends itself, in GitLab's merge order."""
    names = job.get("extends")
    names = [names] if isinstance(names, str) else names if isinstance(names, list) else []
    data = ci.data if isinstance(ci.data, dict) else {}
    found: List[Loc] = []
    for name in names:
        if isinstance(name, str) and isinstance(data.get(name), dict) and depth < _MAX_DEPTH:
            template = Loc(ci, (name,))
            found += extended_jobs(ci, template, depth + 1) + [template]
    return found


def inherited(ci: Document, job: Loc) -> List[Loc]:
    """Where GitLab looks for a setting of ``job``: the job, the jobs it `extends:` (the last first),
    `default:`, then the top level."""
    return [job] + extended_jobs(ci, job, 0)[::-1] + [Loc(ci, ("default",)), Loc(ci)]


def _shell_lines(ci: Document, job: Loc) -> Iterator[Tuple[Loc, str]]:
    """The lines one shell runs for the job: its `before_script` (or the default one), then `script`
    (which `default:` and the top level do not give)."""
    holders = inherited(ci, job)
    for key, looked_in in (("before_script", holders), ("script", holders[:-2])):
        holder = next((h for h in looked_in if h.has(key)), None)
        if holder is not None:
            yield from script_lines(holder.child(key))


def script_lines(loc: Loc) -> Iterator[Tuple[Loc, str]]:
    """Each line of a script value: a string, or a list of them nested as deep as GitLab allows."""
    value = loc.value
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, list):
        for index in range(len(value)):
            yield from script_lines(loc.child(index))


def _at_definition(word: Word, message: str, hint: Optional[str], value: Optional[str] = None) -> Finding:
    """At the place the variable is set; with ``value``, an unsafe fix that sets it to that in
    `variables:` (the CI job then runs something else)."""
    assert word.through is not None
    variable_name, variable = word.through
    if variable.shell:
        return Finding.at_text(variable.loc, f"{variable_name}=", message, hint)
    edit = fix.replace_value(variable.loc, f"'{value}'") if value is not None and isinstance(variable.loc.value, str) else None
    return Finding.at(variable.loc, message, hint, fix=fix.make(f"set {variable_name} to '{value}'", [edit], safe=False) if edit else None)


def _unique(findings: Iterable[Finding]) -> List[Finding]:
    """A variable several jobs use is reported once, where it is set."""
    kept: Dict[Tuple[int, object, str], Finding] = {}
    for finding in findings:
        kept.setdefault((id(finding.doc), finding.span, finding.message), finding)
    return list(kept.values())


@rule(
    "RL650", "ci-variable-wrong-analysis", Severity.ERROR, "a CI variable gives `recast run` a different analysis than `recast.yml` names",
    fix=Applicability.UNSAFE,
)
def ci_variable_wrong_analysis(analysis: Analysis) -> Iterable[Finding]:
    """Catches `recast run $VAR` (or `submit`, `catalogue check|describe`) in `.gitlab-ci.yml`
    where `VAR`, as the CI file sets it, is not the `name` of `recast.yml`.

    Why: the job runs `recast run` with the expanded value; after `$(recast catalogue add $PWD)`
    the catalogue holds this entry under its `name`, so another name fails with
    `KeyError: '<name>'` (recast-atlas 0.4.2, verified) or runs a different, built-in analysis.
    The variable is read as GitLab sets it: top-level `variables:`, then those of `extends:`
    templates, then the job's own, then `NAME=value` lines of its script. (A project CI/CD
    variable of the same name would override the file; a variable the file does not set is not
    judged.)

    Bad:

        name: atlas/my-search                 # recast.yml
        variables:
          ANALYSIS: atlas/my-serach
        script:
          - recast run $ANALYSIS --tag myrun

    Fixed:

        variables:
          ANALYSIS: atlas/my-search
    """
    name = entry_data(analysis).get("name")
    if analysis.ci is None or not isinstance(name, str):
        return []
    findings = []
    for command in _commands(analysis):
        word = command.name
        if word is None or word.through is None or word.value is None or word.value in (name, *analysis.catalogue_names):
            continue  # ours, or another entry of the same catalogue directory
        findings.append(
            _at_definition(
                word,
                f"`{word.through[0]}` is {word.value!r}, which job '{command.job}' passes to `recast {command.subcommand}`, "
                f"but recast.yml is {name!r}",
                f"set it to '{name}', the `name` in recast.yml",
                name,
            )
        )
    return _unique(findings)


@rule("RL651", "ci-unknown-example", Severity.ERROR, "a CI job runs an `--example` that `recast.yml` does not have")
def ci_unknown_example(analysis: Analysis) -> Iterable[Finding]:
    """Catches `recast run NAME --example X` (or `recast submit`) in `.gitlab-ci.yml`, written out
    or through a CI variable, where X is not a key of `example_inputs` in `recast.yml`.

    Why: recast-atlas looks the example up in `example_inputs` before anything runs; a missing one
    ends the job with `Example 'X' not found. Choose from [...]` (recast-atlas 0.4.2, verified).
    Without `--example`, `default` is used (RL602 says when it is missing). With a second argument
    (`recast run NAME inputs.yml`) the initdata come from that file and `--example` is ignored.

    Bad:

        example_inputs: {default: ..., signal: ...}      # recast.yml
        script:
          - recast run atlas/my-search --example singal

    Fixed:

        script:
          - recast run atlas/my-search --example signal
    """
    data = entry_data(analysis)
    name, examples = data.get("name"), data.get("example_inputs")
    if analysis.ci is None or not isinstance(name, str) or not isinstance(examples, dict):
        return []
    findings = []
    for command in _commands(analysis):
        word = command.example
        if command.subcommand not in ("run", "submit") or word is None or word.value is None or command.inputdata:
            continue
        if command.name is None or command.name.value != name or word.value in examples:
            continue  # another analysis (RL630 and RL650 say so), or one of ours
        hint = did_you_mean(word.value, [str(k) for k in examples])
        if word.through is not None:
            message = (
                f"`{word.through[0]}` is {word.value!r}, which job '{command.job}' passes as `--example`, "
                f"but recast.yml has no such example"
            )
            findings.append(_at_definition(word, message, hint))
        else:
            message = f"`recast {command.subcommand}` runs example {word.value!r}, which recast.yml does not have"
            findings.append(Finding.at_text(command.line, word.written, message, hint))
    return _unique(findings)
