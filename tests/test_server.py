"""`recast-lint server` driven over stdio by a real LSP client (tests/editor.py), as an editor drives it.

Every test copies a fixture analysis into a temporary workspace folder of its own (a git repository,
as an analysis is), so nothing above it is part of it, and edits only the editor's buffers: the files
on disk never change unless a test says so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

from lsprotocol import types

from tests.editor import Editor, apply, drive, edits_of
from tests.helpers import FIXTURES

HELLOWORLD = FIXTURES / "helloworld"
MISSPELT = FIXTURES / "fix" / "RL201" / "before"  # tests/fixtures/fix/<CODE>/before: a case of that rule's fix
SERVER = FIXTURES / "server"


def _workspace(tmp_path: Path, fixture: Path, name: str = "analysis") -> Path:
    workspace = tmp_path / name
    shutil.copytree(fixture, workspace)
    subprocess.run(["git", "init", "--quiet", str(workspace)], check=True)
    return workspace


def _codes(diagnostics: List[types.Diagnostic]) -> List[tuple]:
    return sorted((d.code, d.range.start.line + 1, d.range.start.character + 1) for d in diagnostics)  # type: ignore[operator]


# -- diagnostics -------------------------------------------------------------------------------


def test_diagnostics_on_open_and_after_an_unsaved_edit_in_another_file(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, HELLOWORLD)
    on_disk = (workspace / "specs" / "workflow.yml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("specs/steps.yml")
        assert await editor.diagnostics("specs/steps.yml") == []
        editor.open("specs/workflow.yml")
        assert await editor.diagnostics("specs/workflow.yml") == []
        # rename the stage parameter `name` to `nam` in workflow.yml (line 7), without saving: `name` is
        # what the step, the selector and the initdata say, so the edited key is the one reported
        editor.edit("specs/workflow.yml", 6, 8, 12, "nam")
        shown = await editor.diagnostics("specs/workflow.yml", lambda found: bool(found))
        assert _codes(shown) == [("RL502", 7, 9)]
        assert "stage 'hello_world' passes 'nam', which its step does not read" in shown[0].message
        assert "rename 'nam' to 'name'" in shown[0].message
        assert shown[0].source == "recast-lint" and shown[0].severity == types.DiagnosticSeverity.Error
        assert await editor.diagnostics("specs/steps.yml") == []  # the step, which was right, shows nothing
        # undo it: what went away is cleared in both files
        editor.edit("specs/workflow.yml", 6, 8, 11, "name")
        assert await editor.diagnostics("specs/steps.yml", lambda found: not found) == []
        assert await editor.diagnostics("specs/workflow.yml", lambda found: not found) == []

    drive(workspace, scenario, "--debounce", "20")
    assert (workspace / "specs" / "workflow.yml").read_text(encoding="utf-8") == on_disk


def test_every_file_of_the_analysis_is_checked_from_the_open_one(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, MISSPELT)

    async def scenario(editor: Editor) -> None:
        editor.open("specs/workflow.yml")
        assert await editor.diagnostics("specs/workflow.yml") == []
        # steps.yml is not open: its problems are published too, for the editor's problem list
        assert _codes(await editor.diagnostics("specs/steps.yml")) == [("RL201", 4, 19), ("RL201", 7, 21)]

    drive(workspace, scenario)


def test_the_latest_edit_wins(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, HELLOWORLD)
    steps = (workspace / "specs" / "steps.yml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("specs/steps.yml")
        await editor.diagnostics("specs/steps.yml")
        for typed in range(1, 30):  # typing faster than the debounce: only the last text counts
            editor.replace_all("specs/steps.yml", steps.replace("{name}", "{" + "x" * typed + "}"))
        final = await editor.diagnostics("specs/steps.yml", lambda found: any("x" * 29 in d.message for d in found))
        assert [d.code for d in final] == ["RL501"]

    drive(workspace, scenario, "--debounce", "30")


def test_configuration_and_suppressions_apply_from_unsaved_buffers(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, MISSPELT)
    steps = (workspace / "specs" / "steps.yml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        editor.open("specs/steps.yml")
        assert len(await editor.diagnostics("specs/steps.yml", lambda found: len(found) == 2)) == 2
        # a suppression comment typed into the buffer
        editor.replace_all("specs/steps.yml", steps.replace('"frompar-publisher"', '"frompar-publisher"  # recast-lint: ignore[RL201] kept'))
        assert _codes(await editor.diagnostics("specs/steps.yml", lambda found: len(found) == 1)) == [("RL201", 4, 19)]
        # a configuration that exists only in the editor
        editor.open(".recast-lint.yml", "ignore: [unknown-type]\n")
        assert await editor.diagnostics("specs/steps.yml", lambda found: not found) == []
        # a broken one is shown where it is broken, and the analysis is meanwhile linted with the defaults
        editor.replace_all(".recast-lint.yml", "ignroe: [unknown-type]\n")
        shown = await editor.diagnostics(".recast-lint.yml", lambda found: bool(found))
        assert [(d.code, d.range.start.line) for d in shown] == [("config", 0)]
        assert shown[0].message.startswith("unknown key 'ignroe'; did you mean 'ignore'?")
        assert len(await editor.diagnostics("specs/steps.yml", lambda found: bool(found))) == 1
        editor.close(".recast-lint.yml")  # only on disk now: there is none
        assert await editor.diagnostics(".recast-lint.yml", lambda found: not found) == []

    drive(workspace, scenario, "--debounce", "20")
    assert not (workspace / ".recast-lint.yml").exists()


def test_nothing_above_the_workspace_folder_is_read(tmp_path: Path) -> None:
    shutil.copytree(SERVER / "outside", tmp_path / "outside")  # recast.yml and .recast-lint.yml above the workspace
    workspace = tmp_path / "outside" / "workspace"

    async def scenario(editor: Editor) -> None:
        editor.open("specs/workflow.yml")
        editor.open("specs/steps.yml")
        # linted as loose specs: the outer recast.yml is no analysis root, and its ignore of RL5 does not apply
        assert [d.code for d in await editor.diagnostics("specs/steps.yml", lambda found: bool(found))] == ["RL501"]
        assert (tmp_path / "outside" / "recast.yml").as_uri() not in editor.published

    drive(workspace, scenario)


# -- robustness ---------------------------------------------------------------------------------


def test_half_typed_huge_and_looping_files_never_stop_the_server(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, FIXTURES / "refs" / "loop")

    async def scenario(editor: Editor) -> None:
        editor.open("specs/workflow.yml")
        assert "RL304" in [d.code for d in await editor.diagnostics("specs/workflow.yml", lambda found: bool(found))]
        (workspace / "specs" / "draft.yml").write_text("stages: []\n", encoding="utf-8")
        editor.open("specs/draft.yml", "stages:\n  - name: [\n")
        assert [d.code for d in await editor.diagnostics("specs/draft.yml", lambda found: bool(found))] == ["RL101"]
        huge = "stages:\n" + "  - {name: s, dependencies: [init]}\n" * 70_000  # 2.4 MB
        editor.replace_all("specs/draft.yml", huge)
        shown = await editor.diagnostics("specs/draft.yml", lambda found: [d.code for d in found] == ["RL105"])
        assert "over the 2,097,152-byte limit" in shown[0].message
        hover = await editor.hover("specs/workflow.yml", 0, 0)  # still answering
        assert hover is None or isinstance(hover, types.Hover)
        editor.replace_all("specs/draft.yml", "stages: []\n")
        await editor.diagnostics("specs/draft.yml", lambda found: "RL105" not in [d.code for d in found])

    drive(workspace, scenario, "--debounce", "20")


def test_a_rule_that_crashes_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, MISSPELT)
    crashing = (
        "import sys\n"
        "from recast_lint.rules import registry\n"
        "from recast_lint.rules.registry import all_rules\n"
        "all_rules()\n"
        "def broken(analysis):\n"
        "    raise ZeroDivisionError('on purpose')\n"
        "registry.RULES['RL702'] = registry.RULES['RL702']._replace(check=broken)\n"
        "from recast_lint.cli import main\n"
        "main(['server'])\n"
    )

    async def scenario(editor: Editor) -> None:
        editor.open("specs/steps.yml")
        assert len(await editor.diagnostics("specs/steps.yml", lambda found: len(found) == 2)) == 2
        hover = await editor.hover("specs/steps.yml", 3, 20)
        assert hover is not None and "RL201" in hover.contents.value  # type: ignore[union-attr]

    editor = drive(workspace, scenario, command=[sys.executable, "-c", crashing])
    assert any("rule RL702 (imagetag-unpinned) crashed" in message and "ZeroDivisionError: on purpose" in message for message in editor.messages)


def test_without_pygls_the_command_says_what_to_install(tmp_path: Path) -> None:
    probe = "import sys\nsys.modules['pygls'] = None\nfrom recast_lint.cli import main\nmain(['server'])\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["recast-lint: error: `recast-lint server` needs pygls; install it with: pip install 'recast-lint[server]'"]
    assert done.stdout == ""


# -- code actions -------------------------------------------------------------------------------


def test_code_actions_fix_a_misspelt_type_and_fix_all_safe_problems(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, MISSPELT)
    steps = (workspace / "specs" / "steps.yml").read_text(encoding="utf-8")
    both_fixed = steps.replace("string-interpolated-command", "string-interpolated-cmd").replace('"frompar-publisher"', '"frompar-pub"')

    async def scenario(editor: Editor) -> None:
        uri = editor.open("specs/steps.yml")
        await editor.diagnostics("specs/steps.yml", lambda found: len(found) == 2)
        # all at once: one edit, computed on resolve (it lints the file again after each pass of fixes)
        fix_all = await editor.code_actions("specs/steps.yml", 0, 0, 0, only=["source.fixAll"])
        assert [(a.title, a.kind, a.edit) for a in fix_all] == [("fix all safe problems in this file", "source.fixAll.recast-lint", None)]
        resolved = await editor.resolve(fix_all[0])
        assert len(edits_of(resolved, uri)) == 1 and apply(steps, edits_of(resolved, uri)) == both_fixed
        assert resolved.edit.document_changes[0].text_document.version == 1  # type: ignore[index,union-attr]
        # one at a time, from the quick fixes at the diagnostic
        found = await editor.code_actions("specs/steps.yml", 3, 20, 20)
        titles = [a.title for a in found]
        assert titles[0] == "change 'string-interpolated-command' to 'string-interpolated-cmd'"
        assert found[0].is_preferred and found[0].kind == types.CodeActionKind.QuickFix
        assert [d.code for d in found[0].diagnostics or []] == ["RL201"]
        assert "ignore RL201 on this line" in titles and "fix all safe problems in this file" in titles
        fixed = apply(steps, edits_of(found[0], uri))
        assert fixed == steps.replace("string-interpolated-command", "string-interpolated-cmd")
        editor.replace_all("specs/steps.yml", fixed)
        assert _codes(await editor.diagnostics("specs/steps.yml", lambda found: len(found) == 1)) == [("RL201", 7, 21)]

    drive(workspace, scenario, "--debounce", "20")


def test_ignore_adds_a_suppression_with_a_reason_placeholder(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, SERVER / "block-command")
    steps = (workspace / "specs" / "steps.yml").read_text(encoding="utf-8")

    async def scenario(editor: Editor) -> None:
        uri = editor.open("specs/steps.yml")
        await editor.diagnostics("specs/steps.yml", lambda found: bool(found))
        found = await editor.code_actions("specs/steps.yml", 4, 30, 30)
        ignore = next(a for a in found if a.title == "ignore RL501 on this line")
        fixed = apply(steps, edits_of(ignore, uri))
        # the finding is inside `script: |`, where a `#` is text: the comment goes on its own line above the entry
        assert fixed == steps.replace("    script: |\n", "    # recast-lint: ignore[RL501] <reason>\n    script: |\n")
        editor.replace_all("specs/steps.yml", fixed)
        assert await editor.diagnostics("specs/steps.yml", lambda found: not found) == []

    drive(workspace, scenario, "--debounce", "20")


# -- hover, definition, completion --------------------------------------------------------------


def test_hover_explains_diagnostics_refs_and_placeholders(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, MISSPELT)

    async def scenario(editor: Editor) -> None:
        editor.open("specs/steps.yml")
        editor.open("specs/workflow.yml")
        await editor.diagnostics("specs/steps.yml", lambda found: len(found) == 2)
        on_diagnostic = (await editor.hover("specs/steps.yml", 3, 25)).contents.value  # type: ignore[union-attr]
        assert on_diagnostic.startswith("**RL201** `unknown-type` (error): unknown scheduler, process, publisher or environment type")
        assert "fix (safe): change 'string-interpolated-command' to 'string-interpolated-cmd'" in on_diagnostic
        assert "Fixed:\n\n```yaml\nprocess:\n  process_type: string-interpolated-cmd\n```" in on_diagnostic
        on_ref = await editor.hover("specs/workflow.yml", 8, 25)
        assert on_ref is not None and on_ref.range.start.line == 8
        assert on_ref.contents.value.startswith("`$ref` `steps.yml#/hello_world` → **hello_world** in `specs/steps.yml` line 2")  # type: ignore[union-attr]
        assert "- image `busybox:1.36.1`" in on_ref.contents.value  # type: ignore[union-attr]
        on_placeholder = (await editor.hover("specs/steps.yml", 4, 34)).contents.value  # type: ignore[union-attr]
        assert on_placeholder.startswith("parameter `name` of stage **hello_world** (`specs/workflow.yml` line 7): output `name` of `{step: init}`")
        assert "the initial data: `hello` in example 'default'" in on_placeholder

    drive(workspace, scenario)


def test_go_to_definition(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, HELLOWORLD)

    def where(found: object) -> List[tuple]:
        return [(Path(location.uri).name, location.range.start.line + 1, location.range.start.character + 1) for location in found]  # type: ignore[attr-defined]

    async def scenario(editor: Editor) -> None:
        editor.open("specs/workflow.yml")
        editor.open("specs/steps.yml")
        editor.open("recast.yml")
        await editor.diagnostics("specs/workflow.yml")
        assert where(await editor.definition("specs/workflow.yml", 8, 25)) == [("steps.yml", 1, 1)]  # $ref -> the step
        assert where(await editor.definition("specs/workflow.yml", 2, 21)) == [("recast.yml", 9, 5)]  # init -> the initdata
        assert where(await editor.definition("specs/steps.yml", 3, 35)) == [("workflow.yml", 7, 9)]  # {name} -> the parameter
        assert where(await editor.definition("recast.yml", 12, 16)) == [("workflow.yml", 2, 11)]  # relpath -> the stage
        assert await editor.definition("specs/workflow.yml", 4, 8) is None  # `scheduler_type` names nothing

    drive(workspace, scenario)


def test_completion_of_keys_types_stages_steps_and_parameters(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, HELLOWORLD)
    workflow = (workspace / "specs" / "workflow.yml").read_text(encoding="utf-8")
    steps = (workspace / "specs" / "steps.yml").read_text(encoding="utf-8")

    def labels(items: List[types.CompletionItem]) -> List[str]:
        return [item.label for item in items]

    async def scenario(editor: Editor) -> None:
        editor.open("specs/workflow.yml")
        editor.open("specs/steps.yml")
        await editor.diagnostics("specs/workflow.yml")
        # a stage name in dependencies, typed half-way
        editor.replace_all("specs/workflow.yml", workflow.replace("dependencies: [init]", "dependencies: [in"))
        items = await editor.completion("specs/workflow.yml", 2, 21)
        assert labels(items) == ["init"]
        assert items[0].text_edit.range.start.character == 19  # type: ignore[union-attr]  # replaces `in`
        # a step name after `steps.yml#/`
        editor.replace_all("specs/workflow.yml", workflow.replace("steps.yml#/hello_world'}", "steps.yml#/"))
        assert labels(await editor.completion("specs/workflow.yml", 8, 31)) == ["hello_world"]
        # a parameter inside `{` in cmd, from the stages using the step
        editor.replace_all("specs/workflow.yml", workflow)
        editor.replace_all("specs/steps.yml", steps.replace("| tee {outputfile}'", "| tee {'"))
        items = await editor.completion("specs/steps.yml", 3, 46)
        assert labels(items) == ["name", "outputfile"] and items[1].text_edit.new_text == "outputfile}"  # type: ignore[union-attr]
        # `*_type` values and keys from the schemas
        editor.replace_all("specs/steps.yml", steps.replace("process_type: string-interpolated-cmd", "process_type: str"))
        assert labels(await editor.completion("specs/steps.yml", 2, 21)) == ["string-interpolated-cmd", "interpolated-script-cmd", "manual-instructions-proc"]
        editor.replace_all("specs/steps.yml", steps.replace("    imagetag: '1.36.1'\n", "    imagetag: '1.36.1'\n    re\n"))
        keys = labels(await editor.completion("specs/steps.yml", 12, 6))
        assert "resources" in keys and "image" not in keys  # what is written already is not offered again

    drive(workspace, scenario, "--debounce", "20")
