"""The documentation stands alone: every relative link in README.md, ARCHITECTURE.md and
docs/*.md resolves inside the repository (anchors included), nothing refers to files beside
it, the language reference's complete examples (its ```matdiff blocks) check clean, and the
README's ``matdiff.derivative`` example answers what it says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matdiff.api import check_host
from matdiff.base.embedded import markdown_blocks
from matdiff.features import commands
from matdiff.features.snapshot import Snapshot
from tests.conftest import REPO

DOCS = [REPO / "README.md", REPO / "ARCHITECTURE.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|^\s*\[[^\]]+\]:\s*(\S+)",
                  re.MULTILINE)  # fmt: skip
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, …


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


def broken_links(path: Path, root: Path = REPO) -> list[str]:
    """The relative links of the Markdown file ``path`` that do not resolve to a file (and
    anchor) inside the repository ``root``."""
    text = path.read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)  # links in code do not count
    out = []
    for m in LINK.finditer(prose):
        target = m.group(1) or m.group(2)
        if EXTERNAL.match(target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path.resolve()
        if not resolved.is_relative_to(root.resolve()) or not resolved.exists():
            out.append(f"{target}: no such file in the repository")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            out.append(f"{target}: no heading '#{anchor}' in {resolved.name}")
    return out


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(REPO)) for p in DOCS])
def test_relative_links_resolve_inside_the_repository(path: Path) -> None:
    assert broken_links(path) == []


# the developers' folder beside a checkout, which a clone does not have (spelt in two parts,
# so that this file does not name it)
SIBLING = "sha" + "red"


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(REPO)) for p in DOCS])
def test_nothing_refers_to_files_beside_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.findall(rf"\.\./{SIBLING}\S*", text) == []


# a path spelt out, or built from the folder's name (parent / "…")
BESIDE = re.compile(
    rf"\.\./{SIBLING}|\b{SIBLING}/(?:corpus|reference|notes|LANGUAGE)|[\"']{SIBLING}[\"']"
)


def test_no_tracked_file_refers_to_files_beside_the_repository() -> None:
    """Code, grammar, scripts and tests name the repository's own files: a clone has nothing
    beside it.  (The verbatim corpus copy in ``tests/data/corpus`` keeps its own words.)"""
    import subprocess

    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    found = []
    for name in listed.stdout.splitlines():
        if name.startswith("tests/data/corpus/"):
            continue
        try:
            text = (REPO / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # images, fonts
        found += [f"{name}: {m.group()}" for m in BESIDE.finditer(text)]
    assert found == []


def test_the_link_check_finds_broken_links(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "README.md").write_text("# Read me\n", encoding="utf-8")
    (tmp_path / "beside.md").write_text("# Beside\n", encoding="utf-8")
    page = repo / "docs" / "page.md"
    page.write_text(
        "# Title\n## Planned (v2)\n[ok](page.md#planned-v2) [up](../README.md#read-me)\n"
        "[web](https://x.org/a) [gone](missing.md) [out](../../beside.md)\n"
        "[anchor](../README.md#nowhere)\n```\n[in code](nowhere.md)\n```\n"
        "[self](#title) [bad self](#untitled)\n[ref]: ../nothing.md\n",
        encoding="utf-8",
    )
    assert broken_links(page, repo) == [
        "missing.md: no such file in the repository",
        "../../beside.md: no such file in the repository",
        "../README.md#nowhere: no heading '#nowhere' in README.md",
        "#untitled: no heading '#untitled' in page.md",
        "../nothing.md: no such file in the repository",
    ]


def test_the_language_reference_examples_check_clean() -> None:
    text = (REPO / "docs" / "language.md").read_text(encoding="utf-8")
    assert len(markdown_blocks(text)) >= 5
    assert check_host(text, "markdown") == []


def test_the_example_check_reports_a_broken_example() -> None:
    page = "# Doc\n```matdiff\nx : vector(n)\nf = x*x\n```\n"
    assert [str(d) for d in check_host(page, "markdown")] == [
        "4:6: error: cannot multiply x (n×1) by x (n×1): inner dimensions 1 and n differ"
    ]


def test_the_readme_example_of_matdiff_derivative_answers_as_written() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    request = re.search(r"```json\n(\{\"command\": \"matdiff.derivative\".*?)```", readme, re.S)
    answer = re.search(r"answers `(\{.*?\})`", readme, re.S)
    assert request is not None and answer is not None
    (arguments,) = json.loads(request.group(1))["arguments"]
    document = (REPO / "grammar" / "examples" / "least-squares.matdiff").read_text("utf-8")
    snap = Snapshot.of(arguments["uri"], document)
    assert commands.derivative(snap, arguments) == json.loads(answer.group(1))
