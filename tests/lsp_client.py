"""A small Language Server Protocol client over stdio, enough to ask a server for the diagnostics of files.

It speaks JSON-RPC with `Content-Length` framing, answers the server's `workspace/configuration`
requests from the settings it was given, and collects `textDocument/publishDiagnostics`. The tests
drive the real yaml-language-server with it, the way an editor does.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

TIMEOUT = 120.0  # seconds for the server to answer at all; a loaded CI machine is slow, never this slow


class ServerGone(Exception):
    """The server exited or said nothing in time; carries what it wrote on stderr."""


class Client:
    def __init__(self, argv: Sequence[str], settings: Dict[str, Any]) -> None:
        self.settings = settings
        self.process = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue[Optional[Dict[str, Any]]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def __enter__(self) -> Client:
        self._request("initialize", {"processId": None, "rootUri": None, "capabilities": {"workspace": {"configuration": True}}})
        self._notify("initialized", {})
        self._notify("workspace/didChangeConfiguration", {"settings": self.settings})
        return self

    def __exit__(self, *exc: Any) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def diagnostics(self, paths: Sequence[Path]) -> Dict[Path, List[Dict[str, Any]]]:
        """Open ``paths`` and return the diagnostics the server publishes for each."""
        by_uri = {path.resolve().as_uri(): path for path in paths}
        for uri, path in by_uri.items():
            text = path.read_text(encoding="utf-8")
            self._notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        found: Dict[Path, List[Dict[str, Any]]] = {}
        while len(found) < len(by_uri):
            message = self._next()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] in by_uri:
                found[by_uri[message["params"]["uri"]]] = message["params"]["diagnostics"]
        return found

    # -- JSON-RPC -------------------------------------------------------------------------------
    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is not None:
                self.messages.put(json.loads(stream.read(length)))

    def _send(self, message: Dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _notify(self, method: str, params: Dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def _request(self, method: str, params: Dict[str, Any]) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self._send({"id": wanted, "method": method, "params": params})
        while True:
            message = self._next()
            if message.get("id") == wanted and "method" not in message:
                return message.get("result")

    def _next(self) -> Dict[str, Any]:
        """The next message that is not a request of the server's (those are answered here)."""
        while True:
            try:
                message = self.messages.get(timeout=TIMEOUT)
            except queue.Empty:
                message = None
            if message is None:
                self.process.kill()
                raise ServerGone(self.process.communicate()[1].decode("utf-8", "replace")[-2000:])
            if "id" in message and "method" in message:
                self._send({"id": message["id"], "result": self._answer(message)})
                continue
            return message

    def _answer(self, request: Dict[str, Any]) -> Any:
        if request["method"] != "workspace/configuration":
            return None  # registrations, progress: nothing to agree to
        return [self._setting(item.get("section") or "") for item in request["params"]["items"]]

    def _setting(self, section: str) -> Any:
        value: Any = self.settings
        for part in filter(None, section.split(".")):
            value = value.get(part) if isinstance(value, dict) else None
        return value
