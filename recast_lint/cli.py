"""Command line: thin click commands over ``lint``, ``report`` and the rule registry.

Exit codes: 0 no error (warnings alone do not fail), 1 an error was found (or any warning with
``--strict``), 2 usage error or internal failure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple

import click

from recast_lint import __version__
from recast_lint.check_command import EXIT_CLEAN, EXIT_FAILURE, EXIT_PROBLEMS, HELP, OPTIONS, Option, fail, guarded, lowercase_start, report_crashes, run

if TYPE_CHECKING:
    from recast_lint.adopt import Plan
    from recast_lint.fix import Applicability

# click 8.2+ reports a group called without a command as this error, whose message is the help
_HELP_INSTEAD = getattr(click.exceptions, "NoArgsIsHelpError", ())


class Guarded:
    """Mixin for click commands: every failure is one line on stderr and exit 2. Usage errors say
    where the help is; a failing file operation names the file; any exception a command did not
    expect is an internal error (the traceback only with --debug). No user sees a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[no-untyped-def]
        if not standalone_mode:  # the caller handles click's exceptions itself
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)  # type: ignore[misc]
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)  # type: ignore[misc]
        except _HELP_INSTEAD as exc:
            click.echo(exc.format_message(), err=True)
            sys.exit(EXIT_FAILURE)
        except click.UsageError as exc:  # click would print the usage, a "Try" line and "Error: ..."
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            fail(lowercase_start(" ".join(exc.format_message().split()).rstrip(".")) + where)
        except click.ClickException as exc:
            fail(exc.format_message())
        except click.Abort:
            fail("aborted")
        sys.exit(code if isinstance(code, int) else EXIT_CLEAN)  # an int: --help or --version ended it

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        return guarded(lambda: super(Guarded, self).invoke(ctx), (click.exceptions.Exit, click.ClickException, click.Abort))


class GuardedCommand(Guarded, click.Command):
    pass


class _Commands(Guarded, click.Group):
    pass


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="recast-lint")
def main() -> None:
    """Lint, scaffold and run RECAST analyses (recast.yml, yadage workflows, packtivity steps).

    Exit codes: 0 no errors (warnings alone do not fail), 1 problems found, 2 usage or internal error.
    """


def _click_option(option: Option) -> Callable:
    """The click declaration of one option of ``check_command.OPTIONS``."""
    if option.is_flag:
        return click.option(option.flag, option.dest, is_flag=True, help=option.help)
    if option.choices:
        kind: Any = click.Choice(list(option.choices))
    elif option.kind == "file":
        kind = click.Path(dir_okay=False, path_type=Path)
    elif option.kind == "dir":
        kind = click.Path(exists=True, file_okay=False, path_type=Path)
    else:
        kind = None
    return click.option(option.flag, option.dest, type=kind, metavar=option.metavar, default=option.default,
                        show_default=option.show_default, help=option.help)


def _check_command(callback: Callable) -> Callable:
    for option in reversed(OPTIONS):
        callback = _click_option(option)(callback)
    callback = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))(callback)
    return main.command("check", help=HELP)(callback)


@_check_command
def check(paths: Tuple[Path, ...], **options: Any) -> None:
    from recast_lint.lint import without_cyclic_gc

    with without_cyclic_gc():  # one lint per command (``recast_lint.entry`` turns it off for the process)
        run(paths, **options)


@main.command("rules")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(format_name: str) -> None:
    """List every rule: code, name, severity, whether `--fix` can fix it (safe-fix, unsafe-fix) and summary."""
    from recast_lint.rules.registry import all_rules

    rules = all_rules()
    if format_name == "json":
        import json

        data = [
            {"code": r.code, "name": r.name, "severity": r.severity.value, "fix": r.fix.value if r.fix else None, "summary": r.summary}
            for r in rules
        ]
        click.echo(json.dumps(data, indent=2))
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        fix = f"{r.fix.value}-fix" if r.fix else ""
        click.echo(f"{r.code}  {r.name:<{width}}  {r.severity.value:<8} {fix:<10} {r.summary}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show the documentation of a rule (by code or name), or list a family (e.g. RL2)."""
    from recast_lint.rules.registry import all_rules, did_you_mean

    rules = all_rules()
    wanted = code.strip()
    for r in rules:
        if wanted.upper() == r.code or wanted.lower() == r.name:
            click.echo(f"{r.code} {r.name} ({r.severity.value})\n\n{r.summary}\n{_fix_line(r.fix)}\n\n{r.documentation}")
            return
    family = [r for r in rules if len(wanted) == 3 and r.family == wanted.upper()]
    if family:
        click.echo("".join(f"{r.code}  {r.name}: {r.summary}\n" for r in family) + f"(`recast-lint explain {family[0].code}` for one)")
        return
    hint = did_you_mean(wanted, [r.code for r in rules] + [r.name for r in rules], limit=0)
    fail(f"no rule {wanted!r}; {hint or 'run `recast-lint rules` for the list'}")


def _fix_line(fix: Optional[Applicability]) -> str:
    if fix is None:
        return "Fix: none; the hint says what to change."
    if fix.value == "safe":
        return "Fix: safe, applied by `recast-lint check --fix` when the finding carries one."
    return "Fix: unsafe (it changes what runs), applied by `recast-lint check --fix --unsafe-fixes` when the finding carries one."


# -- the editor: `server` -------------------------------------------------------------------------


@main.command("server")
@click.option("--debounce", type=click.IntRange(min=0), default=200, show_default=True, metavar="MS",
              help="Lint this many milliseconds after the last keystroke (open and save lint at once).")
def server_command(debounce: int) -> None:
    """Run the language server on standard input and output, for editors (see the README).

    Diagnostics as you type, quick fixes, hover, go to definition and completion for recast.yml,
    the specs it reaches, .gitlab-ci.yml, reana*.yaml and .recast-lint.yml. Needs the `server`
    extra: pip install 'recast-lint[server]'.
    """
    from recast_lint.server import ServerUnavailable, serve

    try:
        serve(debounce)
    except ServerUnavailable as exc:
        fail(str(exc))


# -- scaffolding: `new` ---------------------------------------------------------------------------


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--no-input", is_flag=True, help="Do not ask: take the defaults and the --set answers.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Answer a question, e.g. --set reference_code=ANA-SUSY-2020-01 or --set needs_auth=yes (repeatable).")
@click.option("--force", is_flag=True, help="Write into a non-empty DIRECTORY, over files of the same name.")
def new(directory: Optional[Path], no_input: bool, settings: Tuple[str, ...], force: bool) -> None:
    """Create a RECAST analysis repository in DIRECTORY (default: ./<repo_name>), then lint it.

    A helloworld that lints clean, tests and runs from its first commit: recast.yml,
    specs/steps.yml, specs/workflow.yml, .gitlab-ci.yml (lint and run jobs), README.md,
    .gitignore and, if wanted, .pre-commit-config.yaml. Questions (keys for --set):
    reference_code, repo_name, catalogue_name, author, short_description, step_image,
    step_image_tag, recastatlas_version, needs_auth, use_pre_commit, recast_lint_repo,
    schema_base_url. A DIRECTORY holding only .git (a fresh clone) counts as empty.
    """
    from recast_lint.diagnostics import Severity
    from recast_lint.lint import lint
    from recast_lint.report import render
    from recast_lint.scaffold import ScaffoldError, create, next_steps, parse_settings

    try:
        created = create(directory, parse_settings(settings), no_input, force)
    except ScaffoldError as exc:
        fail(str(exc))
    result = lint([created.path])
    if result.crashes:
        report_crashes(result.crashes, debug=False)
    if result.diagnostics:  # an info, such as RL660 on a recastatlas_version older than the default, is the answer's doing
        click.echo(render("concise", result), nl=False)
    if result.count(Severity.ERROR) or result.count(Severity.WARNING):
        click.echo("recast-lint: the new repository has findings; the template should produce none (please report this)", err=True)
    click.echo(f"created {created.path} for {created.answers['catalogue_name']}\n")
    click.echo(next_steps(created), nl=False)
    if result.count(Severity.ERROR) or result.count(Severity.WARNING):
        sys.exit(EXIT_PROBLEMS)


# -- adoption: `init`, `upgrade` ------------------------------------------------------------------


@main.command("init")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the diff of what init would write, and write nothing.")
def init_command(path: Optional[Path], dry_run: bool) -> None:
    """Bring the analysis repository at PATH (default: .) under recast-lint, as `new` would have.

    Adds what the template writes and the repository lacks, editing files as text (comments and
    layout stay): the recast-lint hooks in .pre-commit-config.yaml (created if need be), the lint
    job in .gitlab-ci.yml (its stage first in `stages:`), the schema modeline on top of recast.yml
    and the specs, and the .gitignore lines for runs and credentials. What the specs say is not
    touched; a second run changes nothing. Then it lints and says what to do next. Exit codes: 0
    done (findings or not), 1 a piece could not be added (the message says how to add it by hand),
    2 not an analysis, or a file that cannot be written.
    """
    from recast_lint.adopt import AdoptError
    from recast_lint.adopt.init import next_steps, plan_init, summary
    from recast_lint.lint import lint
    from recast_lint.report.statistics import render as render_statistics

    try:
        plan, _ = plan_init(path or Path("."))
        _show_or_write(plan, dry_run)
    except AdoptError as exc:
        fail(str(exc))
    click.echo(summary(plan, Path.cwd(), written=not dry_run), nl=False, err=dry_run)
    if not dry_run:
        result = lint([plan.root])
        if result.crashes:
            report_crashes(result.crashes, debug=False)
        click.echo("\n" + render_statistics(result, False) + "\n" + next_steps(plan, result), nl=False)
    if plan.problems:
        sys.exit(EXIT_PROBLEMS)


@main.command("upgrade")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print the diff of what upgrade would change, and write nothing.")
def upgrade_command(path: Optional[Path], dry_run: bool) -> None:
    """Move the pins the template writes in the analysis at PATH (default: .) to what this version knows.

    The recast/recastatlas image of the CI jobs, the `rev:` of the recast-lint hooks, the lint
    job's install line and the schema modelines, when older (RL660 reports them); like `pre-commit
    autoupdate`, only those versions change, and each is said old → new. Pins newer than this
    version, commits and moving tags are left alone. Exit codes: 0 done or nothing to do, 2 not an
    analysis, or a file that cannot be written.
    """
    from recast_lint.adopt import AdoptError
    from recast_lint.adopt.upgrade import plan_upgrade, report

    try:
        upgrade = plan_upgrade(path or Path("."), Path.cwd())
        _show_or_write(upgrade.plan, dry_run)
    except AdoptError as exc:
        fail(str(exc))
    click.echo(report(upgrade, Path.cwd(), written=not dry_run), nl=False, err=dry_run)


def _show_or_write(plan: Plan, dry_run: bool) -> None:
    """`--dry-run`: the plan's diff on stdout, nothing written; else its files are written."""
    if dry_run:
        click.echo(plan.diff(Path.cwd()), nl=False)
    else:
        plan.write()


# -- configuration and editor schemas: `config`, `schema` -----------------------------------------


@main.command("config")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def show_config(path: Optional[Path]) -> None:
    """Print the configuration that applies to the analysis at PATH (default: .) and where it came from.

    It is the first `.recast-lint.yml`, or `pyproject.toml` with `[tool.recast-lint]`, found walking
    up from the analysis root to the repository root.
    """
    import yaml

    from recast_lint.config import ConfigError, load_config
    from recast_lint.model import find_entry_root
    from recast_lint.rules.registry import all_rules

    start = (path or Path(".")).resolve()
    root = find_entry_root(start) or start
    try:
        config = load_config(root)
    except ConfigError as exc:
        fail(str(exc))
    rules = all_rules()
    enabled = sum(config.enabled(r.code, r.name) for r in rules)
    origin = f"configuration: {config.source}" if config.source else f"no configuration file from {root} up to the repository root: defaults"
    every = "" if config.select else " (an empty `select` selects every rule)"
    click.echo(f"# {origin}\n# {enabled} of {len(rules)} rules enabled{every}")
    click.echo(yaml.safe_dump(config.as_dict(), sort_keys=False, default_flow_style=None, allow_unicode=True), nl=False)


@main.command("schema")
@click.argument("name", type=click.Choice(["recast", "workflow", "steps", "step"]))
def schema(name: str) -> None:
    """Print the bundled JSON Schema of recast.yml, a workflow, a steps file (named steps) or a
    file that is one step, self-contained.

    Save it next to the analysis and point editors at it with a first line such as
    `# yaml-language-server: $schema=../.schemas/workflow.json`.
    """
    import json

    from recast_lint.editor_schema import self_contained

    click.echo(json.dumps(self_contained(name), indent=2))


# -- the picture: `graph` ----------------------------------------------------------------------------


@main.command("graph")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--format", "format_name", type=click.Choice(["mermaid", "dot", "json", "svg", "png"]), default="mermaid", show_default=True,
              help="mermaid for Markdown, dot for Graphviz, json for tools; svg and png run Graphviz's `dot`.")
@click.option("--example", metavar="NAME", help="Example of recast.yml `example_inputs` whose initdata `init` shows (default: `default`).")
@click.option("--output-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the graph to FILE instead of standard output.")
@click.option("--update", "readme", type=click.Path(dir_okay=False, path_type=Path), metavar="README",
              help="Rewrite the Mermaid block between the `recast-lint graph` markers of README, and nothing else.")
@click.option("--toplevel", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
              help="Resolve `$ref`s of a loose workflow file against DIR.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def graph_command(path: Optional[Path], format_name: str, example: Optional[str], output_file: Optional[Path], readme: Optional[Path],
                  toplevel: Optional[Path], debug: bool) -> None:
    """Draw the workflow of the analysis at PATH (default: .) with the problems `check` finds on it.

    Stages (multistep ones with their scatter and step count, sub-workflows as clusters, cases with
    their conditions), dependencies, the outputs each parameter reads, init with the example's
    inputs and the results of recast.yml. Errors are red, warnings amber, stages that never run
    grey, a dependency on nothing comes from a red node. Exit codes: 0 drawn, no error; 1 drawn,
    with errors on it; 2 nothing drawn or written (usage error, Graphviz missing, internal error).
    """
    from recast_lint.config import ConfigError
    from recast_lint.diagnostics import Severity
    from recast_lint.draw import DrawError, draw, render, update_readme
    from recast_lint.lint import UsageError, without_cyclic_gc

    if readme is not None and (output_file is not None or format_name != "mermaid"):
        fail("--update writes the Mermaid block of README; give it without --format and --output-file")
    try:
        with without_cyclic_gc():  # one lint and one graph, then the command ends
            result, graph = draw(path or Path("."), toplevel, example)
            output = render(format_name, graph)
        if readme is not None:
            changed = update_readme(readme, str(output))
            click.echo(f"recast-lint: {readme}: {'workflow block updated' if changed else 'workflow block already up to date'}", err=True)
        elif output_file is not None and str(output_file) != "-":
            if isinstance(output, bytes):
                output_file.write_bytes(output)
            else:
                output_file.write_text(output, encoding="utf-8", errors="replace")
        else:
            click.echo(output, nl=False)
    except (UsageError, ConfigError, DrawError) as exc:
        fail(str(exc))
    if format_name == "mermaid":
        from recast_lint.draw.mermaid import too_large

        reason = too_large(str(output), graph)
        if reason:
            click.echo(f"recast-lint: warning: GitHub and GitLab will not render this diagram ({reason}); use --format svg", err=True)
    if result.crashes:
        report_crashes(result.crashes, debug)
    errors, warnings = graph.count(Severity.ERROR), graph.count(Severity.WARNING)
    if errors or warnings:
        click.echo(f"recast-lint: the graph shows {errors} error{'s' * (errors != 1)} and {warnings} warning{'s' * (warnings != 1)}; "
                   "`recast-lint check` explains them", err=True)
    if errors:
        sys.exit(EXIT_PROBLEMS)


# -- running: `run` and `test` (Docker), `submit`, `status` and `results` (REANA) -----------------


def _drive(action: Callable[[], None], debug: bool) -> None:
    """Run a runner action: its one-line problems exit 2, a failed workflow or test exits 1."""
    from recast_lint.run.common import RunError, RunFailed, mask

    try:
        action()
    except RunError as exc:
        fail(mask(str(exc)), debug)
    except RunFailed:
        sys.exit(EXIT_PROBLEMS)


def _analysis_path(path: Optional[Path]) -> Path:
    return path if path is not None else Path(".")


_example_option = click.option("--example", metavar="NAME", help="Example of recast.yml `example_inputs` to run (default: `default`).")
_inputs_option = click.option("--inputs", type=click.Path(dir_okay=False, path_type=Path),
                              help="YAML file with `initdata:` (and optional `dataopts:`) to run instead of an example.")
_image_option = click.option("--image", envvar="RECAST_DOCKER_IMAGE", metavar="IMAGE",
                             help="Engine image instead of the pinned recast/recastatlas release (also RECAST_DOCKER_IMAGE).")
_no_lint_option = click.option("--no-lint", is_flag=True, help="Go on even if the linter finds errors.")
_dry_run_option = click.option("--dry-run", is_flag=True, help="Print what would run (credentials masked) and stop.")


@main.command("run")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@_example_option
@_inputs_option
@click.option("--tag", metavar="TAG", help="Name of this run: the run directory is recast-TAG (default: the current date and time).")
@_image_option
@_dry_run_option
@_no_lint_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of YAML.")
@click.option("--debug", is_flag=True, help="Use the engine backend that shows step exceptions; tracebacks of internal errors.")
def run_command(path: Optional[Path], example: Optional[str], inputs: Optional[Path], tag: Optional[str], image: Optional[str],
                dry_run: bool, no_lint: bool, as_json: bool, debug: bool) -> None:
    """Run the analysis at PATH (default: .) in the recast/recastatlas image through Docker.

    Lints first, writes the run to PATH/recast-TAG, streams the engine's output on stderr and prints
    the results declared in recast.yml on stdout. Exit codes: 0 success, 1 the workflow failed,
    2 nothing ran (lint errors, Docker problems, bad options).
    """

    def action() -> None:
        from recast_lint.run import DEFAULT_IMAGE, docker
        from recast_lint.run.common import check_tag, choose_inputs, default_tag, load_analysis

        chosen_tag = check_tag(tag) if tag is not None else default_tag()
        prepared = load_analysis(_analysis_path(path), no_lint)
        chosen = choose_inputs(prepared, example, inputs)
        docker.run(prepared, chosen, chosen_tag, image or DEFAULT_IMAGE, debug, dry_run, as_json)

    _drive(action, debug)


@main.command("test")
@click.argument("path", required=False)  # kept as written: `./x` and `x/` are paths, `x` may be a test NAME
@click.argument("names", nargs=-1)
@click.option("--tag", metavar="TAG", help="Name of this test run: outputs go to recast-test-TAG (default: the current date and time).")
@_image_option
@_dry_run_option
@_no_lint_option
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def test_command(path: Optional[str], names: Tuple[str, ...], tag: Optional[str], image: Optional[str], dry_run: bool,
                 no_lint: bool, debug: bool) -> None:
    """Run the `tests:` of recast.yml (all, or the NAMEs) with packtivity-run in the engine image.

    One line per test on stdout; exit 1 if any failed. Each test's log, parameters and published
    result are kept in PATH/recast-test-TAG.
    """

    def action() -> None:
        from recast_lint.run import DEFAULT_IMAGE, docker
        from recast_lint.run.common import check_tag, default_tag, load_analysis

        chosen_tag = check_tag(tag) if tag is not None else default_tag()
        where, chosen = (Path(path) if path is not None else None), names
        if path is not None and not os.path.exists(path) and "/" not in path and os.sep not in path:
            where, chosen = None, (path, *names)  # `recast-lint test NAME` from inside the analysis
        prepared = load_analysis(_analysis_path(where), no_lint)
        docker.run_tests(prepared, chosen, chosen_tag, image or DEFAULT_IMAGE, dry_run)

    _drive(action, debug)


@main.command("submit")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@_example_option
@_inputs_option
@click.option("--name", metavar="NAME", help="REANA workflow name (default: the last part of the recast.yml name).")
@click.option("--dry-run", is_flag=True, help="Write the submission directory and print the reana-client commands; submit nothing.")
@_no_lint_option
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def submit_command(path: Optional[Path], example: Optional[str], inputs: Optional[Path], name: Optional[str], dry_run: bool,
                   no_lint: bool, debug: bool) -> None:
    """Submit the analysis at PATH (default: .) to REANA.

    Lints first, writes PATH/recast-reana-NAME/ (the workflow with every `$ref` inlined, a
    reana.yaml, a copy of the example's initdir), warns about what REANA ignores, then creates,
    uploads and starts the workflow with reana-client (REANA_SERVER_URL and REANA_ACCESS_TOKEN from
    the environment). Without reana-client it prints the commands to run. Prints the run name.
    """

    def action() -> None:
        from recast_lint.run import reana
        from recast_lint.run.common import choose_inputs, load_analysis

        prepared = load_analysis(_analysis_path(path), no_lint)
        chosen = choose_inputs(prepared, example, inputs)
        reana.submit(prepared, chosen, reana.check_name(name) if name else reana.default_name(prepared), dry_run)

    _drive(action, debug)


@main.command("status")
@click.argument("name", required=False)
@click.option("--path", "path", type=click.Path(path_type=Path), help="Analysis whose default workflow name to use (default: .).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def status_command(name: Optional[str], path: Optional[Path], debug: bool) -> None:
    """Show the REANA status of workflow NAME (or NAME.N; default: this analysis's submit name)."""

    def action() -> None:
        from recast_lint.run import reana
        from recast_lint.run.common import load_analysis

        reana.status(reana.check_name(name) if name else reana.default_name(load_analysis(_analysis_path(path), no_lint=True)))

    _drive(action, debug)


@main.command("results")
@click.argument("name", required=False)
@click.option("--path", "path", type=click.Path(path_type=Path), help="Analysis whose recast.yml declares the results (default: .).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of YAML.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def results_command(name: Optional[str], path: Optional[Path], as_json: bool, debug: bool) -> None:
    """Download the results declared in recast.yml from REANA workflow NAME and print them like `run` does.

    Files go to PATH/recast-reana-NAME/results/NAME/. Exit 1 if a declared result is missing.
    """

    def action() -> None:
        from recast_lint.run import reana
        from recast_lint.run.common import load_analysis

        prepared = load_analysis(_analysis_path(path), no_lint=True)
        reana.results(prepared, reana.check_name(name) if name else reana.default_name(prepared), as_json)

    _drive(action, debug)


