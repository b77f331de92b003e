"""Project configuration: `.recast-lint.yml`, or `[tool.recast-lint]` in `pyproject.toml`.

The configuration of an analysis is the first one found walking up from the analysis root (a
`.recast-lint.yml` wins over a `pyproject.toml` in the same directory; a `pyproject.toml` without
`[tool.recast-lint]` is passed over). The walk stops at the directory holding `.git`, so a file
outside the repository never applies. Keys:

    select: [RL2, RL3]            # only these codes, prefixes or rule names (default: every rule)
    ignore: [RL305]               # never these
    severity: {RL306: error}      # per-rule severity: error | warning | info
    per-file-ignores:             # globs relative to the configuration file's directory
      "specs/legacy/*.yml": {ignore: [RL7], reason: kept as run for the 2019 paper}

A broken configuration is a usage error (exit 2): ``ConfigError`` names the file and line.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from recast_lint.diagnostics import Severity, display_path
from recast_lint.records import Record

YAML_FILE = ".recast-lint.yml"
PYPROJECT = "pyproject.toml"
TOML_TABLE = "tool.recast-lint"
KEYS = ("select", "ignore", "severity", "per-file-ignores")
PER_FILE_KEYS = ("ignore", "reason")
MAX_BYTES = 2 * 1024 * 1024  # the limit for spec files: a pyproject.toml is read whole to find its table

LineOf = Callable[[Tuple[Any, ...]], int]


class ConfigError(Exception):
    """A configuration file that cannot be used: one line naming file:line, the problem and the fix."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{display_path(path, Path.cwd().resolve())}:{line}: {message}")
        self.path, self.line, self.message = path, line, message  # for reports that place it themselves (the editor)


def normalize(pattern: str) -> str:
    """Codes and code prefixes in upper case (`rl2` is `RL2`), rule names in lower case."""
    pattern = pattern.strip()
    return pattern.upper() if re.match(r"(?i)rl(\d|$)", pattern) else pattern.lower()


def normalize_all(patterns: Sequence[str]) -> List[str]:
    return [normalize(p) for p in patterns if p.strip()]


def matches(code: str, name: str, patterns: Sequence[str]) -> bool:
    """Normalized ``patterns`` match by code prefix (`RL2` is every schema rule) or by rule name."""
    return any(code.startswith(p) or name == p for p in patterns)


class FileIgnore(Record):
    pattern: str  # fnmatch glob on the path relative to the configuration file's directory
    codes: Tuple[str, ...]
    reason: str


class Config:
    def __init__(
        self,
        source: Optional[Path] = None,
        select: Sequence[str] = (),
        ignore: Sequence[str] = (),
        severity: Optional[Dict[str, Severity]] = None,
        per_file_ignores: Sequence[FileIgnore] = (),
    ) -> None:
        self.source = source  # the file it was read from; None: the defaults
        self.select = list(select)  # empty: every rule
        self.ignore = list(ignore)
        self.severity: Dict[str, Severity] = dict(severity or {})
        self.per_file_ignores = list(per_file_ignores)

    def with_command_line(self, select: Sequence[str], ignore: Sequence[str]) -> Config:
        """`--select` replaces the configured selection; `--ignore` adds to the configured ignores."""
        return Config(self.source, normalize_all(select) or self.select, self.ignore + normalize_all(ignore), self.severity, self.per_file_ignores)

    def enabled(self, code: str, name: str) -> bool:
        return (not self.select or matches(code, name, self.select)) and not matches(code, name, self.ignore)

    def severity_for(self, code: str, name: str) -> Optional[Severity]:
        """The configured severity; the most specific pattern wins (a name or full code over a prefix)."""
        found = [(len(p) if p != name else len(code) + 1, s) for p, s in self.severity.items() if matches(code, name, [p])]
        return max(found, key=lambda item: item[0])[1] if found else None

    def ignored_in(self, code: str, name: str, path: Path) -> bool:
        if not self.per_file_ignores or self.source is None:
            return False
        try:
            relative = path.resolve().relative_to(self.source.parent.resolve()).as_posix()
        except ValueError:
            return False
        return any(
            matches(code, name, entry.codes) and (fnmatch.fnmatchcase(relative, entry.pattern) or fnmatch.fnmatchcase(path.name, entry.pattern))
            for entry in self.per_file_ignores
        )

    def as_dict(self) -> Dict[str, Any]:
        return {
            "select": list(self.select),  # empty: every rule
            "ignore": list(self.ignore),
            "severity": {pattern: severity.value for pattern, severity in self.severity.items()},
            "per-file-ignores": {e.pattern: {"ignore": list(e.codes), "reason": e.reason} for e in self.per_file_ignores},
        }


# -- finding -------------------------------------------------------------------------------------


def find_config_file(start: Path, overlay: Optional[Mapping[Path, str]] = None, within: Optional[Path] = None) -> Optional[Path]:
    """The nearest `.recast-lint.yml`, or `pyproject.toml` with `[tool.recast-lint]`, from ``start`` up
    to the repository root, or to ``within`` (a directory nothing above which may be read).
    ``overlay`` (real path -> text) holds files read in place of the disk (an editor's buffers).

    Files in the repository (or, outside one, in the analysis) came with it: one that is a symbolic
    link leading out of it is refused, not read."""
    overlay = overlay or {}
    directory = start.resolve()
    if directory.is_file():
        directory = directory.parent
    parents = (directory, *directory.parents)
    boundary = next((candidate for candidate in parents if (candidate / ".git").exists()), directory)
    for candidate in parents:
        for path in (candidate / YAML_FILE, candidate / PYPROJECT):
            text = overlay.get(path)
            if text is None:
                if not path.is_file():
                    continue
                if _within(candidate, boundary) and not _within(path.resolve(), boundary):
                    where = "repository" if (boundary / ".git").exists() else "analysis"
                    raise ConfigError(path, 1, f"a symbolic link that leads out of the {where}, so it is not read; copy the file in instead")
            if path.name == YAML_FILE or _toml_header_line(text if text is not None else _read(path, errors="replace")) is not None:
                return path
        if (candidate == boundary and (candidate / ".git").exists()) or candidate == within:
            return None
    return None


def _within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def load_config(start: Path, overlay: Optional[Mapping[Path, str]] = None, within: Optional[Path] = None) -> Config:
    """The configuration that applies to ``start``: the defaults when no file is found. ``overlay``
    (real path -> text) is read in place of files, as the model reads it."""
    path = find_config_file(start, overlay, within)
    return read_config(path, overlay) if path is not None else Config()


def read_config(path: Path, overlay: Optional[Mapping[Path, str]] = None) -> Config:
    text = (overlay or {}).get(path)
    if path.name == PYPROJECT:
        data, line_of = _read_toml(path, text)
    else:
        data, line_of = _read_yaml(path, text)
    return _parse(path, data, line_of)


def _read(path: Path, errors: str = "strict") -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(path, 1, f"file is over the {MAX_BYTES:,}-byte limit for a configuration, so it is not read")
        return path.read_text(encoding="utf-8", errors=errors)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, 1, f"cannot read the configuration: {exc}; save it as UTF-8 text") from None


def _read_yaml(path: Path, text: Optional[str]) -> Tuple[Any, LineOf]:
    from recast_lint.load import load_bytes, load_file

    doc = load_file(path) if text is None else load_bytes(text.encode("utf-8", "surrogatepass"), path)
    for problem in doc.problems:
        if problem.kind == "empty":
            return {}, lambda pointer: 1
        raise ConfigError(path, problem.span.line, f"{problem.message}; {problem.hint or 'fix the YAML'}")
    return doc.data, lambda pointer: doc.span(pointer, key=True).line


def _toml_header_line(text: str) -> Optional[int]:
    """The line of the first `[tool.recast-lint...]` header, written right or not: a header that
    lacks its `]` is still ours, and reading it then fails as invalid TOML instead of passing over."""
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"\s*\[\[?\s*tool\s*\.\s*(\"recast-lint\"|recast-lint(?![\w-]))", line):
            return number
    return None


def _read_toml(path: Path, text: Optional[str]) -> Tuple[Any, LineOf]:
    text = _read(path) if text is None else text
    header = _toml_header_line(text) or 1
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the same parser, a dependency on Python 3.9 and 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, int(found.group(1)) if found else header, f"invalid TOML: {exc}; fix the TOML syntax") from None
    lines = text.splitlines()

    def line_of(pointer: Tuple[Any, ...]) -> int:
        # TOML parsers keep no positions: the first line after the table header naming the last key
        keys = [k for k in pointer if not isinstance(k, int)]
        if not keys:
            return header
        key = re.escape(str(keys[-1]))
        for number in range(header, len(lines) + 1):
            if re.match(rf"\s*(\[[^\]]*)?[\"']?{key}[\"']?\s*[=\]]", lines[number - 1]):
                return number
        return header

    tool = data.get("tool")
    if not isinstance(tool, dict):  # the header was found in the text, e.g. inside a string
        raise ConfigError(path, header, "`tool` is not a table, so there is no [tool.recast-lint]; fix the TOML")
    return tool.get("recast-lint", {}), line_of


# -- checking ------------------------------------------------------------------------------------


def _parse(path: Path, data: Any, line_of: LineOf) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(path, line_of(()), f"the configuration must be a mapping of settings, not {type(data).__name__}; start with `select:` or `ignore:`")
    for key in data:
        if key not in KEYS:
            raise ConfigError(path, line_of((key,)), f"unknown key {key!r}; {_suggest(key, KEYS)}")
    config = Config(path)
    config.select = _patterns(path, data, ("select",), line_of)
    config.ignore = _patterns(path, data, ("ignore",), line_of)
    severities = _mapping(path, data, "severity", line_of)
    for pattern, value in severities.items():
        _check_pattern(path, pattern, "severity", line_of(("severity", pattern)))
        if value not in [s.value for s in Severity]:
            raise ConfigError(
                path, line_of(("severity", pattern)), f"severity {value!r} for {pattern} is not a severity; {_suggest(value, [s.value for s in Severity])}"
            )
        config.severity[normalize(str(pattern))] = Severity(value)
    for pattern, entry in _mapping(path, data, "per-file-ignores", line_of).items():
        where = line_of(("per-file-ignores", pattern))
        if not isinstance(entry, dict):
            raise ConfigError(path, where, f"per-file-ignores entry {pattern!r} must be a mapping; write `{{ignore: [CODE], reason: why}}`")
        for key in entry:
            if key not in PER_FILE_KEYS:
                raise ConfigError(path, line_of(("per-file-ignores", pattern, key)), f"unknown key {key!r} in per-file-ignores; {_suggest(key, PER_FILE_KEYS)}")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(path, where, f"per-file-ignores entry {pattern!r} has no reason; add `reason:` saying why these rules do not apply")
        codes = _patterns(path, entry, ("per-file-ignores", pattern, "ignore"), line_of)
        if not codes:
            raise ConfigError(path, where, f"per-file-ignores entry {pattern!r} ignores nothing; list the codes under `ignore:`")
        config.per_file_ignores.append(FileIgnore(str(pattern), tuple(codes), reason.strip()))
    return config


def _mapping(path: Path, data: Dict[str, Any], key: str, line_of: LineOf) -> Dict[Any, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(path, line_of((key,)), f"`{key}` must be a mapping, not {type(value).__name__}")
    return value


def _patterns(path: Path, data: Dict[str, Any], pointer: Tuple[Any, ...], line_of: LineOf) -> List[str]:
    value = data.get(pointer[-1]) or []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, line_of(pointer), f"`{pointer[-1]}` must be a list of rule codes, prefixes or names, e.g. [RL2, RL301]")
    for index, pattern in enumerate(value):
        _check_pattern(path, pattern, pointer[-1], line_of(pointer + (index,)))
    return normalize_all(value)


def _check_pattern(path: Path, pattern: Any, key: str, line: int) -> None:
    suggestion = unknown_pattern(str(pattern))
    if suggestion:
        raise ConfigError(path, line, f"unknown rule {normalize(str(pattern))!r} in `{key}`; {suggestion}")


def unknown_pattern(pattern: str) -> Optional[str]:
    """None when ``pattern`` names at least one rule, else what to write instead."""
    from recast_lint.rules.registry import all_rules

    rules = all_rules()
    pattern = normalize(pattern)
    if any(matches(r.code, r.name, [pattern]) for r in rules):
        return None
    return _suggest(pattern, [r.code for r in rules] + [r.name for r in rules], limit=0)


def _suggest(word: Any, choices: Sequence[str], limit: int = 8) -> str:
    from recast_lint.rules.registry import did_you_mean

    return did_you_mean(word, choices, limit=limit) or "run `recast-lint rules` for the list"
