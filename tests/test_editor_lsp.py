"""The bundled schemas in the real yaml-language-server, the way an editor uses them.

The server is the npm package the editors run (VS Code's YAML extension, Neovim, Helix, ...),
driven over stdio by ``tests/lsp_client.py``. It is installed with npm on first use into a cache
outside the clone (``$XDG_CACHE_HOME/recast-lint-tests``, default ``~/.cache``), the only time
these tests reach the network (the npm registry), hence `network`. Without node and npm they are
skipped, saying so. The server's SchemaStore lookup is off: it would fetch a catalogue.

Fixtures mark each line that must show an error with a `# planted:` comment; every other line must
show none.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence

import pytest
from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.schemacheck import SCHEMA_DIR
from tests.helpers import FIXTURES
from tests.lsp_client import Client

pytestmark = pytest.mark.network

SERVER_VERSION = "1.25.0"  # the last 1.x release: 2.x needs Node.js 22.13, newer than Debian's
SETTINGS = {"yaml": {"validate": True, "schemaStore": {"enable": False}, "hover": False, "completion": False, "format": {"enable": False}}}
EDITOR = FIXTURES / "editor"
SPEC_FILES = {"recast.yml": "recast.json", "specs/workflow.yml": "workflow.json", "specs/steps.yml": "steps.json"}
MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)/([a-z]+\.json)")
ERROR = 1  # LSP DiagnosticSeverity.Error


def _install(cache: Path) -> Path:
    """yaml-language-server, installed with npm into ``cache`` unless it is there already."""
    server = cache / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    if server.is_file():
        return server
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{cache.name}.", dir=cache.parent))  # another run may install at the same time
    command = ["npm", "install", "--prefix", str(staging), "--no-audit", "--no-fund", "--loglevel", "error", f"yaml-language-server@{SERVER_VERSION}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"`{' '.join(command)}` failed:\n{done.stdout}{done.stderr}"
    try:
        staging.rename(cache)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return server


@pytest.fixture(scope="module")
def server() -> List[str]:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"yaml-language-server {SERVER_VERSION} needs Node.js 18 or later with npm; {' and '.join(missing)} not on PATH")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    if not re.match(r"v(1[89]|[2-9]\d)\.", version):
        pytest.skip(f"yaml-language-server {SERVER_VERSION} needs Node.js 18 or later; this node is {version or 'of unknown version'}")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "recast-lint-tests" / f"yaml-language-server-{SERVER_VERSION}"
    return [str(shutil.which("node")), str(_install(cache)), "--stdio"]


def shown(server: List[str], paths: Sequence[Path]) -> Dict[Path, List[int]]:
    """The lines the editor marks as errors in each file."""
    with Client(server, SETTINGS) as client:
        found = client.diagnostics(paths)
    return {path: sorted({d["range"]["start"]["line"] + 1 for d in diagnostics if d["severity"] == ERROR}) for path, diagnostics in found.items()}


def planted(path: Path) -> List[int]:
    return [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "# planted:" in line]


def move_schemas(path: Path, base: str) -> str:
    """Put ``base`` in place of the schema location in the modeline of ``path``; the schema file the
    modeline names, which it returns, and the rest of the file stay as they were."""
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    match = MODELINE.fullmatch(first)
    assert match is not None, f"{path}: {first}"
    path.write_text(f"# yaml-language-server: $schema={base}/{match.group(2)}\n{rest}", encoding="utf-8")
    return match.group(2)


def print_schemas(root: Path) -> None:
    """The README's way: `recast-lint schema NAME > .schemas/NAME.json`, modelines relative to each file."""
    (root / ".schemas").mkdir()
    for name, schema in SPEC_FILES.items():
        printed = CliRunner().invoke(main, ["schema", schema.split(".")[0]])
        assert printed.exit_code == 0, printed.output
        (root / ".schemas" / schema).write_text(printed.output, encoding="utf-8")
        assert move_schemas(root / name, os.path.relpath(root / ".schemas", (root / name).parent)) == schema


@pytest.mark.parametrize("needs_auth", ["no", "yes"])
def test_the_untouched_template_shows_no_error(server: List[str], tmp_path: Path, needs_auth: str) -> None:
    root = tmp_path / "analysis"
    created = CliRunner().invoke(main, ["new", str(root), "--no-input", "--set", f"needs_auth={needs_auth}"])
    assert created.exit_code == 0, created.output
    for name, schema in SPEC_FILES.items():  # the template's URL serves a release's copy of these very files
        assert move_schemas(root / name, SCHEMA_DIR.as_uri()) == schema
    paths = [root / name for name in SPEC_FILES]
    assert shown(server, paths) == {path: [] for path in paths}


@pytest.mark.parametrize("schemas", ["bundled", "printed"])
def test_planted_mistakes_are_errors_at_their_lines_and_nothing_else_is(server: List[str], tmp_path: Path, schemas: str) -> None:
    root = tmp_path / "planted"
    shutil.copytree(EDITOR / "planted", root)
    if schemas == "bundled":
        for name in SPEC_FILES:
            move_schemas(root / name, SCHEMA_DIR.as_uri())
    else:
        print_schemas(root)
    paths = [root / name for name in SPEC_FILES]
    assert all(planted(path) for path in paths)  # a server that shows nothing cannot pass
    assert shown(server, paths) == {path: planted(path) for path in paths}


def test_a_file_that_is_one_step_is_checked_as_one_step(server: List[str]) -> None:
    path = EDITOR / "one-step.yml"  # its modeline names step.json by a path relative to it
    assert shown(server, [path]) == {path: planted(path)} == {path: [7]}
