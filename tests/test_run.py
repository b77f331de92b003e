"""`recast-lint run` and `recast-lint test` against a stand-in `docker` (tests/fixtures/run/bin/docker).

The stand-in records every call (argv, standard input, the credential variables it was given) and
plays the daemon's and the engine's part. With the reference virtualenv present, it runs the real
yadage-run / packtivity-run on the host instead, which proves the spec and argv we build.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from recast_lint.run.docker import hand_back
from tests.helpers import ENVS, FIXTURES, no_reference_env

REPO = Path(__file__).resolve().parents[1]
BIN = FIXTURES / "run" / "bin"
REAL_BIN = ENVS / "reference" / "bin"
IMAGE = "recast/recastatlas:v0.4.2"
TOKEN = "glpat-s3cret-token-value"
_CLEARED = ("DOCKER_", "PACKTIVITY_", "YADAGE_", "RECAST_", "REANA_", "STANDIN_")


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    root = tmp_path / "hello"
    shutil.copytree(FIXTURES / "helloworld", root)
    return root


@pytest.fixture
def withdata(tmp_path: Path) -> Path:
    root = tmp_path / "withdata"
    shutil.copytree(FIXTURES / "run" / "withdata", root)
    return root


def recast_lint(args: List[str], cwd: Path, path: str = "", **env: str) -> subprocess.CompletedProcess:
    tmp = cwd.parent
    base = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    base.update(HOME=str(home), STANDIN_LOG=str(tmp / "calls.jsonl"), PATH=path or f"{BIN}{os.pathsep}{os.environ['PATH']}")
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))  # this checkout's code
    base.update(env)
    return subprocess.run([sys.executable, "-m", "recast_lint", *args], cwd=cwd, env=base, capture_output=True, text=True, timeout=120)


def calls(root: Path) -> List[Dict]:
    log = root.parent / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def docker_run(root: Path) -> Dict:
    runs = [c for c in calls(root) if c["argv"][0] == "run"]
    assert len(runs) == 1, runs
    return runs[0]


def one_line_failure(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("recast-lint: error: ")
    return last


# -- run ----------------------------------------------------------------------------------------


def test_run_builds_the_command_feeds_the_spec_and_prints_results(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1"], hello)
    assert done.returncode == 0, done.stderr
    assert [c["argv"] for c in calls(hello)][:3] == [
        ["version", "--format", "{{.Server.Version}}"],
        ["image", "inspect", "--format", "{{.Id}}", IMAGE],
        ["image", "inspect", "--format", "{{.Id}}", "busybox:1.36.1"],  # the step image, present: no pull
    ]
    call = docker_run(hello)
    assert call["argv"] == [
        "run", "--rm", "-i",
        "-v", f"{hello}:{hello}", "-w", str(hello),
        "-v", "/var/run/docker.sock:/var/run/docker.sock",
        IMAGE, "yadage-run", "-f", "-",
    ]
    assert json.loads(call["stdin"]) == {
        "dataarg": str(hello / "recast-t1"),
        "dataopts": {},
        "initdata": {"name": "hello"},
        "workflow": "workflow.yml",
        "toplevel": str(hello / "specs"),
        "visualize": True,
        "backend": "multiproc:auto",
    }
    assert yaml.safe_load(done.stdout) == [
        {"name": "greeting", "path": str(hello / "recast-t1/hello_world/hello_world.txt"), "value": "Hello my name is hello"}
    ]
    assert "workflow completed successfully." in done.stderr  # the engine's output is streamed


def test_run_json_results_and_debug_backend(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1", "--json", "--debug"], hello)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["value"] == "Hello my name is hello"
    assert json.loads(docker_run(hello)["stdin"])["backend"] == "foregroundasync"


def test_run_passes_only_variables_that_are_set_and_never_their_values(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1"], hello)
    argv = docker_run(hello)["argv"]
    assert "-e" not in argv and "--platform" not in argv and "None" not in " ".join(argv)

    (hello / "recast-t1").rename(hello / "old")
    env = {"DOCKER_DEFAULT_PLATFORM": "linux/amd64", "YADAGE_SCHEMA_LOAD_TOKEN": TOKEN, "PACKTIVITY_AUTH_LOCATION": "/auth",
           "STANDIN_ECHO": "YADAGE_INIT_TOKEN"}
    (hello.parent / "calls.jsonl").unlink()
    done = recast_lint(["run", "--tag", "t1"], hello, **env)
    assert done.returncode == 0, done.stderr
    call = docker_run(hello)
    argv = call["argv"]
    assert argv[3:5] == ["--platform", "linux/amd64"]
    passed = [value for flag, value in zip(argv, argv[1:]) if flag == "-e"]
    assert passed == ["PACKTIVITY_AUTH_LOCATION", "YADAGE_SCHEMA_LOAD_TOKEN", "YADAGE_INIT_TOKEN"]
    # docker reads the values from its own environment: the init token (never passed by recast-atlas) is there
    assert call["env"]["YADAGE_INIT_TOKEN"] == TOKEN and call["env"]["YADAGE_SCHEMA_LOAD_TOKEN"] == TOKEN
    assert TOKEN not in json.dumps(argv)
    assert "loading spec with token ***" in done.stderr  # the engine printed it; we masked it
    assert TOKEN not in done.stdout + done.stderr


def test_dry_run_prints_the_exact_command_and_spec_without_calling_docker(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1", "--dry-run"], hello, YADAGE_SCHEMA_LOAD_TOKEN=TOKEN, DOCKER_DEFAULT_PLATFORM="linux/arm64")
    assert done.returncode == 0, done.stderr
    assert calls(hello) == []
    lines = done.stdout.splitlines()
    argv = shlex.split(lines[1])
    assert argv[:6] == ["docker", "run", "--rm", "-i", "--platform", "linux/arm64"]
    assert argv[-4:] == [IMAGE, "yadage-run", "-f", "-"]
    spec = json.loads("\n".join(lines[3:lines.index(next(x for x in lines[3:] if x.startswith("# docker takes")))]))
    assert spec["dataarg"] == str(hello / "recast-t1")
    assert "YADAGE_SCHEMA_LOAD_TOKEN, YADAGE_INIT_TOKEN from your environment" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    assert not (hello / "recast-t1").exists()


def test_docker_login_is_reused_through_a_read_only_config_mount(hello: Path, tmp_path: Path) -> None:
    config = tmp_path / "home" / ".docker" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"auths": {"gitlab-registry.cern.ch": {"auth": "dXNlcjpwYXNz"}}}))
    done = recast_lint(["run", "--tag", "t1"], hello)
    assert done.returncode == 0, done.stderr
    argv = docker_run(hello)["argv"]
    i = argv.index(f"{config}:/run/recast-lint/docker/config.json:ro")
    assert argv[i - 1] == "-v" and argv[i + 1:i + 3] == ["-e", "DOCKER_CONFIG=/run/recast-lint/docker"]
    assert "dXNlcjpwYXNz" not in json.dumps(argv) + done.stdout + done.stderr

    elsewhere = tmp_path / "dockercfg"
    elsewhere.mkdir()
    (elsewhere / "config.json").write_text(json.dumps({"credsStore": "desktop", "auths": {"ghcr.io": {}}}))
    done = recast_lint(["run", "--tag", "t2", "--dry-run"], hello, DOCKER_CONFIG=str(elsewhere))
    assert "config.json" not in done.stdout
    assert "credential helper (desktop) that the engine container cannot call" in done.stderr


def test_run_refuses_on_lint_errors_unless_no_lint(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    shutil.copytree(FIXTURES / "run" / "broken", root)
    done = recast_lint(["run", "--tag", "t1"], root)
    last = one_line_failure(done)
    assert "error RL201 unknown process_type 'string-interpolated-command'" in done.stderr
    assert last == f"recast-lint: error: 1 lint error would make the run fail; fix it (details: recast-lint check {root}) or pass --no-lint"
    assert calls(root) == []
    done = recast_lint(["run", "--tag", "t1", "--no-lint"], root)
    assert done.returncode == 0, done.stderr
    assert docker_run(root)


def test_failed_workflow_points_at_the_failing_step_log(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1"], hello, STANDIN_ENGINE="fail")
    assert done.returncode == 1
    log = hello / "recast-t1/hello_world/_packtivity/hello_world.run.log"
    assert f"step 'hello_world' failed; step logs: {hello}/recast-t1/<stage>/_packtivity/*.log; last lines of {log}:" in done.stderr
    assert "  sh: tee: cannot create /nonexistent/hello_world.txt: Permission denied" in done.stderr
    assert "  line 21\n" in done.stderr and "line 20\n" not in done.stderr  # the last 20 lines only
    assert "rerun with --debug" in done.stderr
    assert done.stdout == ""


def test_a_result_missing_after_success_fails(hello: Path) -> None:
    recast = hello / "recast.yml"
    recast.write_text(recast.read_text().replace("relpath: hello_world/hello_world.txt", "relpath: hello_world/helloworld.txt"))
    done = recast_lint(["run", "--tag", "t1", "--no-lint"], hello)
    assert done.returncode == 1
    assert f"result 'greeting': {hello}/recast-t1/hello_world/helloworld.txt does not exist" in done.stderr


def test_inputs_file_replaces_the_example(hello: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "in.yml"
    inputs.write_text("initdata:\n  name: other\n")
    done = recast_lint(["run", "--tag", "t1", "--inputs", str(inputs)], hello)
    assert done.returncode == 0, done.stderr
    assert json.loads(docker_run(hello)["stdin"])["initdata"] == {"name": "other"}
    assert "Hello my name is other" in done.stdout


def test_initdata_naming_a_host_path_the_container_cannot_see_is_flagged(hello: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.root"
    outside.write_text("")
    (hello / "in.yml").write_text(f"initdata: {{name: {outside}}}\n")
    done = recast_lint(["run", "--tag", "t1", "--inputs", "in.yml", "--dry-run"], hello)
    assert done.returncode == 0, done.stderr
    assert f"recast-lint: warning: initdata 'name' names {outside}, outside {hello}; the workflow only sees it" in done.stderr


def test_relative_initdir_is_read_from_the_analysis(withdata: Path) -> None:
    done = recast_lint(["run", "--tag", "t1"], withdata, STANDIN_WRITE=json.dumps({"count/count.yml": "events: 3\n"}))
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout)[0]["value"] == {"events": 3}  # load_yaml: true
    assert json.loads(docker_run(withdata)["stdin"])["dataopts"] == {"initdir": str(withdata / "inputdata")}


def test_images_are_pulled_before_the_run_saying_what_for(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1", "--image", "example/engine:1.0"], hello, STANDIN_IMAGE="absent")
    assert done.returncode == 0, done.stderr
    assert "recast-lint: pulling the engine image example/engine:1.0 (once per version" in done.stderr
    assert "recast-lint: pulling step image busybox:1.36.1 (1 of 1, from specs/steps.yml:11)..." in done.stderr
    pulls = [c["argv"] for c in calls(hello) if c["argv"][0] == "pull"]
    assert pulls == [["pull", "example/engine:1.0"], ["pull", "busybox:1.36.1"]]
    assert docker_run(hello)["argv"][-4] == "example/engine:1.0"


def test_step_images_are_left_alone_with_packtivity_docker_nopull(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1"], hello, STANDIN_IMAGE="absent", PACKTIVITY_DOCKER_NOPULL="1")
    assert done.returncode == 0, done.stderr
    assert [c["argv"] for c in calls(hello) if c["argv"][0] == "pull"] == [["pull", IMAGE]]
    assert "-e" in docker_run(hello)["argv"]  # and the engine is told so too


@pytest.mark.parametrize(
    "args, env, setup, expected",
    [
        (["--tag", "../x"], {}, None, "--tag '../x' is not a valid name; use 1-63 letters, digits, '-' or '_'"),
        (["--example", "defualt"], {}, None, "no example 'defualt' in recast.yml; did you mean 'default'?"),
        (["--example", "default", "--inputs", "in.yml"], {}, "inputs", "--example and --inputs exclude each other"),
        ([], {"STANDIN_DAEMON": "down"}, None,
         "the Docker daemon is not reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)"),
        ([], {"STANDIN_IMAGE": "missing"}, None, f"image {IMAGE} is not available (Error response from daemon: pull access denied"),
        ([], {"STANDIN_UNPULLABLE": "busybox:1.36.1"}, None,
         "image busybox:1.36.1 is not available (Error response from daemon: pull access denied for busybox:1.36.1, repository does not exist "
         "or may require 'docker login'); `docker login` to its registry, or fix image/imagetag at specs/steps.yml:11"),
        ([], {"STANDIN_ENGINE": "no-start"}, None,
         'docker could not start the engine container (docker: Error response from daemon: invalid mount config for type "bind"'),
        ([], {}, "rundir", "already exists; pass a new --tag (e.g. --tag t1-2) or remove it"),
        (["--inputs", "in.yml"], {}, "outside", "is outside"),
        (["--no-lint"], {}, "toplevel", "the toplevel named in"),
    ],
)
def test_run_failures_are_one_line(hello: Path, tmp_path: Path, args: List[str], env: Dict[str, str], setup: str, expected: str) -> None:
    if setup == "inputs":
        (hello / "in.yml").write_text("initdata: {name: x}\n")
    elif setup == "rundir":
        (hello / "recast-t1").mkdir()
    elif setup == "outside":
        data = tmp_path / "data"
        data.mkdir()
        (hello / "in.yml").write_text(f"initdata: {{name: x}}\ndataopts: {{initdir: {data}}}\n")
        expected = f"dataopts.initdir {data} is outside {hello}, the only host directory the container sees"
    elif setup == "toplevel":
        (tmp_path / "specs").mkdir()
        recast = hello / "recast.yml"
        recast.write_text(recast.read_text().replace("spec:\n", "spec:\n  toplevel: ../specs\n"))
    if "--tag" not in args:
        args = [*args, "--tag", "t1"]
    last = one_line_failure(recast_lint(["run", *args], hello, **env))
    assert expected in last


def test_missing_docker_cli(hello: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    last = one_line_failure(recast_lint(["run", "--tag", "t1"], hello, path=str(empty)))
    assert last.startswith("recast-lint: error: the docker command was not found on PATH; install Docker")


# -- test ---------------------------------------------------------------------------------------


def test_tests_run_with_packtivity_run_and_a_parameter_file(withdata: Path) -> None:
    done = recast_lint(["test", "--tag", "t1"], withdata)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pass  count  (")
    call = docker_run(withdata)
    out = withdata / "recast-test-t1"
    assert call["argv"] == [
        "run", "--rm", "-v", f"{withdata}:{withdata}", "-w", str(withdata), "-v", "/var/run/docker.sock:/var/run/docker.sock",
        IMAGE, "packtivity-run", "steps.yml#/count", "-t", str(withdata / "specs"), "-w", str(out / "count"),
        "-o", str(out / "count.result.json"), "-r", str(withdata / "testdata"), str(out / "count.parameters.yml"),
    ]
    assert yaml.safe_load((out / "count.parameters.yml").read_text()) == {"events": "{readdir0}/events.txt", "outputfile": "{workdir}/count.yml"}


def test_failing_test_exits_1_with_its_log(hello: Path) -> None:
    done = recast_lint(["test", "--tag", "t1", "hello_world"], hello, STANDIN_FAIL_TESTS="steps.yml#/hello_world")
    assert done.returncode == 1
    log = hello / "recast-test-t1/hello_world.log"
    assert done.stdout.splitlines()[0].startswith("FAIL  hello_world  (")
    assert f"exit code 1; log: {log})" in done.stdout
    assert "sh: 1: ech: not found" in done.stdout and "sh: 1: ech: not found" in log.read_text()
    assert "0 passed, 1 failed" in done.stderr


def test_unknown_test_name_and_outside_data(withdata: Path, tmp_path: Path) -> None:
    assert "no test 'cuont' in recast.yml; did you mean 'count'?" in one_line_failure(recast_lint(["test", ".", "cuont"], withdata))
    assert "no test 'cuont' in recast.yml" in one_line_failure(recast_lint(["test", "cuont"], withdata))  # a NAME, from inside
    for written in ("./typo", "typo/"):  # written as paths, they are paths
        assert one_line_failure(recast_lint(["test", written], withdata)).endswith("path 'typo' does not exist")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    recast = withdata / "recast.yml"
    recast.write_text(recast.read_text().replace("- testdata", "- ../elsewhere"))
    last = one_line_failure(recast_lint(["test", "--no-lint"], withdata))
    assert f"data directory {outside} is outside {withdata}, the only host directory the container sees" in last


# -- the real engine (stretch) and a real Docker engine (optional) --------------------------------

needs_reference = pytest.mark.skipif(not (REAL_BIN / "yadage-run").exists(), reason=no_reference_env("reference", "yadage-run", "yadage"))


@needs_reference
def test_the_spec_runs_on_the_real_engine(hello: Path, withdata: Path) -> None:
    for root, expected in ((hello, "Hello my name is hello"), (withdata, {"events": 3})):
        done = recast_lint(["run", "--tag", "real"], root, STANDIN_ENGINE="real", STANDIN_REAL_BIN=str(REAL_BIN))
        assert done.returncode == 0, done.stderr
        assert yaml.safe_load(done.stdout)[0]["value"] == expected
        assert (root / "recast-real" / "_yadage" / "yadage_snapshot_workflow.json").is_file()


@needs_reference
def test_a_real_step_failure_is_found_in_the_real_logs(hello: Path) -> None:
    steps = hello / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("cmd: 'echo Hello my name is {name} | tee {outputfile}'", "cmd: 'ech Hello {name} > {outputfile}'"))
    done = recast_lint(["run", "--tag", "real"], hello, STANDIN_ENGINE="real", STANDIN_REAL_BIN=str(REAL_BIN))
    assert done.returncode == 1
    log = hello / "recast-real/hello_world/_packtivity/hello_world.run.log"
    assert f"recast-lint: step 'hello_world' failed; step logs: {hello}/recast-real/<stage>/_packtivity/*.log; last lines of {log}:" in done.stderr
    assert "ech: not found" in done.stderr.split("last lines of")[-1]


@needs_reference
def test_the_test_argv_runs_on_the_real_packtivity(withdata: Path) -> None:
    done = recast_lint(["test", "--tag", "real"], withdata, STANDIN_ENGINE="real", STANDIN_REAL_BIN=str(REAL_BIN))
    assert done.returncode == 0, done.stdout + done.stderr
    assert yaml.safe_load((withdata / "recast-test-real" / "count" / "count.yml").read_text()) == {"events": 1}


def _docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not _docker_works(), reason="no Docker engine here (`docker info` fails)")
def test_real_docker_run(hello: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YADAGE_", "PACKTIVITY_"))}
    done = subprocess.run([sys.executable, "-m", "recast_lint", "run", "--tag", "docker"], cwd=hello, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert yaml.safe_load(done.stdout)[0]["value"] == "Hello my name is hello"


def test_an_inputs_file_is_read_with_the_linter_limits(hello: Path) -> None:
    # an alias bomb passed as --inputs stops in one line instead of expanding
    done = recast_lint(["run", "--tag", "t1", "--inputs", str(FIXTURES / "load" / "billion-laughs.yml"), "--dry-run"], hello)
    assert "billion-laughs.yml:" in one_line_failure(done) and "expands to more than" in one_line_failure(done)
    missing = one_line_failure(recast_lint(["run", "--tag", "t1", "--inputs", "nope.yml", "--dry-run"], hello))
    assert missing.endswith("inputs file 'nope.yml' does not exist; give a YAML file with `initdata:`")


# -- ownership of the run directory -----------------------------------------------------------


@pytest.fixture
def written_by_containers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run directory as the engine leaves it, with the stand-in docker on PATH."""
    run_dir = tmp_path / "hello" / "recast-t1"
    (run_dir / "hello_world" / "_packtivity").mkdir(parents=True)
    (run_dir / "hello_world" / "hello_world.txt").write_text("Hello\n")
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_LOG", str(tmp_path / "calls.jsonl"))
    return run_dir


def test_a_run_directory_written_as_another_user_is_handed_back(written_by_containers: Path) -> None:
    run_dir = written_by_containers
    user = (os.getuid() + 1, os.getgid())  # the files are this process's, so another user's from there
    hand_back(run_dir, IMAGE, user)
    owner = f"{user[0]}:{user[1]}"
    assert [c["argv"] for c in calls(run_dir.parent)] == [
        ["run", "--rm", "-v", f"{run_dir}:{run_dir}", "--entrypoint", "chown", IMAGE, "-R", owner, str(run_dir)]
    ]
    if os.getuid() == 0:  # the stand-in could give the files away, as the container's root does
        assert {p.stat().st_uid for p in [run_dir, *run_dir.rglob("*")]} == {user[0]}


def test_nothing_runs_when_the_files_are_the_users_already_or_the_user_is_root(written_by_containers: Path) -> None:
    hand_back(written_by_containers, IMAGE, (os.getuid(), os.getgid()))
    hand_back(written_by_containers, IMAGE, None)
    assert calls(written_by_containers.parent) == []


def test_a_failed_hand_back_says_how_to_do_it_by_hand(
    written_by_containers: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("STANDIN_CHOWN", "fail")
    hand_back(written_by_containers, IMAGE, (os.getuid() + 1, os.getgid()))
    assert f"`sudo chown -R {os.getuid() + 1}:{os.getgid()} {written_by_containers}` makes it yours" in capsys.readouterr().err
