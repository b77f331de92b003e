"""An editor for the server's tests: pygls's language client driving `recast-lint server` over stdio.

Each test runs one scenario: ``drive(workspace, scenario)`` starts the server as a user's editor
does (a subprocess speaking LSP on its standard input and output), opens the workspace folder,
runs ``scenario(editor)`` and shuts the server down. The waits are bounded so that a server that
never answers fails the test instead of hanging it; they measure nothing.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

from lsprotocol import types
from pygls.lsp.client import LanguageClient

NEVER = 60.0  # seconds: a server that has not answered by then is broken, not slow


class Editor:
    """What a test sees of the server: published diagnostics and messages, and the requests to send."""

    def __init__(self, client: LanguageClient, workspace: Path) -> None:
        self.client = client
        self.workspace = workspace
        self.published: Dict[str, List[types.Diagnostic]] = {}
        self.versions: Dict[str, int] = {}
        self.messages: List[str] = []
        self.changed = asyncio.Event()

    def uri(self, relative: str) -> str:
        return (self.workspace / relative).resolve().as_uri()

    # documents
    def open(self, relative: str, text: Optional[str] = None) -> str:
        uri = self.uri(relative)
        content = (self.workspace / relative).read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, content)))
        return uri

    def replace_all(self, relative: str, text: str) -> None:
        uri = self.uri(relative)
        self.versions[uri] += 1
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(self.versions[uri], uri), [change]))

    def edit(self, relative: str, line: int, start: int, end: int, text: str) -> None:
        """Replace characters ``start`` to ``end`` of 0-based ``line`` (an incremental change, as editors send)."""
        uri = self.uri(relative)
        self.versions[uri] += 1
        where = types.Range(types.Position(line, start), types.Position(line, end))
        change = types.TextDocumentContentChangePartial(range=where, text=text)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(self.versions[uri], uri), [change]))

    def close(self, relative: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(self.uri(relative))))

    # diagnostics
    async def diagnostics(self, relative: str, until: Callable[[List[types.Diagnostic]], bool] = lambda found: True) -> List[types.Diagnostic]:
        """The diagnostics published for a file, once they satisfy ``until``."""
        uri = self.uri(relative)

        async def wait() -> List[types.Diagnostic]:
            while uri not in self.published or not until(self.published[uri]):
                self.changed.clear()
                await self.changed.wait()
            return self.published[uri]

        return await asyncio.wait_for(wait(), NEVER)

    # requests
    def _position(self, relative: str, line: int, character: int) -> Dict[str, Any]:
        return {"text_document": types.TextDocumentIdentifier(self.uri(relative)), "position": types.Position(line, character)}

    async def hover(self, relative: str, line: int, character: int) -> Optional[types.Hover]:
        return await asyncio.wait_for(self.client.text_document_hover_async(types.HoverParams(**self._position(relative, line, character))), NEVER)

    async def definition(self, relative: str, line: int, character: int) -> Any:
        params = types.DefinitionParams(**self._position(relative, line, character))
        return await asyncio.wait_for(self.client.text_document_definition_async(params), NEVER)

    async def completion(self, relative: str, line: int, character: int) -> List[types.CompletionItem]:
        params = types.CompletionParams(**self._position(relative, line, character))
        found = await asyncio.wait_for(self.client.text_document_completion_async(params), NEVER)
        return list(found.items if isinstance(found, types.CompletionList) else found or [])

    async def code_actions(self, relative: str, line: int, start: int, end: int, only: Optional[List[str]] = None) -> List[types.CodeAction]:
        where = types.Range(types.Position(line, start), types.Position(line, end))
        context = types.CodeActionContext(diagnostics=self.published.get(self.uri(relative), []), only=only)
        params = types.CodeActionParams(types.TextDocumentIdentifier(self.uri(relative)), where, context)
        found = await asyncio.wait_for(self.client.text_document_code_action_async(params), NEVER)
        return [a for a in found or [] if isinstance(a, types.CodeAction)]

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        return await asyncio.wait_for(self.client.code_action_resolve_async(action), NEVER)


def apply(text: str, edits: List[types.TextEdit]) -> str:
    """``text`` with LSP text edits applied, as an editor applies a code action (ASCII positions)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        return min(starts[position.line] + position.character, len(text)) if position.line < len(lines) else len(text)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def edits_of(action: types.CodeAction, uri: str) -> List[types.TextEdit]:
    edit = action.edit
    assert edit is not None, action
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]  # type: ignore[union-attr]
    return list((edit.changes or {}).get(uri, []))


CAPABILITIES = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)),
    text_document=types.TextDocumentClientCapabilities(
        code_action=types.CodeActionClientCapabilities(resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])),
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
    ),
)


def drive(workspace: Path, scenario: Callable[[Editor], Awaitable[None]], *server_args: str,
          capabilities: types.ClientCapabilities = CAPABILITIES, command: Optional[List[str]] = None) -> Editor:
    """Run ``scenario`` against a real server started on ``workspace``; returns the editor for more checks."""

    async def session() -> Editor:
        client = LanguageClient("recast-lint-tests", "1")
        editor = Editor(client, workspace)

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(params: types.PublishDiagnosticsParams) -> None:
            editor.published[params.uri] = list(params.diagnostics)
            editor.changed.set()

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def _logged(params: types.LogMessageParams) -> None:
            editor.messages.append(params.message)

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def _shown(params: types.ShowMessageParams) -> None:
            editor.messages.append(params.message)

        argv = command or [sys.executable, "-m", "recast_lint", "server", *server_args]
        await client.start_io(*argv, cwd=str(workspace))
        folder = types.WorkspaceFolder(workspace.resolve().as_uri(), workspace.name)
        await asyncio.wait_for(
            client.initialize_async(types.InitializeParams(capabilities=capabilities, root_uri=folder.uri, workspace_folders=[folder])), NEVER
        )
        client.initialized(types.InitializedParams())
        try:
            await scenario(editor)
        finally:
            await asyncio.wait_for(client.shutdown_async(None), NEVER)
            client.exit(None)
            await client.stop()
        return editor

    return asyncio.run(session())
