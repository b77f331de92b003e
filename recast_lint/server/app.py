"""The pygls application: LSP messages in, the session, lint runs and navigation, LSP messages out.

Lints run on one worker thread, never on the event loop: an edit cancels the run waiting for it and
schedules another after the debounce, and a run that finishes after a newer edit is dropped, so the
latest edit wins. Requests (hover, definition, completion, code actions) wait for the lint of the
text they are about, then read its model on a second worker thread.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from recast_lint import __version__
from recast_lint.diagnostics import Diagnostic, Severity, Span
from recast_lint.load import Document
from recast_lint.server import actions, navigate
from recast_lint.server.complete import complete
from recast_lint.server.positions import TextIndex
from recast_lint.server.session import Session, Unit, UnitKey, path_of

DEFAULT_DEBOUNCE = 0.2  # seconds after the last keystroke before a lint starts
FIX_ALL_KIND = "source.fixAll.recast-lint"
UNNECESSARY = ("RL507", "RL901")  # unused parameter, unused suppression: shown faded
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_COMPLETION_KIND = {
    "key": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.EnumMember,
    "stage": types.CompletionItemKind.Module,
    "step": types.CompletionItemKind.Function,
    "file": types.CompletionItemKind.File,
    "parameter": types.CompletionItemKind.Variable,
}
T = TypeVar("T")


class RecastLintServer(LanguageServer):
    def __init__(self, debounce: float = DEFAULT_DEBOUNCE) -> None:
        super().__init__("recast-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.session = Session()
        self.debounce = debounce
        self.lint_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recast-lint-lint")
        self.query_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recast-lint-query")
        self.tasks: Dict[UnitKey, asyncio.Task] = {}
        self.waiting: Set[UnitKey] = set()  # units whose scheduled lint has not started yet
        self.shown: Dict[Path, Dict[UnitKey, List[Tuple[str, Diagnostic]]]] = {}  # what each unit published per file
        self.reported: Set[str] = set()

    # -- files and positions ---------------------------------------------------------------------
    @property
    def encoding(self) -> str:
        return str(getattr(self.workspace.position_encoding, "value", self.workspace.position_encoding) or "utf-16")

    def refresh_folders(self) -> None:
        folders = [to_fs_path(folder.uri) for folder in self.workspace.folders.values()]
        if not folders and self.workspace.root_path:
            folders = [self.workspace.root_path]
        self.session.folders = [path_of(folder) for folder in folders if folder]

    def path(self, uri: str) -> Optional[Path]:
        fs_path = to_fs_path(uri)
        return path_of(fs_path) if fs_path and uri.startswith("file:") else None

    def uri(self, path: Path) -> str:
        buffer = self.session.buffers.get(path)
        return buffer.uri if buffer is not None else (from_fs_path(str(path)) or path.as_uri())

    def lsp_range(self, index: TextIndex, span: Span) -> types.Range:
        (sl, sc), (el, ec) = index.span_range(span)
        return types.Range(types.Position(sl, sc), types.Position(el, ec))

    def offsets_range(self, index: TextIndex, start: int, end: int) -> types.Range:
        (sl, sc), (el, ec) = index.position(start), index.position(end)
        return types.Range(types.Position(sl, sc), types.Position(el, ec))

    def lsp_diagnostic(self, index: TextIndex, diagnostic: Diagnostic) -> types.Diagnostic:
        message = diagnostic.message + (f" (hint: {diagnostic.hint})" if diagnostic.hint else "")
        return types.Diagnostic(
            range=self.lsp_range(index, diagnostic.span),
            message=message,
            severity=_SEVERITY[diagnostic.severity],
            code=diagnostic.code,
            source="recast-lint",
            tags=[types.DiagnosticTag.Unnecessary] if diagnostic.code in UNNECESSARY else None,
        )

    # -- linting ---------------------------------------------------------------------------------
    def touched(self, units: List[Unit], delay: float) -> None:
        for unit in units:
            self.schedule(unit.key, delay)

    def schedule(self, key: UnitKey, delay: float) -> None:
        previous = self.tasks.get(key)
        if previous is not None and not previous.done():
            previous.cancel()  # its result would be stale: the latest edit wins
        self.waiting.add(key)
        self.tasks[key] = asyncio.ensure_future(self._lint(key, delay))

    async def _lint(self, key: UnitKey, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        self.waiting.discard(key)
        unit = self.session.units.get(key)
        if unit is None:
            return
        generation = unit.generation
        job = self.session.job(unit)
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(self.lint_pool, job.run)
        except Exception as exc:  # noqa: BLE001 - the executor itself failed; the server goes on
            self.report(f"internal error: {type(exc).__name__}: {exc}")
            unit.linted = generation
            return
        if self.session.units.get(key) is not unit or unit.generation != generation:
            return  # a newer edit came in while this ran; its lint is scheduled
        self.session.accept(unit, outcome, generation)
        for failure in outcome.failures:
            self.report(failure)
        try:
            self.publish(unit)
        except Exception as exc:  # noqa: BLE001 - a bug of ours in turning diagnostics into LSP: logged, the server goes on
            self.report(f"internal error while publishing: {type(exc).__name__}: {exc}")

    async def fresh(self, path: Path) -> Optional[Unit]:
        """The unit of ``path`` once its lint has caught up with the buffers (a waiting lint starts now)."""
        for _ in range(8):  # edits arriving meanwhile make it wait again, a bounded number of times
            unit = self.session.unit_for(path)
            if unit is None or unit.fresh:
                return unit
            task = self.tasks.get(unit.key)
            if task is None or task.done() or unit.key in self.waiting:
                self.schedule(unit.key, 0)
            await asyncio.wait([self.tasks[unit.key]])
        return self.session.unit_for(path)

    def publish(self, unit: Unit, dropped: bool = False) -> None:
        files = {} if dropped else unit.diagnostics()
        opened = [p for p in self.session.buffers if p in unit.reads or unit.key == ("config", p)]
        paths = set(files) | set(opened) | {p for p, by_unit in self.shown.items() if unit.key in by_unit}
        for path in paths:
            text, diagnostics = files.get(path, ("", []))
            by_unit = self.shown.setdefault(path, {})
            if dropped:
                by_unit.pop(unit.key, None)
            else:
                by_unit[unit.key] = [(text, d) for d in diagnostics]
            seen: Set[tuple] = set()
            shown = []
            indexes: Dict[int, TextIndex] = {}  # one per text: a file's diagnostics share it
            for other_text, diagnostic in (item for items in by_unit.values() for item in items):
                key = (diagnostic.span, diagnostic.code, diagnostic.message)
                if key not in seen:
                    seen.add(key)
                    index = indexes.get(id(other_text))
                    if index is None:
                        index = indexes[id(other_text)] = TextIndex(other_text, self.encoding)
                    shown.append(self.lsp_diagnostic(index, diagnostic))
            if not by_unit:
                self.shown.pop(path, None)
            buffer = self.session.buffers.get(path)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=self.uri(path), diagnostics=shown, version=buffer.version if buffer else None)
            )

    def report(self, failure: str) -> None:
        """A rule that crashed or a lint that failed: logged each time, shown once."""
        self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"recast-lint: {failure}"))
        if failure not in self.reported:
            self.reported.add(failure)
            ours = "crashed" in failure or failure.startswith("internal error")
            shown = f"recast-lint: {failure}" + (" (the rest still ran; please report it)" if ours else "")
            self.window_show_message(types.ShowMessageParams(types.MessageType.Warning, shown))

    async def query(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.query_pool, function, *args)


server = RecastLintServer()


@server.feature(types.INITIALIZE)
def _initialize(ls: RecastLintServer, params: types.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict) and isinstance(options.get("debounce"), (int, float)):
        ls.debounce = max(0.0, float(options["debounce"]) / 1000)


# -- text synchronisation ------------------------------------------------------------------------


def _buffer_changed(ls: RecastLintServer, uri: str, delay: float) -> None:
    path = ls.path(uri)
    if path is None:
        return
    ls.refresh_folders()
    document = ls.workspace.get_text_document(uri)
    ls.touched(ls.session.open(path, uri, document.source, document.version), delay)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def _did_open(ls: RecastLintServer, params: types.DidOpenTextDocumentParams) -> None:
    _buffer_changed(ls, params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def _did_change(ls: RecastLintServer, params: types.DidChangeTextDocumentParams) -> None:
    _buffer_changed(ls, params.text_document.uri, ls.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def _did_save(ls: RecastLintServer, params: types.DidSaveTextDocumentParams) -> None:
    _buffer_changed(ls, params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def _did_close(ls: RecastLintServer, params: types.DidCloseTextDocumentParams) -> None:
    path = ls.path(params.text_document.uri)
    if path is None:
        return
    again, dropped = ls.session.close(path)
    for unit in dropped:
        task = ls.tasks.pop(unit.key, None)
        if task is not None:
            task.cancel()
        ls.publish(unit, dropped=True)
    ls.touched(again, 0)


# -- requests ------------------------------------------------------------------------------------


async def _model(ls: RecastLintServer, uri: str) -> Tuple[Optional[Unit], Optional[Path]]:
    path = ls.path(uri)
    if path is None or path not in ls.session.buffers:
        return None, path
    return await ls.fresh(path), path


def _file_diagnostics(unit: Unit, path: Path) -> List[Diagnostic]:
    return unit.diagnostics().get(path, ("", []))[1]


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def _hover(ls: RecastLintServer, params: types.HoverParams) -> Optional[types.Hover]:
    unit, path = await _model(ls, params.text_document.uri)
    if unit is None or path is None:
        return None
    analysis, doc = unit.document(path)
    text = doc.text if doc is not None else ls.session.buffers[path].text
    index = TextIndex(text, ls.encoding)
    offset = index.offset_at(params.position.line, params.position.character)
    result = unit.result
    parts: List[str] = []
    span: Optional[Span] = None
    for diagnostic in _file_diagnostics(unit, path):
        start, end = index.offset(diagnostic.span.line, diagnostic.span.column), index.offset(diagnostic.span.end_line, diagnostic.span.end_column)
        if start <= offset <= end:
            rule = result.rules.get(diagnostic.code) if result is not None else None
            parts.append(navigate.rule_help(diagnostic, rule))
            span = span or diagnostic.span
    if analysis is not None and doc is not None:
        found = await ls.query(navigate.find, analysis, doc, offset)
        if found is not None:
            parts.insert(0, found.markdown)
            span = found.span
    if not parts or span is None:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, "\n\n---\n\n".join(parts)), ls.lsp_range(index, span))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def _definition(ls: RecastLintServer, params: types.DefinitionParams) -> Optional[List[types.Location]]:
    unit, path = await _model(ls, params.text_document.uri)
    if unit is None or path is None:
        return None
    analysis, doc = unit.document(path)
    if analysis is None or doc is None:
        return None
    offset = TextIndex(doc.text, ls.encoding).offset_at(params.position.line, params.position.character)
    found = await ls.query(navigate.find, analysis, doc, offset)
    if found is None or not found.targets:
        return None
    return [types.Location(ls.uri(t.path), ls.lsp_range(TextIndex(t.text, ls.encoding), t.span)) for t in found.targets]


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["{", "#", "/", "[", " "]))
async def _completion(ls: RecastLintServer, params: types.CompletionParams) -> Optional[types.CompletionList]:
    path = ls.path(params.text_document.uri)
    if path is None or path not in ls.session.buffers:
        return None
    unit = ls.session.unit_for(path)
    if unit is not None and not unit.fresh_but(path):  # the line being typed is read from the buffer; the rest from the model
        unit = await ls.fresh(path)
    analysis = unit.document(path)[0] if unit is not None else None
    if analysis is None and unit is not None and unit.result is not None and unit.result.analyses:
        analysis = unit.result.analyses[0]
    text = ls.session.buffers[path].text
    index = TextIndex(text, ls.encoding)
    line = params.position.line
    column = index.offset_at(line, params.position.character) - index.line_start(line)
    found = await ls.query(complete, text, line, column, path, analysis)
    line_text = index.line_text(line)
    start = types.Position(line, TextIndex(line_text, ls.encoding).position(found.start)[1])
    items = [
        types.CompletionItem(
            label=item.label,
            kind=_COMPLETION_KIND.get(item.kind),
            detail=item.detail or None,
            documentation=types.MarkupContent(types.MarkupKind.Markdown, item.documentation) if item.documentation else None,
            text_edit=types.TextEdit(types.Range(start, params.position), item.insert if item.insert is not None else item.label),
            filter_text=item.label,
        )
        for item in found.items
    ]
    return types.CompletionList(is_incomplete=False, items=items)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=True),
)
async def _code_action(ls: RecastLintServer, params: types.CodeActionParams) -> Optional[List[types.CodeAction]]:
    unit, path = await _model(ls, params.text_document.uri)
    if unit is None or path is None:
        return None
    doc = unit.document(path)[1]
    text, diagnostics = unit.diagnostics().get(path, ("", []))
    index = TextIndex(text, ls.encoding)
    first = index.offset_at(params.range.start.line, params.range.start.character)
    last = index.offset_at(params.range.end.line, params.range.end.character)
    here = [d for d in diagnostics if index.offset(d.span.line, d.span.column) <= last and first <= index.offset(d.span.end_line, d.span.end_column)]
    only = params.context.only

    def wanted(kind: str) -> bool:  # kinds are hierarchical: `source` asks for `source.fixAll.recast-lint` too
        return only is None or any(kind == k or kind.startswith(k + ".") for k in only)

    found = await ls.query(_quick_fixes, doc, here) if wanted(types.CodeActionKind.QuickFix) else []
    result: List[types.CodeAction] = [_code_action_of(ls, path, index, action) for action in found]
    if any(d.fix is not None and d.fix.safe for d in diagnostics):
        kind = FIX_ALL_KIND if only is not None and wanted(FIX_ALL_KIND) else types.CodeActionKind.QuickFix
        if wanted(kind):
            fix_all = types.CodeAction(title="fix all safe problems in this file", kind=kind, data={"uri": params.text_document.uri})
            result.append(fix_all if _resolves_edits(ls) else await _resolve(ls, fix_all))
    return result


def _quick_fixes(doc: Optional[Document], diagnostics: List[Diagnostic]) -> List[actions.Action]:
    found = actions.fix_actions(diagnostics)
    if doc is not None:
        found += [a for a in (actions.ignore_action(doc, d) for d in diagnostics) if a is not None]
    return found


def _resolves_edits(ls: RecastLintServer) -> bool:
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document is not None else None
    support = code_action.resolve_support if code_action is not None else None
    return support is not None and "edit" in support.properties


def _code_action_of(ls: RecastLintServer, path: Path, index: TextIndex, action: actions.Action) -> types.CodeAction:
    return types.CodeAction(
        title=action.title,
        kind=action.kind,
        diagnostics=[ls.lsp_diagnostic(index, d) for d in action.diagnostics],
        edit=_workspace_edit(ls, path, index, action.changes),
        is_preferred=action.preferred or None,
    )


def _workspace_edit(ls: RecastLintServer, path: Path, index: TextIndex, changes: List[actions.Change]) -> types.WorkspaceEdit:
    edits = [types.TextEdit(ls.offsets_range(index, c.start, c.end), c.replacement) for c in changes]
    uri = ls.uri(path)
    workspace = ls.client_capabilities.workspace
    versioned = workspace is not None and workspace.workspace_edit is not None and workspace.workspace_edit.document_changes
    buffer = ls.session.buffers.get(path)
    if versioned and buffer is not None:  # the client refuses it if the buffer changed meanwhile
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=buffer.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


@server.feature(types.CODE_ACTION_RESOLVE)
async def _resolve(ls: RecastLintServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    uri = data.get("uri")
    unit, path = await _model(ls, uri) if isinstance(uri, str) else (None, None)
    if unit is None or path is None:
        return action
    job = ls.session.job(unit)
    change = await asyncio.get_running_loop().run_in_executor(ls.lint_pool, actions.fix_all, job.lint, path)
    if change is not None:  # offsets into the text the fixes were planned on
        action.edit = _workspace_edit(ls, path, TextIndex(job.overlay[path], ls.encoding), [change])
    return action
