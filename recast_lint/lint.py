"""The pipeline: find the analyses named on the command line, build their models, run the rules.

    paths ──discover──▶ targets ──model──▶ Analysis ──rules──▶ findings ──▶ diagnostics (sorted)

Formatting is the caller's business (``recast_lint.report``).
"""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from recast_lint.config import load_config, unknown_pattern
from recast_lint.diagnostics import Diagnostic, Severity, Span, display_path, one_line
from recast_lint.load import Document
from recast_lint.masking import blank, region_secrets
from recast_lint.model import (
    ENTRY_FILE,
    NO_OVERLAY,
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
from recast_lint.rules.registry import Finding, Rule, all_rules
from recast_lint.suppress import CACHE_KEY as SUPPRESSIONS
from recast_lint.suppress import UNUSED, Suppressions


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
        documents: Optional[Dict[str, Document]] = None,
    ) -> None:
        self.diagnostics = diagnostics
        self.analyses = analyses
        self.sources = sources  # display path -> file text as reports show it (secrets blanked)
        self.documents = documents or {}  # display path -> the document as read, for fixes and editors
        self.rules = rules or {}  # code -> every rule that ran, for formats that describe them
        self.crashes = list(crashes)  # rules that failed on this input: the report is incomplete
        self.fixed = 0  # fixes `check --fix` applied before this lint of the fixed files
        self._lines: Dict[str, List[str]] = {}

    def source_lines(self, path: str) -> List[str]:
        """The lines of the file at display ``path``, split once: formats that show or hash the
        flagged line would otherwise split the whole file once per diagnostic (10,000 results in
        one recast.yml took 36 s to print)."""
        lines = self._lines.get(path)
        if lines is None:
            # lines end at "\n" only, as positions count them: `str.splitlines` also ends a line at a
            # form feed, a vertical tab or U+2028, and every snippet below one would show the wrong line
            lines = [line[:-1] if line.endswith("\r") else line for line in self.sources.get(path, "").split("\n")]
            self._lines[path] = lines
        return lines

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    @property
    def files(self) -> int:
        return len({path for analysis in self.analyses for path in analysis.documents})

    @property
    def found_nothing(self) -> bool:
        """No analysis, workflow, steps file or REANA spec was found (and nothing was reported)."""
        return not self.diagnostics and not any(a.entry or a.workflows or a.steps or a.reana for a in self.analyses)


def discover(paths: Sequence[Path], toplevel: Optional[Path], cwd: Path, within: Optional[Path] = None) -> List[Target]:
    """What to lint for each PATH: the analysis holding it, the analyses below a directory and
    the loose specs beside them, or a loose spec file (a `recast.yml` above ``within`` holds nothing)."""
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
        entry_root = find_entry_root(path, within)
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


def build(target: Target, overlay: Mapping[Path, str]) -> Analysis:
    if target.kind == "entry":
        return build_entry_analysis(target.root, target.explicit, overlay, target.entry)
    return build_loose_analysis(target.root, target.files, target.toplevel, target.explicit, overlay)


def lint(
    paths: Sequence[Path],
    toplevel: Optional[Path] = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    cwd: Optional[Path] = None,
    overlay: Mapping[Path, str] = NO_OVERLAY,
    within: Optional[Path] = None,
) -> LintResult:
    """Lint ``paths``; ``select``/``ignore`` (codes, prefixes or names) come on top of each analysis's
    configuration. ``overlay`` (real path -> text) is read in place of those files: fixes not yet
    written, an editor's unsaved buffers. Nothing above ``within`` (an editor's workspace folder) is
    read, neither an analysis root nor a configuration."""
    cwd = (cwd or Path.cwd()).resolve()
    for pattern in [*select, *ignore]:
        instead = unknown_pattern(pattern)
        if instead is not None:  # a typo here would silently select nothing, or ignore nothing
            raise UsageError(f"no rule matches {pattern!r}; {instead}")
    within = real(within) if within is not None else None
    analyses = [build(target, overlay) for target in discover(paths, toplevel, cwd, within)]
    diagnostics: Dict[tuple, Diagnostic] = {}
    sources: Dict[str, str] = {}
    documents: Dict[str, Document] = {}
    ran: Dict[str, Rule] = {}
    crashes: List[InternalError] = []
    hidden: List[Finding] = []  # findings whose region holds a secret, reported or not
    used: Set[Tuple[str, Span]] = set()  # suppression codes that suppressed something, in any analysis
    for analysis in analyses:
        config = load_config(analysis.root, overlay, within).with_command_line(select, ignore)
        rules = [r for r in all_rules() if config.enabled(r.code, r.name)]
        for rule in all_rules():  # a secret stays hidden when the rule that finds it is not selected
            if rule.finds_secrets and rule not in rules:
                hidden += [finding for finding in _run(rule, analysis, crashes) if finding.sensitive]
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
                if finding.sensitive:
                    hidden.append(finding)  # a suppressed finding's secret is in the file all the same
                if config.ignored_in(rule.code, rule.name, finding.doc.path):
                    continue
                if rule.family != "RL9" and suppressions.suppresses(finding.doc, rule.code, rule.name, finding.span):
                    continue
                path = display_path(finding.doc.path, cwd)
                sources.setdefault(path, finding.doc.text)
                documents.setdefault(path, finding.doc)
                diagnostic = Diagnostic(
                    path=path,
                    span=finding.span,
                    severity=severity or finding.severity or rule.severity,
                    code=rule.code,
                    rule=rule.name,
                    message=one_line(finding.message),
                    hint=one_line(finding.hint) if finding.hint else None,
                    fix=finding.fix,
                )
                diagnostics.setdefault((diagnostic.path, diagnostic.span, diagnostic.code, diagnostic.message), diagnostic)
        used |= {(display_path(path, cwd), span) for path, span in suppressions.used()}
    # a file several analyses read (the entries of one catalogue directory) has a code used in one and idle in the others
    ordered = sorted((d for d in diagnostics.values() if d.code != UNUSED or (d.path, d.span) not in used), key=lambda d: d.sort_key)
    if hidden:
        ordered, sources = _without_secrets(ordered, sources, hidden, cwd)
    return LintResult(ordered, analyses, sources, {code: ran[code] for code in sorted(ran)}, crashes, documents)


@contextlib.contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """For a command that lints once and ends (`check`, `graph`), never for one that keeps running (the
    language server): the documents and the model are hundreds of thousands of small objects that live as
    long as the lint, and the cyclic garbage collector would walk them over and over while they are made
    (a third of the CPU time of a 10,000-stage lint). What is left over is collected once it is enabled again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _without_secrets(
    diagnostics: List[Diagnostic], sources: Dict[str, str], hidden: List[Finding], cwd: Path
) -> Tuple[List[Diagnostic], Dict[str, str]]:
    """The report with no sensitive region's text in it: each region blanked (`*`, so columns stay
    put) in the sources every format shows or hashes, and its text masked wherever else it appears,
    in any file shown and in every message and hint."""
    regions: Dict[str, List[Tuple[int, int]]] = {}
    secrets: Set[str] = set()
    for finding in hidden:
        doc, span = finding.doc, finding.span
        start, end = doc.offset(span.line, span.column), doc.offset(span.end_line, span.end_column)
        regions.setdefault(display_path(doc.path, cwd), []).append((start, end))
        secrets.update(region_secrets(doc.text[start:end]))
    longest_first = sorted(secrets, key=len, reverse=True)
    shown = {path: blank(text, regions.get(path, ()), longest_first) for path, text in sources.items()}

    def masked(text: Optional[str]) -> Optional[str]:
        for secret in longest_first:
            text = text.replace(secret, "****") if text else text
        return text

    return [d._replace(message=masked(d.message), hint=masked(d.hint)) for d in diagnostics], shown


def _run(rule: Rule, analysis: Analysis, crashes: List[InternalError]) -> Iterable:
    """The rule's findings; a crash (our bug, never the user's) is kept, and the other rules still run."""
    try:
        return list(rule.check(analysis))
    except Exception as exc:
        crash = InternalError(f"rule {rule.code} ({rule.name}) crashed on {analysis.root}: {type(exc).__name__}: {exc}")
        crash.__cause__ = exc
        crashes.append(crash)
        return []
