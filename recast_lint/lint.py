"""The pipeline: find the analyses named on the command line, build their models, run the rules.

    paths ──discover──▶ targets ──model──▶ Analysis ──rules──▶ findings ──▶ diagnostics (sorted)

Formatting is the caller's business (``recast_lint.report``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from recast_lint.config import load_config, unknown_pattern
from recast_lint.diagnostics import Diagnostic, Severity, display_path, one_line
from recast_lint.model import (
    ENTRY_FILE,
    YAML_SUFFIXES,
    Analysis,
    build_entry_analysis,
    build_loose_analysis,
    catalogue_files,
    find_entry_root,
    looks_like_entry,
    real,
    yaml_files,
)
from recast_lint.rules.registry import Rule, all_rules
from recast_lint.suppress import CACHE_KEY as SUPPRESSIONS
from recast_lint.suppress import Suppressions


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


class InternalError(Exception):
    """A bug in recast-lint itself (exit code 2); carries the original exception as ``__cause__``."""


class Target:
    """What one analysis to lint is: its root, and how it was named on the command line."""

    def __init__(self, root: Path, kind: str, toplevel: Optional[Path] = None, entry: Optional[Path] = None) -> None:
        self.root = root
        self.kind = kind  # entry | loose
        self.entry = entry  # entry: the catalogue entry file (a catalogue directory may hold several)
        self.files: List[Path] = []  # loose: the YAML files to consider
        self.explicit: List[Path] = []  # files named on the command line
        self.toplevel = toplevel


class LintResult:
    def __init__(
        self,
        diagnostics: List[Diagnostic],
        analyses: List[Analysis],
        sources: Dict[str, str],
        rules: Optional[Dict[str, Rule]] = None,
        crashes: Sequence[InternalError] = (),
    ) -> None:
        self.diagnostics = diagnostics
        self.analyses = analyses
        self.sources = sources  # display path -> file text, for snippets
        self.rules = rules or {}  # code -> every rule that ran, for formats that describe them
        self.crashes = list(crashes)  # rules that failed on this input: the report is incomplete

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    @property
    def files(self) -> int:
        return len({path for analysis in self.analyses for path in analysis.documents})

    @property
    def found_nothing(self) -> bool:
        """No analysis, workflow, steps file or REANA spec was found (and nothing was reported)."""
        return not self.diagnostics and not any(a.entry or a.workflows or a.steps or a.reana for a in self.analyses)


def discover(paths: Sequence[Path], toplevel: Optional[Path], cwd: Path) -> List[Target]:
    """What to lint for each PATH: the analysis holding it, the analyses below a directory and
    the loose specs beside them, or a loose spec file."""
    targets: Dict[tuple, Target] = {}

    def analyses(root: Path) -> List[Target]:
        """One target per catalogue entry in ``root``: recast-atlas loads each `*.yml` entry there."""
        entries = catalogue_files(root)
        if toplevel is not None:
            entry = display_path(entries[0] if entries else root / "recast.yml", cwd)
            raise UsageError(f"--toplevel is for workflow files outside an analysis; {entry} names the toplevel (spec.toplevel)")
        return [targets.setdefault((root, "entry", path), Target(root, "entry", entry=path)) for path in entries]

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            what = "is a symbolic link to nothing (a missing target, or a loop)" if path.is_symlink() else "does not exist"
            raise UsageError(f"path '{raw}' {what}")
        path = real(path)
        entry_root = find_entry_root(path)
        if entry_root is not None:
            for target in analyses(entry_root):
                if path.is_file() and path.name.endswith(YAML_SUFFIXES):  # read even if nothing refers to it yet
                    target.explicit.append(path)
        elif path.is_dir():
            found = yaml_files(path)
            roots = list(dict.fromkeys(p.parent for p in found if p.name == ENTRY_FILE or looks_like_entry(p)))
            for root in roots:
                analyses(root)
            loose = [p for p in found if not any(root in p.parents for root in roots)]
            if loose:
                targets.setdefault((path, "loose"), Target(path, "loose", toplevel=toplevel)).files.extend(loose)
        elif not Path(raw).name.endswith(YAML_SUFFIXES):  # the name as written: a link's target may have another
            raise UsageError(f"'{raw}' is not a YAML file and no analysis (a recast.yml) holds it")
        else:
            base = real(toplevel) if toplevel else path.parent
            root = Path(os.path.commonpath([base, path.parent]))
            target = targets.setdefault((root, "loose"), Target(root, "loose", toplevel=base))
            target.files.append(path)
            target.explicit.append(path)
    return list(targets.values())


def build(target: Target) -> Analysis:
    if target.kind == "entry":
        return build_entry_analysis(target.root, target.explicit, target.entry)
    return build_loose_analysis(target.root, target.files, target.toplevel, target.explicit)


def lint(
    paths: Sequence[Path],
    toplevel: Optional[Path] = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    cwd: Optional[Path] = None,
) -> LintResult:
    """Lint ``paths``; ``select``/``ignore`` (codes, prefixes or names) come on top of each analysis's configuration."""
    cwd = (cwd or Path.cwd()).resolve()
    for pattern in [*select, *ignore]:
        instead = unknown_pattern(pattern)
        if instead is not None:  # a typo here would silently select nothing, or ignore nothing
            raise UsageError(f"no rule matches {pattern!r}; {instead}")
    analyses = [build(target) for target in discover(paths, toplevel, cwd)]
    diagnostics: Dict[tuple, Diagnostic] = {}
    sources: Dict[str, str] = {}
    ran: Dict[str, Rule] = {}
    crashes: List[InternalError] = []
    for analysis in analyses:
        config = load_config(analysis.root).with_command_line(select, ignore)
        rules = [r for r in all_rules() if config.enabled(r.code, r.name)]
        if not rules:  # a clean report would then say nothing about the analysis
            where = f" and {display_path(config.source, cwd)}" if config.source else ""
            raise UsageError(f"no rule is left to run; --select/--ignore{where} exclude them all")
        suppressions = Suppressions.read(analysis.documents.values())
        suppressions.ran = [(r.code, r.name) for r in rules]
        analysis.cache[SUPPRESSIONS] = suppressions
        # the RL9xx rules report on the suppressions, so they run once every other rule has
        for rule in sorted(rules, key=lambda r: r.family == "RL9"):
            ran[rule.code] = rule
            severity = config.severity_for(rule.code, rule.name)
            for finding in _run(rule, analysis, crashes):
                if config.ignored_in(rule.code, rule.name, finding.doc.path):
                    continue
                if rule.family != "RL9" and suppressions.suppresses(finding.doc, rule.code, rule.name, finding.span):
                    continue
                path = display_path(finding.doc.path, cwd)
                sources.setdefault(path, finding.doc.text)
                diagnostic = Diagnostic(
                    path=path,
                    span=finding.span,
                    severity=severity or finding.severity or rule.severity,
                    code=rule.code,
                    rule=rule.name,
                    message=one_line(finding.message),
                    hint=one_line(finding.hint) if finding.hint else None,
                    sensitive=finding.sensitive,
                )
                diagnostics.setdefault((diagnostic.path, diagnostic.span, diagnostic.code, diagnostic.message), diagnostic)
    ordered = sorted(diagnostics.values(), key=lambda d: d.sort_key)
    return LintResult(ordered, analyses, sources, {code: ran[code] for code in sorted(ran)}, crashes)


def _run(rule: Rule, analysis: Analysis, crashes: List[InternalError]) -> Iterable:
    """The rule's findings; a crash (our bug, never the user's) is kept, and the other rules still run."""
    try:
        return list(rule.check(analysis))
    except Exception as exc:
        crash = InternalError(f"rule {rule.code} ({rule.name}) crashed on {analysis.root}: {type(exc).__name__}: {exc}")
        crash.__cause__ = exc
        crashes.append(crash)
        return []
