"""Robustness: JSON-RPC errors for bad messages, a failing feature that the server survives,
and a clean exit."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .helpers import SERVER, doc, open_doc

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
COMMAND = [sys.executable, "-m", "matdiff", "lsp"]


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(obj: dict[str, Any]) -> bytes:
    return frame(json.dumps(obj).encode())


def responses(stdout: bytes) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while stdout:
        head, _, rest = stdout.partition(b"\r\n\r\n")
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n"))
        length = int(headers[b"Content-Length"])
        out.append(json.loads(rest[:length]))
        stdout = rest[length:]
    return out


INIT = message({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}}})  # fmt: skip
SHUTDOWN = message({"jsonrpc": "2.0", "id": 99, "method": "shutdown"})
EXIT = message({"jsonrpc": "2.0", "method": "exit"})


def run(*messages: bytes) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run(COMMAND, input=b"".join(messages), capture_output=True, timeout=30)
    return proc.returncode, responses(proc.stdout)


def test_malformed_messages_get_json_rpc_errors() -> None:
    code, got = run(
        INIT,
        frame(b"{this is not json"),
        message({"id": 2, "method": "textDocument/hover", "params": {}}),  # no "jsonrpc"
        message(
            {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "textDocument/hover",
                "params": {"textDocument": 5},
            }
        ),
        message({"jsonrpc": "2.0", "id": 4, "method": "matdiff/noSuchMethod", "params": {}}),
        message(
            {
                "jsonrpc": "2.0",
                "id": 5,  # answered on the event loop, so before the shutdown after it
                "method": "textDocument/documentSymbol",
                "params": {"textDocument": {"uri": "file:///x"}},
            }
        ),
        SHUTDOWN,
        EXIT,
    )
    errors = {r.get("id"): r["error"]["code"] for r in got if "error" in r}
    assert errors == {None: -32700, 2: -32600, 3: -32602, 4: -32601}
    results = {r["id"]: r.get("result") for r in got if "result" in r}
    assert results[5] is None  # an unopened document: null, not an error
    assert 99 in results and code == 0


def test_exit_without_shutdown_is_an_error_code() -> None:
    code, _ = run(INIT, EXIT)
    assert code == 1


def test_end_of_input_ends_the_server() -> None:
    code, got = run(INIT)
    assert got[0]["id"] == 1 and "capabilities" in got[0]["result"]
    assert code == 0


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    )
    yield
    await lsp_client.shutdown_session()


@MODULE_LOOP
async def test_unknown_method(client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException) as info:
        await client.protocol.send_request_async("matdiff/noSuchMethod", {})
    assert info.value.code == -32601


@MODULE_LOOP
async def test_failing_feature_logs_and_server_lives_on(client: LanguageClient) -> None:
    uri = "file:///tmp/crash.matdiff"
    text = "x : vector(n)\ny = x^2\n"
    await open_doc(client, uri, text)
    # a crafted request: a diagnostic whose range runs backwards is refused by the quick fixes
    backwards = types.Range(start=types.Position(line=1, character=7),
                            end=types.Position(line=1, character=0))  # fmt: skip
    crafted = types.Diagnostic(range=backwards, message="x", code="undefined",
                               data={"suggestion": "z"})  # fmt: skip
    got = await client.text_document_code_action_async(
        types.CodeActionParams(text_document=doc(uri), range=backwards,
                               context=types.CodeActionContext(diagnostics=[crafted])))  # fmt: skip
    assert got is None
    assert any("code_action failed" in m.message for m in client.log_messages)
    # one line for the client: the traceback (with install paths) stays on the server's stderr
    failures = [m.message for m in client.log_messages if "code_action failed" in m.message]
    assert all("\n" not in m and "Traceback" not in m and ".py" not in m for m in failures)
    # positions far out of range are clamped, not fatal
    far = types.Position(line=10**6, character=10**6)
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=doc(uri), position=far)
        )
        is None
    )
    # and the server still answers
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(uri), position=types.Position(line=1, character=4))
    )
    assert hover is not None


@MODULE_LOOP
async def test_a_client_library_sees_what_is_wrong(client: LanguageClient) -> None:
    """Through pytest-lsp's client (pygls's own): a command called with the wrong argument
    comes back as a -32602 that says what is wrong, and the next request is served."""
    uri = "file:///tmp/placed.matdiff"
    await open_doc(client, uri, "x : vector(n)\ny = x'*x\n")
    for arguments, words in ((["y"], 'not "y"'), ([], "not 0 arguments"),
                             ([{"uri": uri, "name": 5}], "name is 5")):  # fmt: skip
        with pytest.raises(JsonRpcException) as info:
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="matdiff.variables", arguments=arguments)
            )
        assert info.value.code == -32602 and words in info.value.message
    got = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="matdiff.variables", arguments=[{"uri": uri, "name": "y"}]
        )
    )
    assert got == {"variables": ["x"]}
