"""Command line: thin click commands over ``lint``, ``report`` and the rule registry.

Exit codes: 0 no error (warnings alone do not fail), 1 an error was found (or any warning with
``--strict``), 2 usage error or internal failure.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import click

from recast_lint import __version__

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_FAILURE = 0, 1, 2


def _codes(value: Optional[str]) -> List[str]:
    return [c.strip().upper() for c in (value or "").split(",") if c.strip()]


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def fail(message: str, debug: bool = False) -> None:
    """One line on stderr and exit 2 (with the traceback only under --debug)."""
    if debug:
        traceback.print_exc()
    click.echo(f"recast-lint: error: {message}", err=True)
    sys.exit(EXIT_FAILURE)


class _Commands(click.Group):
    """Turns any exception a command did not expect into one line and exit 2 (traceback with --debug)."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            debug = "--debug" in sys.argv or bool(os.environ.get("RECAST_LINT_DEBUG"))
            fail(f"internal error: {type(exc).__name__}: {exc} (please report it; rerun with --debug for the traceback)", debug)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="recast-lint")
def main() -> None:
    """Lint, scaffold and run RECAST analyses (recast.yml, yadage workflows, packtivity steps).

    Exit codes: 0 clean, 1 problems found, 2 usage or internal error.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "format_name", help="Output format [default: text; github when GITHUB_ACTIONS=true].",
              type=click.Choice(["text", "concise", "json", "gitlab", "sarif", "github"]))
@click.option("--output-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report in --format to FILE; the log still shows text (github annotations on GitHub Actions).")
@click.option("--statistics", is_flag=True, help="Show how many diagnostics each rule produced instead of the diagnostics.")
@click.option("--toplevel", type=click.Path(file_okay=False, path_type=Path), help="Resolve `$ref`s of loose workflow files against DIR.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--select", help="Only these rule codes, prefixes or names, comma-separated (e.g. RL2,RL301); replaces the configured select.")
@click.option("--ignore", help="Skip these rule codes, prefixes or names, comma-separated; added to the configured ignore.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(paths: Tuple[Path, ...], format_name: Optional[str], output_file: Optional[Path], statistics: bool,
          toplevel: Optional[Path], strict: bool, select: Optional[str], ignore: Optional[str], color: str, debug: bool) -> None:
    """Lint the analysis at each PATH (default: the current directory).

    A PATH is an analysis directory, a file inside one (the whole analysis is linted), a loose
    workflow file, or a directory of loose specs.
    """
    from recast_lint.config import ConfigError
    from recast_lint.diagnostics import Severity
    from recast_lint.lint import InternalError, UsageError, lint
    from recast_lint.report import render

    log_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    try:
        result = lint(list(paths) or [Path(".")], toplevel, _codes(select), _codes(ignore))
    except (UsageError, ConfigError) as exc:
        fail(str(exc))
    except InternalError as exc:
        fail(f"{exc} (please report this; run with --debug for the traceback)", debug)
    if output_file is not None:
        try:
            output_file.write_text(render(format_name or log_format, result), encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output_file}: {exc.strerror or exc}")
    elif format_name:
        log_format = format_name
    if statistics:
        from recast_lint.report.statistics import render as render_statistics

        click.echo(render_statistics(result, False), nl=False)
    else:
        click.echo(render(log_format, result, _use_color(color)), nl=False)
    if result.count(Severity.ERROR) or (strict and result.count(Severity.WARNING)):
        sys.exit(EXIT_PROBLEMS)


@main.command("rules")
@click.option("--format", "format_name", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(format_name: str) -> None:
    """List every rule: code, name, severity and summary."""
    from recast_lint.rules.registry import all_rules

    rules = all_rules()
    if format_name == "json":
        import json

        data = [{"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary} for r in rules]
        click.echo(json.dumps(data, indent=2))
        return
    for r in rules:
        click.echo(f"{r.code}  {r.name:<28} {r.severity.value:<8} {r.summary}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show the documentation of a rule (by code or name)."""
    from recast_lint.rules.registry import all_rules, did_you_mean

    rules = all_rules()
    wanted = code.strip()
    for r in rules:
        if wanted.upper() == r.code or wanted == r.name:
            click.echo(f"{r.code} {r.name} ({r.severity.value})\n\n{r.summary}\n\n{r.documentation}")
            return
    hint = did_you_mean(wanted, [r.code for r in rules] + [r.name for r in rules], limit=0)
    fail(f"no rule {wanted!r}; {hint or 'run `recast-lint rules` for the list'}")


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
    from recast_lint.lint import InternalError, lint
    from recast_lint.report import render
    from recast_lint.scaffold import ScaffoldError, create, next_steps, parse_settings

    try:
        created = create(directory, parse_settings(settings), no_input, force)
    except ScaffoldError as exc:
        fail(str(exc))
    try:
        result = lint([created.path])
    except InternalError as exc:
        fail(f"created {created.path}, but linting it failed: {exc} (please report this)")
    if result.diagnostics:
        click.echo(render("concise", result), nl=False)
        click.echo("recast-lint: the new repository has findings; the template should produce none (please report this)", err=True)
    click.echo(f"created {created.path} for {created.answers['catalogue_name']}\n")
    click.echo(next_steps(created), nl=False)
    if result.count(Severity.ERROR) or result.count(Severity.WARNING):
        sys.exit(EXIT_PROBLEMS)


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
    click.echo(f"# {origin}\n# {enabled} of {len(rules)} rules enabled")
    click.echo(yaml.safe_dump(config.as_dict(), sort_keys=False, default_flow_style=None, allow_unicode=True), nl=False)


@main.command("schema")
@click.argument("name", type=click.Choice(["recast", "workflow", "steps"]))
def schema(name: str) -> None:
    """Print the bundled JSON Schema of recast.yml, a workflow or a steps file, self-contained.

    Save it next to the analysis and point editors at it with a first line such as
    `# yaml-language-server: $schema=../.schemas/workflow.json`.
    """
    import json

    from recast_lint.editor_schema import self_contained

    click.echo(json.dumps(self_contained(name), indent=2))
