"""What a name is: Unicode letters, digits and ``_`` (LANGUAGE.md §9), NFC-normalised.

A name starts with a letter or ``_`` and goes on with letters, digits (subscripts included,
``W₁``) and ``_``.  Python's ``re`` has no ``\\p{L}``: ``\\w`` is a letter, a digit of any
kind or ``_``, and the classes below take out what must stay an operator or a syntax error:
``ᵀ`` (a modifier letter, but the transpose), superscripts (``x²`` is not a name; ``⁻¹`` is
the inverse), and decimal digits at the start.  Combining marks may follow a letter, so a
name typed in decomposed form (``e`` + U+0301) is one name, stored in its NFC form (``é``).

The grammar's NAME terminal is :data:`PATTERN`; the fast parser, the statement splitter and
the editor features use the same string.  Standard library only.
"""

from __future__ import annotations

import re
import unicodedata

# superscripts (¹ ² ³ and U+2070–U+207F) and ᵀ: never inside a name
_NOT_IN_NAME = r"\u00b2\u00b3\u00b9\u2070-\u207f\u1d40"
# a name does not start with a digit, a subscript (U+2080–U+209F) or a mark
START = rf"[^\W\d{_NOT_IN_NAME}\u2080-\u209f]"
CONTINUE = rf"(?:[^\W{_NOT_IN_NAME}]|[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])"
PATTERN = rf"{START}{CONTINUE}*"
NAME = re.compile(PATTERN)


def normal(text: str) -> str:
    """A name as stored: NFC (ASCII names as they are)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def is_name(text: str) -> bool:
    return NAME.fullmatch(text) is not None
