"""``recast-lint new``: a new analysis repository from the cookiecutter template in ``template/``.

    --set pairs ──parse──▶ settings ──questions (or defaults)──▶ answers ──template's check──▶
    render into a temporary directory ──copy──▶ the target directory

The answers are checked by the template's own pre-generation hook (loaded here, so plain
``cookiecutter`` and ``recast-lint new`` say the same thing): a question is asked again until its
answer is valid, and with ``--no-input`` a bad answer stops everything before a file is written.
The template is rendered into a temporary directory first, so a failure leaves nothing behind.
cookiecutter is imported only here, and only when ``new`` runs: it is slow to import.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from recast_lint.records import Record
from recast_lint.rules.registry import did_you_mean

# In the package a symlink to the repository's template/, so `cookiecutter <repo> --directory
# template` and the installed `recast-lint new` render the same files.
TEMPLATE = Path(__file__).resolve().parent / "template"

# The files of the repository the template writes, as templates.
TEMPLATE_FILES = TEMPLATE / "{{cookiecutter.repo_name}}"
# Where `new` records the template version and its answers, as cruft's .cruft.json and copier's .copier-answers.yml do.
RECORD = ".recast-lint-template.yml"

# What a fresh `git clone` of an empty project holds; a directory with only these counts as empty.
IGNORED_IN_EMPTY = (".git",)

YES = ("yes", "y", "true", "1", "on")
NO = ("no", "n", "false", "0", "off")


class ScaffoldError(Exception):
    """A bad answer, setting or target directory (exit code 2); the message is one line."""


class Created(Record):
    path: Path
    answers: Dict[str, Any]
    had_git: bool  # the target was already a git repository (e.g. a fresh clone)


def template_defaults() -> Dict[str, Any]:
    return json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))


def answer_keys() -> List[str]:
    """The keys a user answers (and may `--set`); `_private` and `__prompts__` are not answers."""
    return [key for key in template_defaults() if not key.startswith("_")]


def parse_settings(pairs: Sequence[str]) -> Dict[str, Any]:
    """`key=value` pairs as answers; yes/no keys become booleans."""
    defaults = template_defaults()
    keys = answer_keys()
    settings: Dict[str, Any] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key = key.strip()
        if not equals:
            raise ScaffoldError(f"--set {pair!r} has no '='; write --set key=value, e.g. --set reference_code=ANA-SUSY-2020-01")
        if key not in keys:
            raise ScaffoldError(f"--set names no template question {key!r}; {did_you_mean(key, keys)}")
        settings[key] = _flag(key, value) if isinstance(defaults[key], bool) else value
    return settings


def _flag(key: str, value: str) -> bool:
    word = value.strip().lower()
    if word in YES or word in NO:
        return word in YES
    raise ScaffoldError(f"{key} {value!r} is not valid; expected yes or no")


def answer_checks() -> types.ModuleType:
    """The template's pre-generation hook (``problem``, ``field_problem``), loaded without writing bytecode into the template."""
    hook = TEMPLATE / "hooks" / "pre_gen_project.py"
    module = types.ModuleType("recast_lint_template_pre_gen")
    exec(compile(hook.read_text(encoding="utf-8"), str(hook), "exec"), module.__dict__)
    return module


def ask(settings: Dict[str, Any], no_input: bool, checks: types.ModuleType) -> Dict[str, Any]:
    """Every answer. Defaults are rendered from the earlier answers, settings replace defaults;
    without ``no_input`` each question is asked in turn, and again until its answer is valid."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(context_file=str(TEMPLATE / "cookiecutter.json"), extra_context=settings)
    if no_input:
        answers = dict(prompt_for_config(context, no_input=True))
        answers.pop("__prompts__", None)
        return answers
    try:
        return _ask_each(context, checks)
    except EOFError:
        raise ScaffoldError("the input ended before every question had an answer; answer them all, or pass --no-input (with --set)") from None


def default_answers(settings: Dict[str, Any]) -> Dict[str, Any]:
    """Every answer, as `new --no-input` takes them: ``settings``, else the defaults; unchecked,
    for the parts of the template that use only some of them."""
    return ask(settings, no_input=True, checks=answer_checks())


def render_file(relative: str, answers: Dict[str, Any]) -> str:
    """The file ``relative`` (e.g. `.gitlab-ci.yml`) as `new` writes it with ``answers``: for
    commands that write parts of the template into a repository that exists (`init`)."""
    from cookiecutter.environment import StrictEnvironment  # the environment cookiecutter renders files with

    source = (TEMPLATE_FILES / relative).read_text(encoding="utf-8")
    environment = StrictEnvironment(context={"cookiecutter": answers}, keep_trailing_newline=True)
    return environment.from_string(source).render(cookiecutter=answers)


def read_record(root: Path) -> Dict[str, Any]:
    """What the record of `new` at ``root`` says (`template`, `version`, `answers`); empty without a readable one."""
    from recast_lint.load import load_file
    from recast_lint.model import is_file, real

    path = root / RECORD
    doc = load_file(path) if is_file(path) and real(root) in real(path).parents else None  # not through a link out of the repository
    return doc.data if doc is not None and doc.ok and isinstance(doc.data, dict) else {}


def _ask_each(context: Dict[str, Any], checks: types.ModuleType) -> Dict[str, Any]:
    from cookiecutter.environment import StrictEnvironment  # what prompt_for_config renders defaults with, since 2.2
    from cookiecutter.prompt import read_user_variable, read_user_yes_no, render_variable

    questions = context["cookiecutter"]
    prompts = questions.pop("__prompts__", {})
    env = StrictEnvironment(context=context)
    answers = {}
    for key, raw in questions.items():
        if key.startswith("_"):
            answers[key] = raw
            continue
        default = render_variable(env, raw, answers)
        read = read_user_yes_no if isinstance(raw, bool) else read_user_variable
        while True:
            value = read(key, default, prompts)
            message = checks.field_problem(key, value)
            if message is None:
                break
            print(f"  {message}; try again", file=sys.stderr)
        answers[key] = value
    return answers


def check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"'{target}' is a file; name a new or empty directory")
    present = sorted(p.name for p in target.iterdir() if p.name not in IGNORED_IN_EMPTY) if target.is_dir() else []
    if present and not force:
        shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
        raise ScaffoldError(f"'{target}' is not empty (holds {shown}); choose a new directory, or pass --force to write the template's files over it")


def create(directory: Optional[Path], settings: Dict[str, Any], no_input: bool, force: bool) -> Created:
    """Ask, check, render; the target is ``directory`` or ``./<repo_name>``."""
    import shutil
    import tempfile

    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.main import cookiecutter

    named_by_directory = directory is not None and "repo_name" not in settings
    if directory is not None:
        check_target(directory, force)  # before the questions, not after
        settings = {"repo_name": directory.resolve().name, **settings}
    checks = answer_checks()
    answers = ask(settings, no_input, checks)
    message = checks.problem(answers)
    if message:
        if named_by_directory and message.startswith("repo_name "):
            message = "the directory name " + message[len("repo_name "):]
        raise ScaffoldError(message)
    target = directory if directory is not None else Path(answers["repo_name"])
    if directory is None:
        check_target(target, force)
    had_git = (target / ".git").exists()
    with tempfile.TemporaryDirectory(prefix="recast-lint-new-") as scratch:
        # Our own configuration: the user's ~/.cookiecutterrc does not apply, and the replay file
        # cookiecutter always writes stays in the scratch directory instead of ~/.cookiecutter_replay.
        config = Path(scratch) / "cookiecutter.json"
        config.write_text(json.dumps({"replay_dir": str(Path(scratch) / "replay")}), encoding="utf-8")
        try:
            rendered = cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(Path(scratch) / "out"), config_file=str(config))
        except CookiecutterException as exc:
            raise ScaffoldError(f"the template did not render: {exc}") from exc
        _refuse_clashes(Path(rendered), target)
        try:
            shutil.copytree(rendered, target, dirs_exist_ok=True)
        except (OSError, shutil.Error) as exc:
            raise ScaffoldError(f"cannot write into '{target}': {_reason(exc)}") from exc
    return Created(target, answers, had_git)


def _refuse_clashes(rendered: Path, target: Path) -> None:
    """A file where the template has a directory, or the other way round, would stop the copy halfway."""
    for source in sorted(rendered.rglob("*")):
        relative = source.relative_to(rendered)
        destination = target / relative
        if destination.exists() and destination.is_dir() != source.is_dir():
            kind = "directory" if source.is_dir() else "file"
            raise ScaffoldError(f"'{target}' has {relative.as_posix()} where the template writes a {kind}; move it away")


def _reason(exc: Exception) -> str:
    import shutil

    if isinstance(exc, shutil.Error):  # one (source, destination, reason) per file that failed
        return "; ".join(sorted({str(why) for _, _, why in exc.args[0]}))
    return f"{exc.strerror or exc}: {exc.filename}" if isinstance(exc, OSError) and exc.filename else str(exc)


def next_steps(created: Created) -> str:
    answers = created.answers
    lines = [] if created.path.resolve() == Path.cwd().resolve() else [f"cd {created.path}"]
    if not created.had_git:
        lines.append("git init")
    if answers["use_pre_commit"]:  # before the first commit, so that it is checked too
        lines.append("python3 -m pip install pre-commit && pre-commit install")
    lines.append("git add . && git commit -m 'Start the RECAST preservation'")
    if not created.had_git:  # a clone has its remote already
        lines.append(f"git remote add origin https://gitlab.cern.ch/recast-atlas/<group>/{answers['repo_name']}.git")
    lines.append("git push -u origin HEAD")
    use = (
        "the run job in .gitlab-ci.yml signs in with them"
        if answers["needs_auth"]
        else "the run job does not use them yet: uncomment its `recast auth` lines when a private image or EOS data comes in"
    )
    credentials = (
        "credentials: CI/CD variables, masked, under Settings > CI/CD > Variables (projects in the recast-atlas group\n"
        "have them already), never in a file:\n"
        "  RECAST_USER, RECAST_PASS   a CERN account (yours or a service account)\n"
        "  RECAST_TOKEN               a GitLab personal access token with read_registry\n"
        f"{use}\n"
    )
    return "next steps:\n" + "".join(f"  {line}\n" for line in lines) + "\n" + credentials
