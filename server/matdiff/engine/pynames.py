"""A document's name as a Python identifier, for the code emitters.

Python reads identifiers in NFKC and accepts letters of any script (``λ``, ``Σ``), but not
every character a matdiff name may hold: a subscript digit (``W₁``) is no identifier
character.  Such a character is written as its NFKC form where that is one (``W₁`` →
``W1``), else as ``_`` and its code point in hex.
"""

from __future__ import annotations

import functools
import unicodedata


@functools.cache
def python_name(name: str) -> str:
    if name.isascii() or name.isidentifier():
        return name
    out = []
    for ch in name:
        if ("a" + ch).isidentifier():
            out.append(ch)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if ("a" + folded).isidentifier() else f"_{ord(ch):x}")
    return "".join(out)
