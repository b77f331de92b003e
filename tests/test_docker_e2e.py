"""`recast-lint run`, `test` and a REANA submission's workflow against a real Docker engine.

The engine, chosen once for this module by scripts/provision-docker.sh (which says which it took):
1. the private dockerd a previous `up` left running, or else a daemon the client already reaches
   that holds recast/recastatlas:v0.4.2 (a user's machine);
2. else a private dockerd it starts, with the images built locally (root and apt-get: CI); it is
   stopped after this module's tests if they started it (its image cache is kept);
3. else the daemon the client reaches, if one answers (the runner pulls what it lacks);
4. else the tests are skipped, with the reason the script gave.
Every analysis is a fresh one from `recast-lint new --no-input`; steps run as real sibling containers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional

import pytest
import yaml

from recast_lint.run import DEFAULT_IMAGE
from recast_lint.run.docker import DEFAULT_SOCKET, docker_socket, orchestrator

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[1]
PROVISION = REPO / "scripts" / "provision-docker.sh"
ANALYSIS = "ANA-EXOT-2099-099"  # what `new --no-input` names it
GREETING = "Hello my name is hello"
STEP_IMAGE = "busybox:1.36.1"
NOBODY = 65534
_CLEARED = ("PACKTIVITY_", "YADAGE_", "RECAST_", "REANA_")


class Engine(NamedTuple):
    env: Dict[str, str]  # the environment the client reaches the daemon with
    socket: Optional[str]  # the daemon's unix socket, when known


def _docker(args: List[str], env: Dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=timeout)


def _answers(env: Dict[str, str]) -> bool:
    return shutil.which("docker") is not None and _docker(["version", "--format", "{{.Server.Version}}"], env, 60).returncode == 0


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    done = subprocess.run(["bash", str(PROVISION), "up"], env=base, capture_output=True, text=True, timeout=1800)
    if done.returncode == 77:  # cannot provision here
        if _answers(base):
            yield Engine(base, None)
            return
        reason = done.stderr.strip().splitlines()[-1].split("cannot provision: ", 1)[-1]
        pytest.skip(f"no Docker engine, and scripts/provision-docker.sh cannot provision one: {reason}")
    if done.returncode != 0:
        pytest.fail(f"scripts/provision-docker.sh up failed (exit code {done.returncode}):\n{done.stderr[-4000:]}")
    env = dict(base)
    env.update(re.findall(r"^export (\w+)=(.*)$", done.stdout, re.M))
    host = env.get("DOCKER_HOST", "")
    try:
        yield Engine(env, host[len("unix://"):] if host.startswith("unix://") else None)
    finally:
        if "# started dockerd" in done.stdout:
            subprocess.run(["bash", str(PROVISION), "down"], env=base, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def run_env(engine: Engine) -> Dict[str, str]:
    """The engine's environment, plus PACKTIVITY_DOCKER_NOPULL when the step image exists only here."""
    env = dict(engine.env)
    digests = _docker(["image", "inspect", "--format", "{{len .RepoDigests}}", STEP_IMAGE], env)
    if digests.returncode == 0 and digests.stdout.strip() == "0":  # built here (imported), never pulled: no registry has it
        env["PACKTIVITY_DOCKER_NOPULL"] = "1"
    return env


def recast_lint(args: List[str], cwd: Path, env: Dict[str, str], user: Optional[int] = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "recast_lint", *args]
    env = dict(env, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])))
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", f"--groups={_socket_group(env)}", *argv]
        env["HOME"] = str(cwd.parent)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def _socket_group(env: Dict[str, str]) -> int:
    return os.stat(docker_socket(env)).st_gid


@pytest.fixture
def analysis(tmp_path: Path, run_env: Dict[str, str]) -> Path:
    done = recast_lint(["new", "--no-input"], tmp_path, run_env)
    assert done.returncode == 0, done.stderr
    return tmp_path / ANALYSIS


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def _tail(done: subprocess.CompletedProcess) -> str:
    return f"exit code {done.returncode}\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-6000:]}"


# -- run ----------------------------------------------------------------------------------------


@pytest.fixture
def user_analysis(run_env: Dict[str, str]) -> Iterator[Path]:
    """A fresh analysis owned by the user who runs it: as root, `nobody`, with the socket's group."""
    parent = Path(tempfile.mkdtemp(prefix="recast-lint-e2e-"))
    try:
        parent.chmod(0o755)  # mkdtemp's 0700 would keep `nobody` out
        done = recast_lint(["new", "--no-input"], parent, run_env)
        assert done.returncode == 0, done.stderr
        yield parent / ANALYSIS
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _as_user(root: Path, env: Dict[str, str]) -> Optional[int]:
    """The uid to run as: None (this one) unless this is root and `nobody` can reach the daemon's socket."""
    if os.getuid() != 0 or shutil.which("setpriv") is None:
        return None
    mode = os.stat(docker_socket(env)).st_mode
    if not (mode & stat.S_IRGRP and mode & stat.S_IWGRP) or _socket_group(env) == 0:
        return None
    for path in [root.parent, root, *root.rglob("*")]:
        os.lchown(path, NOBODY, NOBODY)
    return NOBODY


def test_run_prints_the_result_and_hands_the_run_directory_back(user_analysis: Path, run_env: Dict[str, str]) -> None:
    user = _as_user(user_analysis, run_env)
    done = recast_lint(["run", "--tag", "e2e"], user_analysis, run_env, user=user)
    assert done.returncode == 0, _tail(done)
    run_dir = user_analysis / "recast-e2e"
    assert yaml.safe_load(done.stdout) == [
        {"name": "greeting", "path": str(run_dir / "hello_world" / "hello_world.txt"), "value": GREETING}
    ]
    assert "workflow completed successfully." in done.stderr
    # the engine and the step ran as root in their containers; what they wrote is the user's now
    owner = os.getuid() if user is None else user
    strangers = [str(p) for p in [run_dir, *run_dir.rglob("*")] if p.lstat().st_uid != owner]
    assert strangers == []
    assert (run_dir / "_yadage" / "yadage_workflow_instance.png").stat().st_size > 0  # visualize: true, drawn by graphviz


def test_a_failing_step_exits_1_naming_it_with_the_end_of_its_log(analysis: Path, run_env: Dict[str, str]) -> None:
    _replace(analysis / "specs" / "steps.yml", "cmd: 'echo Hello my name is {name} | tee {outputfile}'",
             "cmd: 'echo Hello my name is {name} > {outputfile}; ech done'")
    done = recast_lint(["run", "--tag", "e2e"], analysis, run_env)
    assert done.returncode == 1, _tail(done)
    log = analysis / "recast-e2e" / "hello_world" / "_packtivity" / "hello_world.run.log"
    head, _, report = done.stderr.partition(f"recast-lint: step 'hello_world' failed; step logs: {analysis}/recast-e2e/<stage>/_packtivity/*.log; "
                                            f"last lines of {log}:\n")
    assert report, _tail(done)
    assert "ech: not found" in report.splitlines()[-2]  # the log's last line, then the --debug hint
    assert done.stdout == ""


def test_a_step_image_the_engine_cannot_pull_shows_the_pull_log(analysis: Path, run_env: Dict[str, str]) -> None:
    # present for the runner's check, but no registry answers for it: packtivity's own pull fails
    local = "recast-lint.invalid/e2e/busybox"
    assert _docker(["tag", STEP_IMAGE, f"{local}:1.36.1"], run_env).returncode == 0
    try:
        _replace(analysis / "specs" / "steps.yml", "image: busybox", f"image: {local}")
        env = {k: v for k, v in run_env.items() if k != "PACKTIVITY_DOCKER_NOPULL"}
        done = recast_lint(["run", "--tag", "e2e", "--no-lint"], analysis, env)
    finally:
        _docker(["rmi", f"{local}:1.36.1"], run_env)
    assert done.returncode == 1, _tail(done)
    report = done.stderr.partition("recast-lint: the workflow failed")[2]
    assert f"last lines of {analysis}/recast-e2e/hello_world/_packtivity/hello_world.pull.log:" in report, _tail(done)
    assert re.search(r"recast-lint\.invalid.*no such host", report), _tail(done)
    assert "set PACKTIVITY_DOCKER_NOPULL=1" in report


def test_the_socket_of_the_active_context_reaches_the_engine(analysis: Path, engine: Engine, run_env: Dict[str, str], tmp_path: Path) -> None:
    socket = engine.socket or DEFAULT_SOCKET
    if not Path(socket).is_socket():
        pytest.skip(f"the daemon's socket is not on this machine ({socket})")
    config = tmp_path / "docker-config"
    env = {k: v for k, v in run_env.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    env["DOCKER_CONFIG"] = str(config)
    # the real client writes the context, as a rootless setup does
    for args in (["context", "create", "e2e", "--docker", f"host=unix://{socket}"], ["context", "use", "e2e"]):
        made = _docker(args, env)
        assert made.returncode == 0, made.stderr
    done = recast_lint(["run", "--tag", "e2e"], analysis, env)
    assert done.returncode == 0, _tail(done)
    assert yaml.safe_load(done.stdout)[0]["value"] == GREETING


# -- test ---------------------------------------------------------------------------------------


def test_tests_pass_and_a_step_that_writes_nothing_fails(analysis: Path, run_env: Dict[str, str]) -> None:
    done = recast_lint(["test", "--tag", "e2e"], analysis, run_env)
    assert done.returncode == 0, _tail(done)
    assert done.stdout.startswith("pass  hello_world  (")
    assert (analysis / "recast-test-e2e" / "hello_world" / "hello_world.txt").read_text() == "Hello my name is tester\n"

    _replace(analysis / "specs" / "steps.yml", "| tee {outputfile}", "")
    done = recast_lint(["test", "--tag", "e2e-2"], analysis, run_env)
    assert done.returncode == 1, _tail(done)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAIL  hello_world  (") and "exit code 0 but 1 declared output is missing" in lines[0]
    assert lines[1] == f"      output 'outputfile': {analysis}/recast-test-e2e-2/hello_world/hello_world.txt was not written"


# -- REANA's view: the submitted workflow alone -------------------------------------------------


def test_the_submitted_workflow_runs_with_only_the_submission_directory(analysis: Path, run_env: Dict[str, str]) -> None:
    done = recast_lint(["submit", "--dry-run"], analysis, run_env)
    assert done.returncode == 0, _tail(done)
    (submission,) = analysis.glob("recast-reana-*")
    reana = yaml.safe_load((submission / "reana.yaml").read_text())
    workflow = reana["workflow"]["file"]
    # the engine sees the submission directory and nothing else: a $ref left in workflow.json would fail to load
    command = orchestrator(submission, DEFAULT_IMAGE, run_env, interactive=True)
    command.argv += ["yadage-run", "-f", "-"]
    spec = {
        "dataarg": str(submission / "workspace"),
        "workflow": workflow,
        "toplevel": str(submission),
        "initdata": reana["inputs"]["parameters"],
        "visualize": False,
        "backend": "foregroundasync",
    }
    ran = subprocess.run(command.argv, input=json.dumps(spec), env=command.env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, f"{ran.stdout[-3000:]}\n{ran.stderr[-6000:]}"
    assert "workflow completed successfully." in ran.stdout + ran.stderr
    # REANA's outputs are recast.yml's results, relative to the workspace
    for relpath in reana["outputs"]["files"]:
        assert (submission / "workspace" / relpath).read_text() == GREETING + "\n"
