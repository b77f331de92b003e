"""RL3xx: `$ref`s and the files the analysis points at, resolved the way the runtime resolves them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.model import Analysis, Loc, RefSite, parse_fragment
from recast_lint.rules.registry import Finding, did_you_mean, rule, single_close_match


def _target_loc(site: RefSite) -> Loc:
    """The `$ref` value itself, or the plain string for a test's `spec`."""
    return site.loc.child("$ref") if isinstance(site.loc.value, dict) else site.loc


def _sites(analysis: Analysis, *problems: str) -> Iterator[RefSite]:
    seen = set()
    for site in analysis.refs:
        if site.problem in problems and site.loc not in seen:
            seen.add(site.loc)
            yield site


# The fixes change the part written to the one existing name it can stand for (fix.change_at):
# safe, since the runtime cannot resolve what is written.


def _base_name(analysis: Analysis, site: RefSite) -> str:
    rel = os.path.relpath(site.base, analysis.root)
    return "the analysis root" if rel == "." else f"{rel}/"


@rule("RL301", "ref-missing-file", Severity.ERROR, "`$ref` names a file that does not exist", fix=Applicability.SAFE)
def ref_missing_file(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `$ref` (or a test's `spec`) whose file does not exist where the runtime looks.

    Why: `$ref`s in the top workflow file resolve against the *toplevel* (`spec.toplevel`,
    default `specs/`), not against the file's own directory; `$ref`s inside a file that was itself
    reached by `$ref` resolve against that file's directory. A wrong path fails with "cannot find
    URI" (or yadage-validate's "this is not even wrong") before anything runs.

    Bad:

        step: {$ref: 'steps.yaml#/hello_world'}     # the file is steps.yml

    Fixed:

        step: {$ref: 'steps.yml#/hello_world'}

    A workflow read by two entry points with different toplevels (recast.yml against `specs/`, a
    `reana.yaml` against its own directory, since REANA resolves against its workspace) may
    resolve for one and not the other. Then the diagnostic names the one that fails, and the hint
    does not offer the path that would break the other: REANA gets the workflow with its `$ref`s
    inlined instead (`recast-lint submit`).
    """
    for site in _sites(analysis, "missing-file"):
        file_part = str(site.target).partition("#")[0]
        working = [other for other in analysis.refs if other.loc == site.loc and other.resolved is not None]
        if working:  # one workflow read by two roots with different toplevels
            yield _works_for_one_root(analysis, site, working[0], file_part)
            continue
        hint = did_you_mean(file_part, site.candidates) or f"write the path relative to {_base_name(analysis, site)}, or add the file"
        meant = single_close_match(file_part, site.candidates)
        if site.found_from == site.loc.doc.path.parent:
            meant = fixed = os.path.relpath(site.found_from / file_part, site.base)
            hint = (
                f"`$ref`s in the top workflow resolve against the toplevel ({_base_name(analysis, site)}), "
                f"not this file's directory; write '{fixed}'"
            )
        elif site.found_from is not None and analysis.entry is None:
            toplevel = os.path.relpath(site.found_from)
            hint = f"'{file_part}' exists relative to '{toplevel}': if that is the toplevel, lint with `--toplevel {toplevel}`"
            meant = None  # the command line is wrong, not the file
        yield Finding.at(
            _target_loc(site),
            f"`$ref` file '{file_part}' not found (looked in {_base_name(analysis, site)})",
            hint,
            fix=fix.change_at(_target_loc(site), 0, file_part, meant),
        )


def _roots_reading_from(analysis: Analysis, base: Path) -> str:
    """The entry points whose toplevel is ``base``: `recast.yml`, a `reana.yaml`, a loose workflow."""
    names = []
    for spec in analysis.reana:
        if spec.toplevel == base:
            names.append(os.path.relpath(spec.doc.path, analysis.root))
    for root in analysis.workflows:
        if root.toplevel == base and root.origin != "reana":
            names.append("recast.yml" if root.origin == "recast" else os.path.relpath(root.loc.doc.path, analysis.root))
    return " and ".join(dict.fromkeys(names)) or "a root workflow"


def _works_for_one_root(analysis: Analysis, failing: RefSite, working: RefSite, file_part: str) -> Finding:
    """A `$ref` in a workflow that two entry points read with different toplevels: fine for one,
    missing for the other. Rewriting it for the failing one would break the working one."""
    broken, fine = _roots_reading_from(analysis, failing.base), _roots_reading_from(analysis, working.base)
    rewritten = os.path.relpath(working.base / file_part, failing.base)
    reana = any(spec.toplevel == failing.base for spec in analysis.reana)
    keep_both = (
        "keep it, and give REANA the workflow with every `$ref` inlined: `recast-lint submit` writes and submits that"
        if reana
        else f"give both the same toplevel, or keep a copy of the workflow for {broken} with its `$ref`s written relative to {_base_name(analysis, failing)}"
    )
    return Finding.at(
        _target_loc(failing),
        f"`$ref` file '{file_part}' not found for {broken}, which resolves it against {_base_name(analysis, failing)}; "
        f"for {fine} it resolves against {_base_name(analysis, working)}",
        f"writing '{rewritten}' instead would break {fine}; {keep_both}",
    )


@rule("RL302", "ref-missing-fragment", Severity.ERROR, "`$ref` names a key that is not in the file", fix=Applicability.SAFE)
def ref_missing_fragment(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `$ref` whose `#fragment` names no key of the target file.

    Why: the runtime fails with "Unresolvable JSON pointer" before anything runs. `#x` and `#/x`
    are the same pointer; an empty fragment means the whole file.

    Bad:

        step: {$ref: 'steps.yml#/helloworld'}       # the step is hello_world

    Fixed:

        step: {$ref: 'steps.yml#/hello_world'}
    """
    for site in _sites(analysis, "missing-fragment"):
        yield Finding.at(
            _target_loc(site),
            f"`$ref` fragment '{site.detail}' not found in '{str(site.target).partition('#')[0] or 'this file'}'",
            did_you_mean(site.detail, site.candidates),
            fix=fix.change_at(_target_loc(site), *_fragment_part(site), single_close_match(site.detail, site.candidates)),
        )


def _fragment_part(site: RefSite) -> tuple:
    """(offset in the reference, text) of the fragment part that names nothing, when it is written
    once and as the name it stands for (no `~0`/`~1` escapes)."""
    target = str(site.target)
    file_part, _, fragment = target.partition("#")
    parts = fragment.lstrip("/").split("/")
    if parts.count(site.detail) != 1 or parse_fragment(fragment) != parts:
        return 0, ""
    index = parts.index(site.detail)
    return len(file_part) + 1 + len(fragment) - len(fragment.lstrip("/")) + sum(len(p) + 1 for p in parts[:index]), site.detail


@rule("RL303", "outside-analysis", Severity.ERROR, "a path leaves the analysis directory")
def outside_analysis(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `$ref`, `spec.toplevel` or workflow path that climbs out of the analysis root.

    Why: the runner mounts only the analysis directory into the container, so files outside it
    are invisible at run time; and a repo that reaches outside itself does not preserve the
    analysis. The linter never reads such files.

    Bad:

        step: {$ref: '../../other-analysis/steps.yml#/fit'}

    Fixed: copy the step into this repository and reference it from there.
    """
    for site in _sites(analysis, "outside-root"):
        yield Finding.at(
            _target_loc(site),
            f"`$ref` '{site.target}' leaves the analysis directory",
            "keep every spec file inside the analysis repository",
        )
    for note in analysis.notes:
        if note.kind in ("toplevel-outside-root", "workflow-outside-root"):
            yield Finding.at(note.loc, f"{note.message} leaves the analysis directory", "keep the specs inside the repository")


@rule("RL304", "ref-loop", Severity.ERROR, "`$ref`s form a loop")
def ref_loop(analysis: Analysis) -> Iterable[Finding]:
    """Catches `$ref` chains that come back to where they started, and workflows that include
    themselves.

    Why: resolution never ends; the runtime recurses until it crashes. Sub-workflows nested more
    than 64 levels deep are reported here too, and not read further: no analysis needs that many,
    and a generated chain that long is as hard on the runtime as a loop.

    Bad (in `steps.yml`):

        base: {$ref: '#/derived'}
        derived: {$ref: '#/base'}

    Fixed: write one of the two out in full, and let only the other refer to it.
    """
    for site in _sites(analysis, "loop"):
        yield Finding.at(_target_loc(site), f"`$ref` '{site.target}' leads back to itself", "point the `$ref` at the real definition")
    for note in analysis.notes:
        if note.kind == "workflow-loop":
            yield Finding.at(note.loc, note.message, "a sub-workflow cannot contain the workflow that uses it")
        elif note.kind == "workflow-too-deep":
            yield Finding.at(note.loc, note.message, "flatten it: an analysis needs a few levels of sub-workflows, not dozens")


@rule("RL305", "not-checked-remote", Severity.INFO, "a remote toplevel or `$ref` is not fetched")
def not_checked_remote(analysis: Analysis) -> Iterable[Finding]:
    """Reports `github:`, `gitlab-cern:` and `http(s):` toplevels and `$ref`s.

    Why: the linter never touches the network, so what they point at is not checked. Lint that
    repository itself to check it.

    Reported:

        step: {$ref: 'https://example.org/specs/steps.yml#/fit'}

    Fix: copy the file into the analysis (it is then checked, and preserved with it), or lint the
    repository it comes from.
    """
    for note in analysis.notes:
        if note.kind == "remote-toplevel":
            yield Finding.at(note.loc, note.message, "lint the repository the toplevel points at")
    for site in _sites(analysis, "remote"):
        yield Finding.at(
            _target_loc(site),
            f"remote `$ref` '{site.target}' is not fetched; its target was not checked",
            "copy the file into the analysis so that it is checked and preserved",
        )


@rule("RL306", "ref-siblings", Severity.WARNING, "keys next to `$ref` are ignored")
def ref_siblings(analysis: Analysis) -> Iterable[Finding]:
    """Catches keys written next to `$ref` in the same mapping.

    Why: the runtime replaces the whole mapping by the `$ref` target and drops the other keys
    silently, so an override such as `image:` next to `$ref` has no effect.

    Bad:

        environment: {$ref: 'envs.yml#/root', imagetag: '6.30'}

    Fixed: put `imagetag` in the referenced environment, or write the environment out in full.
    """
    seen = set()
    for site in analysis.refs:
        if site.loc in seen or not site.siblings:
            continue
        seen.add(site.loc)
        for key in site.siblings:
            yield Finding.at(site.loc.child(key), f"key '{key}' next to `$ref` is ignored by the runtime", "move it into the referenced document", key=True)


@rule("RL307", "missing-workflow", Severity.ERROR, "the workflow named by `recast.yml` or `reana.yaml` does not exist", fix=Applicability.SAFE)
def missing_workflow(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `spec.workflow` (or reana `workflow.file`) that does not exist, and a
    `spec.toplevel` directory that does not exist.

    Why: recast-atlas fails with "loading error: cannot find URI" plus an unrelated `TypeError`.
    Remember that `spec.workflow` is relative to the toplevel (default `specs/`).

    Bad:

        spec:
          workflow: workflow.yaml      # the file is specs/workflow.yml

    Fixed:

        spec:
          workflow: workflow.yml
    """
    for note in analysis.notes:
        if note.kind == "workflow-link-to-nothing":
            missing = os.path.relpath(note.message, analysis.root)
            message = f"workflow file '{missing}' is a symbolic link to nothing (its target is missing, or the link leads back to itself)"
            yield Finding.at(note.loc, message, "point the link at the workflow file, or put the file in its place")
        elif note.kind == "missing-workflow":
            missing = os.path.relpath(note.message, analysis.root)
            name = os.path.basename(missing)
            hint = did_you_mean(name, note.candidates) or "write the path relative to the toplevel (`spec.toplevel`, default specs/)"
            written = note.loc.value if isinstance(note.loc.value, str) else ""
            meant = single_close_match(name, note.candidates) if written.endswith(name) else None
            yield Finding.at(note.loc, f"workflow file '{missing}' does not exist", hint, fix=fix.change_at(note.loc, len(written) - len(name), name, meant))
        elif note.kind == "missing-toplevel":
            missing = os.path.relpath(note.message, analysis.root)
            yield Finding.at(note.loc, f"toplevel directory '{missing}' does not exist", "create it, or set `spec.toplevel` to the directory holding the specs")


@rule("RL308", "invalid-ref", Severity.ERROR, "a `$ref` that cannot work anywhere")
def invalid_ref(analysis: Analysis) -> Iterable[Finding]:
    """Catches `$ref` values that are not strings, and `~/...` paths into a home directory.

    Why: a home-directory path exists only on the author's machine; the runtime fails elsewhere.

    Bad:

        step: {$ref: '~/analysis/specs/steps.yml#/fit'}

    Fixed: put the file in the analysis and refer to it relative to the toplevel:

        step: {$ref: 'steps.yml#/fit'}
    """
    for site in _sites(analysis, "not-a-string"):
        yield Finding.at(_target_loc(site), "`$ref` must be a string", "write `$ref: 'steps.yml#/name'`")
    for site in _sites(analysis, "home"):
        yield Finding.at(_target_loc(site), f"`$ref` '{site.target}' points into a home directory", "reference a file inside the analysis repository")
