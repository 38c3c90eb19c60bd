"""LaTeX spellings of names (LANGUAGE.md §9): Greek letters as commands, subscripts braced,
specials escaped; and whether a LaTeX text ends in a script.  Read through ``printer``."""

from __future__ import annotations

import re
import unicodedata

# Greek letters LaTeX has commands for (the capitals that look Latin have none: Α is A)
_GREEK_WORDS = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
    "xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
)
_GREEK_SET = frozenset(_GREEK_WORDS.split())


def _greek_command(ch: str) -> str | None:
    """``\\lambda`` for λ, ``\\Sigma`` for Σ; None for anything else."""
    try:
        uname = unicodedata.name(ch)
    except ValueError:
        return None
    m = _GREEK_LETTER.fullmatch(uname)
    if m is None:
        return None
    word = m.group(3).lower().replace("lamda", "lambda")
    if m.group(2):
        word = "var" + word
    if m.group(1) == "CAPITAL":
        word = word.capitalize()
    return f"\\{word}" if word in _GREEK_SET else None


_GREEK_LETTER = re.compile(r"(?:MATHEMATICAL ITALIC )?GREEK (SMALL|CAPITAL) LETTER (FINAL )?(\w+)")
_LATEX_SPECIAL = {"_": "\\_", "#": "\\#", "$": "\\$", "%": "\\%", "&": "\\&"}


_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def latex_name(name: str) -> str:
    """A name as LaTeX (LANGUAGE.md §9): a Greek letter as its command (λ, ``lambda`` →
    ``\\lambda``), one letter as itself, several letters upright (``\\mathrm{lam}``), a
    trailing number as a subscript (``W1`` → ``W_1``, ``W12`` → ``W_{12}``; ``W₁`` too)."""
    name = name.translate(_SUBSCRIPT_DIGITS)
    m = re.fullmatch(r"(.*?\D)(\d+)", name)
    if m is not None:
        digits, base = m.group(2), m.group(1)
        base = base[:-1] if base.endswith("_") and len(base) > 1 else base  # x_1 → x_1
        return latex_name(base) + (f"_{digits}" if len(digits) == 1 else f"_{{{digits}}}")
    if name in _GREEK_SET:
        return f"\\{name}"
    if len(name) == 1 and name.isascii():
        return _LATEX_SPECIAL.get(name, name)
    pieces = [_latex_char(ch) for ch in name]
    if len(pieces) == 1:
        return pieces[0].rstrip()
    return f"\\mathrm{{{''.join(pieces).rstrip()}}}"


def _latex_base(name: str) -> str:
    """A declared function's name as LaTeX, braced where it ends in a subscript (so that a
    prime or an argument follows the whole name: ``{f_1}'``)."""
    text = latex_name(name)
    return f"{{{text}}}" if _ends_with_script(text) else text


def _latex_char(ch: str) -> str:
    """One character of a name: Greek as its command, other non-ASCII letters as text."""
    if ch.isascii():
        return _LATEX_SPECIAL.get(ch, ch)
    cmd = _greek_command(ch) or {"ℓ": "\\ell", "ϕ": "\\phi", "ϵ": "\\epsilon"}.get(ch)
    return f"{cmd} " if cmd else f"\\text{{{ch}}}"


def _ends_with_script(text: str) -> bool:
    """Does LaTeX ``text`` end in a superscript or subscript (``X^\\top``, ``W_{12}``, ``W_1``)?
    Another script on it must brace it first: ``{X^{-1}}^\\top``, never ``X^{-1}^\\top``."""
    if text.endswith("^\\top"):
        return True
    if re.search(r"[\^_][A-Za-z0-9]$", text):
        return True
    if not text.endswith("}"):
        return False
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == "}":
            depth += 1
        elif text[i] == "{":
            depth -= 1
            if depth == 0:
                return i > 0 and text[i - 1] in "^_"
    return False
