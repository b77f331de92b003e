"""RL630-RL634: the `.gitlab-ci.yml` job that runs the analysis with `recast run`."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, List, Optional, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc
from recast_lint.rules.catalogue.civars import inherited, script_lines
from recast_lint.rules.catalogue.common import ENTRY_NAME, TEMPLATED, entry_data
from recast_lint.rules.catalogue.index import item_names
from recast_lint.rules.registry import Finding, rule

CI_SCRIPT_KEYS = ("before_script", "script", "after_script")
CI_NAMED_COMMAND = LazyPattern(r"\brecast\s+(run|catalogue\s+(?:check|describe))\s+(['\"]?)([^\s;|&)'\"]+)\2")
RECASTATLAS_IMAGE = LazyPattern(r"^(?:[^/]+\.[^/]+/)?recast/recastatlas(?P<rest>[:@].*)?$")
UNPINNED_TAGS = ("latest", "latest-stable")
CI_RECAST_RUN = LazyPattern(r"\brecast\s+run\b")
CI_TAG_OPTION = LazyPattern(r"\s--tag[=\s]+(['\"]?)([^\s;|&'\"]+)\1")



def _ci_script_lines(ci: Document) -> Iterator[Tuple[Loc, str]]:
    """Every script line of every job (and of `default:` and the top level), nested lists included."""
    data = ci.data if ci.ok and isinstance(ci.data, dict) else {}
    yield from _script_lines_of(Loc(ci))
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _script_lines_of(Loc(ci, (key,)))


def _script_lines_of(holder: Loc) -> Iterator[Tuple[Loc, str]]:
    """The lines of the `before_script`/`script`/`after_script` of one mapping (a job, or the top level)."""
    for script_key in CI_SCRIPT_KEYS:
        yield from script_lines(holder.child(script_key))


@rule("RL630", "ci-wrong-analysis", Severity.ERROR, "the CI job runs a different analysis than `recast.yml` names")
def ci_wrong_analysis(analysis: Analysis) -> Iterable[Finding]:
    """Catches `recast run NAME` and `recast catalogue check|describe NAME` in `.gitlab-ci.yml`
    where NAME is not the `name` of `recast.yml`.

    Why: after `$(recast catalogue add $PWD)` the catalogue holds this entry under its `name`; any
    other name runs a different (built-in) analysis or fails with `KeyError`, and a renamed entry
    leaves the CI job testing nothing. (`recast catalogue check` even exits 0 on failure.)

    Bad:

        name: atlas/my-search            # recast.yml
        script:
          - recast run examples/helloworld --tag myrun

    Fixed:

        script:
          - recast run atlas/my-search --tag myrun

    When recast.yml's own `name` is the misspelt side (not `<group>/<identifier>`, while every
    command of the CI job names one well-formed name), it is reported once, at recast.yml's
    `name`, with that name as the fix; the hint never offers a name that is itself invalid.
    """
    name = entry_data(analysis).get("name")
    if analysis.ci is None or not isinstance(name, str):
        return
    instead = ci_name_instead(analysis)
    if instead is not None:  # recast.yml's own name is the one that is wrong
        count = sum(1 for _ in _ci_named(analysis.ci))
        yield Finding.at(
            analysis.entry.loc.child("name"),
            f"catalogue name {name!r} is not `<group>/<identifier>`, and the CI job runs {instead!r} ({count} command{'s' if count > 1 else ''})",
            f"rename the entry to '{instead}', which the CI job already uses",
        )
        return
    valid = well_formed(name)
    for loc, line, match in _ci_named(analysis.ci):
        named = match.group(3)
        if named == name or named in analysis.catalogue_names:  # another entry of the same catalogue directory
            continue
        command = " ".join(match.group(1).split())
        yield Finding.at_text(
            loc,
            named,
            f"`recast {command}` names {named!r} but recast.yml is {name!r}",
            f"write '{name}', the `name` in recast.yml"
            if valid
            else f"recast.yml's {name!r} is no `<group>/<identifier>` name either: choose one and write it in both files",
            occurrence=line[: match.start(3)].count(named),
        )


def well_formed(name: str) -> bool:
    """A catalogue name of the form `<group>/<identifier>`, or a template filled in before use."""
    return bool(ENTRY_NAME.fullmatch(name) or TEMPLATED.search(name))


def _ci_named(ci: Document) -> Iterator[Tuple[Loc, str, re.Match[str]]]:
    """Every `recast run|catalogue check|describe NAME` with a literal NAME, in the CI scripts."""
    for loc, line in _ci_script_lines(ci):
        for match in CI_NAMED_COMMAND.finditer(line):
            named = match.group(3)
            if not (named.startswith("-") or "$" in named or "{" in named):
                yield loc, line, match


def ci_name_instead(analysis: Analysis) -> Optional[str]:
    """The name the CI job runs, when recast.yml's name is the misspelt side: not `<group>/<identifier>`
    while every command of the CI job agrees on one name that is."""
    name = entry_data(analysis).get("name")
    if analysis.ci is None or not isinstance(name, str) or well_formed(name):
        return None
    named = {match.group(3) for _, _, match in _ci_named(analysis.ci)}
    if len(named) == 1 and well_formed(next(iter(named))):
        return next(iter(named))
    return None


def _ci_images(ci: Document) -> Iterator[Tuple[Loc, str]]:
    data = ci.data if ci.ok and isinstance(ci.data, dict) else {}
    places = [("image",)] + [(key, "image") for key, value in data.items() if isinstance(value, dict)]
    for pointer in places:
        loc = Loc(ci, pointer)
        value = loc.value
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            yield loc.child("name"), value["name"]
        elif isinstance(value, str):
            yield loc, value


@rule("RL631", "ci-image-unpinned", Severity.WARNING, "the CI job uses an unpinned `recast/recastatlas` image")
def ci_image_unpinned(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `recast/recastatlas` CI image without a tag, or tagged `latest` or `latest-stable`.

    Why: the image carries recast-atlas and an unpinned yadage stack; a moving tag changes the
    runtime under the analysis, so a job that passed can fail later without any change to it.

    Bad:

        image: recast/recastatlas:latest

    Fixed:

        image: recast/recastatlas:v0.4.2
    """
    if analysis.ci is None:
        return
    for loc, image in _ci_images(analysis.ci):
        match = RECASTATLAS_IMAGE.match(image.strip())
        if match is None or "$" in image:
            continue
        rest = match.group("rest") or ""
        if rest.startswith("@"):
            continue
        tag = rest[1:]
        if not tag or tag in UNPINNED_TAGS:
            yield Finding.at(
                loc,
                f"CI image {image!r} is not pinned to a release" if tag else f"CI image {image!r} has no tag, so it is `latest`",
                "pin a release, e.g. `recast/recastatlas:v0.4.2`",
            )


def _ci_run_jobs(ci: Document) -> Iterator[Tuple[Loc, List[Tuple[Loc, str]]]]:
    """(job, its script lines that call `recast run`) for every job that runs the workflow."""
    data = ci.data if ci.ok and isinstance(ci.data, dict) else {}
    for key, value in data.items():
        if not isinstance(value, dict) or str(key).startswith("."):
            continue  # hidden jobs (`.template:`) are only merged into others
        job = Loc(ci, (key,))
        runs = [(loc, line) for loc, line in _script_lines_of(job) if re.search(r"\brecast\s+run\b", line)]
        if runs:
            yield job, runs


def _ci_setting(ci: Document, job: Loc, key: str) -> Any:
    """A job's `key`, else the one of the jobs it `extends:` (the last first), else the one under
    `default:`, else the top-level one (GitLab's inheritance)."""
    for holder in inherited(ci, job):
        value = holder.get(key)
        if value is not None:
            return value
    return None


@rule("RL633", "ci-run-without-docker", Severity.WARNING, "a CI job runs the workflow without a Docker daemon to run its steps")
def ci_run_without_docker(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `.gitlab-ci.yml` job that calls `recast run` but has no `docker:dind` service, or
    no privileged runner tag.

    Why: every step runs in a container of its own, started through the Docker daemon; in GitLab
    CI that daemon is the dind service, and dind only starts on a privileged runner (at CERN, the
    runners tagged `docker-privileged`). Without them the job fails before the first step.

    Bad:

        recast:
          image: recast/recastatlas:v0.4.2
          script: [recast run atlas/my-search --tag myrun]

    Fixed:

        recast:
          tags: [docker-privileged]
          services: [docker:stable-dind]
          image: recast/recastatlas:v0.4.2
          script: [recast run atlas/my-search --tag myrun]
    """
    if analysis.ci is None:
        return
    for job, _ in _ci_run_jobs(analysis.ci):
        missing = []
        if not any("dind" in name for name in item_names(_ci_setting(analysis.ci, job, "services"))):
            missing.append("`docker:dind` service")
        if not any("privileged" in name for name in item_names(_ci_setting(analysis.ci, job, "tags"))):
            missing.append("privileged runner tag")
        if missing:
            yield Finding.at(
                job,
                f"job '{job.pointer[-1]}' runs the workflow with no {' and no '.join(missing)}, so its steps cannot start",
                "add `tags: [docker-privileged]` and `services: [docker:stable-dind]` to the job",
                key=True,
            )


@rule("RL634", "ci-run-output-not-kept", Severity.WARNING, "a CI run's `recast-<tag>/` directory is not kept as an artifact")
def ci_run_output_not_kept(analysis: Analysis) -> Iterable[Finding]:
    """Catches `recast run ... --tag T` in a CI job whose `artifacts: paths:` do not include
    `recast-T`.

    Why: the run writes its results, step logs and workflow picture to `recast-T/`; without the
    artifact they vanish with the job, so a failed run cannot be diagnosed and a good one leaves
    no result.

    Bad:

        script: [recast run atlas/my-search --tag myrun]

    Fixed:

        script: [recast run atlas/my-search --tag myrun]
        artifacts:
          paths: [recast-myrun]
          when: always
    """
    if analysis.ci is None:
        return
    for job, runs in _ci_run_jobs(analysis.ci):
        artifacts = _ci_setting(analysis.ci, job, "artifacts")
        paths = artifacts.get("paths") if isinstance(artifacts, dict) else None
        kept = [str(p).rstrip("/") for p in paths] if isinstance(paths, list) else []
        for loc, line in runs:
            for tag in _run_tags(line):
                if "$" in tag or f"recast-{tag}" in kept or "recast-*" in kept:
                    continue
                yield Finding.at_text(
                    loc,
                    tag,
                    f"the run writes to 'recast-{tag}/', which job '{job.pointer[-1]}' does not keep as an artifact",
                    f"add `recast-{tag}` under the job's `artifacts: paths:` (with `when: always`, to keep failed runs too)",
                )


def _run_tags(line: str) -> Iterator[str]:
    """The `--tag` of each `recast run` in a script line, read once per command (`;`, `|`, `&` end one)."""
    for command in re.split(r"[;|&]", line):
        run = CI_RECAST_RUN.search(command)
        option = CI_TAG_OPTION.search(command, run.end()) if run else None
        if option:
            yield option.group(2)
