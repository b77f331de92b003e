#!/usr/bin/env python3
"""Re-lint latency of `recast-lint server` after a one-character edit, as an editor sees it.

    .venv/bin/python bench/server_latency.py [--edits N] [--corpus DIR]

Needs pygls (the `server` or `test` extra) in the Python that runs it. For each subject, a copy
in a temporary git repository of its own is opened in a real server over stdio (pygls's client,
`--debounce 0`, so the figure is the lint and the protocol, not the wait for the next keystroke),
then N one-character edits are sent one after another: a space typed at the end of the first line
and deleted again. Each latency is from sending `didChange` to receiving the `publishDiagnostics`
of that version of the file. Subjects: the helloworld analysis (tests/fixtures/helloworld, editing
specs/workflow.yml) and the largest workflow of the corpus (by size, with the files beside it,
linted as loose specs). Also printed: `lint()` alone on the same edits in this process, which is
the pipeline's share; the rest is the protocol, the session and the worker thread.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bench import DEFAULT_CORPUS, HELLOWORLD, PROJECT, corpus_workflows

sys.path.insert(0, str(PROJECT))

from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from recast_lint.lint import lint  # noqa: E402
from recast_lint.load import keep_parsed  # noqa: E402
from recast_lint.server import KEPT_DOCUMENTS  # noqa: E402

NEVER = 120.0  # seconds: a server that has not answered by then is broken


def _git_repository(source: Path, into: Path) -> Path:
    shutil.copytree(source, into)
    subprocess.run(["git", "init", "--quiet", str(into)], check=True)
    return into


async def _latencies(workspace: Path, edited: Path, also_open: Sequence[Path], edits: int) -> List[float]:
    client = LanguageClient("recast-lint-bench", "1")
    published: Dict[str, int] = {}
    arrived = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _published(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            published[params.uri] = params.version
        arrived.set()

    async def version_published(uri: str, version: int) -> None:
        while published.get(uri) != version:
            arrived.clear()
            await arrived.wait()

    await client.start_io(sys.executable, "-m", "recast_lint", "server", "--debounce", "0", cwd=str(workspace))
    folder = types.WorkspaceFolder(workspace.as_uri(), workspace.name)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=folder.uri, workspace_folders=[folder]))
    client.initialized(types.InitializedParams())
    for path in [*also_open, edited]:
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(path.as_uri(), "yaml", 1, path.read_text(encoding="utf-8"))))
    uri = edited.as_uri()
    await asyncio.wait_for(version_published(uri, 1), NEVER)
    first_line = edited.read_text(encoding="utf-8").split("\n")[0]
    latencies = []
    for version in range(2, edits + 2):
        typed = version % 2 == 0  # type a space, then delete it
        end = len(first_line) + (0 if typed else 1)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(0, len(first_line)), types.Position(0, end)), text=" " if typed else ""
        )
        started = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(version, uri), [change]))
        await asyncio.wait_for(version_published(uri, version), NEVER)
        latencies.append(time.perf_counter() - started)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return latencies


def _lint_alone(paths: Sequence[Path], edited: Path, workspace: Path, edits: int) -> List[float]:
    """The same edits linted in this process the way the server lints them (parsed files kept, the
    edited one read from the overlay): the pipeline's share of the latency."""
    keep_parsed(KEPT_DOCUMENTS)
    text = edited.read_text(encoding="utf-8")
    first, newline, rest = text.partition("\n")
    lint(list(paths), cwd=workspace, overlay={edited: text}, within=workspace)  # warm: imports, kept documents
    timings = []
    for version in range(2, edits + 2):
        overlay = {edited: first + (" " if version % 2 == 0 else "") + newline + rest}
        started = time.perf_counter()
        lint(list(paths), cwd=workspace, overlay=overlay, within=workspace)
        timings.append(time.perf_counter() - started)
    keep_parsed(0)
    return timings


def _largest_workflow(corpus: Path) -> Optional[Tuple[Path, Path]]:
    workflows = [(path, (path.parent / toplevel).resolve()) for path, toplevel, _ in corpus_workflows(corpus)] if (corpus / "VERDICTS.tsv").is_file() else []
    return max(workflows, key=lambda pair: pair[0].stat().st_size, default=None)


def _row(label: str, latencies: List[float], alone: List[float]) -> str:
    def p90(values: List[float]) -> float:
        return sorted(values)[min(len(values) - 1, int(len(values) * 0.9))]

    figures = [statistics.median(latencies), p90(latencies), statistics.median(alone), p90(alone)]
    return f"{label:<58}" + "".join(f" {figure * 1000:>8.1f}" for figure in figures)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=50, help="one-character edits per subject (median reported)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}; {args.edits} one-character edits per subject, --debounce 0\n")
    print(f"{'':<58} {'server (LSP round trip)':>17} {'lint() alone':>17}")
    print(f"{'milliseconds':<58} {'median':>8} {'p90':>8} {'median':>8} {'p90':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        hello = _git_repository(HELLOWORLD, Path(scratch) / "helloworld").resolve()
        workflow = hello / "specs" / "workflow.yml"
        latencies = asyncio.run(_latencies(hello, workflow, [hello / "specs" / "steps.yml", hello / "recast.yml"], args.edits))
        print(_row("helloworld analysis, edit in specs/workflow.yml", latencies, _lint_alone([hello, workflow], workflow, hello, args.edits)))
        largest = _largest_workflow(args.corpus)
        if largest is None:
            print(f"corpus not found at {args.corpus}; skipped")
            return 0
        source, toplevel = largest
        copy = _git_repository(toplevel, Path(scratch) / "largest").resolve()
        edited = copy / source.resolve().relative_to(toplevel)
        beside = sorted(p for p in copy.iterdir() if p.suffix in (".yml", ".yaml") and p != edited and not p.name.startswith("reana"))
        latencies = asyncio.run(_latencies(copy, edited, beside, args.edits))
        label = f"largest corpus workflow ({source.stat().st_size:,} bytes, {len(beside)} files beside)"
        print(_row(label, latencies, _lint_alone([*beside, edited], edited, copy, args.edits)))
        print(f"  {source.relative_to(args.corpus)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
