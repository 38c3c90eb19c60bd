"""No code from a cache: the parser never unpickles anything.

Lark's parse-table cache is a pickle, and lark unpickles a cache file before it compares the
grammar's hash, so a file planted where the cache would be runs code on the next syntax
error.  matdiff keeps no such cache (lark is built, in ~0.1 s, on the first syntax error of a
process).  Planted payloads — owned by another user, reached through a symlink, in a
group-writable folder, where matdiff's old cache and lark's own cache lived — must not run.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import lark
import pytest

from matdiff import check
from matdiff.syntax import larkparse


class _Payload:
    """Unpickling this creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _plant(path: Path, marker: Path) -> None:
    data = pickle.dumps(_Payload(marker))
    path.write_bytes(b"0" * 32 + b"\n" + data)  # lark's layout: the grammar's hash, a pickle


def test_building_the_parser_unpickles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def refuse(*args: object, **kwargs: object) -> object:
        calls.append("unpickle")
        raise AssertionError("the parser must not unpickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    larkparse.parser.cache_clear()
    try:
        diagnostics = check("x : vector(n)\nf = x +\n")
    finally:
        larkparse.parser.cache_clear()
    assert [d.message for d in diagnostics] == ["missing operand after '+'"]
    assert calls == []


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="needs root to chown")
def test_planted_cache_files_do_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    cache = tmp_path / "cache"
    folder = cache / "matdiff"
    folder.mkdir(parents=True)
    name = f"lark-{lark.__version__}-parser.pickle"
    # owned by another user (nobody), in a group-writable folder
    planted = folder / name
    _plant(planted, marker)
    os.chown(planted, 65534, 65534)
    folder.chmod(0o777)
    # and a symlink from the home's cache to a payload elsewhere
    home = tmp_path / "home"
    (home / ".cache" / "matdiff").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.pickle"
    _plant(elsewhere, marker)
    (home / ".cache" / "matdiff" / name).symlink_to(elsewhere)
    # and lark's own default cache names in the temporary directory, for good measure
    temp = tmp_path / "tmp"
    temp.mkdir()
    for leftover in (".lark_cache_root.tmp", f".lark_cache_{lark.__version__}.tmp"):
        _plant(temp / leftover, marker)
    document = tmp_path / "broken.matdiff"
    document.write_text("x : vector(n)\nf = x +\n", encoding="utf-8")
    for env in ({"XDG_CACHE_HOME": str(cache)}, {"HOME": str(home), "XDG_CACHE_HOME": ""}):
        run = subprocess.run(
            [sys.executable, "-m", "matdiff", "check", str(document)],
            capture_output=True,
            text=True,
            env={**os.environ, "TMPDIR": str(temp), **env},
            timeout=120,
        )
        assert run.returncode == 1, run.stderr
        assert "missing operand after '+'" in run.stdout
        assert not marker.exists(), "a planted pickle ran"
