"""The VS Code grammar (vscode-client/syntaxes/matdiff.tmLanguage.json) names what the server
names: its keyword lists are ``base/language.py``'s, and its one definition of a name, in
Oniguruma's Unicode properties, is ``base/names.py``'s.

The chain: here, ``names.NAME`` (Python's ``\\w`` with exclusions) accepts exactly the
characters of :func:`starts` and :func:`continues` (Unicode categories, all code points), and
the grammar spells those two as Oniguruma classes, used by every rule that reads a name or
bounds a keyword; vscode-client/test/grammar.test.ts runs the grammar's classes in VS Code's
Oniguruma over every character it knows and holds them to the same two definitions.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterator

from matdiff.base import language, names
from tests.conftest import REPO

GRAMMAR = REPO / "vscode-client" / "syntaxes" / "matdiff.tmLanguage.json"

# never in a name: superscripts (x² is no name, ⁻¹ the inverse) and ᵀ (the transpose)
SUPERSCRIPTS = ((0xB2, 0xB2), (0xB3, 0xB3), (0xB9, 0xB9), (0x2070, 0x207F), (0x1D40, 0x1D40))
SUBSCRIPTS = ((0x2080, 0x209F),)  # inside a name (W₁), never first
# combining marks that may follow a letter (a decomposed é is the name é)
COMBINING = ((0x0300, 0x036F), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))


def _within(c: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= ord(c) <= high for low, high in ranges)


def _letter_or_number(c: str) -> bool:
    return unicodedata.category(c)[0] in "LN" or c == "_"


def starts(c: str) -> bool:
    """``[\\p{L}\\p{N}_]`` but not a decimal digit, a superscript, ᵀ or a subscript."""
    return (
        _letter_or_number(c)
        and unicodedata.category(c) != "Nd"
        and not _within(c, SUPERSCRIPTS + SUBSCRIPTS)
    )


def continues(c: str) -> bool:
    """``[\\p{L}\\p{N}_]`` or a combining mark, but not a superscript or ᵀ."""
    return (_letter_or_number(c) or _within(c, COMBINING)) and not _within(c, SUPERSCRIPTS)


def _oniguruma(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        f"\\x{{{low:04X}}}" if low == high else f"\\x{{{low:04X}}}-\\x{{{high:04X}}}"
        for low, high in ranges
    )


# the two definitions, as the grammar must spell them
START = rf"[\p{{L}}\p{{N}}_&&[^\p{{Nd}}{_oniguruma(SUPERSCRIPTS + SUBSCRIPTS)}]]"
CONTINUE = rf"[\p{{L}}\p{{N}}_{_oniguruma(COMBINING)}&&[^{_oniguruma(SUPERSCRIPTS)}]]"
NAME = f"{START}{CONTINUE}*"


def _regexes(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end") and isinstance(value, str):
                yield value
            else:
                yield from _regexes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _regexes(item)


def _grammar() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    return loaded


def _words(scope: str) -> set[str]:
    """The keywords of the rule named ``scope``: its ``(a|b|c)`` between name boundaries."""
    bounded = re.escape(f"(?<!{CONTINUE})(") + r"([^()]*)" + re.escape(f")(?!{CONTINUE})")
    found: set[str] = set()
    stack: list[object] = [_grammar()]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("name") == scope and isinstance(node.get("match"), str):
                m = re.match(bounded, node["match"])
                assert m, node["match"]
                found |= set(m.group(1).split("|"))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_server_names_are_the_two_definitions_over_all_of_unicode() -> None:
    wrong = [
        f"U+{i:04X}"
        for i in range(sys.maxunicode + 1)
        if bool(names.NAME.fullmatch(chr(i))) != starts(chr(i))
        or bool(names.NAME.fullmatch("a" + chr(i))) != continues(chr(i))
    ]
    assert wrong == []


def test_every_rule_reads_names_by_the_one_definition() -> None:
    """A rule that involves names uses NAME, or CONTINUE as a boundary (not ``\\b``, whose
    word characters are Oniguruma's, nor an ASCII class)."""
    uses = 0
    for regex in _regexes(_grammar()):
        rest = regex.replace(NAME, "").replace(f"(?<!{CONTINUE})", "")
        rest = rest.replace(f"(?!{CONTINUE})", "")
        uses += rest != regex
        assert not re.search(r"\\p\{|\\b|\\w|A-Z|a-z", rest), regex
    assert uses >= 10  # declarations, dimensions, definitions, keywords, names, numbers, .T


def test_keywords_are_the_languages() -> None:
    assert _words("storage.type.matdiff") == set(language.TYPES)
    assert _words("storage.type.function.matdiff") == set(language.FUNCTION_TYPES)
    assert _words("storage.modifier.property.matdiff") == set(language.PROPERTIES)
    assert _words("support.function.derivative.matdiff") == set(language.DERIVATIVES)
    assert _words("support.function.builtin.matdiff") == set(language.FUNCTIONS) - set(
        language.DERIVATIVES
    )
    assert _words("support.constant.matdiff") == set(language.BARE_CONSTANTS)
