"""The language's operator tokens, shared by the two parsers (see ``grammar/matdiff.lark``).

``larkparse`` names lark's terminals; ``fastparse`` reads the spellings.  Both store a binary
operator in its canonical spelling (``OPS``), so a grammar change to an operator is made here
once for both, then in the grammar and in ``fastparse``'s tokenizer (see ARCHITECTURE.md).
"""

from __future__ import annotations

# lark terminal of a binary operator → its canonical spelling in the syntax tree
OPS = {
    "PLUS": "+", "MINUS": "-", "STAR": "*", "AT": "@", "SLASH": "/", "DOTSTAR": ".*",
    "DOTSLASH": "./", "HADAMARD": ".*", "KRON": "⊗", "TIMES": "*", "CARET": "^",
    "DOTCARET": ".^",
}  # fmt: skip
BINARY = frozenset(OPS)
OPERAND_END = frozenset({"NAME", "NUMBER", "RPAR", "QUOTE", "DOTT", "SUPT", "SUPINV"})
OPERAND_START = frozenset({"NAME", "NUMBER", "LPAR"})

# each spelling of a binary operator → its lark terminal
TERMINALS = {
    "+": "PLUS", "-": "MINUS", "*": "STAR", "@": "AT", "/": "SLASH", ".*": "DOTSTAR",
    "./": "DOTSLASH", "∘": "HADAMARD", "⊙": "HADAMARD", "⊗": "KRON", "×": "TIMES",
    "·": "TIMES", "^": "CARET", ".^": "DOTCARET",
}  # fmt: skip
# each spelling of a binary operator → its canonical spelling
CANONICAL = {text: OPS[terminal] for text, terminal in TERMINALS.items()}

# Line breaks are ``\n``, ``\r\n`` and ``\r``, as LSP defines them; the driver splits
# statements at them and blanks those inside parentheses, so a statement's text holds none
# (inside one, the grammar ignores ``\r`` with the whitespace).  Other separators (``\v``,
# ``\x1c``-``\x1e``, ``\x85``, ``\u2028``, ``\u2029``) are neither line breaks nor whitespace:
# they are reported, by ``show_char``.


def show_char(ch: str) -> str:
    """A character as a message quotes it: ``'['``, or by code point when it is invisible or
    a control character (``U+200B (ZERO WIDTH SPACE)``, ``U+0000``), never raw."""
    if ch.isprintable() and not (ch.isspace() and ch != " "):
        return f"'{ch}'"
    import unicodedata

    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")
