"""`recast-lint init`: the template's hooks, lint job, modelines and `.gitignore` lines, added to
an analysis repository that exists, without touching what its specs say.

Each piece is first looked for, so a second run finds everything in place and changes nothing:

- `.pre-commit-config.yaml`: created with the recast-lint hooks, or their entry added under
  `repos:` (or the missing hook added to an entry that has the other);
- `.gitlab-ci.yml`: the `lint` job added after the last job, unless a job runs `recast-lint check`
  already, and its stage put first in `stages:`; without `stages:` GitLab only knows build, test
  and deploy, so the job runs in `.pre`, before them all. Without the file, the template's;
- the schema modeline at the top of `recast.yml`, of each workflow file and each steps file;
- the `.gitignore` lines for run directories and credentials that are missing.

Insertions are written the way the file writes its neighbours: at the indentation of the list or
mapping they join (the lint job scaled to the file's indentation step), in flow style inside
`[...]`, with the file's line endings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from recast_lint import fix
from recast_lint.adopt import AdoptError, Plan, insert_lines, inside, last_line
from recast_lint.adopt.pieces import (
    CI,
    GITIGNORE,
    IGNORED,
    PRE_COMMIT,
    Block,
    entry_block,
    gitignore_groups,
    has_modeline,
    hook_entry_index,
    lint_job,
    modelines,
    pre_commit_config,
)
from recast_lint.fix import Edit
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc, _git_top, build_entry_analysis, find_entry_root, is_file
from recast_lint.rules.catalogue.ci import _ci_script_lines
from recast_lint.rules.catalogue.common import entry_data
from recast_lint.rules.catalogue.pins import HOOK_IDS
from recast_lint.scaffold import answer_checks, answer_keys, default_answers, read_record, render_file

if TYPE_CHECKING:
    from recast_lint.lint import LintResult

_RUNS_RECAST_LINT = re.compile(r"\brecast-lint\s+check\b")
PRE_STAGE = ".pre"  # the stage GitLab always runs first, also when the file lists no `stages:`


def analysis_root(path: Path) -> Path:
    root = find_entry_root(path)
    if root is None:
        raise AdoptError(f"no recast.yml at or above '{path}'; `recast-lint new` creates an analysis repository")
    top = _git_top(root)
    if top is not None and top != root:
        raise AdoptError(f"the analysis at '{root}' is a subdirectory of the git repository at '{top}', but pre-commit and GitLab "
                         "read their configuration only at the top of a repository; run `init` in an analysis that is its own repository")
    return root


def plan_init(path: Path) -> Tuple[Plan, Analysis]:
    """What `init` would write into the analysis at or above ``path``, and the analysis as read."""
    root = analysis_root(path)
    analysis = build_entry_analysis(root)
    answers = _answers(root, analysis)
    plan = Plan(root)
    _pre_commit(plan, root, analysis, answers)
    _ci(plan, root, analysis, answers)
    _modelines(plan, analysis, answers)
    _gitignore(plan, root, answers)
    return plan, analysis


def _answers(root: Path, analysis: Analysis) -> Dict[str, Any]:
    """The template's answers for this repository: what the record of `new` says, else the
    catalogue name of recast.yml, else the defaults (only the pins and URLs matter to most pieces)."""
    recorded = read_record(root).get("answers")
    settings = {key: value for key, value in (recorded if isinstance(recorded, dict) else {}).items() if key in answer_keys()}
    checks = answer_checks()
    name = entry_data(analysis).get("name")
    if isinstance(name, str) and checks.field_problem("catalogue_name", name) is None:
        settings.setdefault("catalogue_name", name)
        # only the CI file's first comment names it: the first candidate in the form of a reference code
        candidates = [name.rsplit("/", 1)[-1].upper(), root.name]
        settings.setdefault("reference_code", next((c for c in candidates if checks.field_problem("reference_code", c) is None), root.name))
    return default_answers(settings)


# -- .pre-commit-config.yaml -------------------------------------------------------------------


def _pre_commit(plan: Plan, root: Path, analysis: Analysis, answers: Dict[str, Any]) -> None:
    path = root / PRE_COMMIT
    fresh, entry = pre_commit_config(answers)
    rev = f"v{answers['_recast_lint_version']}"
    if not is_file(path):
        plan.add(path, None, fresh, f"created, with the recast-lint hooks at {rev}")
        return
    doc = _readable(plan, analysis.precommit or Document(path), "the recast-lint hooks", entry)
    if doc is None:
        return
    index, ours = hook_entry_index(doc.data), hook_entry_index(entry.doc.data)
    if index < 0:
        edit = _append_block_item(doc, ("repos",), entry, ("repos", ours))
        if edit is None:
            plan.problems.append(_by_hand(doc, "cannot place the recast-lint hooks under `repos:`", entry))
        else:
            plan.add(path, doc.text, fix.apply_edits(doc.text, [edit]), f"added the recast-lint hooks at {rev}")
        return
    present = {hook.get("id") for hook in doc.data["repos"][index]["hooks"] if isinstance(hook, dict)}
    edits: List[Optional[Edit]] = []
    for number, hook in enumerate(entry.doc.data["repos"][ours]["hooks"]):
        if hook["id"] not in present and hook["id"] in HOOK_IDS:
            pointer = ("repos", ours, "hooks", number)
            edits.append(_append_block_item(doc, ("repos", index, "hooks"), entry_block(entry.doc, pointer), pointer))
    if any(edit is None for edit in edits):
        plan.problems.append(_by_hand(doc, "cannot place the missing recast-lint hook under `hooks:`", entry))
    elif edits:
        missing = ", ".join(sorted(set(HOOK_IDS) - present))
        plan.add(path, doc.text, fix.apply_edits(doc.text, edits), f"added the hook {missing} to the recast-lint hooks")  # type: ignore[arg-type]


def _readable(plan: Plan, doc: Document, what: str, block: Block) -> Optional[Document]:
    """``doc`` when it holds a YAML mapping to add ``what`` to; else None, with the problem noted."""
    if doc.ok and isinstance(doc.data, dict) and not fix.is_flow(Loc(doc)):
        return doc
    problem = next((p for p in doc.problems), None)
    why = f"line {problem.span.line}: {problem.message}" if problem else "it is not a block mapping"
    plan.problems.append(_by_hand(doc, f"cannot add {what}: {why}", block))
    return None


def _by_hand(doc: Document, why: str, block: Block) -> str:
    return f"{doc.path.name}: {why}; add them by hand:\n" + "".join(f"    {line}\n" for line in block.lines)


# -- placing lines ------------------------------------------------------------------------------


def _append_block_item(doc: Document, sequence: Tuple[Any, ...], item: Block, item_pointer: Tuple[Any, ...]) -> Optional[Edit]:
    """The template's list item ``item`` (at ``item_pointer`` of its document) appended to the list
    at ``sequence`` of ``doc``: at the dash and content columns of that list's items in block style,
    as a flow mapping in flow style; the list is created under a mapping that lacks it."""
    items = Loc(doc, sequence).value
    if not isinstance(items, list):
        if len(sequence) != 1 or sequence[0] in doc.data:
            return None  # `repos:` with nothing, or a hooks entry that is not a list: say so rather than guess
        return _insert_lines_after(doc, _last_entry_line(doc, Loc(doc)), [f"{sequence[0]}:", *item.lines], blank=False)
    if fix.is_flow(Loc(doc, sequence)):
        info = doc.info(sequence)
        flow = _flow(item.doc, item_pointer)
        if not items:
            between = doc.text[info.start + 1 : info.end - 1]  # type: ignore[union-attr]
            return fix.insert(doc, info.start + 1, flow) if not between.strip() else None  # type: ignore[union-attr]
        return fix.insert(doc, doc.info(sequence + (len(items) - 1,)).end, f", {flow}")  # type: ignore[union-attr]
    dash, content = _item_columns(doc, sequence + (0,))
    if dash is None:
        return None
    last = last_line(doc, sequence + (len(items) - 1,))
    return _insert_lines_after(doc, last, _rebased(item, item_pointer, dash, content), blank=False)


def _item_columns(doc: Document, pointer: Tuple[Any, ...]) -> Tuple[Optional[int], int]:
    """(0-based column of the dash, of the content) of the block list item at ``pointer``."""
    info = doc.info(pointer)
    if info is None:
        return None, 0
    line_start = doc.offset(info.value.line, 1)
    dash = doc.text.rfind("-", line_start, info.start)
    if dash < 0 or doc.text[line_start:dash].strip() or doc.text[dash + 1 : info.start].strip():
        return None, 0
    return dash - line_start, info.start - line_start


def _rebased(item: Block, pointer: Tuple[Any, ...], dash: int, content: int) -> List[str]:
    """The lines of a template list item moved to dash column ``dash`` and content column ``content``."""
    template_dash, template_content = _item_columns(item.doc, pointer)
    assert template_dash is not None
    first = " " * dash + "-" + " " * (content - dash - 1) + item.lines[0][template_content:]
    rest = [(" " * (content + _indent(line) - template_content) + line.lstrip(" ")) if line.strip() else "" for line in item.lines[1:]]
    return [first, *rest]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _flow(doc: Document, pointer: Tuple[Any, ...]) -> str:
    """The data of the template's item at ``pointer`` as one flow mapping (without its comments)."""
    import yaml

    return yaml.safe_dump(Loc(doc, pointer).value, default_flow_style=True, sort_keys=False, width=1 << 30).strip()


def _last_entry_line(doc: Document, mapping: Loc) -> int:
    """The last line of YAML of the last entry of the block mapping at ``mapping``."""
    return max((last_line(doc, mapping.pointer + (key,)) for key in mapping.value), default=1)


def _insert_lines_after(doc: Document, line: int, lines: List[str], blank: bool) -> Edit:
    """``lines`` inserted after line ``line`` (a blank line first when ``blank``), with the file's line endings."""
    newline = fix.newline(doc)
    return insert_lines(doc, line + 1, (newline if blank else "") + "".join(text + newline for text in lines))


def _prepend_item(doc: Document, sequence: Tuple[Any, ...], item: str) -> Optional[Edit]:
    """``item`` put first in the list at ``sequence``: `[item, ...]` in flow style, a `- item` line
    above the first one, at its dash, in block style."""
    info = doc.info(sequence)
    if info is None:
        return None
    if fix.is_flow(Loc(doc, sequence)):
        at = info.start + 1
        while doc.text[at] in " \t":
            at += 1
        return fix.insert(doc, at, item if doc.text[at] == "]" else f"{item}, ")
    dash, _ = _item_columns(doc, sequence + (0,))
    if dash is None:
        return None
    first = doc.info(sequence + (0,))
    return fix.insert(doc, doc.offset(first.value.line, 1), " " * dash + f"- {item}" + fix.newline(doc))  # type: ignore[union-attr]


# -- .gitlab-ci.yml -----------------------------------------------------------------------------


def _ci(plan: Plan, root: Path, analysis: Analysis, answers: Dict[str, Any]) -> None:
    path = root / CI
    job, stage = lint_job(answers)
    if not is_file(path):
        name = entry_data(analysis).get("name")
        if answers["catalogue_name"] != name:
            plan.problems.append(_by_hand(job.doc, f"no {CI}, and recast.yml's name {name!r} cannot be written in the run job; add the lint job", job))
            return
        plan.add(path, None, render_file(CI, answers), "created from the template: the lint job, then the run job")
        return
    doc = _readable(plan, analysis.ci or Document(path), "the lint job", job)
    if doc is None:
        return
    if any(_RUNS_RECAST_LINT.search(line) for _, line in _ci_script_lines(doc)):
        return  # a job lints with recast-lint already: it is the user's, as it stands
    name = next((n for n in ("lint", "recast-lint") if n not in doc.data), None)
    if name is None:
        plan.problems.append(_by_hand(doc, "jobs named `lint` and `recast-lint` exist already; add the lint job under another name", job))
        return
    stages = doc.data.get("stages")
    edits: List[Optional[Edit]] = []
    says = f"added the `{name}` job (recast-lint check, as a Code Quality report)"
    if isinstance(stages, list):
        job_stage = stage
        if stage not in stages:
            edits.append(_prepend_item(doc, ("stages",), stage))
            says += f", and its stage `{stage}` first in `stages:`"
    else:
        job_stage = PRE_STAGE
        says += f", in the `{PRE_STAGE}` stage (the file lists no `stages:`)"
    lines = _lint_job_lines(job, name, job_stage, _indent_step(doc))
    edits.append(_insert_lines_after(doc, _last_entry_line(doc, Loc(doc)), lines, blank=True))
    if any(edit is None for edit in edits):
        plan.problems.append(_by_hand(doc, f"cannot add `{stage}` to `stages:`", job))
        return
    plan.add(path, doc.text, fix.apply_edits(doc.text, edits), says)  # type: ignore[arg-type]


def _lint_job_lines(job: Block, name: str, stage: str, step: int) -> List[str]:
    """The template's lint job named ``name``, in ``stage``, indented by ``step`` spaces a level."""
    lines = list(job.lines)
    key = job.doc.info(("lint",)).key  # type: ignore[union-attr]
    lines[0] = name + lines[0][key.end_column - 1 :]  # type: ignore[union-attr]
    written = job.doc.info(("lint", "stage")).value  # type: ignore[union-attr]
    at = written.line - job.first
    lines[at] = lines[at][: written.column - 1] + stage + lines[at][written.end_column - 1 :]
    template_step = _indent_step(job.doc)
    return [" " * (_indent(line) * step // template_step) + line.lstrip(" ") if line.strip() else "" for line in lines]


def _indent_step(doc: Document) -> int:
    """How many spaces the file indents a job's keys by (2 when no job says)."""
    for key, value in doc.data.items():
        if isinstance(value, dict) and value and not fix.is_flow(Loc(doc, (key,))):
            child = doc.info((key, next(iter(value))))
            top = doc.info((key,))
            if child is not None and child.key is not None and top is not None and top.key is not None:
                step = child.key.column - top.key.column
                if step > 0:
                    return step
    return 2


# -- modelines and .gitignore -------------------------------------------------------------------


def _modelines(plan: Plan, analysis: Analysis, answers: Dict[str, Any]) -> None:
    """The schema modeline on top of recast.yml, each workflow file and each steps file that lacks one."""
    lines = modelines(answers)
    kinds: Dict[Path, Tuple[Document, str]] = {}
    if analysis.entry is not None:
        kinds[analysis.entry.doc.path] = (analysis.entry.doc, "recast")
    for workflow in analysis.all_workflows():
        if workflow.loc.pointer == ():
            kinds.setdefault(workflow.loc.doc.path, (workflow.loc.doc, "workflow"))
    for step in analysis.steps:
        if len(step.loc.pointer) == 1:  # a named step of a steps file; a file that is one step has no schema of its own
            kinds.setdefault(step.loc.doc.path, (step.loc.doc, "steps"))
    for path, (doc, kind) in kinds.items():
        inside = analysis.root in path.parents
        if inside and doc.ok and path.suffix in (".yml", ".yaml") and not has_modeline(doc):
            text = lines[kind] + fix.newline(doc) + doc.text
            plan.add(path, doc.text, text, f"added the schema modeline ({kind}.json): editors complete and check the file")


def _ignored_as(pattern: str) -> str:
    """A .gitignore pattern as it matches here: `/authdir`, `authdir` and `**/authdir/` ignore the same run and credential paths."""
    pattern = pattern.strip()
    for prefix in ("**/", "/"):
        pattern = pattern[len(prefix) :] if pattern.startswith(prefix) else pattern
    return pattern.rstrip("/")


def _gitignore(plan: Plan, root: Path, answers: Dict[str, Any]) -> None:
    path = root / GITIGNORE
    if is_file(path) and not inside(root, path):
        plan.problems.append(f"{GITIGNORE}: a symbolic link to outside the analysis, so it is not changed")
        return
    try:
        original = path.read_bytes().decode("utf-8-sig") if is_file(path) else None
    except (OSError, UnicodeDecodeError) as exc:
        plan.problems.append(f"{GITIGNORE}: cannot be read ({exc}); add these lines by hand: {', '.join(IGNORED)}")
        return
    existing = (original or "").split("\n")
    present = {_ignored_as(line) for line in existing}
    added: List[str] = []
    lines: List[str] = []
    for comment, patterns in gitignore_groups(answers):
        missing = [pattern for pattern in patterns if _ignored_as(pattern) not in present]
        if missing:
            lines += ([] if comment in (line.rstrip("\r") for line in existing) else [comment]) + missing
            added += missing
    if not added:
        return
    text = original or ""
    newline = "\r\n" if "\r\n" in text else "\n"
    end_first = newline if text and not text.endswith("\n") else ""
    new_text = text + end_first + "".join(line + newline for line in lines)
    plan.add(path, original, new_text, f"{'added' if original is not None else 'created, with'} {', '.join(added)}: runs and credentials stay out of git")


# -- what to say ----------------------------------------------------------------------------------


def summary(plan: Plan, cwd: Path, written: bool) -> str:
    """One line per file changed (what was added), then the pieces that could not be added."""
    from recast_lint.diagnostics import display_path

    if not plan.changes and not plan.problems:
        return f"{display_path(plan.root, cwd) or '.'}: nothing to do, the analysis is under recast-lint already\n"
    lines = [] if written else ["dry run, nothing written; without --dry-run:"]
    lines += [f"{display_path(change.path, cwd)}: {said}" for change in plan.changes for said in change.says]
    lines += [f"not done: {problem}" for problem in plan.problems]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def next_steps(plan: Plan, result: LintResult) -> str:
    """What the user does next: install the hooks, commit, and deal with the findings there are."""
    from recast_lint.diagnostics import Severity, display_path

    steps = []
    precommit = result.analyses[0].precommit if result.analyses else None
    if precommit is not None and hook_entry_index(precommit.data) >= 0:
        steps.append("python3 -m pip install pre-commit && pre-commit install   # once per clone: the hooks run on each commit")
    if plan.changes:
        names = " ".join(sorted({display_path(change.path, plan.root) for change in plan.changes}))
        steps.append(f"git add {names} && git commit -m 'Lint with recast-lint'")
        steps.append("git push   # the lint job shows its findings in merge requests (Code Quality)")
    if any(d.code == "RL660" for d in result.diagnostics):
        steps.append("recast-lint upgrade   # moves the pins older than this recast-lint knows (RL660)")
    if result.diagnostics:
        steps.append("recast-lint check   # each finding above: where, what, and how to fix it")
    if result.count(Severity.ERROR) or result.count(Severity.WARNING):
        steps.append("recast-lint check --add-suppressions 'REASON'   # a comment per finding: --strict passes today, RL901 says when one is fixed")
    return "next steps:\n" + "".join(f"  {step}\n" for step in steps) if steps else ""
