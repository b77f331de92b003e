"""RL660: a version the template pins is older than what this version of recast-lint knows.

`recast-lint new` writes four pins, and `recast-lint upgrade` moves them: the `recast/recastatlas`
image of the CI jobs, the `rev:` of the recast-lint hooks in `.pre-commit-config.yaml`, the
version in the lint job's `recast-lint @ git+...@vX.Y.Z` install line and the version in the
`# yaml-language-server: $schema=...` modelines. ``pins`` finds them and ``Pin.edit`` moves one;
the rule's fix and `upgrade` are that same edit.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Dict, Iterable, Iterator, Optional, Tuple

from recast_lint import __version__, fix
from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Applicability, Edit
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc
from recast_lint.records import Record
from recast_lint.rules.catalogue.ci import RECASTATLAS_IMAGE, _ci_images, _ci_script_lines
from recast_lint.rules.registry import Finding, rule

HOOK_IDS = ("recast-lint", "recast-lint-no-credentials")  # the ids of .pre-commit-hooks.yaml
_RELEASE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_INSTALL = re.compile(r"\brecast-lint(?:\[[^\]]*\])?\s*@\s*git\+[^\s\"']+?@(?P<version>v?\d+\.\d+\.\d+)(?![\w.])")
_MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=\S*?/(?P<version>v\d+\.\d+\.\d+)/recast_lint/schemas/\S+")


class Pin(Record):
    """One version the template pins, as the repository writes it."""

    what: str  # "the recast/recastatlas image of job 'recast'"
    doc: Document
    span: Span  # the version as written
    written: str  # `v0.3.0`
    known: str  # what this version of recast-lint pins there, written the way ``written`` is
    edit: Optional[Edit]  # ``written`` replaced by ``known``

    @property
    def outdated(self) -> bool:
        return _release(self.written) < _release(self.known)


@functools.lru_cache(maxsize=1)  # the template of this installation: read once per process (the server lints on)
def known_versions() -> Dict[str, str]:
    """What this version pins: recast-lint itself, and the `recast/recastatlas` release of the template."""
    from recast_lint.scaffold import template_defaults  # only when a pin is found: it reads the template's cookiecutter.json

    return {"recast-lint": f"v{__version__}", "recastatlas": str(template_defaults()["recastatlas_version"])}


def _release(text: str) -> Tuple[int, ...]:
    match = _RELEASE.fullmatch(text)
    return tuple(int(part) for part in match.groups()) if match else ()


def _written_like(written: str, known: str) -> str:
    """``known`` with a leading `v` exactly when ``written`` has one."""
    bare = known.lstrip("v")
    return f"v{bare}" if written.startswith("v") else bare


def pins(analysis: Analysis) -> Iterator[Pin]:
    """Every pin the template writes that this repository holds, current or not (a release `X.Y.Z` only)."""
    def pin(what: str, kind: str, loc: Loc, written: str, occurrence: int = 0) -> Pin:
        target = _written_like(written, known_versions()[kind])
        span = loc.doc.locate(loc.pointer, written, occurrence) or loc.span()
        return Pin(what, loc.doc, span, written, target, fix.replace_text(loc, written, target, occurrence))

    if analysis.ci is not None:
        for loc, image in _ci_images(analysis.ci):
            match = RECASTATLAS_IMAGE.match(image.strip())
            tag = (match.group("rest") or "")[1:] if match else ""
            if match and _release(tag) and not match.group("rest").startswith("@"):
                holder = "the file" if len(loc.pointer) == 1 else "`default:`" if loc.pointer[0] == "default" else f"job '{loc.pointer[0]}'"
                yield pin(f"the recast/recastatlas image of {holder}", "recastatlas", loc, tag, image.count(tag) - 1)
        for loc, line in _ci_script_lines(analysis.ci):
            for found in _INSTALL.finditer(line):
                version = found.group("version")
                yield pin(f"the recast-lint install line of job '{loc.pointer[0]}'", "recast-lint", loc, version,
                          line[: found.start("version")].count(version))
    for loc in _our_hook_revs(analysis.precommit):
        if _release(loc.value):
            yield pin("the recast-lint hooks", "recast-lint", loc, loc.value)
    for doc in analysis.documents.values():
        for start, end in _modeline_versions(doc):
            written = doc.text[start:end]
            target = _written_like(written, known_versions()["recast-lint"])
            yield Pin("the schema modeline", doc, doc.text_span(start, end), written, target, fix.replace(doc, start, end, target))


def hook_entries(data: Any) -> Iterator[int]:
    """The index of each `repos:` entry of a pre-commit configuration that provides the recast-lint hooks."""
    repos = data.get("repos") if isinstance(data, dict) else None
    for index, repo in enumerate(repos if isinstance(repos, list) else []):
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        if isinstance(hooks, list) and any(isinstance(hook, dict) and hook.get("id") in HOOK_IDS for hook in hooks):
            yield index


def _our_hook_revs(precommit: Optional[Document]) -> Iterator[Loc]:
    """The `rev:` of each entry of `.pre-commit-config.yaml` that provides the recast-lint hooks."""
    if precommit is None or not precommit.ok:
        return
    for index in hook_entries(precommit.data):
        loc = Loc(precommit, ("repos", index, "rev"))
        if isinstance(loc.value, str):
            yield loc


def leading_comments(doc: Document) -> Iterator[Tuple[int, str]]:
    """(offset, text) of each line of the comment block that opens ``doc``, blank lines included:
    where modelines are (a `#` line further down may be the text of a block scalar)."""
    offset = 0
    for line in doc.text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return
        yield offset, line
        offset += len(line) + 1


def _modeline_versions(doc: Document) -> Iterator[Tuple[int, int]]:
    """Where the version of a recast-lint schema URL stands in the modelines of ``doc``."""
    if "yaml-language-server" not in doc.text:
        return
    for offset, line in leading_comments(doc):
        found = _MODELINE.search(line)
        if found and not line[: found.start()].strip():
            yield offset + found.start("version"), offset + found.end("version")


@rule("RL660", "outdated-pin", Severity.INFO, "a version the template pins is older than what this recast-lint knows; `recast-lint upgrade` moves it",
      fix=Applicability.UNSAFE)
def outdated_pin(analysis: Analysis) -> Iterable[Finding]:
    """Catches a pin that `recast-lint new` writes and that is older than what this version of
    recast-lint writes: the `recast/recastatlas:vX.Y.Z` image of a CI job, the `rev:` of the
    recast-lint hooks in `.pre-commit-config.yaml`, the version of the lint job's
    `recast-lint @ git+...@vX.Y.Z` install line, and the version in a
    `# yaml-language-server: $schema=.../vX.Y.Z/recast_lint/schemas/...` modeline.

    Why: pins keep a preserved analysis reproducible, but they do not move by themselves: the CI
    run keeps an engine image with known bugs, and the hooks, the CI lint job and the editor keep
    an older linter and older schemas than the one you run. Only releases (`X.Y.Z`) are compared;
    a pin newer than this version, a commit or a moving tag is left alone (RL631 reports
    `latest`). The fix moves the version and nothing else; it is unsafe because a new engine image
    can change what the run does. `recast-lint upgrade` applies every such fix at once and says
    old → new for each (the pins only, whatever the configuration ignores).

    Bad (this version of recast-lint is 0.1.0, its template pins recast/recastatlas v0.4.2):

        image: recast/recastatlas:v0.3.0
        rev: v0.0.1

    Fixed:

        image: recast/recastatlas:v0.4.2
        rev: v0.1.0
    """
    for pin in pins(analysis):
        if pin.outdated:
            yield Finding(
                pin.doc,
                pin.span,
                f"{pin.what}: {pin.written} is older than {pin.known}, what this version of recast-lint pins",
                "`recast-lint upgrade` moves every pin the template writes to what this version knows; review the diff (a new engine image can change the run)",
                fix=fix.make(f"move {pin.what} from {pin.written} to {pin.known}", [pin.edit], safe=False),
            )
