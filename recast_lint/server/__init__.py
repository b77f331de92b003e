"""`recast-lint server`: the linter in the editor, over the Language Server Protocol on stdio.

    editor ──didOpen/didChange──▶ session (buffers = the model's overlay) ──lint (worker thread)──▶ publishDiagnostics
    editor ──hover/definition/completion/codeAction──▶ the model of the latest lint ──▶ answers

``app`` is the pygls application; ``session`` holds the buffers and what to lint; ``navigate``,
``complete`` and ``actions`` answer requests from the model; ``context`` reads the cursor's place
from half-typed text; ``positions`` converts places between the model and the protocol. pygls is
an optional dependency (``pip install 'recast-lint[server]'``): only this command imports it.
"""

from __future__ import annotations

import importlib.util

KEPT_DOCUMENTS = 64  # parsed files kept between lints: an analysis's files and the last versions of the edited ones
INSTALL_HINT = "`recast-lint server` needs pygls; install it with: pip install 'recast-lint[server]'"


class ServerUnavailable(Exception):
    """pygls is not installed (a usage error: exit 2, one line)."""


def serve(debounce_ms: int) -> None:
    """Serve one editor on standard input and output until it exits."""
    if importlib.util.find_spec("pygls") is None:
        raise ServerUnavailable(INSTALL_HINT)
    from recast_lint.load import keep_parsed
    from recast_lint.server.app import server

    keep_parsed(KEPT_DOCUMENTS)  # an edit parses the edited file again, not every file of the analysis
    server.debounce = debounce_ms / 1000
    server.start_io()
