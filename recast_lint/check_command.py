"""The `check` command without click: its options (one table), a parser for them, and what it does.

pre-commit starts `recast-lint check` on every commit, and importing click (with the `inspect`,
`gettext`, `uuid` and `datetime` it pulls in) was a third of a check of the helloworld. So the
options of `check` are declared here once, as data: ``recast_lint.cli`` builds the click command
from this table (its `--help`, its usage errors, the pre-commit hook's command), and ``parse``
reads the same table for ``recast_lint.entry``. ``parse`` accepts only argument lists it can read
exactly as click would; anything else (help, a usage error, an option it does not know) is
handed to click, so every message stays click's.

Adding an option to `check` is one row in ``OPTIONS`` and its use in ``run``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

from recast_lint.records import Record
from recast_lint.report import FORMATS

if TYPE_CHECKING:
    from recast_lint.fix import FixRun
    from recast_lint.lint import LintResult

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_FAILURE = 0, 1, 2


class Option(Record):
    """One option of `check`: a flag, or an option taking one value (the last one given wins)."""

    flag: str  # e.g. `--format`
    dest: str  # the keyword ``run`` receives it as
    help: str
    is_flag: bool = False
    choices: Sequence[str] = ()
    kind: str = "text"  # text | file (a path that is not a directory) | dir (an existing directory)
    metavar: Optional[str] = None
    default: Any = None
    show_default: bool = False


OPTIONS: Tuple[Option, ...] = (
    Option("--format", "format_name", "Output format [default: text; github when GITHUB_ACTIONS=true].", choices=tuple(FORMATS)),
    Option("--output-file", "output_file", "Write the report in --format to FILE; the log still shows text (github annotations on GitHub Actions).",
           kind="file"),
    Option("--statistics", "statistics", "Show how many diagnostics each rule produced instead of the diagnostics.", is_flag=True),
    Option("--toplevel", "toplevel", "Resolve `$ref`s of loose workflow files against DIR.", kind="dir", metavar="DIR"),
    Option("--strict", "strict", "Exit 1 on warnings too.", is_flag=True),
    Option("--select", "select", "Only these rule codes, prefixes or names, comma-separated (e.g. RL2,RL301); replaces the configured select.",
           metavar="CODES"),
    Option("--ignore", "ignore", "Skip these rule codes, prefixes or names, comma-separated; added to the configured ignore.", metavar="CODES"),
    Option("--color", "color", "Colour the text output; auto: on a terminal, unless NO_COLOR is set.", choices=("auto", "always", "never"),
           default="auto", show_default=True),
    Option("--fix", "apply_fixes", "Apply the safe fixes in place (every other character of the file is kept), then report what remains.", is_flag=True),
    Option("--unsafe-fixes", "unsafe_fixes", "With --fix or --diff: apply the fixes that change behaviour too (e.g. renaming a stage reference).",
           is_flag=True),
    Option("--diff", "show_diff", "Print a unified diff of what --fix would change and write nothing; exit 1 when there is a diff.", is_flag=True),
    Option("--add-suppressions", "suppression_reason",
           "Write `# recast-lint: ignore[CODE] REASON` for every finding (RL101 excepted), so --strict passes; RL901 tells when one is fixed.",
           metavar="REASON"),
    Option("--debug", "debug", "Show tracebacks of internal errors.", is_flag=True),
)

HELP = """Lint the analysis at each PATH (default: the current directory).

A PATH is an analysis directory, a file inside one (the whole analysis is linted), a loose
workflow file, or a directory of loose specs.
"""


def parse(args: Sequence[str], defaults: Optional[Dict[str, Any]] = None) -> Optional[Dict[str, Any]]:
    """The keywords for ``run`` from the arguments after `check`, or None when click must read them
    (help, anything it would reject, anything this parser does not read exactly like click)."""
    by_flag = {option.flag: option for option in OPTIONS}
    values: Dict[str, Any] = {o.dest: False if o.is_flag else o.default for o in OPTIONS}
    values.update(defaults or {})
    paths: List[Path] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            paths.extend(Path(a) for a in rest)
            break
        if not arg.startswith("-") or arg == "-":
            if arg == "-":
                return None
            paths.append(Path(arg))
            continue
        flag, equals, value = arg.partition("=")
        option = by_flag.get(flag)
        if option is None:
            return None
        if option.is_flag:
            if equals:
                return None
            values[option.dest] = True
            continue
        if not equals:
            if not rest:
                return None
            value = rest.pop(0)
        if not _acceptable(option, value):
            return None
        values[option.dest] = Path(value) if option.kind in ("file", "dir") else value
    return {"paths": tuple(paths), **values}


def _acceptable(option: Option, value: str) -> bool:
    """Whether click would take ``value`` for ``option`` without a word."""
    if option.choices:
        return value in option.choices
    if option.kind == "file":
        return not os.path.isdir(value)
    if option.kind == "dir":
        return os.path.isdir(value)
    return True


# -- output, in click's manner -----------------------------------------------------------------

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def echo(text: str, err: bool = False, nl: bool = True, color: Optional[bool] = None) -> None:
    """Write ``text`` as ``click.echo`` does: colour codes removed unless ``color`` (by default: unless
    the stream is a terminal), UTF-8 where the stream's own encoding cannot hold the text."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return
    if not (color if color is not None else stream.isatty()):
        text = _ANSI.sub("", text)
    text += "\n" if nl else ""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.flush()
        stream.buffer.write(text.encode("utf-8", "replace"))
    stream.flush()


def fail(message: str, debug: bool = False) -> None:
    """One line on stderr and exit 2 (with the traceback only under --debug)."""
    if debug:
        import traceback

        traceback.print_exc()
    echo(f"recast-lint: error: {message}", err=True)
    sys.exit(EXIT_FAILURE)


def lowercase_start(message: str) -> str:
    """Messages from click and the system, in our style (`No such file` -> `no such file`)."""
    return message[:1].lower() + message[1:]


def report_crashes(crashes: Sequence[Exception], debug: bool) -> None:
    """One line per rule that crashed (a bug of ours), and exit 2: the report above is incomplete."""
    for crash in crashes:
        if debug:
            import traceback

            traceback.print_exception(type(crash), crash, None)  # with the rule's own exception, its cause
        echo(f"recast-lint: error: internal error: {crash} (please report it; rerun with --debug for the traceback)", err=True)
    sys.exit(EXIT_FAILURE)


T = TypeVar("T")


def guarded(action: Callable[[], T], passthrough: Tuple[type, ...] = ()) -> T:
    """``action()``, where every failure is one line on stderr and exit 2: a failing file operation names
    the file; any exception not in ``passthrough`` that a command did not expect is an internal error
    (the traceback only with --debug). No user sees a traceback."""
    try:
        return action()
    except passthrough:
        raise
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as other tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_PROBLEMS)
    except OSError as exc:  # the system refused (read-only directory, full disk): not our bug
        what = lowercase_start(exc.strerror or str(exc))
        fail(f"{what}: {exc.filename}" if exc.filename else what)
    except Exception as exc:
        debug = "--debug" in sys.argv or bool(os.environ.get("RECAST_LINT_DEBUG"))
        fail(f"internal error: {type(exc).__name__}: {exc} (please report it; rerun with --debug for the traceback)", debug)
    raise AssertionError("unreachable: fail() exits")  # pragma: no cover


# -- what `check` does -------------------------------------------------------------------------


def codes(value: Optional[str]) -> List[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]  # config.normalize settles the case


def use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout is not None and sys.stdout.isatty()


def run(paths: Tuple[Path, ...], format_name: Optional[str], output_file: Optional[Path], statistics: bool, toplevel: Optional[Path],
        strict: bool, select: Optional[str], ignore: Optional[str], color: str, apply_fixes: bool, unsafe_fixes: bool,
        show_diff: bool, suppression_reason: Optional[str], debug: bool) -> None:
    from recast_lint.config import ConfigError
    from recast_lint.diagnostics import Severity
    from recast_lint.lint import UsageError, lint
    from recast_lint.report import render

    log_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if output_file is not None and str(output_file) == "-":  # the usual spelling of standard output
        output_file = None
    if statistics and format_name and output_file is None:
        fail("--statistics prints a table instead of the report; give --format only with --output-file")
    if unsafe_fixes and not (apply_fixes or show_diff):
        fail("--unsafe-fixes says which fixes --fix or --diff apply; give it with one of them")
    if suppression_reason is not None and (apply_fixes or unsafe_fixes):
        fail("--add-suppressions writes comments, not fixes; give it without --fix and --unsafe-fixes")
    targets, selected, ignored = list(paths) or [Path(".")], codes(select), codes(ignore)
    try:
        if suppression_reason is not None:
            result = _add_suppressions(lambda overlay: lint(targets, toplevel, selected, ignored, overlay=overlay), suppression_reason, show_diff)
        elif apply_fixes or show_diff:
            from recast_lint.fix import fix_until_clean

            fixing = fix_until_clean(lambda overlay: lint(targets, toplevel, selected, ignored, overlay=overlay), unsafe_fixes)
            for refused in fixing.refused:  # a bug of ours: the file is left as it was
                where = f"{refused.diagnostic.path}:{refused.diagnostic.span.line}"
                echo(f"recast-lint: warning: the {refused.diagnostic.code} fix at {where} would make the file unreadable; "
                     "not applied (please report it)", err=True)
            if show_diff:
                _print_diff(fixing)
            _write_fixes(fixing)
            result = fixing.final
            result.fixed = fixing.applied
        else:
            result = lint(targets, toplevel, selected, ignored)
    except (UsageError, ConfigError) as exc:
        fail(str(exc))
    if output_file is not None:
        try:
            # errors="replace": a file name that is not UTF-8 can reach a hint through a directory listing
            output_file.write_text(render(format_name or log_format, result), encoding="utf-8", errors="replace")
        except OSError as exc:
            fail(f"cannot write {output_file}: {exc.strerror or exc}")
    elif format_name:
        log_format = format_name
    if statistics:
        from recast_lint.report.statistics import render as render_statistics

        echo(render_statistics(result, False), nl=False)
    else:
        colored = use_color(color)
        echo(render(log_format, result, colored), nl=False, color=colored)
    if result.crashes:  # after the report: what the other rules found is still worth reading
        report_crashes(result.crashes, debug)
    if result.found_nothing:
        where = " ".join(str(p) for p in paths) or "."
        read = f"{result.files} YAML file{'s' if result.files != 1 else ''} read, but no" if result.files else "no"
        echo(
            f"recast-lint: warning: nothing to check in {where}: {read} catalogue entry (`name`, `metadata`, `spec`), "
            "workflow (`stages:`), steps file or yadage reana.yaml",
            err=True,
        )
    if result.count(Severity.ERROR) or (strict and result.count(Severity.WARNING)) or (suppression_reason is not None and result.diagnostics):
        sys.exit(EXIT_PROBLEMS)


def _add_suppressions(relint: Callable[[Mapping[Path, str]], LintResult], reason: str, show_diff: bool) -> LintResult:
    """`--add-suppressions`: write (or, with --diff, show) a comment for each finding; what is left cannot be suppressed."""
    from recast_lint.adopt.suppressions import add_suppressions, check_reason, messages

    problem = check_reason(reason)
    if problem:
        fail(problem)
    done = add_suppressions(relint, reason)
    if show_diff:
        _show_diffs(done.texts)
    else:
        for path, (original, text) in sorted(done.texts.items()):
            _write_file(path, original, text)
    for line in messages(done, written=not show_diff):
        echo(f"recast-lint: {line}", err=True)
    if show_diff:
        sys.exit(EXIT_PROBLEMS if done.texts else EXIT_CLEAN)
    return done.final


def _print_diff(fixing: FixRun) -> None:
    """`--diff`: the unified diff of every file a fix would change on stdout, and exit (1 when there is one)."""
    _show_diffs(fixing.texts)
    files = len(fixing.texts)
    if files:
        echo(f"recast-lint: would apply {fixing.applied} fix{'es' if fixing.applied != 1 else ''} in {files} file{'s' if files != 1 else ''}", err=True)
    sys.exit(EXIT_PROBLEMS if files else EXIT_CLEAN)


def _write_fixes(fixing: FixRun) -> None:
    """Write the fixed files, and name each on stderr (the report on stdout is about what remains)."""
    from recast_lint.diagnostics import display_path

    cwd = Path.cwd()
    for path, (original, fixed) in sorted(fixing.texts.items()):
        _write_file(path, original, fixed)
        count = sum(1 for applied in fixing.fixed if applied.path == path)
        echo(f"recast-lint: fixed {display_path(path, cwd)} ({count} fix{'es' if count != 1 else ''})", err=True)


def _show_diffs(texts: Mapping[Path, Tuple[str, str]]) -> None:
    """The unified diff of each (original, changed) text on stdout, by path."""
    from recast_lint.diagnostics import display_path
    from recast_lint.fix import unified_diff

    cwd = Path.cwd()
    for path, (original, changed) in sorted(texts.items()):
        echo(unified_diff(display_path(path, cwd), original, changed), nl=False)


def _write_file(path: Path, original: str, changed: str) -> None:
    """Write one changed file (``fix.write`` keeps its encoding and line endings); a refusal is exit 2."""
    from recast_lint.fix import WriteError, write

    try:
        write(path, original, changed)
    except WriteError as exc:
        fail(str(exc))
