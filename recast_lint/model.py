"""The analysis repository as typed objects: entry, workflows, stages, steps and the `$ref`s between them.

Building the model is the only place that finds and opens files. It follows what the runtime does
(``../shared/reference/runtime-semantics.md`` A.3 and B.1): ``recast.yml`` names a toplevel
(default ``<root>/specs``) and a workflow; `$ref`s in that top workflow document resolve against
the toplevel, `$ref`s in any document pulled in by a `$ref` resolve against that document's own
directory; ``#x`` and ``#/x`` are the same pointer and an empty fragment means the whole file.
Rules read the model; they never parse or resolve anything themselves.
"""

from __future__ import annotations

import itertools
import os
import re
import types
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from recast_lint.diagnostics import Span
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Document, LoadProblem, Pointer, load_bytes, load_file, value_at
from recast_lint.records import Record

# a parameter value that is a mapping with one of these keys is a stage-output selector, not data:
# the runtime's loader marks every such mapping as `expression_type: stage-output-selector`
SELECTOR_TARGET_KEYS = ("step", "stages", "steps")
REMOTE_PREFIXES = ("github:", "gitlab-cern:", "http://", "https://", "from-github/", "from-cap/")
STEP_PARTS = ("process", "publisher", "environment")
_SKIPPED_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
MAX_REPO_FILES = 50_000
MAX_WORKFLOW_NESTING = 64
YAML_SUFFIXES = (".yml", ".yaml")
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
NO_OVERLAY: Mapping[Path, str] = types.MappingProxyType({})  # every file is read from disk
_UNREAD = object()


class Loc:
    """A place in the data of a document: the document and the path to a value inside it.

    Two are equal when they name the same document object (documents compare by identity) and path.
    The value is looked up once, from the parent's where that was read (rules ask millions of times,
    and a document does not change once read)."""

    __slots__ = ("doc", "pointer", "_value")

    def __init__(self, doc: Document, pointer: Pointer = ()) -> None:
        self.doc = doc
        self.pointer = pointer
        self._value: Any = _UNREAD

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loc) and self.doc is other.doc and self.pointer == other.pointer

    def __hash__(self) -> int:
        return hash((id(self.doc), self.pointer))

    def __repr__(self) -> str:
        return f"Loc({self.doc!r}, {self.pointer!r})"

    def child(self, *keys: Any) -> Loc:
        child = Loc(self.doc, self.pointer + keys)
        if self._value is not _UNREAD:
            child._value = value_at(self._value, keys)
        return child

    @property
    def value(self) -> Any:
        value = self._value
        if value is _UNREAD:
            value = self._value = value_at(self.doc.data, self.pointer)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self.value
        return value.get(key, default) if isinstance(value, dict) else default

    def has(self, key: str) -> bool:
        value = self.value
        return isinstance(value, dict) and key in value

    def span(self, key: bool = False) -> Span:
        return self.doc.span(self.pointer, key=key)

    @property
    def unquoted_placeholder(self) -> Optional[str]:
        """`name` when `{name}` is written here unquoted, which YAML reads as the mapping `{name: null}`."""
        value = self.value
        if not (isinstance(value, dict) and len(value) == 1 and None in value.values()):
            return None  # asked of every parameter: how it is written is read only for data that could be one
        info = self.doc.info(self.pointer)
        return info.placeholder_mapping if info is not None else None


class RefSite:
    """A `{$ref: ...}` mapping and what it resolved to."""

    def __init__(self, loc: Loc, target: Any, base: Path) -> None:
        self.loc = loc  # the mapping holding `$ref`
        self.target = target
        self.base = base  # the directory the target is resolved against
        self.resolved: Optional[Loc] = None
        self.problem: Optional[str] = None  # missing-file | missing-fragment | outside-root | remote | home | loop | not-a-string | unreadable
        self.detail = ""
        self.candidates: List[str] = []  # names that exist where the target was looked for
        # for a missing file: the nearest directory it would resolve from (the document's own, or an ancestor of `base`)
        self.found_from: Optional[Path] = None

    @property
    def siblings(self) -> List[str]:
        value = self.loc.value
        return [k for k in value if k != "$ref"] if isinstance(value, dict) else []


class Note(Record):
    """A fact found while building the model that a rule turns into a diagnostic."""

    # remote-toplevel | missing-workflow | workflow-link-to-nothing | missing-toplevel | not-a-mapping
    # | toplevel-outside-root | workflow-loop | workflow-too-deep | entry-not-loaded
    kind: str
    loc: Loc
    message: str
    candidates: Sequence[str] = ()  # spec files that do exist where a missing one was looked for


class Step:
    """A packtivity, wherever it is written (inline or reached through `$ref`)."""

    def __init__(self, loc: Loc) -> None:
        self.loc = loc
        self.used_by: List[Stage] = []
        self.refs: List[RefSite] = []  # the `$ref`s that led here
        self.parts: Dict[str, Loc] = {}  # process/publisher/environment, after `$ref`

    def part(self, name: str) -> Optional[Loc]:
        return self.parts.get(name)

    def part_value(self, name: str) -> Dict[str, Any]:
        loc = self.parts.get(name)
        value = loc.value if loc else None
        return value if isinstance(value, dict) else {}


class Parameter(Record):
    key: Any
    value: Any
    loc: Loc  # the value
    key_loc: Loc  # where the key is written (the mapping entry, or the `key:` of a key/value item)


class Expression(Record):
    text: Any
    loc: Loc


class Case(Record):
    """One entry of a scheduler's `cases`: its jq condition and the step or workflow it schedules."""

    loc: Loc
    condition: Any  # the `if` as written
    step: Optional[Step]
    workflow: Optional[Workflow]


class Stage:
    """One entry of a workflow's `stages`; the builder fills in what its scheduler names."""

    def __init__(self, name: Any, loc: Loc, workflow: Workflow, index: int) -> None:
        self.name = name
        self.loc = loc
        self.workflow = workflow
        self.index = index  # its place in `workflow.stages` (entries that are not mappings are left out there)
        self.dependencies: List[Expression] = []
        self.dependencies_given = False
        self.scheduler: Optional[Loc] = None
        self.scheduler_type: Any = None
        self.parameters: List[Parameter] = []
        self.step: Optional[Step] = None
        self.subworkflow: Optional[Workflow] = None
        self.cases: List[Case] = []  # each case in order, with what it resolved to

    @property
    def case_steps(self) -> List[Step]:
        return [case.step for case in self.cases if case.step is not None]

    @property
    def case_workflows(self) -> List[Workflow]:
        return [case.workflow for case in self.cases if case.workflow is not None]

    def parameter_names(self) -> List[Any]:
        return [p.key for p in self.parameters]

    @property
    def path(self) -> str:
        """Dotted scope path for messages, e.g. `signal.fit` for stage `fit` inside stage `signal`."""
        parent = self.workflow.parent
        return f"{parent.path}.{self.name}" if parent else str(self.name)


class Workflow:
    """One scope of stages: a root workflow, or the `workflow:` of a stage."""

    def __init__(self, loc: Loc, toplevel: Path, parent: Optional[Stage] = None, origin: str = "recast") -> None:
        self.loc = loc
        self.toplevel = toplevel
        self.parent = parent
        self.stages: List[Stage] = []
        self.origin = origin  # recast | reana | loose | test
        self._by_name: Optional[Dict[Any, List[Stage]]] = None

    def stages_named(self, name: Any) -> List[Stage]:
        """The stages called ``name``. Indexed on first use: rules run once the builder is done, and
        a lookup per expression would otherwise scan every stage (4,000 stages took seconds)."""
        if self._by_name is None:
            self._by_name = {}
            for stage in self.stages:
                self._by_name.setdefault(stage.name, []).append(stage)
        return self._by_name.get(name, [])

    def walk(self) -> Iterator[Workflow]:
        yield self
        for stage in self.stages:
            for sub in ([stage.subworkflow] if stage.subworkflow else []) + stage.case_workflows:
                yield from sub.walk()


class Example(Record):
    name: Any
    loc: Loc
    initdata: Any
    dataopts: Any


class Test:
    """One `tests:` entry of recast.yml and the step its `spec` reaches."""

    def __init__(self, name: Any, loc: Loc) -> None:
        self.name = name
        self.loc = loc
        self.step: Optional[Step] = None
        self.ref: Optional[RefSite] = None


class RecastEntry:
    """recast.yml: the catalogue entry, or an index file of several."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.toplevel: Optional[Path] = None  # local toplevel directory, None when remote or unusable
        self.remote_toplevel: Optional[str] = None
        self.workflow: Optional[Workflow] = None
        self.examples: List[Example] = []
        self.tests: List[Test] = []
        # an index file's `recast_catalogue_entries`: each item, the file it names when that can be read,
        # and otherwise the spec files beside the path it names
        self.index_entries: List[Tuple[Loc, Optional[Document], List[str]]] = []

    @property
    def loc(self) -> Loc:
        return Loc(self.doc)

    @property
    def is_index(self) -> bool:
        return isinstance(self.doc.data, dict) and "recast_catalogue_entries" in self.doc.data


class ReanaSpec(Record):
    doc: Document
    workflow: Optional[Workflow]
    toplevel: Path

    @property
    def loc(self) -> Loc:
        return Loc(self.doc)

    @property
    def parameters(self) -> Any:
        inputs = self.loc.get("inputs")
        return inputs.get("parameters") if isinstance(inputs, dict) else None

    @property
    def initfiles(self) -> Any:
        """`inputs.options.initfiles`: YAML files the REANA yadage engine merges into the initdata."""
        inputs = self.loc.get("inputs")
        options = inputs.get("options") if isinstance(inputs, dict) else None
        return options.get("initfiles") if isinstance(options, dict) else None


class InputDir(Record):
    """A directory a run reads from (`dataopts.initdir`, a test's `data` entry), resolved against the analysis root.

    The runner mounts only the analysis root, and REANA resolves relative paths against the directory it is
    started from, so the root is where such a path has to exist.
    """

    loc: Loc
    written: str
    path: Path
    root: Path

    @property
    def relative(self) -> bool:
        return not os.path.isabs(self.written)

    @property
    def inside_root(self) -> bool:
        """Inside the analysis, also once symbolic links are followed."""
        resolved = real(self.path)
        return resolved == self.root or self.root in resolved.parents

    @property
    def exists(self) -> bool:
        """Whether the directory exists; never looked up outside the analysis."""
        return self.inside_root and is_dir(self.path)

    def neighbours(self) -> List[str]:
        """The directories next to where this one should be, for did-you-mean (only inside the analysis)."""
        parent = self.path.parent
        if not self.inside_root or not is_dir(parent):
            return []
        return sorted(p.name for p in parent.iterdir() if p.is_dir() and not p.name.startswith("."))


class Analysis:
    """One analysis repository: every document read, and the entry, workflows, steps and `$ref`s in them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.documents: Dict[Path, Document] = {}
        self.entry: Optional[RecastEntry] = None
        self.reana: List[ReanaSpec] = []
        self.ci: Optional[Document] = None
        self.precommit: Optional[Document] = None  # .pre-commit-config.yaml: the pins of the recast-lint hooks
        self.workflows: List[Workflow] = []  # roots
        self.workflow_locs: List[Loc] = []  # every workflow mapping that is validated on its own
        self.steps: List[Step] = []
        self.refs: List[RefSite] = []
        self.notes: List[Note] = []
        self.cache: Dict[str, Any] = {}  # work several rules share, e.g. one schema pass
        self.catalogue_names: List[str] = []  # the names of every entry of the catalogue directory, this one's among them
        self._all_workflows: Optional[List[Workflow]] = None
        self._all_stages: Optional[List[Stage]] = None

    def all_workflows(self) -> List[Workflow]:
        """Every workflow, each root before its sub-workflows. Asked by most rules, once the model is
        built, so walked once (a walk of 10,000 stages in nested files is not free)."""
        if self._all_workflows is None:
            self._all_workflows = [workflow for root in self.workflows for workflow in root.walk()]
        return self._all_workflows

    def all_stages(self) -> List[Stage]:
        if self._all_stages is None:
            self._all_stages = [stage for workflow in self.all_workflows() for stage in workflow.stages]
        return self._all_stages

    def examples(self) -> List[Example]:
        return self.entry.examples if self.entry else []

    def input_dir(self, loc: Loc) -> Optional[InputDir]:
        """The directory named by the string at ``loc``, or None when no string is written there."""
        written = loc.value
        if not isinstance(written, str) or not written.strip():
            return None
        return InputDir(loc, written, Path(os.path.normpath(self.root / os.path.expanduser(written))), self.root)

    def reana_documents(self) -> List[Document]:
        """Every `reana*.yml`/`reana*.yaml` that was read, whatever its workflow type or shape."""
        return [doc for path, doc in self.documents.items() if _is_reana_name(path)]

    @cached_property
    def repo_files(self) -> List[Path]:
        """Every file of the analysis (relative to the root) that is part of the repository: tracked or
        not ignored when the root is in a git work tree (a git-ignored `authdir/` is where it belongs),
        else every file below the root except VCS, tool and run directories."""
        listed = _git_files(self.root)
        if listed is None:  # bounded: a loose file's root may be a home directory
            listed = [path.relative_to(self.root) for path in itertools.islice(walk_files(self.root), MAX_REPO_FILES)]
        return listed

    def in_repository(self, relative: Path) -> bool:
        """Whether the file at ``relative`` (to the root) exists and is part of the repository; git is
        asked only when it exists, since starting git costs ~6 ms, a tenth of a check."""
        return is_file(self.root / relative) and relative in self.repo_files

    def repo_files_named(self, name: str) -> List[Path]:
        """The files called ``name`` that ``repo_files`` holds, found on disk first so that git only runs
        when such a file exists (starting git costs ~6 ms, a tenth of a check). Run directories
        (`recast-*`) are not searched: committing one is what the no-credentials hook refuses."""
        on_disk = [path.relative_to(self.root) for path in walk_files(self.root, hidden=True) if path.name == name]
        if not on_disk:
            return []
        listed = set(self.repo_files)
        return [path for path in on_disk if path in listed]

    def initdata_sources(self) -> List[Tuple[str, Loc, Any]]:
        """Every set of initdata a run may start from: recast examples and reana `inputs.parameters`."""
        sources: List[Tuple[str, Loc, Any]] = [
            (f"example {ex.name!r}", ex.loc.child("initdata"), ex.initdata) for ex in self.examples()
        ]
        for spec in self.reana:
            sources.append((f"{spec.doc.path.name} inputs.parameters", spec.loc.child("inputs", "parameters"), spec.parameters))
        return sources


# -- building -----------------------------------------------------------------------------------


def spec_files_in(directory: Path, *more_suffixes: str) -> List[str]:
    """Names of the YAML files (and files with ``more_suffixes``) in ``directory``, for did-you-mean."""
    if not is_dir(directory):
        return []
    suffixes = (*YAML_SUFFIXES, *more_suffixes)
    return sorted(p.name for p in directory.iterdir() if p.suffix in suffixes and is_file(p))


def is_selector(value: Any) -> bool:
    """A `{step|stages|steps: ..., output: ...}` mapping, read by the runtime as a reference to a stage's output."""
    return isinstance(value, dict) and any(key in value for key in SELECTOR_TARGET_KEYS)


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False, not an exception, for a name the system refuses (too long)."""
    try:
        return path.is_file()
    except OSError:
        return False


def is_dir(path: Path) -> bool:
    """Whether ``path`` is a directory; False, not an exception, for a name the system refuses (too long)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def real(path: Path) -> Path:
    """``path`` with its symlinks resolved; a symlink loop is left as written (reading it then fails, located)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # a loop: RuntimeError before Python 3.13, OSError since
        return Path(os.path.abspath(path))


def _plain(value: Any) -> Any:
    """A name as rules can use it: a list or mapping written as a name is no name (the schema rules report it)."""
    return None if isinstance(value, (list, dict)) else value


def looks_like_step(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    present = [part for part in STEP_PARTS if part in value]
    return "process" in present or len(present) >= 2


def parse_fragment(fragment: str) -> List[str]:
    """jsonref strips leading slashes, so `#x` and `#/x` are the same pointer."""
    fragment = fragment.lstrip("/")
    if not fragment:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in fragment.split("/")]


class Builder:
    """Builds an ``Analysis``: opens the files the runtime would open, in the order it would."""

    def __init__(self, root: Path, explicit: Sequence[Path] = (), overlay: Mapping[Path, str] = NO_OVERLAY):
        self.analysis = Analysis(real(root))
        self.explicit = [real(p) for p in explicit]
        self.overlay = overlay  # real path -> text read in place of the file (unwritten fixes, editor buffers)
        self._steps: Dict[Loc, Step] = {}
        self._workflow_locs: Dict[Loc, None] = {}
        self._building: List[Loc] = []
        # resolving a path is a system call per component; a generated workflow names one file thousands of times
        self._real: Dict[Path, Path] = {}
        self._inside: Dict[Path, bool] = {}  # and so is asking whether a file is inside the analysis
        self._ref_files: Dict[Tuple[Path, str], Tuple[Path, str]] = {}

    def real(self, path: Path) -> Path:
        """``real(path)``, resolved once per build."""
        found = self._real.get(path)
        if found is None:
            found = self._real[path] = real(path)
        return found

    # documents
    def document(self, path: Path) -> Document:
        if not self.inside_root(path):  # a file found inside that links out: nothing outside the analysis is read
            return self._linked_out(Path(os.path.abspath(path)))
        path = self.real(path)
        doc = self.analysis.documents.get(path)
        if doc is None:
            text = self.overlay.get(path)
            doc = load_file(path) if text is None else load_bytes(text.encode("utf-8", "surrogatepass"), path)
            self.analysis.documents[path] = doc
        return doc

    def _linked_out(self, path: Path) -> Document:
        doc = self.analysis.documents.get(path)
        if doc is None:
            doc = Document(path)
            message = f"a symbolic link to {real(path)}, outside the analysis, which is not read"
            doc.problems.append(LoadProblem("syntax", message, Span.point(), "copy the file into the analysis"))
            self.analysis.documents[path] = doc
        return doc

    def inside_root(self, path: Path) -> bool:
        inside = self._inside.get(path)
        if inside is None:
            try:
                self.real(path).relative_to(self.analysis.root)
                inside = True
            except ValueError:
                inside = False
            self._inside[path] = inside
        return inside

    def _ref_file(self, base: Path, file_part: str) -> Tuple[Path, str]:
        """The file a `$ref` from ``base`` names, and what is wrong with it: outside-root, missing-file or ''."""
        found = self._ref_files.get((base, file_part))
        if found is None:
            path = Path(os.path.normpath(base / file_part))
            problem = "outside-root" if not self.inside_root(path) else "" if is_file(path) else "missing-file"
            found = self._ref_files[(base, file_part)] = (path, problem)
        return found

    # `$ref`
    def deref(self, loc: Loc, base: Path) -> Tuple[Optional[Loc], Path, List[RefSite]]:
        """Follow `$ref`s from ``loc``; returns the final location, the base for refs inside it, and the refs taken."""
        taken: List[RefSite] = []
        seen = set()
        while isinstance(loc.value, dict) and "$ref" in loc.value:
            site = self._resolve(loc, base)
            taken.append(site)
            if site.resolved is None:
                return None, base, taken
            key = (site.resolved.doc.path, site.resolved.pointer)
            if key in seen:
                site.problem, site.resolved = "loop", None
                site.detail = "the `$ref` chain comes back to itself"
                return None, base, taken
            seen.add(key)
            loc, base = site.resolved, site.resolved.doc.path.parent
        return loc, base, taken

    def _resolve(self, loc: Loc, base: Path, target: Any = None) -> RefSite:
        """Resolve the `$ref` of the mapping at ``loc`` (or ``target``, a reference written as a plain string)."""
        if target is None:
            target = loc.value["$ref"]
        site = RefSite(loc, target, base)
        self.analysis.refs.append(site)
        if not isinstance(target, str):
            site.problem, site.detail = "not-a-string", "`$ref` must be a string like `steps.yml#/name`"
            return site
        if target.startswith(REMOTE_PREFIXES):
            site.problem = "remote"
            return site
        file_part, _, fragment = target.partition("#")
        if file_part.startswith("~"):
            site.problem = "home"
            return site
        if file_part:
            path, problem = self._ref_file(base, file_part)
            if problem == "outside-root":
                site.problem, site.detail = "outside-root", str(path)
                return site
            if problem == "missing-file":
                site.problem = "missing-file"
                # the file holding the `$ref` is no candidate: it cannot be the one it was meant to name
                site.candidates = [
                    os.path.relpath(path.parent / name, base)
                    for name in spec_files_in(path.parent, ".json")
                    if path.parent / name != loc.doc.path
                ]
                elsewhere = [loc.doc.path.parent] + list(base.parents)[:5]
                site.found_from = next(
                    (d for d in elsewhere if d != base and self.inside_root(d / file_part) and is_file(d / file_part)), None
                )  # probed only inside the analysis
                return site
            doc = self.document(path)
        else:
            doc = loc.doc
        if not doc.ok:
            site.problem = "unreadable"
            return site
        pointer: List[Any] = []
        data = doc.data
        for part in parse_fragment(fragment):
            if isinstance(data, list) and part.isdigit() and int(part) < len(data):
                pointer.append(int(part))
                data = data[int(part)]
            elif isinstance(data, dict) and part in data:
                pointer.append(part)
                data = data[part]
            else:
                site.problem = "missing-fragment"
                site.detail = part
                site.candidates = [str(k) for k in data] if isinstance(data, dict) else []
                return site
        site.resolved = Loc(doc, tuple(pointer))
        return site

    # workflows
    def workflow(self, loc: Loc, base: Path, toplevel: Path, origin: str, parent: Optional[Stage] = None) -> Workflow:
        wf = Workflow(loc, toplevel, parent, origin)
        self._building.append(loc)
        stages = loc.get("stages")
        if isinstance(stages, list):
            for index, _ in enumerate(stages):
                stage_loc, stage_base, _refs = self.deref(loc.child("stages", index), base)
                if stage_loc is not None and isinstance(stage_loc.value, dict):
                    wf.stages.append(self.stage(stage_loc, stage_base, wf, len(wf.stages)))
        self._building.pop()
        return wf

    def register_workflow_loc(self, loc: Loc) -> None:
        self._workflow_locs.setdefault(loc)

    def stage(self, loc: Loc, base: Path, wf: Workflow, index: int) -> Stage:
        stage = Stage(_plain(loc.get("name")), loc, wf, index)
        deps = loc.get("dependencies")
        if "dependencies" in (loc.value or {}):
            stage.dependencies_given = True
            if isinstance(deps, list):
                stage.dependencies = [Expression(d, loc.child("dependencies", i)) for i, d in enumerate(deps)]
            elif isinstance(deps, dict) and isinstance(deps.get("expressions"), list):
                stage.dependencies = [
                    Expression(d, loc.child("dependencies", "expressions", i)) for i, d in enumerate(deps["expressions"])
                ]
        scheduler, sched_base, _ = self.deref(loc.child("scheduler"), base)
        if scheduler is None or not isinstance(scheduler.value, dict):
            return stage
        stage.scheduler = scheduler
        stage.scheduler_type = scheduler.get("scheduler_type")
        stage.parameters = list(_parameters(scheduler))
        if scheduler.has("step"):
            stage.step = self.step(scheduler.child("step"), sched_base, stage)
        if scheduler.has("workflow"):
            stage.subworkflow = self.sub_workflow(scheduler.child("workflow"), sched_base, wf, stage)
        cases = scheduler.get("cases")
        if isinstance(cases, list):
            for i, case in enumerate(cases):
                if not isinstance(case, dict):
                    continue
                case_loc = scheduler.child("cases", i)
                step = self.step(case_loc.child("step"), sched_base, stage) if "step" in case else None
                sub = self.sub_workflow(case_loc.child("workflow"), sched_base, wf, stage) if "workflow" in case else None
                stage.cases.append(Case(case_loc, case.get("if"), step, sub))
        return stage

    def sub_workflow(self, loc: Loc, base: Path, wf: Workflow, stage: Stage) -> Optional[Workflow]:
        target, target_base, refs = self.deref(loc, base)
        if target is None or not isinstance(target.value, dict):
            return None
        if target in self._building:  # a workflow that includes itself would expand forever
            cited = refs[-1].loc.child("$ref") if refs else loc
            self.analysis.notes.append(Note("workflow-loop", cited, "workflow includes itself through `$ref`"))
            return None
        if len(self._building) >= MAX_WORKFLOW_NESTING:  # real analyses nest a few levels; this is generated or hostile
            cited = refs[-1].loc.child("$ref") if refs else loc
            message = f"sub-workflows nest more than {MAX_WORKFLOW_NESTING} levels deep here; the rest is not read"
            self.analysis.notes.append(Note("workflow-too-deep", cited, message))
            return None
        if refs:
            self.register_workflow_loc(target)
        return self.workflow(target, target_base, wf.toplevel, wf.origin, parent=stage)

    def step(self, loc: Loc, base: Path, stage: Optional[Stage]) -> Optional[Step]:
        target, target_base, refs = self.deref(loc, base)
        if target is None or not isinstance(target.value, dict):
            return None
        step = self._steps.get(target)
        if step is None:
            step = Step(target)
            for part in STEP_PARTS:
                if target.has(part):
                    part_loc, _, part_refs = self.deref(target.child(part), target_base)
                    step.refs.extend(part_refs)
                    if part_loc is not None:
                        step.parts[part] = part_loc
            self._steps[target] = step
        step.refs.extend(refs)
        if stage is not None:
            step.used_by.append(stage)
        return step

    def steps_file(self, doc: Document) -> None:
        """Every entry of a steps file that looks like a step is checked, referenced or not."""
        if not doc.ok or not isinstance(doc.data, dict):
            return
        base = doc.path.parent
        named = [key for key, value in doc.data.items() if looks_like_step(value)]
        # a file that is one step *and* holds named steps is used by fragment; its top is checked only if referenced whole
        if looks_like_step(doc.data) and not named:
            self.step(Loc(doc), base, None)
        for key in named:
            self.step(Loc(doc, (key,)), base, None)

    # entry points
    def recast_entry(self, path: Path) -> None:
        doc = self.document(path)
        entry = RecastEntry(doc)
        self.analysis.entry = entry
        if not doc.ok or not isinstance(doc.data, dict):
            return
        root_loc = Loc(doc)
        entries = root_loc.get("recast_catalogue_entries")
        for index, item in enumerate(entries if isinstance(entries, list) else []):
            target = Path(os.path.normpath(doc.path.parent / item)) if isinstance(item, str) else None
            inside = target is not None and self.inside_root(target)
            readable = inside and is_file(target)
            # what lies beside it, for did-you-mean, only inside the analysis: a listing outside is a read outside
            beside = spec_files_in(target.parent) if target is not None and inside and not readable else []
            entry.index_entries.append((root_loc.child("recast_catalogue_entries", index), self.document(target) if readable else None, beside))
        spec = root_loc.get("spec")
        toplevel_value = spec.get("toplevel") if isinstance(spec, dict) else None
        if isinstance(toplevel_value, str) and toplevel_value.startswith(REMOTE_PREFIXES):
            entry.remote_toplevel = toplevel_value
            self.analysis.notes.append(
                Note(
                    "remote-toplevel",
                    root_loc.child("spec", "toplevel"),
                    f"toplevel {toplevel_value!r} is remote and is not fetched; the workflow and steps were not checked",
                )
            )
        elif isinstance(spec, dict):
            toplevel = Path(os.path.normpath(doc.path.parent / (toplevel_value if isinstance(toplevel_value, str) else "specs")))
            if not self.inside_root(toplevel):
                self.analysis.notes.append(
                    Note("toplevel-outside-root", root_loc.child("spec", "toplevel"), f"toplevel {toplevel_value!r}")
                )
            elif not is_dir(toplevel):
                self.analysis.notes.append(
                    Note("missing-toplevel", root_loc.child("spec", "toplevel") if toplevel_value else root_loc.child("spec"), str(toplevel))
                )
            else:
                entry.toplevel = toplevel
                workflow_name = spec.get("workflow")
                if isinstance(workflow_name, str):
                    entry.workflow = self.root_workflow(toplevel / workflow_name, toplevel, root_loc.child("spec", "workflow"), "recast")
        examples = root_loc.get("example_inputs")
        if isinstance(examples, dict):
            for name, value in examples.items():
                ex_loc = root_loc.child("example_inputs", name)
                if isinstance(value, dict):
                    entry.examples.append(Example(name, ex_loc, value.get("initdata"), value.get("dataopts")))
        tests = root_loc.get("tests")
        if isinstance(tests, list):
            for i, test in enumerate(tests):
                if isinstance(test, dict):
                    entry.tests.append(self.test(root_loc.child("tests", i), entry))

    def test(self, loc: Loc, entry: RecastEntry) -> Test:
        test = Test(_plain(loc.get("name")), loc)
        spec = loc.get("spec")
        toplevel_value = loc.get("toplevel")
        if isinstance(toplevel_value, str) and not toplevel_value.startswith(REMOTE_PREFIXES):
            toplevel: Optional[Path] = Path(os.path.normpath(entry.doc.path.parent / toplevel_value))
        else:
            toplevel = entry.toplevel if not isinstance(toplevel_value, str) else None
        if isinstance(spec, str) and toplevel is not None:
            # a test spec is a `$ref` target written as a string, resolved against the toplevel like packtivity-run -t
            site = self._resolve(loc.child("spec"), toplevel, target=spec)
            test.ref = site
            if site.resolved is not None and isinstance(site.resolved.value, dict):
                test.step = self.step(site.resolved, site.resolved.doc.path.parent, None)
        return test

    def root_workflow(self, path: Path, toplevel: Path, cited_at: Optional[Loc], origin: str) -> Optional[Workflow]:
        if not self.inside_root(path):
            if cited_at is not None:
                self.analysis.notes.append(Note("workflow-outside-root", cited_at, f"workflow file {str(path)!r}"))
            return None
        if not is_file(path):
            if cited_at is not None:
                kind = "workflow-link-to-nothing" if os.path.islink(path) else "missing-workflow"
                self.analysis.notes.append(Note(kind, cited_at, str(path), spec_files_in(path.parent)))
            return None
        doc = self.document(path)
        if not doc.ok:
            return None
        loc = Loc(doc)
        if not isinstance(doc.data, dict):
            self.analysis.notes.append(Note("not-a-mapping", loc, "a workflow file must be a mapping with `stages:`"))
            return None
        self.register_workflow_loc(loc)
        wf = self.workflow(loc, toplevel, toplevel, origin)
        self.analysis.workflows.append(wf)
        return wf

    def reana_spec(self, path: Path) -> None:
        doc = self.document(path)
        if not doc.ok or not isinstance(doc.data, dict):
            return
        workflow = doc.data.get("workflow")
        if not isinstance(workflow, dict) or workflow.get("type") != "yadage":
            return
        inputs = doc.data.get("inputs")
        options = inputs.get("options") if isinstance(inputs, dict) else None
        toplevel = path.parent
        if isinstance(options, dict) and isinstance(options.get("toplevel"), str):
            toplevel = Path(os.path.normpath(path.parent / options["toplevel"]))
        file_name = workflow.get("file")
        root = None
        if isinstance(file_name, str):
            root = self.root_workflow(path.parent / file_name, toplevel, Loc(doc, ("workflow", "file")), "reana")
        self.analysis.reana.append(ReanaSpec(doc, root, toplevel))

    def finish(self) -> Analysis:
        referenced_step_docs = {step.loc.doc.path: step.loc.doc for step in list(self._steps.values())}
        for doc in referenced_step_docs.values():
            self.steps_file(doc)
        for path in self.explicit:
            doc = self.analysis.documents.get(path)
            if doc is not None and not any(wl.doc is doc for wl in self._workflow_locs):
                self.steps_file(doc)
        self.analysis.steps = list(self._steps.values())
        self.analysis.workflow_locs = list(self._workflow_locs)
        ci = self.analysis.root / ".gitlab-ci.yml"
        if is_file(ci):
            self.analysis.ci = self.document(ci)
        precommit = self.analysis.root / PRE_COMMIT_CONFIG
        if is_file(precommit):
            self.analysis.precommit = self.document(precommit)
        return self.analysis


def _parameters(scheduler: Loc) -> Iterator[Parameter]:
    params = scheduler.get("parameters")
    if isinstance(params, dict):
        for key, value in params.items():
            loc = scheduler.child("parameters", key)
            yield Parameter(key, value, loc, loc)
    elif isinstance(params, list):
        for i, item in enumerate(params):
            if isinstance(item, dict) and "key" in item:
                item_loc = scheduler.child("parameters", i)
                yield Parameter(_plain(item["key"]), item.get("value"), item_loc.child("value"), item_loc.child("key"))


# -- discovery ----------------------------------------------------------------------------------


ENTRY_FILE = "recast.yml"
_ENTRY_KEYS = ({"name", "metadata", "spec"}, {"name", "tags", "recast_catalogue_entries"})  # an entry, an index file
_TOP_LEVEL_KEY = LazyPattern(r"""^["']?([A-Za-z_][\w-]*)["']?[ \t]*:""", re.MULTILINE)
_SNIFFED_BYTES = 256 * 1024
_ENTRY_SEARCH_HEIGHT = 3


def looks_like_entry(path: Path) -> bool:
    """Whether the YAML file holds the top-level keys recast-atlas takes for a catalogue entry (or an
    index file), read from its text: deciding what to lint must not parse every file on the way."""
    if os.path.islink(path) or not is_file(path):  # a link may lead out of the analysis, a pipe would block the read
        return False
    try:
        with open(path, "rb") as handle:
            text = handle.read(_SNIFFED_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    keys = set(_TOP_LEVEL_KEY.findall(text))
    return any(wanted <= keys for wanted in _ENTRY_KEYS)


def entry_files(directory: Path, suffix: str = ".yml") -> List[Path]:
    """The catalogue entries recast-atlas loads from a catalogue directory (`recast catalogue add
    DIR`): `glob(DIR/*.yml)`, every one holding `name`, `metadata` and `spec` (or an index file's
    `name`, `tags` and `recast_catalogue_entries`), whatever its name. `recast.yml` comes first, and
    counts even when it is broken (its problems are then reported). Hidden files are not globbed.
    With ``suffix`` `.yaml`: the entries written in files recast-atlas never loads."""
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.name.endswith(suffix) and not entry.name.startswith("."))
    except OSError:
        return []
    first = [directory / ENTRY_FILE] if suffix == ".yml" and ENTRY_FILE in names and is_file(directory / ENTRY_FILE) else []
    return first + [directory / name for name in names if name != ENTRY_FILE and is_file(directory / name) and looks_like_entry(directory / name)]


def catalogue_files(directory: Path) -> List[Path]:
    """The entries of ``directory`` to lint: the ones recast-atlas loads, else those written in
    `.yaml` files, which it does not (RL640 says so), linted as the entries they are meant to be."""
    return entry_files(directory) or entry_files(directory, ".yaml")


def find_entry_root(start: Path, within: Optional[Path] = None) -> Optional[Path]:
    """The nearest directory at or above ``start`` holding a catalogue entry (``catalogue_files``),
    looking no higher than ``within`` when it is given (a directory nothing above which may be read)."""
    current = real(start)
    if is_file(current):
        current = current.parent
    for height, candidate in enumerate([current, *current.parents]):
        if within is not None and candidate != within and within not in candidate.parents:
            return None
        # an entry of another name is looked for only a few levels up (specs/ and its sub-directories):
        # higher, only a `recast.yml` counts, so a file outside any analysis never makes us read a home directory
        if catalogue_files(candidate) if height <= _ENTRY_SEARCH_HEIGHT else is_file(candidate / ENTRY_FILE):
            return candidate
    return None


def walk_files(root: Path, max_depth: int = 8, hidden: bool = False) -> Iterator[Path]:
    """Files below ``root``, without VCS, tool and run directories, and hidden ones unless ``hidden``."""
    for dirpath, dirnames, filenames in os.walk(root):
        depth = len(Path(dirpath).relative_to(root).parts)
        dirnames[:] = sorted(
            d for d in dirnames if d not in _SKIPPED_DIRS and (hidden or not d.startswith(".")) and not d.startswith("recast-")
        )
        if depth >= max_depth:
            dirnames[:] = []
        yield from (Path(dirpath) / f for f in sorted(filenames))


# Which files the repository holds is asked of git, and the repository's own configuration came
# with the analysis: nothing it names may run. For `ls-files` that is `core.fsmonitor`, a program
# git runs whenever it looks at the work tree, switched off here. The pager (`core.pager`,
# `pager.ls-files`) runs only on a terminal and `--no-pager` rules it out; hooks, filters (clean,
# smudge, textconv), diff and merge drivers, editors, credential helpers, ssh and gpg programs run
# only for commands that commit, check out, compare, merge, sign or reach a remote, never here.
# `GIT_OPTIONAL_LOCKS=0` keeps git from refreshing the index on the way (it writes nothing).
# A configuration that makes git read a file of its choosing (`[include]`, `[includeIf ...]`,
# `core.excludesFile`: any path, outside the analysis too) is not handed to git at all.
_GIT = ("git", "--no-pager", "-c", "core.fsmonitor=false")
_READS_ELSEWHERE = LazyPattern(r"^\s*\[\s*include|^\s*(?:\[\s*core\s*\]\s*)?excludesfile\s*=", re.IGNORECASE | re.MULTILINE)
_MAX_GIT_CONFIG = 1 << 20  # bytes: a config larger than that is not one git wrote


def _git_top(root: Path) -> Optional[Path]:
    """The work tree holding ``root`` when git can be asked about it without leaving it: its `.git` is
    a plain directory, not a link, a `gitdir:` file or a linked work tree's pointer to a git directory
    elsewhere (`commondir`), its configuration and index are not links (to files outside), and its
    configuration names no file elsewhere for git to read."""
    for candidate in (root, *root.parents):
        dot_git = candidate / ".git"
        if not os.path.lexists(dot_git):
            continue
        if dot_git.is_symlink() or not dot_git.is_dir() or os.path.lexists(dot_git / "commondir"):
            return None
        if any((dot_git / name).is_symlink() for name in ("config", "index", "info")):
            return None
        return candidate if _config_stays_inside(dot_git / "config") else None
    return None


def _config_stays_inside(config: Path) -> bool:
    """Whether the repository's configuration names no other file for git to read."""
    try:
        if config.stat().st_size > _MAX_GIT_CONFIG:
            return False
        text = config.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return _READS_ELSEWHERE.search(text) is None


def _git_files(root: Path) -> Optional[List[Path]]:
    import subprocess  # only when a rule asks which files the repository holds

    top = _git_top(root)
    if top is None:
        return None
    # the git directory and work tree are given, so `core.worktree` cannot point git elsewhere
    command = [*_GIT, f"--git-dir={top / '.git'}", f"--work-tree={top}", "-C", str(root),
               "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        listed = subprocess.run(command, capture_output=True, check=True, timeout=30,
                                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"}, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [Path(name) for name in listed.decode("utf-8", "surrogateescape").split("\0") if name]


def yaml_files(root: Path, max_depth: int = 8) -> List[Path]:
    return [path for path in walk_files(root, max_depth) if path.name.endswith(YAML_SUFFIXES)]


def _is_reana_name(path: Path) -> bool:
    return path.name.startswith("reana") and path.suffix in YAML_SUFFIXES


def build_entry_analysis(
    root: Path, explicit: Sequence[Path] = (), overlay: Mapping[Path, str] = NO_OVERLAY, entry: Optional[Path] = None
) -> Analysis:
    """The analysis of one catalogue entry of ``root`` (default: the first, `recast.yml` if there is one)."""
    builder = Builder(root, explicit, overlay)
    entries = catalogue_files(root)
    builder.recast_entry(entry or (entries[0] if entries else root / ENTRY_FILE))
    for path in entries:  # the other entries are linted on their own; only their names matter here
        data = builder.document(path).data
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            builder.analysis.catalogue_names.append(data["name"])
    for path in entry_files(root, ".yaml"):
        builder.analysis.notes.append(Note("entry-not-loaded", Loc(builder.document(path)), str(path)))
    for path in yaml_files(root, max_depth=3):
        if _is_reana_name(path):
            builder.reana_spec(path)
    for path in builder.explicit:
        builder.document(path)
    return builder.finish()


def build_loose_analysis(
    root: Path, files: Sequence[Path], toplevel: Optional[Path], explicit: Sequence[Path] = (), overlay: Mapping[Path, str] = NO_OVERLAY
) -> Analysis:
    """Specs without a `recast.yml`: every file with a top-level `stages:` is a workflow root."""
    builder = Builder(root, explicit, overlay)
    reana = [p for p in files if _is_reana_name(p)]
    for path in reana:
        builder.reana_spec(path)
    candidates = []
    for path in files:
        doc = builder.document(path)
        if doc.ok and isinstance(doc.data, dict) and "stages" in doc.data and not _is_gitlab_ci(doc.data):
            candidates.append(builder.real(path))
    reached = {site.resolved.doc.path for site in builder.analysis.refs if site.resolved is not None}
    as_reana_workflow = {spec.workflow.loc.doc.path for spec in builder.analysis.reana if spec.workflow}
    for path in candidates:
        if path in as_reana_workflow:
            continue
        # a file only ever used as someone's sub-workflow is checked from there, with the right base
        if path in reached:
            continue
        chosen = toplevel or _infer_toplevel(builder, path, root)
        builder.root_workflow(path, chosen, None, "loose")
        reached |= {site.resolved.doc.path for site in builder.analysis.refs if site.resolved is not None}
    # drop roots that a later root turned out to include
    included = {site.resolved.doc.path for site in builder.analysis.refs if site.resolved is not None}
    builder.analysis.workflows = [
        wf for wf in builder.analysis.workflows if wf.origin != "loose" or wf.loc.doc.path not in included
    ]
    for path in files:
        doc = builder.analysis.documents.get(builder.real(path))
        if doc is None or not doc.ok:
            continue
        if isinstance(doc.data, dict) and "stages" not in doc.data and _looks_like_steps_file(doc.data):
            builder.steps_file(doc)
        elif isinstance(doc.data, list) and doc.data and all(isinstance(s, dict) and "scheduler" in s for s in doc.data):
            builder.analysis.notes.append(Note("not-a-mapping", Loc(doc), "file is a bare list of stages, a legacy format yadage no longer reads"))
    return builder.finish()


def _is_gitlab_ci(data: Dict[Any, Any]) -> bool:
    """GitLab CI also has a top-level `stages:`, a list of stage names; a workflow lists mappings."""
    stages = data.get("stages")
    return isinstance(stages, list) and bool(stages) and all(isinstance(stage, str) for stage in stages)


def _looks_like_steps_file(data: Dict[Any, Any]) -> bool:
    return looks_like_step(data) or any(looks_like_step(v) for v in data.values())


def _infer_toplevel(builder: Builder, path: Path, root: Path) -> Path:
    """Like `yadage-validate -t`: the file's own directory, else the nearest ancestor where its `$ref`s resolve."""
    doc = builder.document(path)
    targets = [v["$ref"] for v in _ref_values(doc.data) if isinstance(v.get("$ref"), str)]
    local = [t.partition("#")[0] for t in targets if t.partition("#")[0] and not t.startswith(REMOTE_PREFIXES)]
    directory = path.parent
    candidates = [directory] + [p for p in directory.parents if builder.inside_root(p)]
    for candidate in candidates:
        if all(is_file(candidate / target) for target in local):
            return candidate
    return directory


# -- inlining -----------------------------------------------------------------------------------


class UnresolvedRef(Exception):
    """A `$ref` that cannot be inlined (the linter reports why as an RL3xx error)."""


def inline_refs(analysis: Analysis, loc: Loc, base: Path) -> Any:
    """The data at ``loc`` with every `$ref` replaced by its target, resolved the way the model resolves.

    This is what the runtime's loader produces with ``load_as_ref=False``: one self-contained document,
    for engines such as REANA that resolve `$ref`s against a different base (C.6).
    """
    builder = Builder(analysis.root)
    builder.analysis.documents.update(analysis.documents)  # reuse what was parsed; resolution itself is unchanged
    return _inline(builder, loc, base, ((loc.doc.path, loc.pointer),))


def _inline(builder: Builder, loc: Loc, base: Path, chain: Tuple[Tuple[Path, Pointer], ...]) -> Any:
    target, target_base, refs = builder.deref(loc, base)
    if target is None:
        site = refs[-1]
        raise UnresolvedRef(f"`$ref` {site.target!r} in {site.loc.doc.path} does not resolve ({site.problem}{': ' + site.detail if site.detail else ''})")
    if refs:
        key = (target.doc.path, target.pointer)
        if key in chain:  # a document that includes itself would inline forever
            raise UnresolvedRef(f"`$ref` {refs[-1].target!r} in {refs[-1].loc.doc.path} includes itself")
        chain = chain + (key,)
    value = target.value
    if isinstance(value, dict):
        return {key: _inline(builder, target.child(key), target_base, chain) for key in value}
    if isinstance(value, list):
        return [_inline(builder, target.child(index), target_base, chain) for index in range(len(value))]
    return value


def _ref_values(data: Any) -> Iterator[Dict[str, Any]]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "$ref" in item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
