"""Differences inside a text field, word by word (and character by character in Chinese).

A reviewer comparing a listing's description with the proposed one should see the sentence that
was added, not the whole paragraph struck through and written again.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# A run of Latin letters or digits is one token (a word, a number, a phone); every other
# character — a Chinese character, a punctuation mark, a space or a line break — is its own.
_TOKEN = re.compile(r"[A-Za-z0-9_]+|.", re.DOTALL)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def inline_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The new text as segments ``(op, text)`` with op ``equal``, ``delete`` (only in the old
    text) or ``insert`` (only in the new one); neighbouring segments of one op are joined."""
    a, b = tokens(old), tokens(new)
    segments: list[tuple[str, str]] = []

    def add(op: str, parts: list[str]) -> None:
        text = "".join(parts)
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", a[i1:i2])
        else:  # replace, delete, insert: what went, then what came
            add("delete", a[i1:i2])
            add("insert", b[j1:j2])
    return segments
