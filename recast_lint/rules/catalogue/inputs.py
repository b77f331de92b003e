"""RL607-RL612, RL632: input directories, `initdir`, `archivematch`, toplevels and a root `input.yml`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Applicability
from recast_lint.load import Document
from recast_lint.model import REMOTE_PREFIXES, Analysis, InputDir, Loc
from recast_lint.rules.catalogue.common import entry_data, list_items
from recast_lint.rules.catalogue.steptests import entry_tests
from recast_lint.rules.registry import Finding, did_you_mean, rule


def _input_dirs(analysis: Analysis) -> Iterator[Tuple[str, InputDir, bool]]:
    """(what, directory, may be created by the run) for every initdir and test data directory."""
    for example in analysis.examples() if entry_data(analysis) else []:
        dataopts = example.dataopts if isinstance(example.dataopts, dict) else {}
        initdir = analysis.input_dir(example.loc.child("dataopts", "initdir"))
        if initdir is not None:
            # `inputarchive` is unpacked into the initdir, so the initdir need not exist beforehand
            yield f"`initdir` of example {example.name!r}", initdir, "inputarchive" in dataopts
    for test in entry_tests(analysis):
        for item_loc, _ in list_items(test.loc.child("data")):
            data_dir = analysis.input_dir(item_loc)
            if data_dir is not None:
                yield f"data directory of test {test.name!r}", data_dir, False


@rule("RL607", "input-dir-missing", Severity.WARNING, "an `initdir` or test `data` directory does not exist")
def input_dir_missing(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dataopts.initdir` or a `tests[].data` directory inside the analysis that does not
    exist (an `initdir` filled from `inputarchive` is exempt).

    Why: the init stage and the tests read their input files from these directories; a missing one
    is mounted empty (Docker creates it), so the inputs resolve to nothing and a test step finds
    none of its `{readdir0}` files. A warning, not an error: the inputs may be put in place before
    the run (e.g. fetched by CI).

    Bad:

        tests:
          - name: fit
            data: [testdata]        # the directory is test-data

    Fixed:

        data: [test-data]
    """
    for what, directory, created_by_run in _input_dirs(analysis):
        if directory.inside_root and not directory.exists and not created_by_run:
            yield Finding.at(
                directory.loc,
                f"{what} {directory.written!r} does not exist",
                did_you_mean(directory.path.name, directory.neighbours()) or "create it inside the analysis, or fix the path",
            )


@rule("RL608", "input-dir-outside", Severity.WARNING, "an `initdir` or test `data` directory lies outside the analysis")
def input_dir_outside(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dataopts.initdir` or `tests[].data` directory outside the analysis directory
    (an absolute path elsewhere, `~/...`, or `../...`).

    Why: the Docker runner mounts only the directory it is started from (the analysis root), so
    the container cannot see these files; and a path on the author's machine exists nowhere else,
    so the analysis is not preserved.

    Bad:

        dataopts:
          initdir: /Users/me/RECAST/inputs

    Fixed: copy small inputs into the repository (`initdir: inputs`), or fetch them at run time
    with `inputarchive:` or XRootD paths in `initdata`.
    """
    for what, directory, _ in _input_dirs(analysis):
        if not directory.inside_root:
            yield Finding.at(
                directory.loc,
                f"{what} lies outside the analysis directory, which is all the runner mounts",
                "keep inputs inside the repository, or fetch them at run time (`inputarchive`, XRootD paths)",
            )


@rule("RL609", "relative-initdir", Severity.WARNING, "a relative `initdir` means two different directories")
def relative_initdir(analysis: Analysis) -> Iterable[Finding]:
    """Catches a relative `dataopts.initdir`.

    Why: `recast run` with the local or Docker backend joins it to the run directory
    (`recast-<tag>/<initdir>`, which is fresh and empty), while the REANA backend resolves it
    against the current directory; the same entry reads different inputs depending on the backend.

    An error when the example's `initdata` reads the directory through `{readdir0}` and no
    `inputarchive` fills it: with `recast run` that names a file in a new, empty directory.
    Verified with recast-atlas 0.4.2 (`recast run --backend local`): `initdir: inputdata` and
    `initdata: {datafile: '{readdir0}/data.txt'}` ran `cat .../recast-t1/inputdata/data.txt`, which
    failed (the file is in `./inputdata`).

    Bad:

        dataopts:
          initdir: inputdata

    Fixed: run with `recast-lint run` / `recast-lint submit`, which read a relative `initdir` from
    the analysis directory on every backend; with `recast run`, check the inputs are really read
    (e.g. with a test). An absolute path is no fix: it exists only on the author's machine.
    """
    for what, directory, filled_by_archive in _input_dirs(analysis):
        if directory.relative and directory.loc.pointer[-1] == "initdir":
            initdata = Loc(directory.loc.doc, directory.loc.pointer[:-2] + ("initdata",)).value
            read = not filled_by_archive and any("{readdir" in text for text in _strings(initdata))
            if read:
                yield Finding.at(
                    directory.loc,
                    f"relative {what} resolves to `recast-<tag>/{directory.written}` with `recast run`, a new empty directory, "
                    "so the files the initdata names with `{readdir0}` do not exist",
                    "run it with `recast-lint run` or `submit`, which read the initdir from the analysis directory, or let "
                    "`inputarchive` fill it",
                    severity=Severity.ERROR,
                )
                continue
            yield Finding.at(
                directory.loc,
                f"relative {what} resolves to `recast-<tag>/{directory.written}` with `recast run` but to "
                f"`./{directory.written}` on REANA",
                "`recast-lint run` and `submit` read it from the analysis directory; with `recast run`, check the inputs "
                "are really read (an absolute path would break on every other machine)",
            )


def _strings(value: object) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


@rule("RL610", "archivematch-without-slash", Severity.ERROR, "`archivematch` does not end in `/`", fix=Applicability.SAFE)
def archivematch_without_slash(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dataopts.archivematch` that does not end in `/`.

    Why: yadage's local state provider asserts that the pattern ends in `/` (it names a directory
    inside the `inputarchive` zip) before it unpacks anything; the run stops with a bare
    `AssertionError`.

    Bad:

        archivematch: '*/inputdata'

    Fixed:

        archivematch: '*/inputdata/'
    """
    for example in analysis.examples() if entry_data(analysis) else []:
        dataopts = example.dataopts if isinstance(example.dataopts, dict) else {}
        match = dataopts.get("archivematch")
        if isinstance(match, str) and not match.endswith("/"):
            where = example.loc.child("dataopts", "archivematch")
            yield Finding.at(
                where,
                f"`archivematch` {match!r} does not end in `/`; the runtime asserts it names a directory",
                f"write '{match}/'",
                fix=fix.make(f"write '{match}/'", [fix.append_to_scalar(where, "/")]),  # safe: the run stops on it now
            )


def _toplevels(analysis: Analysis) -> Iterator[Tuple[Loc, str]]:
    data = entry_data(analysis)
    spec = data.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("toplevel"), str):
        yield analysis.entry.loc.child("spec", "toplevel"), spec["toplevel"]
    for test in entry_tests(analysis):
        if isinstance(test.loc.get("toplevel"), str):
            yield test.loc.child("toplevel"), test.loc.get("toplevel")


@rule("RL611", "relative-toplevel", Severity.WARNING, "a relative `toplevel` resolves against the current directory")
def relative_toplevel(analysis: Analysis) -> Iterable[Finding]:
    """Catches a relative local `spec.toplevel` (or test `toplevel`).

    Why: recast-atlas uses a `toplevel` written in `recast.yml` as it is, so it resolves against
    the directory `recast run` is started from, not against `recast.yml`; the entry then works only
    from one directory. Without `toplevel`, recast-atlas uses `<directory of recast.yml>/specs`,
    made absolute.

    Bad:

        spec:
          toplevel: specs
          workflow: workflow.yml

    Fixed:

        spec:
          workflow: workflow.yml      # toplevel defaults to specs/ next to recast.yml
    """
    for loc, toplevel in _toplevels(analysis):
        if toplevel.startswith(REMOTE_PREFIXES) or os.path.isabs(toplevel):
            continue
        default = os.path.normpath(toplevel) == "specs" and loc.pointer == ("spec", "toplevel")
        yield Finding.at(
            loc,
            f"relative toplevel {toplevel!r} resolves against the directory `recast` is run from, not against recast.yml",
            "remove it: the default is specs/ next to recast.yml" if default else "move the specs to specs/ and drop `toplevel`",
        )


@rule("RL612", "remote-toplevel-unpinned", Severity.WARNING, "a `github:`/`gitlab-cern:` toplevel without `@ref`")
def remote_toplevel_unpinned(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `github:owner/repo[:subpath]` or `gitlab-cern:group/repo[:subpath]` toplevel
    without an explicit `@ref`.

    Why: the loader then fetches the default branch (`main` on GitHub, `master` on GitLab), so
    the specs change under the entry; recast-atlas had to add explicit `@branch`es when GitHub's
    default moved to `main` (#109).

    Bad:

        toplevel: github:lukasheinrich/yadage-workflows:phenochain/checkmate_workflow

    Fixed:

        toplevel: github:lukasheinrich/yadage-workflows@v1.2:phenochain/checkmate_workflow
    """
    for loc, toplevel in _toplevels(analysis):
        prefix = next((p for p in ("github:", "gitlab-cern:") if toplevel.startswith(p)), None)
        if prefix is None:
            continue
        repository = toplevel[len(prefix):].split(":", 1)[0]
        if "@" not in repository:
            default = "main" if prefix == "github:" else "master"
            yield Finding.at(
                loc,
                f"toplevel {toplevel!r} names no `@ref`, so it follows the moving `{default}` branch",
                f"pin a tag or commit: '{prefix}{repository}@<tag>{toplevel[len(prefix) + len(repository):]}'",
            )


@rule("RL632", "root-input-yml", Severity.INFO, "an `input.yml` at the repository root is read as initdata")
def root_input_yml(analysis: Analysis) -> Iterable[Finding]:
    """Reports an `input.yml` in the analysis root.

    Why: `yadage-run` started without init files reads `input.yml` from the current directory as
    its initdata, so running the workflow by hand from the root silently uses that file.

    Fixed: rename it (e.g. `inputs/example.yml`) and pass it explicitly.
    """
    initdata_file = Path("input.yml")
    if analysis.entry is not None and analysis.in_repository(initdata_file):
        path = analysis.root / initdata_file
        doc = analysis.documents.get(path) or Document(path=path)
        yield Finding(
            doc,
            Span.point(),
            "`input.yml` here is read as initdata by `yadage-run` started from this directory",
            "rename it if it is not meant as the default inputs",
        )
