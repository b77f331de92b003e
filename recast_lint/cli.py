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


def rule_filter(select: List[str], ignore: List[str]) -> Callable:
    """Codes match by prefix (`RL2` selects every schema rule) or by rule name."""

    def matches(rule, patterns: List[str]) -> bool:
        return any(rule.code.startswith(p) or rule.name.upper() == p for p in patterns)

    def selected(rule) -> bool:
        return (not select or matches(rule, select)) and not matches(rule, ignore)

    return selected


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
@click.option("--format", "format_name", default="text", show_default=True, help="Output format.",
              type=click.Choice(["text", "concise", "json"]))
@click.option("--toplevel", type=click.Path(file_okay=False, path_type=Path), help="Resolve `$ref`s of loose workflow files against DIR.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--select", help="Only these rule codes or prefixes, comma-separated (e.g. RL2,RL301).")
@click.option("--ignore", help="Skip these rule codes or prefixes, comma-separated.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(paths: Tuple[Path, ...], format_name: str, toplevel: Optional[Path], strict: bool,
          select: Optional[str], ignore: Optional[str], color: str, debug: bool) -> None:
    """Lint the analysis at each PATH (default: the current directory).

    A PATH is an analysis directory, a file inside one (the whole analysis is linted), a loose
    workflow file, or a directory of loose specs.
    """
    from recast_lint.diagnostics import Severity
    from recast_lint.lint import InternalError, UsageError, lint
    from recast_lint.report import render

    try:
        result = lint(list(paths) or [Path(".")], toplevel, rule_filter(_codes(select), _codes(ignore)))
    except UsageError as exc:
        fail(str(exc))
    except InternalError as exc:
        fail(f"{exc} (please report this; run with --debug for the traceback)", debug)
    click.echo(render(format_name, result, _use_color(color)), nl=False)
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
