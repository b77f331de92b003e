"""The parts of the template `init` writes into a repository that exists, cut from the template's
own files as `new` renders them: `init` and `new` cannot drift apart, there is one text of each.

- the entry of `.pre-commit-config.yaml` that provides the recast-lint hooks;
- the `lint` job of `.gitlab-ci.yml` (the Code Quality report) and its stage;
- the `# yaml-language-server` modeline that opens `recast.yml`, a workflow and a steps file;
- the `.gitignore` lines for run directories and credentials, each group with its comment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Tuple

from recast_lint.adopt import last_line, line_text
from recast_lint.load import Document, load_bytes
from recast_lint.rules.catalogue.pins import hook_entries, leading_comments
from recast_lint.scaffold import render_file

PRE_COMMIT = ".pre-commit-config.yaml"
CI = ".gitlab-ci.yml"
GITIGNORE = ".gitignore"
# the lines of the template's .gitignore that `init` adds: run directories and credentials
IGNORED = ("recast-*/", "authdir/", "getkrb.sh")
MODELINE = re.compile(r"#\s*yaml-language-server:")
# schema name -> the template file whose first line is its modeline
MODELINE_SOURCES = {"recast": "recast.yml", "workflow": "specs/workflow.yml", "steps": "specs/steps.yml"}


class Block(NamedTuple):
    """Lines of a template file, as the template indents them, and the document they were cut from."""

    lines: List[str]
    first: int  # the line number of lines[0] in ``doc``
    doc: Document


def parse(text: str, name: str) -> Document:
    return load_bytes(text.encode("utf-8"), Path(name))


def entry_block(doc: Document, pointer: Tuple[Any, ...]) -> Block:
    """The lines of the mapping entry or list item at ``pointer``: from its key (or dash) to its
    last line of YAML, comments inside it included, trailing ones not."""
    info = doc.info(pointer)
    assert info is not None, pointer  # the template holds what this module cuts from it (tests/test_adopt.py)
    first = info.key.line if info.key is not None else info.value.line
    return Block([line_text(doc, number) for number in range(first, last_line(doc, pointer) + 1)], first, doc)


def hook_entry_index(data: Any) -> int:
    """The index of the `repos:` entry that provides the recast-lint hooks, or -1."""
    return next(hook_entries(data), -1)


def pre_commit_config(answers: Dict[str, Any]) -> Tuple[str, Block]:
    """The template's `.pre-commit-config.yaml` with only the recast-lint hooks (the other hook
    repositories would rewrite files `init` promised not to touch), and the entry of those hooks."""
    text = render_file(PRE_COMMIT, answers)
    doc = parse(text, PRE_COMMIT)
    ours = hook_entry_index(doc.data)
    kept = list(doc.lines)
    for index in reversed(range(len(doc.data["repos"]))):
        if index != ours:
            other = entry_block(doc, ("repos", index))
            del kept[other.first - 1 : other.first - 1 + len(other.lines)]
    return "".join(line + "\n" for line in kept), entry_block(doc, ("repos", ours))


def lint_job(answers: Dict[str, Any]) -> Tuple[Block, str]:
    """The `lint` job of the template's `.gitlab-ci.yml`, and the stage it runs in."""
    doc = parse(render_file(CI, answers), CI)
    return entry_block(doc, ("lint",)), doc.data["lint"]["stage"]


def modelines(answers: Dict[str, Any]) -> Dict[str, str]:
    """schema name (recast, workflow, steps) -> the modeline the template opens such a file with."""
    found = {}
    for name, source in MODELINE_SOURCES.items():
        first = render_file(source, answers).split("\n", 1)[0]
        assert MODELINE.match(first), source
        found[name] = first
    return found


def gitignore_groups(answers: Dict[str, Any]) -> List[Tuple[str, List[str]]]:
    """(comment, the ``IGNORED`` lines under it) for each group of the template's `.gitignore`."""
    groups: List[Tuple[str, List[str]]] = []
    for line in render_file(GITIGNORE, answers).splitlines():
        if line.startswith("#"):
            groups.append((line, []))
        elif line in IGNORED and groups:
            groups[-1][1].append(line)
    return [(comment, lines) for comment, lines in groups if lines]


def has_modeline(doc: Document) -> bool:
    """Whether the comments that open ``doc`` hold a yaml-language-server modeline."""
    return any(MODELINE.match(line.strip()) for _, line in leading_comments(doc))
