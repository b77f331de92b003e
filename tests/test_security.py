"""`recast-lint check` on an analysis nobody should trust (README, "Security"): it reads only files
inside it, runs no program it names, writes nothing, and prints nothing that would act on the
terminal. Each test builds the hostile repository itself (files, links, a `.git`) in a temporary
directory. The runner's side of the promise is in test_run.py and test_submit.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from recast_lint.lint import lint
from recast_lint.report import render
from tests.helpers import FIXTURES


def _analysis(tmp_path: Path, name: str = "analysis") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / "helloworld", root)
    return root


# -- the terminal -------------------------------------------------------------------------------


def test_a_snippet_shows_control_characters_escaped_with_the_caret_under_them(tmp_path: Path) -> None:
    root = _analysis(tmp_path)
    steps, workflow = root / "specs" / "steps.yml", root / "specs" / "workflow.yml"
    # an OSC sequence that retitles the terminal, a CSI that clears it, a carriage return that overwrites the line
    steps.write_text(steps.read_text() + 'extra:\n  cmd: "echo \x1b]0;owned\x07\x1b[2J\r hi"\n', encoding="utf-8")
    # a form feed, which `str.splitlines` takes for a line break: the snippet would show half the line
    workflow.write_text(workflow.read_text() + "# page\x0cbreak\n", encoding="utf-8")
    output = render("text", lint([root], cwd=root), color=False)
    assert not any(ch in output for ch in "\x1b\x07\r\x0c"), repr(output)
    lines = output.splitlines()
    shown = next(i for i, line in enumerate(lines) if "owned" in line)
    assert lines[shown].endswith('|   cmd: "echo \\x1b]0;owned\\x07\\x1b[2J\\r hi"')
    assert lines[shown - 1].startswith("specs/steps.yml:") and "RL101" in lines[shown - 1]
    caret = lines[shown + 1]
    assert lines[shown][caret.index("^"):].startswith("\\x1b") and caret.count("^") == len("\\x1b")
    assert any(line.endswith("| # page\\x0cbreak") for line in lines)
