"""The server's state, without the protocol: the editor's buffers, and the lint units they belong to.

A *unit* is what one call of ``lint`` covers: an analysis (the nearest `recast.yml` at or above a
file, inside the workspace folder), the loose specs open in one directory, or a configuration
file open on its own. Every open buffer is in the overlay of every lint, so the model reads the
buffers in place of the files; an edit re-lints each unit that read the edited file (or whose
configuration it is). ``Job.run`` is what runs off the event loop; everything else here is cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set, Tuple

from recast_lint.config import PYPROJECT, YAML_FILE, ConfigError, find_config_file, read_config
from recast_lint.diagnostics import Diagnostic, Severity, Span
from recast_lint.lint import LintResult, UsageError, lint
from recast_lint.load import Document
from recast_lint.model import YAML_SUFFIXES, Analysis, find_entry_root, is_file, real
from recast_lint.records import Record

CONFIG_NAMES = (YAML_FILE, PYPROJECT)
UnitKey = Tuple[str, Path]  # (entry, analysis root) | (loose, directory) | (config, file)


class Buffer(Record):
    uri: str
    text: str
    version: Optional[int]


class Outcome(Record):
    """What a lint of a unit gave: the result (None when it could not run), the files it read,
    a configuration that could not be used, and what failed unexpectedly (our bug)."""

    result: Optional[LintResult]
    reads: Set[Path]
    config_error: Optional[ConfigError] = None
    config_text: str = ""  # the configuration as it was read, for placing its error
    failures: Tuple[str, ...] = ()


class Job(Record):
    """One lint of a unit, with a snapshot of the buffers: safe to run on another thread."""

    key: UnitKey
    paths: Tuple[Path, ...]
    overlay: Mapping[Path, str]
    within: Path

    def lint(self, extra: Mapping[Path, str] = {}) -> LintResult:  # noqa: B006 - never mutated
        return lint(list(self.paths), cwd=self.within, overlay={**self.overlay, **extra}, within=self.within)

    def run(self) -> Outcome:
        kind, where = self.key
        if kind == "config":
            return self._config_only(where)
        try:
            result = self.lint()
        except ConfigError as error:  # shown in the configuration; meanwhile the analysis is linted with the defaults
            text = self._text(error.path)
            try:
                result = self.lint({error.path: ""})
            except Exception as exc:  # noqa: BLE001 - a server outlives a bug of ours; it is logged
                return Outcome(None, {error.path}, error, text, failures=(f"internal error: {type(exc).__name__}: {exc}",))
            return Outcome(result, _reads(result) | {error.path}, error, text, failures=_crashes(result))
        except UsageError as exc:  # e.g. the file was deleted under the editor
            return Outcome(None, set(), failures=(str(exc),))
        except Exception as exc:  # noqa: BLE001 - a server outlives a bug of ours; it is logged
            return Outcome(None, set(), failures=(f"internal error: {type(exc).__name__}: {exc}",))
        reads = _reads(result)
        for analysis in result.analyses:
            config = find_config_file(analysis.root, self.overlay, self.within)
            if config is not None:
                reads.add(config)
        return Outcome(result, reads, failures=_crashes(result))

    def _config_only(self, path: Path) -> Outcome:
        """A configuration open on its own: checked when it is one (a pyproject.toml may not be)."""
        try:
            if find_config_file(path.parent, self.overlay, self.within) == path:
                read_config(path, self.overlay)
        except ConfigError as error:
            return Outcome(None, {path}, error, self._text(path))
        except Exception as exc:  # noqa: BLE001 - a server outlives a bug of ours; it is logged
            return Outcome(None, {path}, failures=(f"internal error: {type(exc).__name__}: {exc}",))
        return Outcome(None, {path})

    def _text(self, path: Path) -> str:
        if path in self.overlay:
            return self.overlay[path]
        try:
            return path.read_text(encoding="utf-8", errors="replace") if is_file(path) else ""
        except OSError:
            return ""


def _reads(result: LintResult) -> Set[Path]:
    return {path for analysis in result.analyses for path in analysis.documents}


def _crashes(result: LintResult) -> Tuple[str, ...]:
    return tuple(str(crash) for crash in result.crashes)


class Unit:
    def __init__(self, key: UnitKey, within: Path) -> None:
        self.key = key
        self.within = within  # the workspace folder: nothing above it is read
        self.generation = 0  # bumped by every change of a file it reads; the latest edit wins
        self.linted = -1  # the generation ``outcome`` is of
        self.outcome: Optional[Outcome] = None
        self.reads: Set[Path] = set()
        self.changed: Dict[Path, int] = {}  # the generation each file last changed in

    @property
    def fresh(self) -> bool:
        return self.linted == self.generation

    def fresh_but(self, path: Path) -> bool:
        """Whether the last lint saw every change except perhaps those of ``path`` (the file being typed)."""
        return self.outcome is not None and all(generation <= self.linted for changed, generation in self.changed.items() if changed != path)

    @property
    def result(self) -> Optional[LintResult]:
        return self.outcome.result if self.outcome is not None else None

    def document(self, path: Path) -> Tuple[Optional[Analysis], Optional[Document]]:
        result = self.result
        for analysis in result.analyses if result is not None else []:
            if path in analysis.documents:
                return analysis, analysis.documents[path]
        return None, None

    def diagnostics(self) -> Dict[Path, Tuple[str, List[Diagnostic]]]:
        """Per file: the text the lint read and its diagnostics, the configuration's error included."""
        files: Dict[Path, Tuple[str, List[Diagnostic]]] = {}
        outcome = self.outcome
        if outcome is None:
            return files
        result = outcome.result
        if result is not None:
            for diagnostic in result.diagnostics:
                doc = result.documents[diagnostic.path]
                files.setdefault(doc.path, (doc.text, []))[1].append(diagnostic)
        error = outcome.config_error
        if error is not None:
            files[error.path] = (outcome.config_text, [config_diagnostic(error)])
        return files


def config_diagnostic(error: ConfigError) -> Diagnostic:
    return Diagnostic(error.path.name, Span(error.line, 1, error.line + 1, 1), Severity.ERROR, "config", "configuration", error.message)


class Session:
    def __init__(self) -> None:
        self.folders: List[Path] = []
        self.buffers: Dict[Path, Buffer] = {}
        self.units: Dict[UnitKey, Unit] = {}

    # where files belong
    def folder_of(self, path: Path) -> Optional[Path]:
        """The innermost workspace folder holding ``path``; without folders, the file's own directory."""
        inside = [folder for folder in self.folders if folder == path or folder in path.parents]
        if inside:
            return max(inside, key=lambda folder: len(folder.parts))
        return None if self.folders else path.parent

    def own_unit(self, path: Path) -> Optional[Unit]:
        """The unit a file opened in the editor belongs to, created when it is new."""
        within = self.folder_of(path)
        if within is None or not path.name.endswith((*YAML_SUFFIXES, ".toml")):
            return None
        if path.name in CONFIG_NAMES:
            key: UnitKey = ("config", path)
        elif path.suffix == ".toml":
            return None
        else:
            root = find_entry_root(path, within)
            key = ("entry", root) if root is not None else ("loose", path.parent)
        if key not in self.units:
            self.units[key] = Unit(key, within)
        return self.units[key]

    def affected(self, path: Path) -> List[Unit]:
        """The units to lint again when ``path`` changes: its own, those that read it, and, for a
        configuration file, those of the analyses below it."""
        units: Dict[UnitKey, Unit] = {}
        own = self.own_unit(path)
        if own is not None:
            units[own.key] = own
        for unit in self.units.values():
            below = path.name in CONFIG_NAMES and unit.key[0] != "config" and (path.parent == unit.key[1] or path.parent in unit.key[1].parents)
            if path in unit.reads or below:
                units[unit.key] = unit
        for unit in units.values():
            unit.generation += 1
            unit.changed[path] = unit.generation
        return list(units.values())

    def unit_for(self, path: Path) -> Optional[Unit]:
        """The unit whose model a request about ``path`` reads."""
        own = self.own_unit(path)
        if own is not None and (own.outcome is None or path in own.reads):
            return own
        return next((u for u in self.units.values() if path in u.reads), own)

    # the editor's buffers
    def open(self, path: Path, uri: str, text: str, version: Optional[int]) -> List[Unit]:
        self.buffers[path] = Buffer(uri, text, version)
        return self.affected(path)

    change = open

    def close(self, path: Path) -> Tuple[List[Unit], List[Unit]]:
        """Forget the buffer: the units that still have an open file are linted again (from the
        disk), the others are dropped (and their diagnostics should be cleared)."""
        self.buffers.pop(path, None)
        again, dropped = [], []
        for unit in self.affected(path):
            if any(self._open_in(unit, open_path) for open_path in self.buffers):
                again.append(unit)
            else:
                dropped.append(self.units.pop(unit.key))
        return again, dropped

    def _open_in(self, unit: Unit, path: Path) -> bool:
        kind, where = unit.key
        if kind == "config":
            return path == where
        if path in unit.reads:
            return True
        return (path.parent == where if kind == "loose" else where in path.parents) and path.name.endswith(YAML_SUFFIXES)

    # linting
    def job(self, unit: Unit) -> Job:
        kind, where = unit.key
        overlay = {path: buffer.text for path, buffer in self.buffers.items()}
        # a buffer whose file is not on disk (not saved yet, or deleted) is read only where something names it
        specs = sorted(p for p in self.buffers if p.name.endswith(YAML_SUFFIXES) and p.name not in CONFIG_NAMES and is_file(p))
        if kind == "entry":
            paths: Tuple[Path, ...] = (where, *(p for p in specs if where in p.parents))
        elif kind == "loose":
            paths = tuple(p for p in specs if p.parent == where)
        else:
            paths = ()
        return Job(unit.key, paths, overlay, unit.within)

    def accept(self, unit: Unit, outcome: Outcome, generation: int) -> None:
        if outcome.result is None and outcome.config_error is None and unit.outcome is not None and unit.key[0] != "config":
            outcome = unit.outcome._replace(failures=outcome.failures)  # keep what was shown; the failure is logged
        unit.outcome = outcome
        unit.reads = set(outcome.reads) | (unit.reads if outcome.result is None else set())
        unit.linted = generation


def path_of(fs_path: str) -> Path:
    return real(Path(fs_path))
