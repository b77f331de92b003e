"""Scale out on REANA: a self-contained submission directory and the `reana-client` calls (C.6).

REANA resolves `$ref`s against the workspace root, not the toplevel, so the workflow is submitted
with every `$ref` inlined into one JSON file. `reana-client` reads `REANA_SERVER_URL` and
`REANA_ACCESS_TOKEN` from the environment itself; neither is ever put in argv or printed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import click
import yaml

from recast_lint.model import UnresolvedRef, inline_refs, real
from recast_lint.records import Record
from recast_lint.run.common import (
    Inputs,
    Prepared,
    RunError,
    RunFailed,
    check_initdir,
    collect_results,
    format_results,
    inside,
    local_initdir,
    make_new_dir,
    mask,
    note,
    refuse_results_outside,
    used_steps,
    warn,
    where,
)

REANA_SPEC_VERSION = "0.9.0"
WORKFLOW_FILE = "workflow.json"
INITDIR_NAME = "inputdata"
DEFAULT_CVMFS = ("atlas.cern.ch", "atlas-condb.cern.ch")
_RUN_NAME = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*)(\.\d+)?")  # matched whole


def default_name(prepared: Prepared) -> str:
    """The last part of the recast.yml name (`examples/helloworld` -> `helloworld`), as a valid REANA workflow name."""
    name = prepared.entry.doc.data.get("name")
    base = str(name).rsplit("/", 1)[-1] if isinstance(name, str) and name else prepared.root.name
    return re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-_") or "analysis"


def check_name(name: str) -> str:
    """A workflow name (`fit`) or one run of it (`fit.3`)."""
    match = _RUN_NAME.fullmatch(name)
    if not match:
        raise RunError(f"--name {name!r} is not a valid REANA workflow name; use letters, digits, '-' or '_' (optionally `.N` for run N)")
    return name


def submission_dir(prepared: Prepared, name: str) -> Path:
    return prepared.root / f"recast-reana-{name.split('.')[0]}"


# -- what REANA honours -------------------------------------------------------------------------


def resources(prepared: Prepared, environ: Dict[str, str]) -> Dict[str, Any]:
    """`workflow.resources` from the steps' resources: CVMFS repositories and Kerberos for the whole workflow."""
    cvmfs = kerberos = False
    for step in used_steps(prepared):
        for item in step.part_value("environment").get("resources") or []:
            if isinstance(item, str):
                cvmfs |= item.upper() == "CVMFS"
                kerberos |= item == "KRB5Auth"
            elif isinstance(item, dict):
                cvmfs |= "cvmfs" in item
                kerberos |= item.get("kerberos") is True
    out: Dict[str, Any] = {}
    if cvmfs:
        repos = [r.strip() for r in environ.get("RECAST_REANA_CVMFS_REPOS", "").split(",") if r.strip()]
        out["cvmfs"] = repos or list(DEFAULT_CVMFS)
    if kerberos:
        out["kerberos"] = True
    return out


def portability_warnings(prepared: Prepared, inputs: Inputs) -> List[str]:
    """What works locally but is ignored on REANA, each with the file and line that asks for it."""
    found: List[str] = []
    for step in used_steps(prepared):
        env_loc = step.part("environment")
        if env_loc is not None:
            stages = ", ".join(sorted({str(s.path) for s in step.used_by}))
            found += [f"{where(env_loc, key)}: stage {stages}: {text}" for key, text in _ignored(step.part_value("environment"))]
    for key in sorted(set(inputs.dataopts) - {"initdir"}):
        found.append(f"dataopts.{key} of {inputs.label} is not supported on REANA and is left out")
    return found


def _ignored(env: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(key, message) for each environment setting REANA does not honour (C.6)."""
    out = []
    for item in env.get("resources") or []:
        if item == "GRIDProxy":
            out.append(("resources", "resource 'GRIDProxy' is a string, which REANA ignores; write `- voms_proxy: true`"))
        elif isinstance(item, str) and item.upper() != "CVMFS" and item != "KRB5Auth":
            out.append(("resources", f"resource {item!r} is a string, which REANA ignores"))
    if env.get("env"):
        out.append(("env", "`env` is not set on REANA; export the variables in the command"))
    if env.get("envscript"):
        out.append(("envscript", "`envscript` is not sourced on REANA; source it at the start of the command"))
    if env.get("par_mounts"):
        out.append(("par_mounts", "`par_mounts` are not mounted on REANA; write the file in the command"))
    if env.get("workdir"):
        out.append(("workdir", "`workdir` is ignored on REANA; `cd` at the start of the command"))
    return out


# -- the submission directory -------------------------------------------------------------------


def reana_spec(prepared: Prepared, inputs: Inputs, with_initdir: bool, environ: Dict[str, str]) -> Dict[str, Any]:
    """The reana.yaml document (reana_analysis_schema: version, inputs, workflow, outputs)."""
    spec_inputs: Dict[str, Any] = {"files": [WORKFLOW_FILE], "parameters": inputs.initdata}
    if with_initdir:
        spec_inputs["directories"] = [INITDIR_NAME]
        spec_inputs["options"] = {"initdir": INITDIR_NAME}
    workflow: Dict[str, Any] = {"type": "yadage", "file": WORKFLOW_FILE}
    wanted = resources(prepared, environ)
    if wanted:
        workflow["resources"] = wanted
    spec: Dict[str, Any] = {"version": REANA_SPEC_VERSION, "inputs": spec_inputs, "workflow": workflow}
    relpaths = [r["relpath"] for r in prepared.results()]
    if relpaths:
        # the workspace is yadage's run directory, so recast.yml's relpaths name the same files there
        spec["outputs"] = {"files": relpaths}
    return spec


def inlined_workflow(prepared: Prepared) -> Dict[str, Any]:
    entry = prepared.entry
    if entry.workflow is None or entry.toplevel is None:
        raise RunError(f"toplevel {entry.remote_toplevel!r} is remote; submit needs the specs on disk (clone them and set spec.toplevel)")
    try:
        return inline_refs(prepared.analysis, entry.workflow.loc, entry.toplevel)
    except UnresolvedRef as exc:
        raise RunError(f"{exc}; run `recast-lint check {prepared.root}`") from exc


class Submission(Record):
    name: str
    directory: Path
    spec: Dict[str, Any]


def write_submission(prepared: Prepared, inputs: Inputs, name: str, environ: Dict[str, str]) -> Submission:
    """Write `recast-reana-NAME/`, a directory of its own: workflow.json, reana.yaml and a copy of the initdir.

    Everything in it is uploaded, so the copy takes nothing from outside the analysis: the initdir
    must lie inside it, and a symbolic link in the initdir that leads out is refused."""
    root = prepared.root
    directory = submission_dir(prepared, name)
    initdir = local_initdir(inputs)
    if initdir is not None:
        check_initdir(inputs, initdir, root, "and everything in the submission directory is uploaded")
        if inside(initdir, directory):
            raise RunError(f"{inputs.initdir_at}dataopts.initdir {initdir} is inside {directory}, which submit writes; name the input directory")
    if inputs.dataopts.get("initdir") and initdir is None:
        warn(f"dataopts.initdir of {inputs.label} is filled by `inputarchive`, which REANA does not support; the run will start without it")
    workflow = inlined_workflow(prepared)
    spec = reana_spec(prepared, inputs, initdir is not None, environ)
    if initdir is not None:
        _refuse_links_out(initdir, root, directory)  # before anything is written
    make_new_dir(directory, root, f"a submission of that name was written before; pass --name {name}-2, or remove the directory")
    (directory / WORKFLOW_FILE).write_text(json.dumps(workflow, indent=2) + "\n", encoding="utf-8")
    (directory / "reana.yaml").write_text(
        "# written by recast-lint submit from recast.yml\n" + yaml.safe_dump(spec, sort_keys=False),
        encoding="utf-8",
    )
    if initdir is not None:
        shutil.copytree(initdir, directory / INITDIR_NAME, ignore=lambda folder, names: [
            n for n in names if Path(folder, n).resolve() == directory.resolve()  # the initdir may hold the submission directory
        ])
    return Submission(name, directory, spec)


def _refuse_links_out(initdir: Path, root: Path, directory: Path) -> None:
    """Fail on the first entry under ``initdir`` the copy must not follow: a symbolic link that leads
    out of ``root``, a link to a directory (links between directories can make the copy endless), or
    anything that is neither a file nor a directory (reading a pipe would hang)."""
    for folder, dirnames, filenames in os.walk(initdir):
        dirnames[:] = [d for d in dirnames if Path(folder, d).resolve() != directory.resolve()]
        for entry in [Path(folder, d) for d in dirnames] + [Path(folder, f) for f in filenames]:
            if entry.is_symlink() and not inside(entry, root):
                raise RunError(f"{entry} is a symbolic link to {real(entry)}, outside {root}; submit uploads only the analysis's "
                               "own files: copy what it needs into the input directory, or remove the link")
            if entry.is_symlink() and entry.is_dir():
                raise RunError(f"{entry} is a symbolic link to a directory, which submit does not follow; put the directory itself there")
            if not (entry.is_dir() or entry.is_file()):
                raise RunError(f"{entry} is not a file or a directory (a pipe, a socket or a link to nothing); remove it from the input directory")


# -- reana-client -------------------------------------------------------------------------------


def _client_commands(name: str) -> List[List[str]]:
    return [
        ["reana-client", "create", "-w", name, "-f", "reana.yaml"],
        ["reana-client", "upload", "-w", name],
        ["reana-client", "start", "-w", name],
    ]


def _require_client() -> None:
    if shutil.which("reana-client") is None:
        raise RunError("reana-client is not installed; pip install 'recast-lint[reana]'")
    missing = [v for v in ("REANA_SERVER_URL", "REANA_ACCESS_TOKEN") if not os.environ.get(v)]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise RunError(f"{' and '.join(missing)} {verb} not set; export {'it' if len(missing) == 1 else 'them'} (the token is on your REANA profile page)")


def _client(argv: List[str], cwd: Path, echo: bool = True) -> Tuple[int, List[str], List[str]]:
    """Run reana-client; return its exit code, stdout and stderr lines (masked), relaying both to stderr if ``echo``."""
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=3600)
    except OSError as exc:
        raise RunError(f"cannot start reana-client: {exc.strerror}") from exc
    except subprocess.TimeoutExpired as exc:
        raise RunError(f"`{' '.join(argv[:2])}` did not finish within an hour") from exc
    out, err = mask(done.stdout).splitlines(), mask(done.stderr).splitlines()
    if echo:
        for line in out + err:
            click.echo(line, err=True)
    return done.returncode, out, err


def _last(lines: List[str], code: int) -> str:
    useful = [line.strip() for line in lines if line.strip()]
    return useful[-1] if useful else f"exit code {code}"


def submit(prepared: Prepared, inputs: Inputs, name: str, dry_run: bool) -> None:
    check_name(name)
    if "." in name:
        raise RunError(f"--name {name!r} names one run; submit creates a new run, so give the workflow name without `.N`")
    for problem in portability_warnings(prepared, inputs):
        warn(problem)
    submission = write_submission(prepared, inputs, name, dict(os.environ))
    note(f"wrote {submission.directory}/ ({WORKFLOW_FILE}, reana.yaml{', ' + INITDIR_NAME + '/' if 'directories' in submission.spec['inputs'] else ''})")
    commands = _client_commands(name)
    if dry_run or shutil.which("reana-client") is None:
        if not dry_run:
            note("reana-client is not installed (pip install 'recast-lint[reana]'); to submit, run:")
        click.echo(f"cd {shlex.quote(str(submission.directory))}")
        for variable in ("REANA_SERVER_URL", "REANA_ACCESS_TOKEN"):
            if not os.environ.get(variable):
                click.echo(f"export {variable}=...  # {'e.g. https://reana.cern.ch' if variable == 'REANA_SERVER_URL' else 'from your REANA profile page'}")
        for argv in commands:
            click.echo(shlex.join(argv))
        return
    _require_client()
    run_name = name
    for argv in commands:
        if argv[1] != "create":
            argv[3] = run_name  # upload and start the run that create made, not whatever is latest
        code, stdout, stderr = _client(argv, submission.directory)
        if code != 0:
            raise RunError(f"`reana-client {argv[1]}` failed ({_last(stderr or stdout, code)}); see its output above")
        if argv[1] == "create":
            created = [line.strip() for line in stdout if _RUN_NAME.fullmatch(line.strip()) and line.strip().startswith(name + ".")]
            run_name = created[-1] if created else name
    note(f"submitted {run_name} to {os.environ['REANA_SERVER_URL']}; follow it with `recast-lint status {run_name}`, "
         f"then `recast-lint results {run_name}`")
    click.echo(run_name)


def _query_state(name: str) -> Tuple[List[str], Optional[str]]:
    """`reana-client status` of ``name``: the table it prints, and the run's state (None if unreadable)."""
    code, stdout, stderr = _client(["reana-client", "status", "-w", name], Path.cwd(), echo=False)
    if code != 0:
        raise RunError(f"`reana-client status` failed for {name!r} ({_last(stderr or stdout, code)}); `reana-client list` shows your workflows")
    return stdout, _run_state(stdout)


def status(name: str) -> None:
    check_name(name)
    _require_client()
    table, state = _query_state(name)
    for line in table:
        click.echo(line)
    if state in FAILED_STATES:
        click.echo(f"recast-lint: {name} is {state} on REANA; `reana-client logs -w {name}` shows why", err=True)
        raise RunFailed(state)


# a run in one of these states will never produce its results
FAILED_STATES = ("failed", "stopped", "deleted")


def _run_state(table: List[str]) -> Optional[str]:
    """The STATUS column of `reana-client status` (a header line, then one line for the run)."""
    rows = [line.split() for line in table if line.strip()]
    if len(rows) < 2 or "STATUS" not in rows[0]:
        return None
    column = rows[0].index("STATUS")
    return rows[1][column].lower() if column < len(rows[1]) else None


def results(prepared: Prepared, name: str, as_json: bool) -> None:
    check_name(name)
    declared = prepared.results()
    if not declared:
        raise RunError("recast.yml declares no results; add `results:` entries (name, relpath) to fetch them")
    refuse_results_outside(prepared)  # a relpath that leaves the download directory is refused before anything is fetched
    _require_client()
    _, state = _query_state(name)
    if state is not None and state != "finished":
        then = f"`reana-client logs -w {name}` shows why" if state in FAILED_STATES else f"wait for it (`recast-lint status {name}`)"
        click.echo(f"recast-lint: {name} is {state} on REANA, so it has no results yet; {then}", err=True)
        raise RunFailed(state)
    target = make_new_dir(submission_dir(prepared, name) / "results" / name, prepared.root,
                          "these results were downloaded before; remove the directory to download them again")
    failures: Dict[str, str] = {}
    for result in declared:
        code, stdout, stderr = _client(["reana-client", "download", "-w", name, result["relpath"], "-o", str(target)], target, echo=False)
        if not (target / result["relpath"]).exists():
            failures[result["relpath"]] = _last(stderr or stdout, code)  # reana-client exits 0 even when a download fails
    found, problems = collect_results(declared, target)
    if found or as_json:
        click.echo(format_results(found, as_json), nl=False)
    for result in declared:
        if result["relpath"] in failures:
            click.echo(f"recast-lint: result {str(result.get('name', result['relpath']))!r}: not downloaded ({failures[result['relpath']]}); "
                       f"is {name} finished? (`recast-lint status {name}`)", err=True)
    for problem in problems:
        if not any(relpath in problem for relpath in failures):
            click.echo(f"recast-lint: {problem}", err=True)
    if problems:
        raise RunFailed("results missing")
