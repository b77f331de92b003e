"""RL508, RL528-RL531: what a step's publisher reads from its parameters, and where it looks for files."""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.lazyre import LazyPattern
from recast_lint.model import Analysis, Loc, Stage, Step
from recast_lint.rules.dataflow.templates import (
    at_field,
    at_text,
    checked_steps,
    outputmap_leaves,
    parameter_hint,
    stage_list,
    templates,
    union_names,
    value_leaves,
)
from recast_lint.rules.listharm import Judged, once_per_analysis
from recast_lint.rules.registry import Finding, rule
from recast_lint.rules.spelling import Misspelt, step_misspelling
from recast_lint.stagegraph import graphs
from recast_lint.stagepaths import IDENTIFIER
from recast_lint.stagevalues import parameter_values


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

    A name the command reads as well (`{hepmc}` in `cmd`, `hepmc: hepmc` in the outputmap) is
    reported here too when RL501's fix is a rename, since renaming the command's placeholder
    leaves the outputmap broken; when the fix is to pass the parameter, RL501 alone says so.
    """
    for step, users in checked_steps(analysis):
        names = union_names(users)
        passed = set(names)
        in_templates: Optional[Set[str]] = None
        for leaf in outputmap_leaves(step):
            if leaf.value in passed:
                continue
            if in_templates is None:
                in_templates = {f.root for t in templates(step) for f in t.named()}
            candidate, side = step_misspelling(analysis, step, users, leaf.value)
            if side is Misspelt.CANDIDATE:
                continue  # the stage's parameter is the misspelt one: RL502 reports it there
            if leaf.value in in_templates and (candidate is None or side is Misspelt.NEITHER):
                continue  # passing the parameter, as RL501 says, fixes the command and the outputmap at once
            yield Finding.at(
                leaf,
                f"outputmap value '{leaf.value}' is not a parameter of {stage_list(users)}",
                parameter_hint(leaf.value, names, rename=side is not Misspelt.NEITHER),
            )


# -- what a publisher does with paths (verified with packtivity 0.17.1) ------------------------

_PLACEHOLDER = LazyPattern(r"(?<!\{)\{(?!\{)[^{}]*\}")
# a file a shell command writes: `> f`, `>> f`, `tee [-a] f`, `-o f`, `--output[=]f`
_WRITE_TARGET = re.compile(r"(?:&?>>?|\btee(?:\s+-a)?|\s-o|--output=?|--out=?)\s*([^\s;|&<>()'\"]+)")
_CD = re.compile(r"(?:^|[\s;&|(])(?:cd|pushd)\s")


def _publisher(step: Step) -> Tuple[Optional[Loc], Dict[str, Any]]:
    loc = step.part("publisher")
    return loc, step.part_value("publisher")


@rule("RL528", "publisher-path-not-relative", Severity.ERROR, "a `fromyaml-pub`/`fromglob-pub` path with `{...}` or a leading `/`")
def publisher_path_not_relative(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `fromyaml-pub` `yamlfile` or a `fromglob-pub` `globexpression` written with a
    placeholder (`{workdir}/out.yml`, `{outputfile}`) or as an absolute path.

    Why (packtivity 0.17.1, run with `yadage-run` and local steps): these two publishers do not
    interpolate anything: they open `<workdir>/<yamlfile>` and glob `<workdir>/<globexpression>`
    exactly as written. `yamlfile: '{workdir}/out.yml'` failed with `FileNotFoundError:
    .../work/yamlwd/{workdir}/out.yml` after the step had run, and an absolute path the same
    way (`.../work/yamlabs//tmp/...`); `globexpression: '{workdir}/*.txt'` or an absolute one
    published `[]` and the run went on with no files. (`interpolated-pub` is the publisher that
    expands `{workdir}` and the parameters.)

    Bad:

        publisher: {publisher_type: fromyaml-pub, yamlfile: '{workdir}/summary.yml'}

    Fixed:

        publisher: {publisher_type: fromyaml-pub, yamlfile: summary.yml}     # relative to the step's workdir
    """
    for step in analysis.steps:
        loc, publisher = _publisher(step)
        kind = publisher.get("publisher_type")
        key = {"fromyaml-pub": "yamlfile", "fromglob-pub": "globexpression"}.get(str(kind))
        path = publisher.get(key) if key else None
        if loc is None or not isinstance(path, str):
            continue
        outcome = "fails with FileNotFoundError" if kind == "fromyaml-pub" else "publishes an empty list"
        relative = (os.path.basename(path) if path.startswith("/") else _PLACEHOLDER.sub("", path).lstrip("/")) or "summary.yml"
        if _PLACEHOLDER.search(path):
            placeholder = _PLACEHOLDER.search(path).group(0)  # type: ignore[union-attr]
            message = f"`{key}` is not interpolated: `{placeholder}` stays in the path, so the publisher {outcome}"
        elif path.startswith("/"):
            message = f"`{key}` is read relative to the step's workdir, so the absolute {path!r} is looked for inside it and the publisher {outcome}"
        else:
            continue
        yield Finding.at(loc.child(key), message, f"write it relative to the step's workdir, e.g. {relative!r}")


@rule("RL529", "constant-pub-braces", Severity.ERROR, "a `constant-pub` value with `{workdir}` or another placeholder")
def constant_pub_braces(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{workdir}` and other placeholders in a `constant-pub` `publish` value, and (as a
    warning) a relative file name the step writes into its workdir.

    Why (packtivity 0.17.1 / yadage 0.21.2, run with `yadage-run` and local steps):
    `constant-pub` publishes its values verbatim; the step that reads one gets the text and
    expands its placeholders as its own parameter. `file: '{workdir}/c.txt'` reached the reader
    as `.../work/showconst/c.txt`, the *reader's* workdir, where no such file is; `{name}` failed
    there with `KeyError: 'name'`; a bare `c.txt` reached it as `c.txt`, relative to wherever
    the reader runs. `interpolated-pub` expands `{workdir}` (and the parameters) in the
    publishing step itself.

    Bad:

        publisher: {publisher_type: constant-pub, publish: {histograms: '{workdir}/hists.root'}}

    Fixed:

        publisher: {publisher_type: interpolated-pub, publish: {histograms: '{workdir}/hists.root'}}
    """
    for step in analysis.steps:
        loc, publisher = _publisher(step)
        if loc is None or publisher.get("publisher_type") != "constant-pub" or not loc.has("publish"):
            continue
        command = " ".join(t.text for t in templates(step) if t.where != "publish template")
        for leaf in value_leaves(loc.child("publish")):
            text = leaf.value
            if not isinstance(text, str):
                continue
            match = _PLACEHOLDER.search(text)
            if match is not None:
                placeholder = match.group(0)
                if placeholder == "{workdir}":
                    consequence = "expands `{workdir}` to its own workdir, not this step's"
                else:
                    consequence = f"cannot expand `{placeholder}` (KeyError: '{placeholder[1:-1]}')"
                yield Finding.at_text(
                    leaf,
                    placeholder,
                    f"`constant-pub` publishes {text!r} as it is written; the step that reads it {consequence}",
                    "publish it with `interpolated-pub`, which expands `{workdir}` and the parameters in this step",
                )
            elif _written_in_workdir(text, command):
                yield Finding.at(
                    leaf,
                    f"`constant-pub` publishes the bare name {text!r}, which the step reading it resolves in its own directory",
                    f"publish the full path with `interpolated-pub`: '{{workdir}}/{text}'",
                    severity=Severity.WARNING,
                )


def _written_in_workdir(name: str, command: str) -> bool:
    """Whether the command writes ``name`` into a directory it is given (`{outdir}/name`) or its working directory."""
    looks_like_a_file = bool(re.fullmatch(r"[\w.\-/]+", name)) and ("." in name or "/" in name)
    if not looks_like_a_file or name.startswith("/"):
        return False
    return f"}}/{name}" in command or name in _write_targets(command)


def _write_targets(command: str) -> List[str]:
    return [m.group(1) for m in _WRITE_TARGET.finditer(command)]


@rule("RL530", "list-in-publish-template", Severity.ERROR, "a list parameter written whole into an `interpolated-pub` template")
def list_in_publish_template(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{name}` in an `interpolated-pub` template where a stage passes `name` as a list:
    a literal list, a list from the initdata, or the one-element list `{stages: X, output: Y}`
    gives without `unwrap: true`.

    Why (packtivity 0.17.1, run with `yadage-run` and local steps): commands see lists joined with
    spaces, but publish templates get the parameters as they are, so `{name}` renders the list's
    Python repr: with `name: {stages: init, output: name}` the command wrote `hello.txt` while the
    publisher published `.../greet/['hello'].txt`, and the next step failed on that path. An error
    when a stage reads that output, a warning while nothing does.

    Bad:

        parameters: {name: {stages: init, output: name}}
        publish: {out: '{workdir}/{name}.txt'}

    Fixed:

        parameters: {name: {stages: init, output: name, unwrap: true}}
    """
    yield from (finding for finding, _ in list_renderings(analysis))


@once_per_analysis
def list_renderings(analysis: Analysis) -> Judged:
    """RL530's findings, each with the `{stages: X}` selector whose one-element list is rendered."""
    found: Judged = []
    for step, users in checked_steps(analysis):
        for template in templates(step):
            if template.where != "publish template":
                continue
            for field in template.named():
                if field.name != field.root:
                    continue  # `{files[0]}` indexes the list, which works in a publisher
                for stage in users:
                    parameter = next((p for p in stage.parameters if str(p.key) == field.root), None)
                    values = parameter_values(analysis, stage, parameter) if parameter is not None else []
                    value = next((s.value for s in values if s.value is not None and s.value.is_list), None)
                    if value is None:
                        continue
                    if value.wrapped is not None:
                        target = value.wrapped.value.get("stages") or value.wrapped.value.get("steps")
                        what, hint = f"a one-element list (`stages: {target}` without `unwrap`)", f"add `unwrap: true` to the selector of '{field.root}'"
                    else:
                        what, hint = "a list", f"publish one element, e.g. `{{{field.root}[0]}}`, or a list of templates"
                    publisher_loc = step.part("publisher")
                    assert publisher_loc is not None  # the template is one of its `publish` values
                    output = template.loc.pointer[len(publisher_loc.pointer) + 1]  # (..., "publish", <output>, ...)
                    read = _read_downstream(analysis, stage, output)
                    consequence = f"'{read}' reads it" if read else "nothing reads it yet"
                    message = (
                        f"`{field.literal}` in publish template is {what} in stage '{stage.path}', so output '{output}' is "
                        f"its Python repr, e.g. ['...']; {consequence}"
                    )
                    severity = None if read else Severity.WARNING
                    found.append((at_field(template, field, message, hint, severity=severity), value.wrapped))
                    break
    return found


def _read_downstream(analysis: Analysis, stage: Stage, output: Any) -> Optional[str]:
    """The first stage whose selector reads ``output`` of ``stage``, or None."""
    for graph in graphs(analysis):
        for selector in graph.selectors:
            resolution = selector.target.resolution
            wanted = selector.value.get("output")
            key = IDENTIFIER.match(wanted) if isinstance(wanted, str) else None
            if resolution is None or key is None or key.group(0) != str(output):
                continue
            if any(r.entry.stage is stage for r in resolution.reached):
                return str(selector.stage.path)
    return None


def _reads_from_workdir(step: Step, users: List[Stage]) -> List[str]:
    """Names the publisher looks for relative to the step's workdir (file names or glob patterns)."""
    _, publisher = _publisher(step)
    kind = publisher.get("publisher_type")
    names: List[str] = []
    if kind in ("fromyaml-pub", "fromglob-pub"):
        names.append(publisher.get("yamlfile" if kind == "fromyaml-pub" else "globexpression"))
    elif kind == "interpolated-pub":
        names.extend(t.text for t in templates(step) if t.where == "publish template")
    elif kind == "frompar-pub":
        wanted = {leaf.value for leaf in outputmap_leaves(step)}
        names.extend(p.value for stage in users for p in stage.parameters if str(p.key) in wanted and isinstance(p.value, str))
    else:
        return []
    if kind in ("interpolated-pub", "frompar-pub"):  # these name files as `{workdir}/<file>`
        names = [n[len("{workdir}/") :] for n in names if isinstance(n, str) and n.startswith("{workdir}/")]
    return [n for n in names if isinstance(n, str) and n and "{" not in n and not n.startswith("/")]


@rule("RL531", "relative-output-path", Severity.ERROR, "a command writes its output to a relative path in a container")
def relative_output_path(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `docker-encapsulated` step without `environment.workdir` whose command writes,
    to a relative path (`> out.yml`, `tee out.txt`, `-o hists.root`), a file its publisher reads
    from the step's workdir.

    Why (packtivity 0.17.1, run with `yadage-run` and Docker): the container starts in its image's
    working directory (`/` for busybox), not in the step's workdir; packtivity passes `-w` only
    when `environment.workdir` is set. `echo "x: 1" > out.yml` wrote `/out.yml` inside a container
    that was then removed, and `fromyaml-pub` failed with `FileNotFoundError: .../write/out.yml`;
    with `workdir: '{workdir}'` the same step worked. (`localproc-env` steps run in their workdir,
    so there a relative path works.)

    Bad:

        process: {process_type: string-interpolated-cmd, cmd: 'echo "x: 1" > out.yml'}
        publisher: {publisher_type: fromyaml-pub, yamlfile: out.yml}

    Fixed: write into the workdir, `cmd: 'echo "x: 1" > {outdir}/out.yml'` with the parameter
    `outdir: '{workdir}'`, or add `workdir: '{workdir}'` to the environment.
    """
    for step, users in checked_steps(analysis):
        environment = step.part_value("environment")
        if environment.get("environment_type") != "docker-encapsulated" or environment.get("workdir"):
            continue
        wanted = _reads_from_workdir(step, users)
        if not wanted:
            continue
        for template in templates(step):
            if template.where == "publish template" or _CD.search(template.text):
                continue  # after a `cd` the working directory is whatever the command made it
            for match in _WRITE_TARGET.finditer(template.text):
                target = match.group(1)
                if target.startswith(("/", "{", "$", "~", "-")) or not any(fnmatch.fnmatchcase(target, name) for name in wanted):
                    continue
                yield at_text(
                    template.loc,
                    template.text,
                    target,
                    match.start(1),
                    f"'{target}' is written relative to the container's working directory, not the step's workdir, "
                    f"so the publisher does not find it",
                    "write it into the workdir (pass `outdir: '{workdir}'` and write `{outdir}/" + target + "`), "
                    "or set `workdir: '{workdir}'` in the environment",
                )
