"""Keeping credentials out of everything recast-lint prints or writes.

Two sources of secrets: the text of a region a rule marks sensitive (a committed password, token or
key), which the lint blanks in the sources every format shows and masks in every message; and the
values of credential variables in the environment, which the runner masks in everything it relays.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Tuple, Union

MASK = "***"
# a 1-3 character "secret" would mask half the output (and cannot be a real password)
MIN_SECRET = 4
_PARTIAL = -1
_LINE_BREAK = "\r\n"
_INDENT = " \t"


def region_secrets(text: str) -> List[str]:
    """The secrets a sensitive region's ``text`` holds: each of its lines, without the indentation and
    quotes around it, when long enough to be one (a multi-line key is masked line by line)."""
    pieces = (line.strip().strip("'\"").strip() for line in text.splitlines())
    return [piece for piece in pieces if len(piece) >= MIN_SECRET]


def blank(text: str, regions: Iterable[Tuple[int, int]], secrets: Iterable[str] = ()) -> str:
    """``text`` with every character of the ``regions`` (offsets) and of every occurrence of the
    ``secrets`` replaced by `*`, line breaks kept: lines and columns stay where they were."""
    chars = list(text)
    spans = list(regions)
    for secret in secrets:
        found = text.find(secret)
        while found >= 0:
            spans.append((found, found + len(secret)))
            found = text.find(secret, found + len(secret))
    for start, end in spans:
        for index in range(max(0, start), min(end, len(chars))):
            if chars[index] not in _LINE_BREAK:
                chars[index] = "*"
    return "".join(chars)


class Masker:
    """Replaces every occurrence of the ``secrets`` in a stream of text by ``***``, however the stream
    is cut: a secret split across two reads is masked, and so is one that a line break (with the
    indentation after it) splits across two lines, as wrapping does. Text that may be the start of a
    secret is held back until the next ``feed`` tells, or ``flush`` ends the stream."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._starts: Optional[re.Pattern] = (
            re.compile("[" + "".join(sorted({re.escape(s[0]) for s in self.secrets})) + "]") if self.secrets else None
        )
        self._pending = ""

    def feed(self, text: str) -> str:
        """The part of the stream so far that is safe to show, masked."""
        shown, self._pending = self._mask(self._pending + text, final=False)
        return shown

    def flush(self) -> str:
        shown, self._pending = self._mask(self._pending, final=True)
        return shown

    def mask(self, text: str) -> str:
        """A whole text at once."""
        return self.feed(text) + self.flush()

    def _mask(self, text: str, final: bool) -> Tuple[str, str]:
        if self._starts is None:
            return text, ""
        out: List[str] = []
        done = 0  # text[:done] is decided
        candidate = self._starts.search(text)
        while candidate is not None:
            at = candidate.start()
            ends = [_match(text, at, secret) for secret in self.secrets]
            if _PARTIAL in ends and not final:
                out.append(text[done:at])
                return "".join(out), text[at:]  # wait for more: it may become a secret
            end = max((e for e in ends if e is not None and e != _PARTIAL), default=None)
            if end is None:
                candidate = self._starts.search(text, at + 1)
                continue
            out.append(text[done:at])
            out.append(MASK)
            done = end
            candidate = self._starts.search(text, end)
        out.append(text[done:])
        return "".join(out), ""


def _match(text: str, at: int, secret: str) -> Union[int, None]:
    """The end of ``secret`` written in ``text`` from ``at`` (line breaks and indentation allowed
    inside it), ``_PARTIAL`` when the text ends in the middle of it, or None."""
    position, matched = at, 0
    while matched < len(secret):
        if position >= len(text):
            return _PARTIAL
        char = text[position]
        if char == secret[matched]:
            position, matched = position + 1, matched + 1
        elif matched and char in _LINE_BREAK:
            position += 1
            while position < len(text) and text[position] in _LINE_BREAK + _INDENT:
                position += 1
        else:
            return None
    return position
