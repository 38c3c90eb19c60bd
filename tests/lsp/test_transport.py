"""The reader of standard input (``lsp/transport.Frames``), in-process: the messages read do
not depend on how the input arrives (in pieces of any size), and garbage between messages
costs one Broken item while every message around it is read whole."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from matdiff.lsp.transport import END, Broken, Frames


class Pieces:
    """A stream that hands out its bytes in the given sizes (as a pipe does)."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes = data, sizes

    def read1(self, n: int) -> bytes:
        size = min(self.sizes.pop(0) if self.sizes else n, n)
        out, self.data = self.data[:size], self.data[size:]
        return out


def read_all(data: bytes, sizes: list[int]) -> list[Any]:
    frames, out = Frames(Pieces(data, sizes)), []  # type: ignore[arg-type]
    while (item := frames.next()) is not END:
        out.append(item)
    return out


def frame(obj: Any, newline: bytes = b"\r\n") -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d%s%s" % (len(body), newline, newline) + body


MESSAGES = st.lists(
    st.fixed_dictionaries(
        {
            "jsonrpc": st.just("2.0"),
            "id": st.integers(0, 9),
            "method": st.text('ab/\r\n\\"é𝔸', max_size=6),
        }
    ),
    min_size=1,
    max_size=5,
)
GARBAGE = st.binary(max_size=40).filter(lambda b: b"content-length" not in b.lower())


@settings(max_examples=300, deadline=None)
@given(messages=MESSAGES, sizes=st.lists(st.integers(1, 30), max_size=60),
       newline=st.sampled_from([b"\r\n", b"\n"]))  # fmt: skip
def test_any_split_of_the_input_reads_the_same(messages: list[Any], sizes: list[int],
                                               newline: bytes) -> None:  # fmt: skip
    data = b"".join(frame(m, newline) for m in messages)
    assert read_all(data, sizes) == messages


@settings(max_examples=300, deadline=None)
@given(messages=MESSAGES, garbage=st.lists(GARBAGE, min_size=1, max_size=5),
       sizes=st.lists(st.integers(1, 30), max_size=60))  # fmt: skip
def test_garbage_between_messages_loses_no_message(messages: list[Any], garbage: list[bytes],
                                                   sizes: list[int]) -> None:  # fmt: skip
    data = b""
    for i, m in enumerate(messages):
        data += garbage[i % len(garbage)] + b"\r\n" + frame(m)
    got = read_all(data, sizes)
    assert [g for g in got if not isinstance(g, Broken)] == messages
    assert sum(isinstance(g, Broken) for g in got) <= len(messages)  # at most one per garbage


def test_a_body_cut_short_gives_the_next_message_whole() -> None:
    body = json.dumps({"a": 1}).encode()
    lying = b"Content-Length: %d\r\n\r\n" % (len(body) + 20) + body  # it runs into the next
    got = read_all(lying + frame({"b": 2}), [])
    assert isinstance(got[0], Broken) and "shorter than its Content-Length" in got[0].why
    assert got[1:] == [{"b": 2}]


def test_a_skipped_message_is_not_kept_in_memory() -> None:
    """A message past the limit is skipped as it streams by: the buffer stays small."""
    frames = Frames(Pieces(b"Content-Length: 100000\r\n\r\n" + b"x" * 100_000 + frame(1), []),
                    limit=1000)  # type: ignore[arg-type]  # fmt: skip
    got = frames.next()
    assert isinstance(got, Broken) and "over the limit of 1000" in got.why
    assert frames.next() == 1 and len(frames._buf) == 0


@settings(max_examples=100, deadline=None)
@given(header=st.sampled_from([b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n",
                               b"Content-Length: 99999999999\r\n\r\n",
                               b"Content-Type: x\r\n\r\n"]),
       sizes=st.lists(st.integers(1, 6000), max_size=8))  # fmt: skip
def test_a_refused_header_loses_no_byte_of_the_next(header: bytes, sizes: list[int]) -> None:
    """A header refused whole (no Content-Length, a length past the limit) is dropped up to
    its end: the next message is read whole however the input arrives (it lost its first
    byte, and so was skipped, when it came in the same read)."""
    got = read_all(header + frame({"b": 2}), sizes)
    assert isinstance(got[0], Broken) and got[1:] == [{"b": 2}]
