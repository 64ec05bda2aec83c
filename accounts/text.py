"""Putting sentences together as Chinese writes them."""

from __future__ import annotations

from collections.abc import Iterable

#: Punctuation that ends a Chinese sentence or clause: nothing follows it but the next sentence.
_CJK_END = "。！？；：，、）」』”"


def join_sentences(parts: Iterable[object]) -> str:
    """Sentences one after the other: no space after a sentence ending in Chinese punctuation
    (``已保存。已撤回……``), one space otherwise, empty parts left out. Never a separator
    added to a sentence that has its own (``再发放。. 标记`` was such a join)."""
    text = ""
    for part in parts:
        piece = str(part).strip()
        if not piece:
            continue
        if text and not text.endswith(tuple(_CJK_END)):
            text += " "
        text += piece
    return text
