"""The repository stands on its own: no tracked file points outside it, and every `§` citation of a contract
names a document in `docs/` and a section that document has.

A lone clone (nothing beside it) must build, test and explain itself, so a reference to the folder beside the checkout or
`spec/auth.md §2` is a defect even when it happens to resolve on a developer's machine.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Where a lone clone cannot follow: the folder beside the checkout, and absolute paths of one machine.
OUTSIDE = re.compile(
    r"\.\./shared|\bshared/(?:spec|vectors|seed|DESIGN)|\bDESIGN\.md|/work/|\bspec/[a-z-]+\.md"
)
# `name.md §2.12`, `name.md §2.1, §2.12–2.13`, `docs/contracts/name.md §5.3d`.
CITATION = re.compile(r"(?P<doc>[\w./-]+\.md)\s+(?P<refs>§[\w.]+(?:\s*[,–-]\s*§?[\w.]+)*)")
CONTRACTS = ("auth", "canonicalization", "client-api", "miden", "ops")
# A contract named without its folder (`auth.md §2`, `auth spec §2`, `client-api §4`) is ambiguous with the
# per-service docs of the same name, so citations must say `docs/contracts/<name>.md`.
BARE_CONTRACT = re.compile(
    r"(?<![\w/])(?P<name>" + "|".join(re.escape(c) for c in CONTRACTS) + r")(?:\.md| spec)?\s+§"
)
SKIPPED_SUFFIXES = {".lock", ".png", ".hex", ".ico"}


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    files = []
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        # This file spells out the defects it looks for; .ci/ may name the folder beside the clone.
        if name.startswith(".ci/") or path.suffix in SKIPPED_SUFFIXES or not path.is_file():
            continue
        if path == Path(__file__).resolve():
            continue
        files.append(path)
    return files


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ""


@cache
def sections(document: Path) -> frozenset[str]:
    """Section numbers of a markdown document: `## 2.`, `### 2.12 Title`, `#### 5.3d …` → 2, 2.12, 5.3d."""
    numbers = set()
    for line in read(document).splitlines():
        match = re.match(r"#{1,6}\s+§?(\d+(?:\.\d+)*)([a-z]?)\b", line)
        if match:
            numbers.add(match.group(1))
            if match.group(2):
                numbers.add(match.group(1) + match.group(2))
    return frozenset(numbers)


def section_numbers(refs: str) -> list[str]:
    return [number.rstrip(".") for number in re.findall(r"\d+(?:\.\d+)*[a-z]?", refs)]


def test_no_tracked_file_refers_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in tracked_text_files()
        for number, line in enumerate(read(path).splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not offenders, "references to paths outside the repository:\n" + "\n".join(offenders)


def test_every_contract_citation_names_its_document_in_docs() -> None:
    offenders = []
    for path in tracked_text_files():
        in_contracts = path.parent == ROOT / "docs" / "contracts"
        for number, line in enumerate(read(path).splitlines(), 1):
            for match in BARE_CONTRACT.finditer(line):
                if in_contracts and match.group(0).endswith(".md §"):
                    continue  # a contract citing a sibling contract by file name
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "cite contracts as docs/contracts/<name>.md §N:\n" + "\n".join(offenders)


def test_every_section_citation_resolves() -> None:
    offenders = []
    for path in tracked_text_files():
        for number, line in enumerate(read(path).splitlines(), 1):
            for match in CITATION.finditer(line):
                cited = match.group("doc")
                candidates = [ROOT / cited, path.parent / cited]
                if "/" not in cited:
                    candidates.append(ROOT / "docs" / "contracts" / cited)
                document = next((c for c in candidates if c.is_file()), None)
                where = f"{path.relative_to(ROOT)}:{number}"
                if document is None:
                    offenders.append(f"{where}: {cited} does not exist")
                    continue
                missing = [s for s in section_numbers(match.group("refs")) if s not in sections(document)]
                if missing:
                    offenders.append(f"{where}: {cited} has no section {', '.join(missing)}")
    assert not offenders, "citations that do not resolve:\n" + "\n".join(offenders)


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The patterns above are the test: prove they match the defects they exist to find."""
    assert OUTSIDE.search("see " + ".." + "/shared/DESIGN.md")  # split: this file must not say it either
    assert OUTSIDE.search("spec/auth.md")
    assert BARE_CONTRACT.search("(canonicalization.md §5.3d)")
    assert BARE_CONTRACT.search("auth spec §2.6")
    assert not BARE_CONTRACT.search("docs/contracts/auth.md §2.6")
    document = tmp_path / "doc.md"
    document.write_text("# Title\n## 2. Two\n### 2.12 Twelve\n#### 5.3d Fenced\n")
    assert sections(document) == {"2", "2.12", "5.3", "5.3d"}
    assert section_numbers("§2.1, §2.12–2.13") == ["2.1", "2.12", "2.13"]
