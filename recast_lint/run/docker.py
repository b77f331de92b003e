"""Run a workflow or its tests in the `recast/recastatlas` image through the Docker CLI.

The orchestrator container sees the analysis directory at the same path as the host and talks to
the host's Docker daemon through its socket, so the step containers it starts are siblings that
mount the same host paths (C.1). Credentials never reach argv: variables are passed as `-e NAME`,
which docker fills from its own environment, and registry logins come from the user's Docker
client config, mounted read-only.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
from collections import deque
from pathlib import Path
from typing import Deque, Dict, List, Optional, Sequence, Tuple

import click
import yaml

from recast_lint.model import REMOTE_PREFIXES, Step, Test
from recast_lint.records import Record
from recast_lint.run.common import (
    Inputs,
    Prepared,
    RunError,
    RunFailed,
    check_visible,
    inside,
    make_new_dir,
    mask,
    masker,
    new_run_dir,
    note,
    print_results,
    refuse_results_outside,
    run_spec,
    used_steps,
    warn,
    where,
)

# the daemon's socket where nothing says otherwise, and where the engine finds it
DEFAULT_SOCKET = "/var/run/docker.sock"
DESKTOP_CONTEXT = "desktop-linux"  # Docker Desktop's, on macOS, Windows and Linux
# where the orchestrator finds the user's Docker client config (set through DOCKER_CONFIG, so HOME does not matter)
CONTAINER_DOCKER_CONFIG = "/run/recast-lint/docker"
# passed to the orchestrator only when set: an unset variable must stay unset, not become the string "None"
PASSTHROUGH = (
    "PACKTIVITY_AUTH_LOCATION",
    "PACKTIVITY_CVMFS_LOCATION",
    "PACKTIVITY_CVMFS_PROPAGATION",
    "PACKTIVITY_DOCKER_CMD_MOD",
    "PACKTIVITY_DOCKER_NOPULL",
    "YADAGE_SCHEMA_LOAD_TOKEN",
    "YADAGE_INIT_TOKEN",
)
_LOG_TAIL = 20
_DOCKER_FAILED = 125  # `docker run` itself failed (bad mount, bad option): the engine never started
_STEP_FAILED = re.compile(r"non-zero return code|failed container execution|Traceback|\|\s+ERROR\s+\|")
# packtivity's logs of a step, by topic: <step>.run.log, .pull.log, .step.log
_RUN_LOG, _PULL_LOG, _STEP_LOG = "run.log", "pull.log", "step.log"
# what packtivity's step log says when the image pull failed (it names the command that failed)
_PULL_FAILED = re.compile(r"Command 'docker pull [^']*' returned non-zero exit status")


class Command:
    """A docker command line, the environment it runs with, and what it reads on standard input."""

    def __init__(self, argv: List[str], env: Dict[str, str]) -> None:
        self.argv = argv
        self.env = env  # the environment docker runs with (the values behind `-e NAME`)
        self.stdin: Optional[str] = None
        self.notes: List[str] = []

    def show(self) -> str:
        """The exact command, shell-quoted for copying; it holds no credential values by construction."""
        return mask(shlex.join(self.argv), self.env)


def docker_socket(environ: Dict[str, str]) -> str:
    """The daemon's socket as the daemon sees it, found the way the client finds its daemon.

    DOCKER_HOST first, then the endpoint of the active context (DOCKER_CONTEXT, else the config's
    `currentContext`, which `docker context use` writes, as rootless Docker's setup does), then the
    default. Docker Desktop's context names a socket on the host that forwards into its VM, where
    the daemon (which resolves mount sources) has its own socket at the default path.
    """
    host = environ.get("DOCKER_HOST")
    if not host:
        name = _context_name(environ)
        host = _context_host(environ, name) if name and name != DESKTOP_CONTEXT else None
    return host[len("unix://"):] if host and host.startswith("unix://") else DEFAULT_SOCKET


def _context_name(environ: Dict[str, str]) -> Optional[str]:
    name = environ.get("DOCKER_CONTEXT") or _read_config(_config_dir(environ) / "config.json")[0].get("currentContext")
    return name if isinstance(name, str) and name not in ("", "default") else None


def _context_host(environ: Dict[str, str], name: str) -> Optional[str]:
    """The docker endpoint of context ``name``, from the client's contexts meta store beside its config."""
    meta = _config_dir(environ) / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest() / "meta.json"
    endpoints = _read_config(meta)[0].get("Endpoints")
    docker = endpoints.get("docker") if isinstance(endpoints, dict) else None
    host = docker.get("Host") if isinstance(docker, dict) else None
    return host if isinstance(host, str) else None


def _config_dir(environ: Dict[str, str]) -> Path:
    return Path(environ["DOCKER_CONFIG"]) if environ.get("DOCKER_CONFIG") else Path.home() / ".docker"


def _read_config(path: Path) -> Tuple[Dict, Optional[str]]:
    """The JSON object in ``path`` ({} when there is none), and why it cannot be read, if it cannot."""
    if not path.is_file():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {}, f"cannot read {path} ({exc})"
    if not isinstance(data, dict):
        return {}, f"{path} is not a JSON object"
    return data, None


def docker_config(environ: Dict[str, str]) -> Tuple[Optional[Path], Optional[str]]:
    """The user's Docker client config file to mount, or None and the reason it cannot be used."""
    path = _config_dir(environ) / "config.json"
    if not path.is_file():
        return None, None
    config, problem = _read_config(path)
    if problem:
        return None, f"{problem}; private step images will not pull"
    helper = config.get("credsStore") or next(iter(config.get("credHelpers") or {}), None)
    if helper:
        return None, (
            f"{path} keeps registry credentials in a credential helper ({helper}) that the engine container cannot call, "
            "so it is not mounted and private step images will not pull; log in with a plain config instead: "
            "DOCKER_CONFIG=$HOME/.recast-docker docker login <registry>, then run with that DOCKER_CONFIG"
        )
    return path, None


def orchestrator(root: Path, image: str, environ: Dict[str, str], interactive: bool) -> Command:
    """`docker run` of the engine image up to and including the image name."""
    env = dict(environ)
    # recast-atlas meant the schema-load token to serve archive downloads too, but never passed it (C.1)
    if env.get("YADAGE_SCHEMA_LOAD_TOKEN") and not env.get("YADAGE_INIT_TOKEN"):
        env["YADAGE_INIT_TOKEN"] = env["YADAGE_SCHEMA_LOAD_TOKEN"]
    argv = ["docker", "run", "--rm"] + (["-i"] if interactive else [])
    if env.get("DOCKER_DEFAULT_PLATFORM"):
        argv += ["--platform", env["DOCKER_DEFAULT_PLATFORM"]]
    argv += ["-v", f"{root}:{root}", "-w", str(root), "-v", f"{docker_socket(env)}:{DEFAULT_SOCKET}"]
    command = Command(argv, env)
    config, problem = docker_config(env)
    if config is not None:
        # the config may name a context (`currentContext`) that exists only on the host: the engine's
        # client would fail on every call, so it is told where the mounted socket is
        argv += ["-v", f"{config}:{CONTAINER_DOCKER_CONFIG}/config.json:ro", "-e", f"DOCKER_CONFIG={CONTAINER_DOCKER_CONFIG}"]
        argv += ["-e", f"DOCKER_HOST=unix://{DEFAULT_SOCKET}"]
    elif problem:
        command.notes.append(problem)
    for name in PASSTHROUGH:
        if env.get(name):
            argv += ["-e", name]
    argv += ["--", image]  # an image named `-v/:/host` stays an image
    return command


def require_docker(image: str, steps: Sequence[Step] = ()) -> None:
    """Fail with one line unless the CLI exists, the daemon answers and every image is (or becomes) available.

    Step images are pulled here, before the engine starts, because the engine pulls them silently
    (into the step's pull log): a multi-GB analysis image would look like a hang, and a private
    image without a login would fail only deep into the run.
    """
    if shutil.which("docker") is None:
        raise RunError(
            "the docker command was not found on PATH; install Docker (https://docs.docker.com/get-docker/) or run on REANA with `recast-lint submit`"
        )
    probe = _quiet(["docker", "version", "--format", "{{.Server.Version}}"])
    if probe.returncode != 0:
        raise RunError(f"the Docker daemon is not reachable ({_last_line(probe)}); start Docker or fix DOCKER_HOST, then retry")
    _ensure(image, f"the engine image {image} (once per version; about 1 GB, this can take several minutes)",
            "check --image, or `docker login` to its registry")
    if os.environ.get("PACKTIVITY_DOCKER_NOPULL"):
        return  # the user keeps step images local on purpose
    wanted = step_images(steps)
    for number, (ref, written_at) in enumerate(wanted, 1):
        _ensure(ref, f"step image {ref} ({number} of {len(wanted)}, from {written_at})",
                f"`docker login` to its registry, or fix image/imagetag at {written_at}")


def step_images(steps: Sequence[Step]) -> List[Tuple[str, str]]:
    """(reference, where it is written) of each Docker step image, built as packtivity builds it: `image:imagetag`."""
    found: Dict[str, str] = {}
    for step in steps:
        env, loc = step.part_value("environment"), step.part("environment")
        if loc is None or env.get("environment_type") != "docker-encapsulated" or not isinstance(env.get("image"), str):
            continue
        found.setdefault(f"{env['image']}:{env.get('imagetag', 'latest')}", where(loc, "image"))
    return sorted(found.items())


def _ensure(image: str, what: str, fix: str) -> None:
    # `--`: a step image comes from the analysis, and `--all-tags` must not reach docker as an option
    if _quiet(["docker", "image", "inspect", "--format", "{{.Id}}", "--", image]).returncode == 0:
        return
    note(f"pulling {what}...")
    tail: Deque[str] = deque(maxlen=3)
    if stream(Command(["docker", "pull", "--", image], dict(os.environ)), tail) != 0:
        raise RunError(f"image {image} is not available ({tail[-1] if tail else 'docker pull failed'}); {fix}")


def _quiet(argv: Sequence[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(list(argv), 124, "", "no answer within 60 seconds")


def _last_line(done: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (done.stderr or done.stdout or "").splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {done.returncode}"


def stream(command: Command, tail: Deque[str], log: Optional[Path] = None) -> int:
    """Run ``command``; relay its output as it comes (to ``log`` if given, else stderr), masked; keep the last lines.

    The output is masked as a stream, not line by line: a credential split across two reads of the
    pipe, or across two lines, is masked all the same."""
    try:
        proc = subprocess.Popen(
            command.argv,
            stdin=subprocess.PIPE if command.stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=command.env,
        )
    except OSError as exc:
        raise RunError(f"cannot start {command.argv[0]}: {exc.strerror}") from exc
    if command.stdin is not None:
        # written from a thread so a chatty engine cannot fill its output pipe while we still write
        writer = threading.Thread(target=_feed, args=(proc, command.stdin), daemon=True)
        writer.start()
    sink = log.open("w", encoding="utf-8") if log else None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    hide = masker(command.env)
    lines = _Tail(tail)
    try:
        assert proc.stdout is not None
        while True:
            chunk = os.read(proc.stdout.fileno(), 65536)
            text = hide.feed(decoder.decode(chunk, final=not chunk)) + (hide.flush() if not chunk else "")
            if text:
                lines.add(text)
                if sink:
                    sink.write(text)
                else:
                    click.echo(text, nl=False, err=True)
            if not chunk:
                break
        lines.close()
        return proc.wait()
    except KeyboardInterrupt:
        proc.wait()  # docker relays the interrupt to the container and removes it (--rm)
        raise
    finally:
        proc.stdout.close()
        if sink:
            sink.close()


class _Tail:
    """The last lines of a relayed stream, from the pieces it arrives in."""

    def __init__(self, lines: Deque[str]) -> None:
        self.lines = lines
        self.partial = ""

    def add(self, text: str) -> None:
        *complete, self.partial = (self.partial + text).split("\n")
        self.lines.extend(complete)

    def close(self) -> None:
        if self.partial:
            self.lines.append(self.partial)


def _feed(proc: subprocess.Popen, text: str) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write(text.encode("utf-8"))
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # the engine exited early; its output says why


def show_dry_run(commands: Sequence[Tuple[str, Command]]) -> None:
    passed: Dict[str, None] = {}
    for title, command in commands:
        click.echo(f"# {title}")
        click.echo(command.show())
        if command.stdin is not None:
            click.echo("# standard input (the yadage run spec)")
            click.echo(mask(command.stdin, command.env), nl=False)
        passed.update((value, None) for flag, value in zip(command.argv, command.argv[1:]) if flag == "-e" and "=" not in value)
    if passed:
        click.echo(f"# docker takes the values of {', '.join(passed)} from your environment; they are not shown")


# -- run ----------------------------------------------------------------------------------------


def run(prepared: Prepared, inputs: Inputs, tag: str, image: str, debug: bool, dry_run: bool, as_json: bool) -> None:
    root = prepared.root
    local = prepared.local_toplevel
    if local is not None and not inside(local, root):
        raise RunError(f"toplevel {local} is outside {root}, the only host directory the container sees; move the specs under it")
    check_visible(inputs, root)
    refuse_results_outside(prepared)
    run_dir = new_run_dir(root, "recast-", tag)
    spec = run_spec(prepared, inputs, run_dir, debug)
    command = orchestrator(root, image, dict(os.environ), interactive=True)
    command.argv += ["yadage-run", "-f", "-"]
    command.stdin = json.dumps(spec, indent=2) + "\n"
    for problem in command.notes:
        warn(problem)
    if dry_run:
        show_dry_run([("command", command)])
        return
    require_docker(image, used_steps(prepared))
    make_new_dir(run_dir, root, f"pass a new --tag (e.g. --tag {tag}-2) or remove it")  # the engine writes into it, not through a link
    note(f"running {prepared.entry.doc.data.get('name', root.name)} with {inputs.label} in {run_dir} (engine output follows)")
    tail: Deque[str] = deque(maxlen=_LOG_TAIL)
    started = time.monotonic()
    try:
        code = stream(command, tail)
    except KeyboardInterrupt:
        raise RunError(f"interrupted; {run_dir} holds a partial run") from None
    finally:
        hand_back(run_dir, image, host_user())
    if code == _DOCKER_FAILED and not any(run_dir.iterdir()):
        raise RunError(f"docker could not start the engine container ({tail[-1] if tail else 'exit code 125'})")
    if code != 0:
        report_failure(run_dir, code, debug)
        raise RunFailed("workflow failed")
    note(f"workflow finished in {time.monotonic() - started:.0f}s; results from {run_dir}:")
    print_results(prepared, run_dir, as_json)


def host_user() -> Optional[Tuple[int, int]]:
    """(uid, gid) the run's files should belong to; None for root (CI jobs) or where there are no uids."""
    if not hasattr(os, "getuid") or os.getuid() == 0:
        return None
    return os.getuid(), os.getgid()


def hand_back(run_dir: Path, image: str, user: Optional[Tuple[int, int]]) -> None:
    """Give ``user`` what the containers wrote into ``run_dir``.

    The engine and most step images run as root, so with a root Docker daemon (Linux) every file
    of a run belongs to root, and the user cannot even remove the directory. A `chown` in the
    engine image, which is already there, hands it back. Nothing runs when the files are the
    user's already (Docker Desktop, rootless Docker)."""
    if user is None or not run_dir.is_dir() or not _owned_by_others(run_dir, user[0]):
        return
    owner = f"{user[0]}:{user[1]}"
    done = _quiet(["docker", "run", "--rm", "-v", f"{run_dir}:{run_dir}", "--entrypoint", "chown", image, "-R", owner, str(run_dir)])
    if done.returncode != 0:
        warn(f"{run_dir} belongs to root, so you cannot remove it ({_last_line(done)}); `sudo chown -R {owner} {run_dir}` makes it yours")


def _owned_by_others(directory: Path, uid: int) -> bool:
    if directory.lstat().st_uid != uid:
        return True
    for dirpath, dirnames, filenames in os.walk(directory):
        for name in dirnames + filenames:
            if os.lstat(os.path.join(dirpath, name)).st_uid != uid:
                return True
    return False


def report_failure(run_dir: Path, code: int, debug: bool) -> None:
    def out(text: str) -> None:
        click.echo(f"recast-lint: {text}", err=True)

    out(f"the workflow failed (engine exit code {code})")
    logs = sorted(run_dir.glob("**/_packtivity/*.log")) if run_dir.is_dir() else []
    if not logs:
        out("no step ran, so there are no step logs; the engine output above says why")
        return
    logs_glob = f"{run_dir}/<stage>/_packtivity/*.log"
    failing = failing_log(logs)
    if failing is None:
        out(f"no step log reports an error, so the engine itself failed (its output is above); step logs: {logs_glob}")
        return
    out(f"step {failing.name.split('.')[0]!r} failed; step logs: {logs_glob}; last lines of {failing}:")
    # masked as a whole before it is cut into lines: a credential may span two of them
    for line in mask(failing.read_text(encoding="utf-8", errors="replace")).splitlines()[-_LOG_TAIL:]:
        click.echo(f"  {line}", err=True)
    if failing.name.endswith(f".{_PULL_LOG}"):
        out("the engine could not pull the step's image; `docker login` to its registry, or, for an image that exists "
            "only on this machine, set PACKTIVITY_DOCKER_NOPULL=1 so the engine uses it as it is")
    elif not debug:
        out("a step that fails inside the engine may log no reason; rerun with --debug and a new --tag to see its exception")


def failing_log(logs: List[Path]) -> Optional[Path]:
    """The log that holds the cause, of the first step whose logs report an error.

    That is the run log (the command's own output) when the command ran; when packtivity's
    `docker pull` failed instead, the command never ran and the pull log says why ("no such host",
    "unauthorized") while the step log holds only a traceback saying the pull returned 1.
    """
    steps: Dict[Tuple[Path, str], List[Path]] = {}
    for path in logs:
        steps.setdefault((path.parent, path.name.split(".")[0]), []).append(path)
    failed = [
        group for group in steps.values()
        if any(_STEP_FAILED.search(p.read_text(encoding="utf-8", errors="replace")) for p in group)
    ]
    if not failed:
        return None
    group = min(failed, key=lambda g: max(p.stat().st_mtime for p in g))
    by_topic = {p.name.split(".", 1)[-1]: p for p in group}
    if _RUN_LOG in by_topic:
        return by_topic[_RUN_LOG]
    step_log = by_topic.get(_STEP_LOG)
    if _PULL_LOG in by_topic and step_log is not None and _PULL_FAILED.search(step_log.read_text(encoding="utf-8", errors="replace")):
        return by_topic[_PULL_LOG]
    return max(group, key=lambda p: p.stat().st_mtime)


# -- test ----------------------------------------------------------------------------------------


class TestPlan(Record):
    name: str
    command: Command
    parfile: Path
    parameters: str  # YAML, written to ``parfile`` (a file, so values may hold `=` or structure)
    log: Path
    step: Optional[Step]
    workdir: Path  # the step's work directory, where it writes its outputs
    result: Path  # what packtivity-run published (`-o`), as JSON


def plan_tests(prepared: Prepared, names: Sequence[str], tag: str, image: str) -> Tuple[Path, List[TestPlan]]:
    root = prepared.root
    tests = [t for t in prepared.entry.tests if isinstance(t.name, str)]
    if not tests:
        raise RunError("recast.yml has no tests; add a `tests:` entry (name, spec, parameters) for a step")
    by_name = {t.name: t for t in tests}
    for name in names:
        if name not in by_name:
            from recast_lint.rules.registry import did_you_mean

            raise RunError(f"no test {name!r} in recast.yml; {did_you_mean(name, list(by_name))}")
    chosen = [by_name[n] for n in dict.fromkeys(names)] if names else tests
    run_dir = new_run_dir(root, "recast-test-", tag)
    plans = []
    for test in chosen:
        spec = test.loc.get("spec")
        if not isinstance(spec, str):
            raise RunError(f"test {test.name!r} has no spec; write `spec: steps.yml#/<step>`")
        parameters = test.loc.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise RunError(f"test {test.name!r}: parameters must be a mapping of the step's parameter names to values")
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", test.name)
        parfile = run_dir / f"{safe}.parameters.yml"
        command = orchestrator(root, image, dict(os.environ), interactive=False)
        command.argv += ["packtivity-run", "-t", _test_toplevel(prepared, test), "-w", str(run_dir / safe)]
        command.argv += ["-o", str(run_dir / f"{safe}.result.json")]
        for directory in _test_data(test, root):
            command.argv += ["-r", str(directory)]
        command.argv += ["--", spec, str(parfile)]  # the spec is the analysis's: never an option
        parameters_yaml = yaml.safe_dump(parameters or {}, sort_keys=False)
        plans.append(TestPlan(test.name, command, parfile, parameters_yaml, run_dir / f"{safe}.log", test.step,
                              run_dir / safe, run_dir / f"{safe}.result.json"))
    return run_dir, plans


def _test_toplevel(prepared: Prepared, test: Test) -> str:
    value = test.loc.get("toplevel")
    if not isinstance(value, str):
        return prepared.toplevel
    if value.startswith(REMOTE_PREFIXES):
        return value
    path = Path(os.path.normpath(prepared.root / value))
    if not inside(path, prepared.root):
        raise RunError(f"test {test.name!r}: toplevel {path} is outside {prepared.root}, the only host directory the container sees")
    return str(path)


def _test_data(test: Test, root: Path) -> List[Path]:
    data = test.loc.get("data")
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(d, str) for d in data):
        raise RunError(f"test {test.name!r}: data must be a list of directories")
    dirs = []
    for item in data:
        path = Path(os.path.normpath(root / item))
        if not inside(path, root):
            raise RunError(
                f"test {test.name!r}: data directory {path} is outside {root}, the only host directory the container sees; move it under the analysis"
            )
        if not path.is_dir():
            raise RunError(f"test {test.name!r}: data directory {path} does not exist")
        dirs.append(path)
    return dirs


def run_tests(prepared: Prepared, names: Sequence[str], tag: str, image: str, dry_run: bool) -> None:
    run_dir, plans = plan_tests(prepared, names, tag, image)
    for problem in plans[0].command.notes:
        warn(problem)
    if dry_run:
        for plan in plans:
            click.echo(f"# {plan.parfile}\n" + "".join(f"#   {line}\n" for line in mask(plan.parameters).splitlines()), nl=False)
        show_dry_run([(f"test {plan.name}", plan.command) for plan in plans])
        return
    require_docker(image, [plan.step for plan in plans if plan.step is not None])
    make_new_dir(run_dir, prepared.root, "pass a new --tag or remove it")
    try:
        failed = sum(not _run_test(plan, run_dir) for plan in plans)
    finally:
        hand_back(run_dir, image, host_user())
    passed = len(plans) - failed
    note(f"{passed} passed, {failed} failed; outputs and logs in {run_dir}")
    if failed:
        raise RunFailed(f"{failed} test(s) failed")


def _run_test(plan: TestPlan, run_dir: Path) -> bool:
    """Run one test, print its line (and the end of its log when it fails); True when it passed."""
    plan.parfile.write_text(plan.parameters, encoding="utf-8")
    tail: Deque[str] = deque(maxlen=_LOG_TAIL)
    started = time.monotonic()
    try:
        code = stream(plan.command, tail, log=plan.log)
    except KeyboardInterrupt:
        raise RunError(f"interrupted during test {plan.name!r}; logs so far are in {run_dir}") from None
    elapsed = time.monotonic() - started
    missing = missing_outputs(plan.result, plan.workdir) if code == 0 else []
    if code == 0 and not missing:
        click.echo(f"pass  {plan.name}  ({elapsed:.1f}s)")
        return True
    if missing:
        count = f"{len(missing)} declared output{'s are' if len(missing) != 1 else ' is'} missing"
        click.echo(f"FAIL  {plan.name}  ({elapsed:.1f}s, exit code 0 but {count}; log: {plan.log})")
        for problem in missing:
            click.echo(f"      {problem}")
        return False
    click.echo(f"FAIL  {plan.name}  ({elapsed:.1f}s, exit code {code}; log: {plan.log})")
    for line in list(tail)[-8:]:
        click.echo(f"      {line}")
    return False


def missing_outputs(result: Path, workdir: Path) -> List[str]:
    """One message per output the step published but did not write.

    packtivity-run publishes what the step's publisher declares whether or not the command wrote
    it, and exits 0 either way. A published path inside the step's work directory is an output
    the step should have written; paths elsewhere (its inputs) and plain values are not checked.
    """
    try:
        published = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [f"packtivity wrote no readable result to {result}, so the step's outputs are unknown"]
    problems = []
    for key, value in _published_leaves(published, ""):
        if isinstance(value, list):
            problems.append(f"output {key!r} is an empty list: its glob matched no file")
        elif inside(Path(str(value)), workdir) and not os.path.lexists(str(value)):
            problems.append(f"output {key!r}: {value} was not written")
    return problems


def _published_leaves(value: object, key: str) -> List[Tuple[str, object]]:
    """(key path, value) of each absolute path and each empty list in a published result."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _published_leaves(v, f"{key}.{k}" if key else str(k))]
    if isinstance(value, list):
        if not value:
            return [(key, value)]
        return [leaf for i, v in enumerate(value) for leaf in _published_leaves(v, f"{key}[{i}]")]
    return [(key, value)] if isinstance(value, str) and os.path.isabs(value) else []
