"""Lark's parser and lexer are built once, whichever threads ask first (the language server
builds them on a thread while its main thread may meet a syntax error), and ``warm`` builds
what the first syntax error needs.  (How much time it saves: ``bench/lsp_startup.py``.)"""

from __future__ import annotations

import threading
from typing import Any

import lark
import pytest

from matdiff import check
from matdiff.syntax import larkparse, parser


def test_threads_asking_together_build_the_parser_once(
    unbuilt: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = lark.Lark
    builds: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def counted(*args: Any, **kwargs: Any) -> lark.Lark:
        builds.append(kwargs.get("parser", "?"))
        inside.set()
        release.wait()  # hold the first build open while the other threads ask
        return real(*args, **kwargs)

    monkeypatch.setattr(lark, "Lark", counted)
    got: list[lark.Lark] = []
    threads = [threading.Thread(target=lambda: got.append(larkparse.parser())) for _ in range(8)]
    for t in threads:
        t.start()
    inside.wait()
    release.set()
    for t in threads:
        t.join()
    assert builds == ["lalr"]
    assert len(got) == 8 and all(p is got[0] for p in got)
    assert larkparse.parser() is got[0]


def test_warm_builds_what_the_first_syntax_error_needs(
    unbuilt: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not larkparse.parser.built and not larkparse._lexer.built
    parser.warm()
    assert larkparse.parser.built and larkparse._lexer.built

    def refuse(*args: Any, **kwargs: Any) -> lark.Lark:
        raise AssertionError("built again")

    monkeypatch.setattr(lark, "Lark", refuse)
    [d] = check("x : vector(n)\nf = x +\n")
    assert d.message == "missing operand after '+'"
