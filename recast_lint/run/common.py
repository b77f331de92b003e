"""What `run`, `test` and `submit` share: the analysis, its inputs, the yadage run spec, the results."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import click
import yaml

from recast_lint.load import load_file
from recast_lint.masking import Masker
from recast_lint.model import Analysis, Loc, RecastEntry, Step, build_entry_analysis, find_entry_root
from recast_lint.records import Record

# every variable whose value is a credential, masked wherever we print, relay or write text: the
# CI/CD variables of the RECAST guide, what `recast auth setup` exports, the engine's and REANA's
# tokens, GitLab's own; and any other whose name ends like a secret's (`..._TOKEN`, `..._PASSWORD`)
SECRET_VARIABLES = (
    "RECAST_USER",
    "RECAST_PASS",
    "RECAST_TOKEN",
    "RECAST_AUTH_USERNAME",
    "RECAST_AUTH_PASSWORD",
    "RECAST_REGISTRY_USERNAME",
    "RECAST_REGISTRY_PASSWORD",
    "YADAGE_SCHEMA_LOAD_TOKEN",
    "YADAGE_INIT_TOKEN",
    "REANA_ACCESS_TOKEN",
    "CI_JOB_TOKEN",
    "CI_REGISTRY_PASSWORD",
)
_SECRET_NAME = re.compile(r"(?:^|_)(?:TOKEN|PASSWORD|PASSWD|PASS|SECRET|API_?KEY)$")
# a tag names a directory (`recast-<tag>`) and a REANA workflow, so it stays a plain, short word
_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")  # whole: `$` would let a trailing newline through


class RunError(Exception):
    """A problem found before or around the engine: one line on stderr, exit 2."""


class RunFailed(Exception):
    """The engine ran and the workflow or a test failed: details already printed, exit 1."""


def warn(message: str) -> None:
    click.echo(mask(f"recast-lint: warning: {message}"), err=True)


def note(message: str) -> None:
    click.echo(mask(f"recast-lint: {message}"), err=True)


def secret_values(environ: Optional[Dict[str, str]] = None) -> List[str]:
    """The values of the credential variables set in ``environ`` (default: ours)."""
    environ = os.environ if environ is None else environ
    return [value for name, value in environ.items() if value and (name in SECRET_VARIABLES or _SECRET_NAME.search(name))]


def masker(environ: Optional[Dict[str, str]] = None) -> Masker:
    """A masker of the credential values in ``environ``, for a stream of output."""
    return Masker(secret_values(environ))


def mask(text: str, environ: Optional[Dict[str, str]] = None) -> str:
    """``text`` with the value of every credential variable replaced by ``***``."""
    return masker(environ).mask(text)


def mask_data(data: Any, environ: Optional[Dict[str, str]] = None) -> Any:
    """``data`` (parsed YAML, a result) with every credential value masked in its strings, keys included."""
    if isinstance(data, str):
        return mask(data, environ)
    if isinstance(data, dict):
        return {mask_data(key, environ): mask_data(value, environ) for key, value in data.items()}
    if isinstance(data, list):
        return [mask_data(item, environ) for item in data]
    return data


def where(loc: Loc, key: str) -> str:
    """`file:line` of ``key`` inside the mapping at ``loc``, for messages."""
    from recast_lint.diagnostics import display_path

    return f"{display_path(loc.doc.path, Path.cwd())}:{loc.child(key).span(key=True).line}"


def used_steps(prepared: Prepared) -> List[Step]:
    """The steps the workflow runs (steps files may hold others)."""
    return [step for step in prepared.analysis.steps if step.used_by]


def default_tag() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def check_tag(tag: str, option: str = "--tag") -> str:
    if not _TAG.fullmatch(tag):
        raise RunError(
            f"{option} {tag!r} is not a valid name; use 1-63 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return tag


class Prepared(Record):
    """A linted analysis, ready to run."""

    root: Path
    analysis: Analysis
    entry: RecastEntry
    toplevel: str  # absolute local directory, or a remote reference such as `github:owner/repo@ref`
    workflow: str  # relative to the toplevel: the loader concatenates the two

    @property
    def local_toplevel(self) -> Optional[Path]:
        return self.entry.toplevel

    def results(self) -> List[Dict[str, Any]]:
        data = self.entry.doc.data.get("results")
        return [r for r in data if isinstance(r, dict) and isinstance(r.get("relpath"), str)] if isinstance(data, list) else []


def load_analysis(path: Path, no_lint: bool) -> Prepared:
    """Find the analysis holding ``path``, lint it (refusing on errors) and check it names a workflow."""
    if not path.exists():
        raise RunError(f"path '{path}' does not exist")
    root = find_entry_root(path)
    if root is None:
        raise RunError(f"no recast.yml at or above '{path}'; run from an analysis directory or pass its path")
    analysis = build_entry_analysis(root) if no_lint else _lint_or_refuse(root)
    entry = analysis.entry
    data = entry.doc.data if entry is not None else None
    if entry is None or not entry.doc.ok or not isinstance(data, dict):
        raise RunError(f"{root / 'recast.yml'} cannot be read; run `recast-lint check {root}` to see why")
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    workflow = spec.get("workflow")
    if not isinstance(workflow, str):
        raise RunError(f"{root / 'recast.yml'} has no spec.workflow; name the workflow file relative to spec.toplevel")
    if entry.remote_toplevel:
        return Prepared(root, analysis, entry, entry.remote_toplevel, workflow)
    if entry.toplevel is None:
        raise RunError(f"the toplevel named in {root / 'recast.yml'} is missing or outside {root}; run `recast-lint check {root}`")
    if entry.workflow is None:
        raise RunError(f"workflow {workflow!r} was not found in {entry.toplevel}; fix spec.workflow in recast.yml")
    return Prepared(root, analysis, entry, str(entry.toplevel), workflow)


def _lint_or_refuse(root: Path) -> Analysis:
    from recast_lint.config import ConfigError
    from recast_lint.diagnostics import Severity
    from recast_lint.lint import LintResult, UsageError, lint
    from recast_lint.report import render

    try:
        result = lint([root])
    except (ConfigError, UsageError) as exc:  # a broken .recast-lint.yml: the one line `check` prints too
        raise RunError(str(exc)) from None
    if result.crashes:
        raise RunError(f"internal error: {result.crashes[0]}; pass --no-lint to run anyway, and please report it")
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    if errors:
        click.echo(render("concise", LintResult(errors, result.analyses, result.sources)), err=True, nl=False)
        raise RunError(
            f"{len(errors)} lint error{'s' if len(errors) != 1 else ''} would make the run fail; "
            f"fix {'them' if len(errors) != 1 else 'it'} (details: recast-lint check {root}) or pass --no-lint"
        )
    return result.analyses[0]


class Inputs(Record):
    label: str  # for messages: "example 'default'" or "inputs file 'in.yml'"
    initdata: Dict[str, Any]
    dataopts: Dict[str, Any]
    base: Path  # the directory a relative `dataopts.initdir` is read from
    dataopts_at: Optional[Loc] = None  # the `dataopts` mapping, for `file:line` in messages

    @property
    def initdir_at(self) -> str:
        """`file:line: ` where `dataopts.initdir` is written, to start a message with."""
        return f"{where(self.dataopts_at, 'initdir')}: " if self.dataopts_at is not None else ""


def choose_inputs(prepared: Prepared, example: Optional[str], inputs_file: Optional[Path]) -> Inputs:
    if inputs_file is not None:
        if example is not None:
            raise RunError("--example and --inputs exclude each other; pass one")
        return _read_inputs_file(inputs_file)
    examples = {str(ex.name): ex for ex in prepared.entry.examples}
    name = example or "default"
    if name not in examples:
        if not examples:
            raise RunError("recast.yml has no example_inputs; add one (e.g. `default:` with `initdata:`) or pass --inputs FILE")
        from recast_lint.rules.registry import did_you_mean

        raise RunError(f"no example {name!r} in recast.yml; {did_you_mean(name, sorted(examples))}")
    chosen = examples[name]
    if not isinstance(chosen.initdata, dict):
        raise RunError(f"example {name!r} has no initdata mapping; add `initdata:` with the workflow's inputs")
    if chosen.dataopts is not None and not isinstance(chosen.dataopts, dict):
        raise RunError(f"example {name!r} has dataopts that are not a mapping; write `dataopts: {{initdir: DIR}}`")
    return Inputs(f"example {name!r}", chosen.initdata, dict(chosen.dataopts or {}), prepared.root, chosen.loc.child("dataopts"))


def _read_inputs_file(path: Path) -> Inputs:
    # the linter's own reader: the same limits (size, nesting, alias expansion) and located messages
    if not path.is_file():
        raise RunError(f"inputs file '{path}' does not exist; give a YAML file with `initdata:`")
    doc = load_file(path)
    if not doc.ok:
        problem = doc.problems[0]
        raise RunError(f"inputs file {path}:{problem.span.line}:{problem.span.column}: {problem.message}")
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("initdata"), dict):
        raise RunError(f"inputs file '{path}' needs an `initdata:` mapping, written like an example_inputs entry (optional `dataopts:`)")
    unknown = sorted(set(data) - {"initdata", "dataopts"})
    if unknown:
        raise RunError(f"inputs file '{path}' has unknown key {unknown[0]!r}; only `initdata:` and `dataopts:` are read")
    dataopts = data.get("dataopts") or {}
    if not isinstance(dataopts, dict):
        raise RunError(f"inputs file '{path}': dataopts must be a mapping such as `{{initdir: DIR}}`")
    return Inputs(f"inputs file '{path}'", data["initdata"], dict(dataopts), path.resolve().parent, Loc(doc, ("dataopts",)))


def local_initdir(inputs: Inputs) -> Optional[Path]:
    """The host directory the init stage reads, or None when the run creates it.

    yadage joins a relative initdir to the run directory, which is empty before the run; that only
    makes sense together with `inputarchive` (downloaded there). Otherwise we read it, like every
    other path the user writes, relative to the analysis (or the inputs file).
    """
    value = inputs.dataopts.get("initdir")
    if not isinstance(value, str) or not value:
        return None
    if not os.path.isabs(value) and inputs.dataopts.get("inputarchive"):
        return None
    return Path(os.path.normpath(inputs.base / value))


def inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def check_visible(inputs: Inputs, root: Path) -> None:
    """Fail unless the local initdir exists where the container (which sees only ``root``) can read it."""
    for key, value in inputs.initdata.items():
        if isinstance(value, str) and os.path.isabs(value) and os.path.exists(value) and not inside(Path(value), root):
            warn(f"initdata {key!r} names {value}, outside {root}; the workflow only sees it if its steps mount it themselves")
    initdir = local_initdir(inputs)
    if initdir is None:
        return
    check_initdir(inputs, initdir, root, "the only host directory the container sees")


def check_initdir(inputs: Inputs, initdir: Path, root: Path, why: str) -> None:
    """Fail unless the local initdir is a directory inside ``root`` (``why`` says what reads only there)."""
    if not inside(initdir, root):
        raise RunError(
            f"{inputs.initdir_at}dataopts.initdir {initdir} is outside {root}, {why}; "
            "move (or copy) the input data under the analysis directory"
        )
    if not initdir.is_dir():
        raise RunError(f"{inputs.initdir_at}dataopts.initdir of {inputs.label} is {initdir}, which is not a directory; create it or fix the path")


def run_spec(prepared: Prepared, inputs: Inputs, run_dir: Path, debug: bool) -> Dict[str, Any]:
    """The `yadage-run -f -` document (C.4): steering arguments plus `backend`."""
    dataopts = dict(inputs.dataopts)
    initdir = local_initdir(inputs)
    if initdir is not None:
        dataopts["initdir"] = str(initdir)
    if not inputs.initdata:
        warn(f"initdata of {inputs.label} is empty: yadage then creates no init stage and stages that depend on `init` never run")
    return {
        "dataarg": str(run_dir),
        "dataopts": dataopts,
        "initdata": inputs.initdata,
        "workflow": prepared.workflow,
        "toplevel": prepared.toplevel,
        "visualize": True,
        # multiproc swallows step exceptions; foregroundasync shows them (B.7)
        "backend": "foregroundasync" if debug else "multiproc:auto",
    }


def new_run_dir(root: Path, prefix: str, tag: str) -> Path:
    """Where a run with ``tag`` writes; refused when anything of that name is there (a link to nothing too)."""
    run_dir = root / f"{prefix}{tag}"
    if os.path.lexists(run_dir):
        raise RunError(f"run directory {run_dir} already exists; pass a new --tag (e.g. --tag {tag}-2) or remove it")
    return run_dir


def make_new_dir(path: Path, root: Path, instead: str) -> Path:
    """Create the directory ``path`` inside ``root``, and its missing parents, so that whatever the
    command writes there lands in a directory it made itself: an existing path of that name (a
    directory, a file, a symbolic link, even one to nothing) is refused with ``instead`` (what to do),
    and so is a parent on the way that is a link or a file (the analysis may hold either)."""
    current = root
    for part in path.relative_to(root).parts[:-1]:
        current = current / part
        if current.is_symlink() or (os.path.lexists(current) and not current.is_dir()):
            raise RunError(f"{current} is a symbolic link or a file, and nothing is written through it; remove it, or run elsewhere")
        if not os.path.lexists(current):
            current.mkdir()
    try:
        path.mkdir()  # never follows a link: an existing one is EEXIST
    except FileExistsError:
        raise RunError(f"{path} already exists; {instead}") from None
    return path


def refuse_results_outside(prepared: Prepared) -> None:
    """Refuse (recast.yml:LINE) a declared result whose relpath is absolute or leaves the run directory,
    as RL604 refuses it: the file read would be anywhere on this machine."""
    for index, result in enumerate(prepared.entry.doc.data.get("results") or []):
        if not (isinstance(result, dict) and isinstance(result.get("relpath"), str)):
            continue
        relpath = result["relpath"]
        if os.path.isabs(relpath) or os.path.normpath(relpath).split(os.sep)[0] == os.pardir:
            written = where(prepared.entry.loc.child("results", index), "relpath")
            raise RunError(f"{written}: result path {relpath!r} is outside the run directory; write it relative to it, as `<stage>/<file>`")


def collect_results(results: List[Dict[str, Any]], run_dir: Path) -> Tuple[List[Dict[str, Any]], List[str]]:
    """The declared results read from ``run_dir``, and one message per result that could not be read.

    A result that is (or lies under) a symbolic link leading out of ``run_dir`` is not read: the run's
    steps wrote the run directory, and what it points to may be any file on this machine."""
    found: List[Dict[str, Any]] = []
    problems: List[str] = []
    for result in results:
        name = str(result.get("name", result["relpath"]))
        path = run_dir / result["relpath"]
        if not path.exists():
            problems.append(f"result {name!r}: {path} does not exist; check results[].relpath in recast.yml against {run_dir}")
            continue
        if not inside(path, run_dir):
            problems.append(f"result {name!r}: {path} leads out of {run_dir} through a symbolic link, so it is not read")
            continue
        item: Dict[str, Any] = {"name": name, "path": str(path)}
        if path.is_file():
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = None  # binary (a plot, a ROOT file): the path is the result
            if result.get("load_yaml"):
                try:
                    item["value"] = yaml.safe_load(text) if text is not None else None
                except yaml.YAMLError as exc:
                    problems.append(f"result {name!r}: {path} is not valid YAML but has load_yaml: true ({exc})")
                    continue
            elif text is not None and len(raw) <= 65536:
                item["value"] = text.rstrip("\n")
        found.append(mask_data(item))
    return found, problems


class _BlockDumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def format_results(found: List[Dict[str, Any]], as_json: bool) -> str:
    if as_json:
        return json.dumps(found, indent=2) + "\n"
    return yaml.dump(found, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, default_flow_style=False)


def print_results(prepared: Prepared, run_dir: Path, as_json: bool) -> None:
    """Print the declared results on stdout; a result that cannot be read fails the run (exit 1)."""
    declared = prepared.results()
    if not declared:
        note(f"recast.yml declares no results; the outputs are in {run_dir}")
        return
    found, problems = collect_results(declared, run_dir)
    if found or as_json:
        click.echo(format_results(found, as_json), nl=False)
    for problem in problems:
        click.echo(f"recast-lint: {problem}", err=True)
    if problems:
        raise RunFailed(f"{len(problems)} declared result{'s' if len(problems) != 1 else ''} missing")
