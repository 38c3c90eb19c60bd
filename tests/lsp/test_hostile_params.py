"""A hostile client's params, for every method the server registers: valid params mutated
(a value of the wrong type, out of range or huge, a field missing, a field added), the
arguments of its commands and its settings.  A request gets its result or a JSON-RPC error
that names what is wrong (never an internal error); a notification is handled or dropped;
and the server goes on serving the session's edits and requests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matdiff.lsp.server import server

from .test_hostile_wire import JSON, Session
from .wire import (
    URI,
    Wire,
    did_open,
    initialize,
    notification,
    position,
    request,
    span,
)

OTHER = "file:///tmp/other.matdiff"  # what the text notifications change (not the session's)
AT, WHOLE = position(2, 0), span((0, 0), (2, 5))
DOC = {"uri": URI}
NOTEBOOK = {"uri": "file:///tmp/nb.ipynb", "notebookType": "jupyter-notebook", "version": 1,
            "cells": [{"kind": 2, "document": "vscode-notebook-cell:/tmp/nb.ipynb#a"}]}  # fmt: skip

# Valid params of every method the server handles (but the life cycle's, tested elsewhere).
VALID: dict[str, dict[str, Any]] = {
    "textDocument/hover": {"textDocument": DOC, "position": AT},
    "textDocument/completion": {"textDocument": DOC, "position": AT, "context": {"triggerKind": 1}},
    "textDocument/signatureHelp": {"textDocument": DOC, "position": AT},
    "textDocument/definition": {"textDocument": DOC, "position": AT},
    "textDocument/references": {
        "textDocument": DOC,
        "position": AT,
        "context": {"includeDeclaration": True},
    },
    "textDocument/prepareRename": {"textDocument": DOC, "position": AT},
    "textDocument/rename": {"textDocument": DOC, "position": AT, "newName": "h"},
    "textDocument/codeAction": {
        "textDocument": DOC,
        "range": WHOLE,
        "context": {"diagnostics": []},
    },
    "textDocument/semanticTokens/full": {"textDocument": DOC},
    "textDocument/semanticTokens/full/delta": {"textDocument": DOC, "previousResultId": "1"},
    "textDocument/semanticTokens/range": {"textDocument": DOC, "range": WHOLE},
    "textDocument/inlayHint": {"textDocument": DOC, "range": WHOLE},
    "textDocument/documentSymbol": {"textDocument": DOC},
    "textDocument/formatting": {
        "textDocument": DOC,
        "options": {"tabSize": 4, "insertSpaces": True},
    },
    "workspace/executeCommand": {
        "command": "matdiff.derivative",
        "arguments": [{"uri": URI, "name": "A", "wrt": "x"}],
    },
    "textDocument/didOpen": {
        "textDocument": {"uri": OTHER, "languageId": "matdiff", "version": 1, "text": "a = 1\n"}
    },
    "textDocument/didChange": {
        "textDocument": {"uri": OTHER, "version": 2},
        "contentChanges": [{"range": WHOLE, "text": "b"}],
    },
    "textDocument/didClose": {"textDocument": {"uri": OTHER}},
    "workspace/didChangeConfiguration": {"settings": {"matdiff": {"layout": "both"}}},
    "workspace/didChangeWorkspaceFolders": {"event": {"added": [], "removed": []}},
    "initialized": {},
    "$/setTrace": {"value": "off"},
    "window/workDoneProgress/cancel": {"token": "t"},
    "notebookDocument/didOpen": {"notebookDocument": NOTEBOOK, "cellTextDocuments": []},
    "notebookDocument/didChange": {
        "notebookDocument": {"uri": NOTEBOOK["uri"], "version": 2},
        "change": {"metadata": {}},
    },
    "notebookDocument/didClose": {
        "notebookDocument": {"uri": NOTEBOOK["uri"]},
        "cellTextDocuments": [],
    },
}
LIFE_CYCLE = {"initialize", "shutdown", "exit"}
REQUESTS = {m for m in VALID if not m.startswith(("textDocument/did", "notebookDocument/"))} - {
    "workspace/didChangeConfiguration", "workspace/didChangeWorkspaceFolders", "initialized",
    "$/setTrace", "window/workDoneProgress/cancel"}  # fmt: skip
ANSWERS = (-32602, -32803)  # invalid params, a request refused with its reason (rename)


def test_every_method_the_server_handles_is_attacked_here() -> None:
    fm = server.protocol.fm
    assert set(fm.features) | set(fm.builtin_features) == set(VALID) | LIFE_CYCLE


ODD = ["2", "", -1, 2**31, 2**31 - 1, 10**30, 1.5, True, None, [], {}, [1, "a"], {"line": "x"},
       "x" * 10_000, "\ud800", "𝔸", -(2**63)]  # fmt: skip
HOSTILE = st.sampled_from(ODD) | JSON


def places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside ``value`` (not ``value`` itself)."""
    if isinstance(value, dict | list):
        for k, v in value.items() if isinstance(value, dict) else enumerate(value):
            yield (*path, k)
            yield from places(v, (*path, k))


@st.composite
def mutated(draw: st.DrawFn, value: dict[str, Any]) -> dict[str, Any]:
    value = copy.deepcopy(value)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from([(), *places(value)]))
        parent = value
        for k in where[:-1]:
            parent = parent[k]
        how = draw(st.sampled_from(["replace", "delete", "add"]))
        if not where or how == "add":
            target = parent[where[-1]] if where else value
            if isinstance(target, dict):
                target[draw(st.text(max_size=8))] = copy.deepcopy(draw(HOSTILE))
            elif isinstance(target, list):
                target.append(copy.deepcopy(draw(HOSTILE)))
        elif how == "delete":
            del parent[where[-1]]
        else:
            parent[where[-1]] = copy.deepcopy(draw(HOSTILE))  # (ODD's values stay as they are)
    return value


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    with Wire() as wire:
        wire.result(initialize(0), 0)
        wire.send(notification("initialized", {}), did_open(), did_open(uri=OTHER))
        yield Session(wire)
        assert wire.close(request("bye", "shutdown"), notification("exit")) == 0
        assert [m for m in wire.notes if m["method"] == "window/showMessage"] == []


SOME = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip


@pytest.mark.parametrize("method", sorted(VALID))
def test_valid_params_are_served(session: Session, method: str) -> None:
    """The table holds params that work: what the mutations start from."""
    if method in REQUESTS:
        assert "result" in session.wire.ask(request("valid", method, VALID[method]), "valid")
    else:
        session.wire.send(notification(method, VALID[method]))
    session.check()


@SOME
@given(data=st.data())
def test_mutated_params_are_answered_or_dropped(session: Session, data: st.DataObject) -> None:
    method = data.draw(st.sampled_from(sorted(VALID)))
    params = data.draw(mutated(VALID[method]))
    if method in REQUESTS:
        got = session.wire.ask(request("mutated", method, params), "mutated")
        if "error" in got:
            assert got["error"]["code"] in ANSWERS, got
            assert "Traceback" not in got["error"]["message"]
            if got["error"]["code"] == -32602 and method != "workspace/executeCommand":
                assert f"invalid params for {method}: params" in got["error"]["message"]
    else:
        session.wire.send(notification(method, params))
    session.check()


def test_a_bad_param_is_named_in_the_answer(session: Session) -> None:
    cases = [
        ({"textDocument": DOC, "position": position(-1, 0)},  # type: ignore[arg-type]
         "params.position.line: expected an integer from 0 to 2147483647, got -1"),
        ({"textDocument": DOC, "position": {"line": "2", "character": 0}},
         'params.position.line: expected an integer, got "2"'),
        ({"textDocument": DOC, "position": {"line": True, "character": 0}},
         "params.position.line: expected an integer, got true"),
        ({"textDocument": DOC, "position": {"line": 2.5, "character": 0}},
         "params.position.line: expected an integer, got 2.5"),
        ({"textDocument": {"uri": 5}, "position": AT},
         "params.textDocument.uri: expected a string, got 5"),
        ({"textDocument": DOC}, "params.position: missing"),
        ({"textDocument": [], "position": AT}, "params.textDocument: expected an object"),
    ]  # fmt: skip
    for params, words in cases:
        error = session.wire.error(request("bad", "textDocument/hover", params), "bad")
        assert error["code"] == -32602 and words in error["message"], error
    session.check()


COMMAND_ARGUMENTS = st.lists(
    JSON | st.fixed_dictionaries({}, optional={
        "uri": st.sampled_from([URI, OTHER, "file:///nowhere"]) | HOSTILE,
        "name": st.sampled_from(["A", "x", "f", "b"]) | HOSTILE,
        "wrt": st.sampled_from(["A", "x"]) | HOSTILE,
        "layout": st.sampled_from(["gradient", "numerator", "hessian", "sideways"]) | HOSTILE,
        "emit": st.sampled_from(["text", "latex", "numpy", "equation", "steps-latex"]) | HOSTILE,
    }), max_size=3)  # fmt: skip


@SOME
@given(command=st.sampled_from(["matdiff.derivative", "matdiff.variables"]),
       arguments=COMMAND_ARGUMENTS | JSON)  # fmt: skip
def test_commands_with_hostile_arguments(session: Session, command: str, arguments: Any) -> None:
    params = {"command": command, "arguments": arguments}
    got = session.wire.ask(request("command", "workspace/executeCommand", params), "command")
    if "error" in got:  # what is wrong with the arguments, in words
        assert got["error"]["code"] == -32602, got
        assert command in got["error"]["message"] or "params.arguments" in got["error"]["message"]
    else:  # a result: null (no such document) or the command's own answer
        result = got["result"]
        assert result is None or "error" in result or "text" in result or "variables" in result
    session.check()


def test_a_command_names_what_is_wrong(session: Session) -> None:
    def error(arguments: Any) -> str:
        params = {"command": "matdiff.derivative", "arguments": arguments}
        got = session.wire.error(request("e", "workspace/executeCommand", params), "e")
        assert got["code"] == -32602
        return got["message"]  # type: ignore[no-any-return]

    assert "takes one argument" in error([])
    assert "not 2 arguments" in error([{"uri": URI}, {"uri": URI}])
    assert 'not "x"' in error(["x"])
    assert "uri is missing" in error([{"name": "A"}])
    assert "name is 5" in error([{"uri": URI, "name": 5}])
    assert "arguments: expected" in error({"uri": URI})  # not a list at all
    session.check()


OURS = st.fixed_dictionaries({}, optional={
    "layout": st.sampled_from(["gradient", "numerator", "both"]) | HOSTILE,
    "stepsOnHover": st.booleans() | HOSTILE,
    "numericCheck": st.booleans() | HOSTILE,
})  # fmt: skip
SETTINGS = JSON | st.fixed_dictionaries({"matdiff": JSON | OURS})


@SOME
@given(value=SETTINGS)
def test_hostile_settings_keep_defaults_and_say_so(session: Session, value: Any) -> None:
    before = len(session.wire.notes)
    session.wire.send(notification("workspace/didChangeConfiguration", {"settings": value}))
    session.check()
    said = [m["params"]["message"] for m in session.wire.notes[before:]
            if m["method"] == "window/logMessage"]  # fmt: skip
    ours = value.get("matdiff") if isinstance(value, dict) else None
    if isinstance(ours, dict):
        for key, allowed in (("stepsOnHover", (True, False)), ("numericCheck", (True, False)),
                             ("layout", ("gradient", "numerator", "both"))):  # fmt: skip
            wrong = key in ours and not any(
                ours[key] == a and type(ours[key]) is type(a) for a in allowed
            )
            assert wrong == any(f"matdiff.{key} is " in s for s in said), (key, ours, said)


def test_settings_of_the_wrong_kind_are_named(session: Session) -> None:
    before = len(session.wire.notes)
    bad = {"layout": [1], "stepsOnHover": "no", "numericCheck": {"a": 1}}
    session.wire.send(notification("workspace/didChangeConfiguration",
                                   {"settings": {"matdiff": bad}}))  # fmt: skip
    session.check()
    said = [m["params"]["message"] for m in session.wire.notes[before:]
            if m["method"] == "window/logMessage"]  # fmt: skip
    assert 'matdiff.layout is a list, not "gradient", "numerator" or "both": "both" is used' in (
        " ".join(said)
    )
    assert 'matdiff.stepsOnHover is "no", not true or false: true is used' in " ".join(said)
    assert "matdiff.numericCheck is an object" in " ".join(said)
    shown = session.wire.result(request("h", "textDocument/hover", VALID["textDocument/hover"]),
                                "h")  # fmt: skip
    assert "numerator layout" in shown["contents"]["value"]  # the defaults: both layouts
    assert "✓ checked" in shown["contents"]["value"]  # the numeric check, on by default


FAR = [position(2**31 - 1, 2**31 - 1), position(0, 2**31 - 1), position(2**31 - 1, 0)]
RANGES = [span((2, 5), (0, 0)), span((2**31 - 1, 0), (0, 2**31 - 1)), span((9, 9), (9, 9))]


def test_extreme_positions_and_ranges_are_served(session: Session) -> None:
    """Positions far past the text and ranges that run backwards are valid LSP: each request
    answers (clamped), and no feature fails on them."""
    before = len(session.wire.logged())
    for method, params in VALID.items():
        if method not in REQUESTS or method == "workspace/executeCommand":
            continue
        cases = [{"position": p} for p in FAR] if "position" in params else []
        cases += [{"range": r} for r in RANGES] if "range" in params else []
        for i, change in enumerate(cases):
            got = session.wire.ask(request(f"far{i}", method, {**params, **change}), f"far{i}")
            assert "result" in got or got["error"]["code"] == -32803, (method, change, got)
    failed = [m for m in session.wire.logged()[before:] if "failed" in m]
    assert failed == []
    session.check()
