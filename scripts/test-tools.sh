#!/usr/bin/env bash
# The reference tools the comparison tests run, each where the tests look for it, and Graphviz for
# the picture tests. Each is optional: a test whose tool is missing skips and says which command
# makes it. CI runs this before the README's test command, so nothing it could check is skipped.
#
#   bench/.envs/reference   yadage 0.21.2 and packtivity 0.17.1 (yadage-validate, yadage-run)
#   bench/.envs/reana       reana-client 0.9.6 (validates the reana.yaml `submit` writes)
#   bench/.envs/mermaid     mermaid.js 10 with jsdom (parses what `graph --format mermaid` draws)
#   dot                     Debian's graphviz, installed with apt-get when run as root
#
# Each part is made once and kept (bench/.envs/ is git-ignored); a part that cannot be made here
# (no npm, not root) is left out with a note, and its tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."

venv() {
    local name=$1
    shift
    if [ ! -x "bench/.envs/$name/bin/python" ]; then
        echo "test-tools: creating bench/.envs/$name ($*)" >&2
        python3 -m venv "bench/.envs/$name"
        "bench/.envs/$name/bin/pip" install --quiet "$@"
    fi
}

venv reference yadage==0.21.2 packtivity==0.17.1
venv reana reana-client==0.9.6

if [ ! -d bench/.envs/mermaid/node_modules/mermaid ]; then
    if command -v npm >/dev/null 2>&1; then
        echo "test-tools: installing mermaid.js into bench/.envs/mermaid" >&2
        npm install --prefix bench/.envs/mermaid --silent --no-audit --no-fund mermaid@10 jsdom@24 >/dev/null
    else
        echo "test-tools: no npm, so the Mermaid parse test will skip" >&2
    fi
fi

if ! command -v dot >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "test-tools: installing graphviz" >&2
        apt-get install -y --no-install-recommends graphviz >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends graphviz >/dev/null; }
    else
        echo "test-tools: no dot and no root to install graphviz, so the Graphviz tests will skip" >&2
    fi
fi
