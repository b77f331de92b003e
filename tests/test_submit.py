"""`recast-lint submit`, `status` and `results` against a stand-in `reana-client` (tests/fixtures/submit/bin).

The fitgrid fixture spreads its workflow over four files (`$ref`s into a subdirectory, a nested
`$ref` resolved against that subdirectory, a fragment without a slash) and uses every setting
REANA ignores. With `reana-client` installed in bench/.envs/reana, the generated reana.yaml is
also validated by the real client and against REANA's published schema.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from tests.helpers import ENVS, FIXTURES, no_reference_env

REPO = Path(__file__).resolve().parents[1]
BIN = FIXTURES / "submit" / "bin"
REANA_BIN = ENVS / "reana" / "bin"
REFERENCE_PY = ENVS / "reference" / "bin" / "python"
TOKEN = "reana-t0ken-value-123"
SERVER = "https://reana.example.org"
_CLEARED = ("DOCKER_", "PACKTIVITY_", "YADAGE_", "RECAST_", "REANA_", "STANDIN_")
# reana_analysis_schema.json (reana-commons 0.9): the fields a reana.yaml may have
SPEC_FIELDS = {
    "": {"version", "inputs", "workflow", "outputs", "tests", "workspace"},
    "inputs": {"files", "directories", "parameters", "options"},
    "workflow": {"type", "file", "specification", "resources"},
    "workflow.resources": {"cvmfs", "kerberos"},
    "outputs": {"files", "directories"},
}


@pytest.fixture
def fitgrid(tmp_path: Path) -> Path:
    root = tmp_path / "fitgrid"
    shutil.copytree(FIXTURES / "submit" / "fitgrid", root)
    return root


def recast_lint(args: List[str], cwd: Path, client: bool = True, **env: str) -> subprocess.CompletedProcess:
    tmp = cwd.parent
    base = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    path = os.environ["PATH"].split(os.pathsep)
    path = [p for p in path if not (Path(p) / "reana-client").exists()]  # a real client on PATH must not answer
    base.update(STANDIN_LOG=str(tmp / "calls.jsonl"), PATH=os.pathsep.join(([str(BIN)] if client else []) + path))
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))  # this checkout's code
    base.update(env)
    return subprocess.run([sys.executable, "-m", "recast_lint", *args], cwd=cwd, env=base, capture_output=True, text=True, timeout=120)


def calls(root: Path) -> List[Dict[str, Any]]:
    log = root.parent / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def credentials() -> Dict[str, str]:
    return {"REANA_SERVER_URL": SERVER, "REANA_ACCESS_TOKEN": TOKEN}


def refs_in(data: Any) -> int:
    if isinstance(data, dict):
        return ("$ref" in data) + sum(refs_in(v) for v in data.values())
    if isinstance(data, list):
        return sum(refs_in(v) for v in data)
    return 0


def one_line_failure(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip().splitlines()[-1]


# -- the submission directory -------------------------------------------------------------------


def test_reana_yaml_follows_the_example_the_steps_and_the_results(fitgrid: Path) -> None:
    done = recast_lint(["submit", "--dry-run"], fitgrid)
    assert done.returncode == 0, done.stderr
    out = fitgrid / "recast-reana-fitgrid"
    text = (out / "reana.yaml").read_text()
    spec = yaml.safe_load(text)
    assert spec == {
        "version": "0.9.0",
        "inputs": {
            "files": ["workflow.json"],
            "parameters": {"events": "events.txt", "mass": 1000},
            "directories": ["inputdata"],
            "options": {"initdir": "inputdata"},
        },
        "workflow": {
            "type": "yadage",
            "file": "workflow.json",
            # CVMFS (a string resource) and `kerberos: true` on a step become workflow-wide resources
            "resources": {"cvmfs": ["atlas.cern.ch", "atlas-condb.cern.ch"], "kerberos": True},
        },
        "outputs": {"files": ["fit/limit.yml", "select/selected.txt"]},
    }
    for section, allowed in SPEC_FIELDS.items():
        value = spec
        for key in filter(None, section.split(".")):
            value = value[key]
        assert set(value) <= allowed, section
    assert (out / "inputdata" / "events.txt").read_text() == (fitgrid / "inputdata" / "events.txt").read_text()
    assert calls(fitgrid) == []  # --dry-run calls nothing


def test_reana_yaml_without_initdir_or_resources(tmp_path: Path) -> None:
    root = tmp_path / "hello"
    shutil.copytree(FIXTURES / "helloworld", root)
    done = recast_lint(["submit", "--dry-run", "--name", "hello-1"], root)
    assert done.returncode == 0, done.stderr
    spec = yaml.safe_load((root / "recast-reana-hello-1" / "reana.yaml").read_text())
    assert spec["inputs"] == {"files": ["workflow.json"], "parameters": {"name": "hello"}}
    assert spec["workflow"] == {"type": "yadage", "file": "workflow.json"}
    assert spec["outputs"] == {"files": ["hello_world/hello_world.txt"]}
    assert not (root / "recast-reana-hello-1" / "inputdata").exists()


def test_cvmfs_repositories_come_from_the_environment(fitgrid: Path) -> None:
    done = recast_lint(["submit", "--dry-run"], fitgrid, RECAST_REANA_CVMFS_REPOS="atlas.cern.ch, sft.cern.ch")
    assert done.returncode == 0, done.stderr
    spec = yaml.safe_load((fitgrid / "recast-reana-fitgrid" / "reana.yaml").read_text())
    assert spec["workflow"]["resources"]["cvmfs"] == ["atlas.cern.ch", "sft.cern.ch"]


def _expected_workflow(root: Path) -> Dict[str, Any]:
    """The fixture's workflow with its `$ref`s replaced by hand, file by file."""
    load = lambda name: yaml.safe_load((root / "specs" / name).read_text())  # noqa: E731
    workflow = load("workflow.yml")
    select = load("steps/select.yml")["select"]
    select["environment"] = load("steps/envs.yml")["analysisbase"]  # resolved against steps/, not the toplevel
    workflow["stages"][0]["scheduler"]["step"] = select
    workflow["stages"][1]["scheduler"]["step"] = load("steps/fit.yml")["fit"]  # `#fit` is `#/fit`
    return workflow


def test_inlined_workflow_has_no_ref_and_equals_the_resolved_original(fitgrid: Path) -> None:
    assert recast_lint(["submit", "--dry-run"], fitgrid).returncode == 0
    inlined = json.loads((fitgrid / "recast-reana-fitgrid" / "workflow.json").read_text())
    assert refs_in(inlined) == 0
    assert inlined == _expected_workflow(fitgrid)


@pytest.mark.skipif(not REFERENCE_PY.exists(), reason=no_reference_env("reference", "yadage-schemas", "yadage"))
def test_inlined_workflow_equals_the_runtime_loaders_resolution(fitgrid: Path) -> None:
    assert recast_lint(["submit", "--dry-run"], fitgrid).returncode == 0
    script = (
        "import json, sys\n"
        "from yadageschemas.dialects.raw_with_defaults import loader\n"
        "from yadageschemas.utils import WithJsonRefEncoder\n"
        "data = loader(sys.argv[1])('workflow.yml', False)\n"
        "print(json.dumps(data, cls=WithJsonRefEncoder))\n"
    )
    done = subprocess.run([str(REFERENCE_PY), "-c", script, str(fitgrid / "specs")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((fitgrid / "recast-reana-fitgrid" / "workflow.json").read_text()) == json.loads(done.stdout)


@pytest.mark.skipif(not (REANA_BIN / "reana-client").exists(), reason=no_reference_env("reana", "reana-client", "reana-client"))
def test_real_reana_client_validates_the_submission(fitgrid: Path) -> None:
    assert recast_lint(["submit", "--dry-run"], fitgrid).returncode == 0
    out = fitgrid / "recast-reana-fitgrid"
    done = subprocess.run([str(REANA_BIN / "reana-client"), "validate", "-f", "reana.yaml"], cwd=out, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Valid REANA specification file" in done.stdout
    assert "Workflow parameters and commands appear valid" in done.stdout
    import jsonschema

    schema_file = next((REANA_BIN.parent / "lib").glob("python*/site-packages/reana_commons/validation/schemas/reana_analysis_schema.json"))
    jsonschema.validate(yaml.safe_load((out / "reana.yaml").read_text()), json.loads(schema_file.read_text()))


def test_portability_warnings_name_file_and_line(fitgrid: Path) -> None:
    done = recast_lint(["submit", "--dry-run"], fitgrid)
    warnings = [line for line in done.stderr.splitlines() if line.startswith("recast-lint: warning: ")]
    assert warnings == [
        "recast-lint: warning: specs/steps/envs.yml:8: stage select: resource 'GRIDProxy' is a string, which REANA ignores; write `- voms_proxy: true`",
        "recast-lint: warning: specs/steps/envs.yml:6: stage select: `env` is not set on REANA; export the variables in the command",
        "recast-lint: warning: specs/steps/envs.yml:5: stage select: `envscript` is not sourced on REANA; source it at the start of the command",
        "recast-lint: warning: specs/steps/fit.yml:15: stage fit: `workdir` is ignored on REANA; `cd` at the start of the command",
    ]


# -- reana-client -------------------------------------------------------------------------------


def test_submit_creates_uploads_and_starts_without_showing_the_token(fitgrid: Path) -> None:
    done = recast_lint(["submit"], fitgrid, **credentials())
    assert done.returncode == 0, done.stderr
    out = fitgrid / "recast-reana-fitgrid"
    made = calls(fitgrid)
    assert [c["argv"] for c in made] == [
        ["create", "-w", "fitgrid", "-f", "reana.yaml"],
        ["upload", "-w", "fitgrid.7"],
        ["start", "-w", "fitgrid.7"],
    ]
    assert all(c["cwd"] == str(out) and c["token_set"] and c["server"] == SERVER for c in made)
    assert done.stdout == "fitgrid.7\n"
    assert "submitted fitgrid.7 to https://reana.example.org; follow it with `recast-lint status fitgrid.7`" in done.stderr
    assert TOKEN not in done.stdout + done.stderr
    assert not any(TOKEN in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_without_reana_client_the_commands_are_printed(fitgrid: Path) -> None:
    done = recast_lint(["submit"], fitgrid, client=False)
    assert done.returncode == 0, done.stderr
    out = fitgrid / "recast-reana-fitgrid"
    assert done.stdout.splitlines() == [
        f"cd {out}",
        "export REANA_SERVER_URL=...  # e.g. https://reana.cern.ch",
        "export REANA_ACCESS_TOKEN=...  # from your REANA profile page",
        "reana-client create -w fitgrid -f reana.yaml",
        "reana-client upload -w fitgrid",
        "reana-client start -w fitgrid",
    ]
    assert "reana-client is not installed (pip install 'recast-lint[reana]')" in done.stderr
    assert (out / "reana.yaml").is_file() and (out / "workflow.json").is_file()


@pytest.mark.parametrize(
    "args, env, expected",
    [
        (["submit"], {"REANA_SERVER_URL": SERVER}, "REANA_ACCESS_TOKEN is not set; export it"),
        (["submit"], {**credentials(), "STANDIN_REANA_FAIL": "upload"},
         "`reana-client upload` failed (==> ERROR: Cannot upload workflow fitgrid.7: Unauthorized); see its output above"),
        (["submit", "--name", "a b"], {}, "--name 'a b' is not a valid REANA workflow name"),
        (["submit", "--name", "fit\n"], {}, "--name 'fit\\n' is not a valid REANA workflow name"),
        (["submit", "--name", "fit.3"], {}, "--name 'fit.3' names one run; submit creates a new run"),
        (["submit", "--example", "signal"], {}, "no example 'signal' in recast.yml"),
    ],
)
def test_submit_failures_are_one_line(fitgrid: Path, args: List[str], env: Dict[str, str], expected: str) -> None:
    last = one_line_failure(recast_lint(args, fitgrid, **env))
    assert last.startswith("recast-lint: error: ") and expected in last
    assert TOKEN not in last


def test_submit_refuses_on_lint_errors(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    shutil.copytree(FIXTURES / "run" / "broken", root)
    done = recast_lint(["submit"], root, **credentials())
    assert "1 lint error would make the run fail" in one_line_failure(done)
    assert calls(root) == [] and not (root / "recast-reana-helloworld").exists()


def test_status_wraps_reana_client_and_masks(fitgrid: Path) -> None:
    done = recast_lint(["status"], fitgrid, STANDIN_ECHO_TOKEN="1", **credentials())
    assert done.returncode == 0, done.stderr
    assert calls(fitgrid)[0]["argv"] == ["status", "-w", "fitgrid"]
    assert "finished" in done.stdout and "token: ***" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    done = recast_lint(["status", "fitgrid.7"], fitgrid, STANDIN_REANA_FAIL="status", **credentials())
    assert "`reana-client status` failed for 'fitgrid.7' (==> ERROR: Cannot status workflow fitgrid.7: Unauthorized)" in one_line_failure(done)


@pytest.mark.parametrize("state,exit_code", [("running", 0), ("finished", 0), ("failed", 1), ("stopped", 1)])
def test_status_exits_1_when_the_run_will_never_finish(fitgrid: Path, state: str, exit_code: int) -> None:
    done = recast_lint(["status", "fitgrid.7"], fitgrid, STANDIN_REANA_STATUS=state, **credentials())
    assert done.returncode == exit_code, done.stderr
    assert state in done.stdout
    if exit_code:
        assert f"fitgrid.7 is {state} on REANA; `reana-client logs -w fitgrid.7` shows why" in done.stderr


@pytest.mark.parametrize("state,then", [("running", "wait for it (`recast-lint status fitgrid.7`)"),
                                        ("failed", "`reana-client logs -w fitgrid.7` shows why")])
def test_results_of_an_unfinished_run_stop_before_downloading(fitgrid: Path, state: str, then: str) -> None:
    done = recast_lint(["results", "fitgrid.7"], fitgrid, STANDIN_REANA_STATUS=state, **credentials())
    assert done.returncode == 1
    assert f"fitgrid.7 is {state} on REANA, so it has no results yet; {then}" in done.stderr
    assert [c["argv"][0] for c in calls(fitgrid)] == ["status"]


def test_results_are_downloaded_and_printed_like_run(fitgrid: Path) -> None:
    done = recast_lint(["results", "fitgrid.7"], fitgrid, **credentials())
    assert done.returncode == 0, done.stderr
    target = fitgrid / "recast-reana-fitgrid" / "results" / "fitgrid.7"
    assert [c["argv"] for c in calls(fitgrid)] == [
        ["status", "-w", "fitgrid.7"],
        ["download", "-w", "fitgrid.7", "fit/limit.yml", "-o", str(target)],
        ["download", "-w", "fitgrid.7", "select/selected.txt", "-o", str(target)],
    ]
    assert yaml.safe_load(done.stdout) == [
        {"name": "limit", "path": str(target / "fit/limit.yml"), "value": {"limit": 0.42}},
        {"name": "selected", "path": str(target / "select/selected.txt"), "value": "selected on REANA"},
    ]
    # results are written into a directory made for them: downloading again into it is refused
    again = one_line_failure(recast_lint(["results", "fitgrid.7", "--json"], fitgrid, **credentials()))
    assert again.endswith(f"{target} already exists; these results were downloaded before; remove the directory to download them again")
    shutil.rmtree(target)
    done = recast_lint(["results", "fitgrid.7", "--json"], fitgrid, **credentials())
    assert json.loads(done.stdout)[0]["value"] == {"limit": 0.42}


def test_results_missing_on_reana_exit_1(fitgrid: Path) -> None:
    done = recast_lint(["results", "fitgrid.7"], fitgrid, STANDIN_REANA_MISSING="select/selected.txt", **credentials())
    assert done.returncode == 1
    assert [r["name"] for r in yaml.safe_load(done.stdout)] == ["limit"]
    assert ("result 'selected': not downloaded (File select/selected.txt could not be downloaded: Not found); "
            "is fitgrid.7 finished? (`recast-lint status fitgrid.7`)") in done.stderr


@pytest.mark.skipif(not (ENVS / "reference" / "bin" / "yadage-run").exists(), reason=no_reference_env("reference", "yadage-run", "yadage"))
def test_the_submission_runs_on_the_real_engine_the_way_reana_runs_it(tmp_path: Path) -> None:
    """REANA's engine: dataarg and toplevel are the workspace, initdata the parameters, initdir from the options (C.6)."""
    root = tmp_path / "withdata"
    shutil.copytree(FIXTURES / "run" / "withdata", root)
    assert recast_lint(["submit", "--dry-run"], root).returncode == 0
    workspace = tmp_path / "workspace"
    shutil.copytree(root / "recast-reana-withdata", workspace)
    spec = yaml.safe_load((workspace / "reana.yaml").read_text())
    steering = {
        "dataarg": str(workspace),
        "workflow": spec["workflow"]["file"],
        "toplevel": str(workspace),
        "initdata": spec["inputs"]["parameters"],
        "dataopts": {"initdir": str(workspace / spec["inputs"]["options"]["initdir"])},
        "backend": "foregroundasync",
        "visualize": False,  # REANA draws the graph; this host has no graphviz
    }
    # the steps' `docker run` reaches the stand-in docker, which runs their commands on this host
    env = dict(os.environ, PATH=f"{FIXTURES / 'run' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run([str(ENVS / "reference" / "bin" / "yadage-run"), "-f", "-"], input=json.dumps(steering), cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for relpath in spec["outputs"]["files"]:
        assert (workspace / relpath).is_file(), relpath
    assert yaml.safe_load((workspace / "count" / "count.yml").read_text()) == {"events": 3}


# -- nothing from outside the analysis, nothing written through a link -----------------------------


def _initdir(root: Path, value: str) -> None:
    recast = root / "recast.yml"
    recast.write_text(recast.read_text().replace("initdir: inputdata", f"initdir: '{value}'"), encoding="utf-8")


@pytest.mark.parametrize("written", ["absolute", "../elsewhere", ".."])
def test_submit_refuses_an_initdir_outside_the_analysis_naming_where_it_is_written(fitgrid: Path, tmp_path: Path, written: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "private.txt").write_text("not the analysis's\n", encoding="utf-8")
    _initdir(fitgrid, str(elsewhere) if written == "absolute" else written)  # `..` holds the analysis: it copied itself for ever
    last = one_line_failure(recast_lint(["submit", "--dry-run", "--no-lint"], fitgrid))
    assert last.startswith("recast-lint: error: recast.yml:13: dataopts.initdir ") and f"is outside {fitgrid}" in last
    assert not list(fitgrid.glob("recast-reana-*"))


def test_submit_refuses_a_link_in_the_initdir_that_leads_out(fitgrid: Path, tmp_path: Path) -> None:
    secret = tmp_path / "home" / ".ssh" / "id_rsa"
    secret.parent.mkdir(parents=True)
    secret.write_text("EXAMPLE private key\n", encoding="utf-8")
    (fitgrid / "inputdata" / "key").symlink_to(secret)
    last = one_line_failure(recast_lint(["submit", "--dry-run"], fitgrid))
    assert f"{fitgrid / 'inputdata' / 'key'} is a symbolic link to {secret}, outside {fitgrid}" in last
    assert not list(fitgrid.glob("recast-reana-*"))
    # a link to a file inside the analysis is copied as the file
    (fitgrid / "inputdata" / "key").unlink()
    (fitgrid / "inputdata" / "again.txt").symlink_to(fitgrid / "inputdata" / "events.txt")
    assert recast_lint(["submit", "--dry-run"], fitgrid).returncode == 0
    copy = fitgrid / "recast-reana-fitgrid" / "inputdata" / "again.txt"
    assert not copy.is_symlink() and copy.read_text() == (fitgrid / "inputdata" / "events.txt").read_text()


def test_an_initdir_holding_the_submission_directory_does_not_copy_it_into_itself(fitgrid: Path) -> None:
    _initdir(fitgrid, ".")
    done = recast_lint(["submit", "--dry-run", "--no-lint"], fitgrid)
    assert done.returncode == 0, done.stderr
    copy = fitgrid / "recast-reana-fitgrid" / "inputdata"
    assert (copy / "recast.yml").is_file() and not (copy / "recast-reana-fitgrid").exists()


@pytest.mark.parametrize("existing", ["link", "file", "directory", "dangling"])
def test_submit_writes_only_into_a_directory_it_creates(fitgrid: Path, tmp_path: Path, existing: str) -> None:
    # a committed `recast-reana-NAME` link made submit write reana.yaml into its target and delete the target's inputdata/
    target = tmp_path / "victim"
    (target / "inputdata").mkdir(parents=True)
    (target / "inputdata" / "precious.txt").write_text("keep me\n", encoding="utf-8")
    out = fitgrid / "recast-reana-fitgrid"
    if existing == "link":
        out.symlink_to(target)
    elif existing == "dangling":
        out.symlink_to(tmp_path / "nothing")
    elif existing == "file":
        out.write_text("", encoding="utf-8")
    else:
        out.mkdir()
    last = one_line_failure(recast_lint(["submit", "--dry-run"], fitgrid))
    assert f"{out} already exists; a submission of that name was written before; pass --name fitgrid-2" in last
    assert sorted(p.name for p in target.rglob("*")) == ["inputdata", "precious.txt"]
    assert not (tmp_path / "nothing").exists()


def test_results_refuse_a_relpath_that_leaves_the_download_directory(fitgrid: Path) -> None:
    recast = fitgrid / "recast.yml"
    for relpath in ("/etc/hostname", "../../../../etc/hostname"):
        recast.write_text(recast.read_text().replace("relpath: select/selected.txt", f"relpath: {relpath}"), encoding="utf-8")
        last = one_line_failure(recast_lint(["results", "fitgrid.7"], fitgrid, **credentials()))
        assert last == (f"recast-lint: error: recast.yml:19: result path {relpath!r} is outside the run directory; "
                        "write it relative to it, as `<stage>/<file>`")
        assert calls(fitgrid) == []  # nothing was asked of REANA, nothing downloaded
        recast.write_text(recast.read_text().replace(f"relpath: {relpath}", "relpath: select/selected.txt"), encoding="utf-8")


def test_results_do_not_follow_a_link_out_of_the_download_directory(fitgrid: Path, tmp_path: Path) -> None:
    # the downloaded workspace is the run's: a result that is a link would print any file of this machine
    outside = tmp_path / "hostname"
    outside.write_text("EXAMPLE-host\n", encoding="utf-8")
    target = fitgrid / "recast-reana-fitgrid" / "results" / "fitgrid.7"
    done = recast_lint(["results", "fitgrid.7"], fitgrid, STANDIN_REANA_LINK=f"select/selected.txt={outside}", **credentials())
    assert done.returncode == 1
    assert "EXAMPLE-host" not in done.stdout + done.stderr
    assert f"result 'selected': {target / 'select/selected.txt'} leads out of {target} through a symbolic link, so it is not read" in done.stderr
