"""`recast-lint run` and `recast-lint test` against a stand-in `docker` (tests/fixtures/run/bin/docker).

The stand-in records every call (argv, standard input, the credential variables it was given) and
plays the daemon's and the engine's part. With the reference virtualenv present, it runs the real
yadage-run / packtivity-run on the host instead, which proves the spec and argv we build.
"""

from __future__ import annotations

import hashlib
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

from recast_lint.run.docker import docker_socket, failing_log, hand_back, missing_outputs
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
        ["image", "inspect", "--format", "{{.Id}}", "--", IMAGE],
        ["image", "inspect", "--format", "{{.Id}}", "--", "busybox:1.36.1"],  # the step image, present: no pull
    ]
    call = docker_run(hello)
    assert call["argv"] == [
        "run", "--rm", "-i",
        "-v", f"{hello}:{hello}", "-w", str(hello),
        "-v", "/var/run/docker.sock:/var/run/docker.sock",
        "--", IMAGE, "yadage-run", "-f", "-",
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


def test_credentials_are_masked_on_the_stream_in_the_failure_log_and_in_result_values(hello: Path) -> None:
    password = "S3cr3t-pass-value"
    halves = (password[: len(password) // 2], password[len(password) // 2:])
    # the engine prints the password cut across two reads of the pipe and two lines, and the step log holds it wrapped
    done = recast_lint(["run", "--tag", "t1"], hello, RECAST_PASS=password, STANDIN_ECHO_SPLIT="RECAST_PASS", STANDIN_ENGINE="fail")
    assert done.returncode == 1
    assert "authenticating with password *** (wrapped)" in done.stderr  # relayed engine output
    assert "  kinit: password *** rejected" in done.stderr  # the failing step's log, shown after the failure
    assert not [half for half in halves if half in done.stdout + done.stderr]
    # a result file that holds the value, and a variable that is a credential by its name alone
    written = json.dumps({"hello_world/hello_world.txt": f"password {password}\n"})
    done = recast_lint(["run", "--tag", "t2"], hello, RECAST_PASS=password, STANDIN_WRITE=written,
                       EOS_API_TOKEN="another-s3cret", STANDIN_ECHO="EOS_API_TOKEN")
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout)[0]["value"] == "password ***"
    assert "loading spec with token ***" in done.stderr
    assert password not in done.stdout + done.stderr and "another-s3cret" not in done.stdout + done.stderr


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
    assert argv[i + 3:i + 5] == ["-e", "DOCKER_HOST=unix:///var/run/docker.sock"]  # whatever context the config names
    assert "dXNlcjpwYXNz" not in json.dumps(argv) + done.stdout + done.stderr

    elsewhere = tmp_path / "dockercfg"
    elsewhere.mkdir()
    (elsewhere / "config.json").write_text(json.dumps({"credsStore": "desktop", "auths": {"ghcr.io": {}}}))
    done = recast_lint(["run", "--tag", "t2", "--dry-run"], hello, DOCKER_CONFIG=str(elsewhere))
    assert "config.json" not in done.stdout
    assert "credential helper (desktop) that the engine container cannot call" in done.stderr


def _context(config_dir: Path, name: str, host: str, current: bool = True) -> None:
    """What `docker context create NAME --docker host=HOST` (and `docker context use NAME`) write."""
    meta = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}))
    if current:
        (config_dir / "config.json").write_text(json.dumps({"auths": {}, "currentContext": name}))


def test_the_socket_of_the_active_context_is_mounted_and_the_engine_told_where_it_is(hello: Path, tmp_path: Path) -> None:
    config_dir = tmp_path / "home" / ".docker"
    _context(config_dir, "rootless", "unix:///run/user/1000/docker.sock")
    done = recast_lint(["run", "--tag", "t1"], hello)
    assert done.returncode == 0, done.stderr
    argv = docker_run(hello)["argv"]
    assert argv[argv.index("/run/user/1000/docker.sock:/var/run/docker.sock") - 1] == "-v"
    # the mounted config still names the context, which the engine does not have: DOCKER_HOST overrides it there
    assert argv[argv.index("DOCKER_HOST=unix:///var/run/docker.sock") - 1] == "-e"


@pytest.mark.parametrize(
    "environ, contexts, expected",
    [
        ({}, {}, "/var/run/docker.sock"),
        ({"DOCKER_HOST": "unix:///srv/docker.sock"}, {"rootless": "unix:///run/user/1000/docker.sock"}, "/srv/docker.sock"),
        ({}, {"rootless": "unix:///run/user/1000/docker.sock"}, "/run/user/1000/docker.sock"),
        ({"DOCKER_CONTEXT": "other"}, {"rootless": "unix:///run/user/1000/docker.sock", "other": "unix:///srv/other.sock"}, "/srv/other.sock"),
        ({"DOCKER_CONTEXT": "default"}, {"rootless": "unix:///run/user/1000/docker.sock"}, "/var/run/docker.sock"),
        ({}, {"remote": "tcp://10.0.0.1:2376"}, "/var/run/docker.sock"),  # not a socket here: as before
        ({}, {"desktop-linux": "unix:///Users/me/.docker/run/docker.sock"}, "/var/run/docker.sock"),  # the VM's socket
        ({"DOCKER_CONTEXT": "gone"}, {}, "/var/run/docker.sock"),  # the client fails too, and says so first
    ],
)
def test_the_socket_is_found_as_the_docker_client_finds_it(
    tmp_path: Path, environ: Dict[str, str], contexts: Dict[str, str], expected: str
) -> None:
    config_dir = tmp_path / "dockercfg"
    config_dir.mkdir()
    for i, (name, host) in enumerate(contexts.items()):
        _context(config_dir, name, host, current=i == 0)
    assert docker_socket({"DOCKER_CONFIG": str(config_dir), **environ}) == expected


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


def test_a_step_image_that_cannot_be_pulled_shows_the_pull_log(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1"], hello, STANDIN_ENGINE="pull-fail")
    assert done.returncode == 1
    report = done.stderr.split("recast-lint: the workflow failed")[1]
    assert f"last lines of {hello}/recast-t1/hello_world/_packtivity/hello_world.pull.log:" in report
    assert "lookup registry-1.docker.io on 10.255.255.53:53: no such host" in report  # the cause, not the traceback
    assert "returned non-zero exit status" not in report
    assert "set PACKTIVITY_DOCKER_NOPULL=1" in report and "rerun with --debug" not in report


def test_the_run_log_is_shown_when_the_command_ran(tmp_path: Path) -> None:
    # a pull log is there for every step that pulled; it holds the cause only when the step log says the pull failed
    meta = tmp_path / "hello_world" / "_packtivity"
    meta.mkdir(parents=True)
    for log in (FIXTURES / "run" / "logs" / "pull-failed").iterdir():
        shutil.copy(log, meta / log.name)
    logs = sorted(meta.iterdir())
    assert failing_log(logs) == meta / "hello_world.pull.log"
    (meta / "hello_world.run.log").write_text("sh: ech: not found\n")
    assert failing_log(sorted(meta.iterdir())) == meta / "hello_world.run.log"
    (meta / "hello_world.run.log").unlink()
    (meta / "hello_world.pull.log").write_text("Status: Downloaded newer image for busybox:1.36.1\n")
    step_log = meta / "hello_world.step.log"
    step_log.write_text(step_log.read_text().replace("Command 'docker pull busybox:1.36.1'", "Command 'docker run busybox:1.36.1'"))
    assert failing_log(sorted(meta.iterdir())) == step_log


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
    assert pulls == [["pull", "--", "example/engine:1.0"], ["pull", "--", "busybox:1.36.1"]]
    assert docker_run(hello)["argv"][-4] == "example/engine:1.0"


def test_an_image_the_analysis_names_reaches_docker_as_an_image_never_an_option(hello: Path) -> None:
    steps = hello / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("image: busybox", "image: --all-tags"), encoding="utf-8")
    done = recast_lint(["run", "--tag", "t1", "--no-lint"], hello, STANDIN_IMAGE="absent")
    assert done.returncode == 0, done.stderr
    # every positional argument from the analysis comes after `--` (docker then says "invalid reference format")
    asked = [c["argv"] for c in calls(hello) if c["argv"][0] in ("pull", "image")]
    assert ["image", "inspect", "--format", "{{.Id}}", "--", "--all-tags:1.36.1"] in asked
    assert ["pull", "--", "--all-tags:1.36.1"] in asked
    run_argv = docker_run(hello)["argv"]
    assert run_argv[run_argv.index(IMAGE) - 1] == "--"
    assert "error RL703 image '--all-tags' starts with '-', so docker reads it as an option" in recast_lint(["check"], hello).stdout


def test_step_images_are_left_alone_with_packtivity_docker_nopull(hello: Path) -> None:
    done = recast_lint(["run", "--tag", "t1"], hello, STANDIN_IMAGE="absent", PACKTIVITY_DOCKER_NOPULL="1")
    assert done.returncode == 0, done.stderr
    assert [c["argv"] for c in calls(hello) if c["argv"][0] == "pull"] == [["pull", "--", IMAGE]]
    assert "-e" in docker_run(hello)["argv"]  # and the engine is told so too


@pytest.mark.parametrize(
    "args, env, setup, expected",
    [
        (["--tag", "../x"], {}, None, "--tag '../x' is not a valid name; use 1-63 letters, digits, '-' or '_'"),
        (["--tag", "nl\n"], {}, None, "--tag 'nl\\n' is not a valid name; use 1-63 letters, digits, '-' or '_'"),
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


@pytest.mark.parametrize("command", [["run"], ["test"], ["submit", "--dry-run"]])
def test_a_broken_configuration_is_the_one_line_error_check_gives(hello: Path, command: List[str]) -> None:
    (hello / ".recast-lint.yml").write_text("ignroe: [RL2]\n", encoding="utf-8")
    expected = "recast-lint: error: .recast-lint.yml:1: unknown key 'ignroe'; did you mean 'ignore'?"
    assert recast_lint(["check"], hello).stderr.startswith(expected)
    last = one_line_failure(recast_lint([*command, "--tag" if command[0] != "submit" else "--name", "t1"], hello))
    assert last.startswith(expected) and "internal error" not in last
    assert calls(hello) == []


@pytest.mark.parametrize("command, name", [("run", "recast-t1"), ("test", "recast-test-t1")])
def test_a_run_directory_that_is_a_link_is_refused_and_nothing_is_written_through_it(hello: Path, tmp_path: Path,
                                                                                      command: str, name: str) -> None:
    # a committed `recast-TAG` link to nothing: the engine would have created its target and written the run there
    (hello / name).symlink_to(tmp_path / "elsewhere")
    last = one_line_failure(recast_lint([command, "--tag", "t1"], hello))
    assert last.endswith(f"run directory {hello / name} already exists; pass a new --tag (e.g. --tag t1-2) or remove it")
    assert not (tmp_path / "elsewhere").exists() and not [c for c in calls(hello) if c["argv"][0] == "run"]


def test_run_reads_no_result_outside_the_run_directory(hello: Path, tmp_path: Path) -> None:
    outside = tmp_path / "hostname"
    outside.write_text("EXAMPLE-host\n", encoding="utf-8")
    # a step leaves a link where the result should be
    done = recast_lint(["run", "--tag", "t1"], hello, STANDIN_LINK=json.dumps({"hello_world/hello_world.txt": str(outside)}))
    assert done.returncode == 1
    assert "EXAMPLE-host" not in done.stdout + done.stderr
    assert f"{hello}/recast-t1/hello_world/hello_world.txt leads out of {hello}/recast-t1 through a symbolic link, so it is not read" in done.stderr
    # a relpath that leaves it, run without the lint that reports it (RL604): refused before anything runs
    recast = hello / "recast.yml"
    recast.write_text(recast.read_text().replace("relpath: hello_world/hello_world.txt", f"relpath: {outside}"), encoding="utf-8")
    (hello.parent / "calls.jsonl").unlink()
    last = one_line_failure(recast_lint(["run", "--tag", "t2", "--no-lint"], hello))
    assert last == f"recast-lint: error: recast.yml:13: result path {str(outside)!r} is outside the run directory; write it relative to it, as `<stage>/<file>`"
    assert calls(hello) == []


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
        "--", IMAGE, "packtivity-run", "-t", str(withdata / "specs"), "-w", str(out / "count"),
        "-o", str(out / "count.result.json"), "-r", str(withdata / "testdata"), "--", "steps.yml#/count", str(out / "count.parameters.yml"),
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


def test_a_test_whose_step_wrote_no_output_fails(hello: Path) -> None:
    done = recast_lint(["test", "--tag", "t1"], hello, STANDIN_TEST_OUTPUT="missing")
    assert done.returncode == 1
    out = hello / "recast-test-t1"
    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAIL  hello_world  (")
    assert lines[0].endswith(f"exit code 0 but 1 declared output is missing; log: {out}/hello_world.log)")
    assert lines[1] == f"      output 'outputfile': {out}/hello_world/hello_world.txt was not written"
    assert "0 passed, 1 failed" in done.stderr


def test_only_published_paths_the_step_should_have_written_are_checked(tmp_path: Path) -> None:
    workdir = tmp_path / "recast-test-t1" / "fit"
    workdir.mkdir(parents=True)
    (workdir / "fit.json").write_text("{}")
    result = tmp_path / "fit.result.json"
    published = {
        "fit": str(workdir / "fit.json"),
        "plots": {"main": [str(workdir / "a.png")], "extra": []},  # a glob that matched nothing
        "events": str(tmp_path / "data" / "events.root"),  # an input, outside the work directory
        "label": "signal region",
    }
    result.write_text(json.dumps(published))
    assert missing_outputs(result, workdir) == [
        f"output 'plots.main[0]': {workdir}/a.png was not written",
        "output 'plots.extra' is an empty list: its glob matched no file",
    ]
    result.unlink()
    assert missing_outputs(result, workdir) == [f"packtivity wrote no readable result to {result}, so the step's outputs are unknown"]


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


# -- the real engine on the host (a real Docker engine: test_docker_e2e.py) ---------------------------

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
