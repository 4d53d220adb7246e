"""The `rag` command, run as a user runs it: a separate process configured by RAG_* variables."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.pdfs import PAGES, write_pdf
from tests.paths import FIXTURE_CORPUS


def rag(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apps.cli", *args],
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def rag_env(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> dict[str, str]:
    """Settings for a private corpus and index, sharing the session's vector cache; indexed once."""
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    env, done = indexed(root, embedding_cache, files=3)
    assert done.stdout.startswith(f"index {root / 'index'}: ")
    assert (root / "index" / "chroma" / "chroma.sqlite3").is_file()
    return env


def indexed(
    root: Path, embedding_cache: Path, files: int
) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    """The settings for ``root``'s corpus and index, after `rag index` built it."""
    env = {
        "RAG_CORPUS_DIR": str(root / "corpus"),
        "RAG_INDEX_DIR": str(root / "index"),
        "RAG_CACHE_DIR": str(embedding_cache.parent),
    }
    done = rag("index", env=env)
    assert done.returncode == 0, done.stderr
    assert f"{files} added" in done.stdout or f"{files} unchanged" in done.stdout, done.stdout
    return env, done


def test_help_lists_the_commands() -> None:
    done = rag("--help")
    assert done.returncode == 0
    for command in ("index", "search", "ask", "eval", "bench"):
        assert command in done.stdout
    assert "Ask questions about a collection of papers." in done.stdout


def test_a_command_is_required() -> None:
    done = rag()
    assert done.returncode == 2 and "required" in done.stderr


def test_index_again_finds_nothing_to_do(rag_env: dict[str, str]) -> None:
    done = rag("index", env=rag_env)
    assert done.returncode == 0, done.stderr
    assert "0 added, 0 updated, 0 removed, 3 unchanged, 0 skipped" in done.stdout
    assert "0 texts embedded" in done.stdout


def test_search_prints_ranked_passages_with_their_sources(rag_env: dict[str, str]) -> None:
    done = rag("search", "天山冰川过去50年减少了多少？", "-k", "2", env=rag_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[1] ")
    assert "[2] " in done.stdout and "[3] " not in done.stdout
    assert "11.7%" in done.stdout and "(climate_cooperation.txt)" in done.stdout


def test_ask_prints_the_answer_with_cited_sources(rag_env: dict[str, str]) -> None:
    done = rag("ask", "天山冰川过去50年减少了多少？", env=rag_env)
    assert done.returncode == 0, done.stderr
    answer, _, sources = done.stdout.partition("\nSources:\n")
    assert "11.7%" in answer and "[1]" in answer
    assert sources.startswith("[1] 张立辉、黄忠伟、黄建平，《高质量共建")
    assert "(climate_cooperation.txt)" in sources
    assert "“" in sources and "11.7%" in sources  # the quoted sentence


def test_ask_cite_prints_each_cited_papers_reference_once(rag_env: dict[str, str]) -> None:
    done = rag("ask", "天山冰川过去50年减少了多少？", "--cite", env=rag_env)
    assert done.returncode == 0, done.stderr
    references = done.stdout.split("\nReferences:\n", 1)[1].splitlines()
    assert references == [
        "张立辉, 黄忠伟, 黄建平. 高质量共建“一带一路”背景下中国与中亚国家加强气候合作的基础、价值与路径[J]. "
        "新疆大学学报（哲学社会科学版）, 2026(1): 80-91. DOI:10.13568/j.cnki.issn1000-2820.2026.01.009"
    ]
    apa = rag("ask", "天山冰川过去50年减少了多少？", "--cite", "--style", "apa", env=rag_env)
    assert apa.stdout.split("\nReferences:\n", 1)[1].startswith(
        "Zhang, L.-H., Huang, Z.-W., & Huang, J.-P. (2026)."
    )


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_exits_2_with_a_clear_message(rag_env: dict[str, str], question: str) -> None:
    done = rag("ask", question, env=rag_env)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: the question is empty")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_missing_corpus_folder_exits_2_with_a_clear_message(tmp_path: Path, embedding_cache: Path) -> None:
    env = {
        "RAG_CORPUS_DIR": str(tmp_path / "nowhere"),
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_CACHE_DIR": str(embedding_cache.parent),
    }
    done = rag("index", env=env)
    assert done.returncode == 2
    assert f"error: corpus folder {tmp_path / 'nowhere'} does not exist" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("RAG_TOP_K", "many", "error: RAG_TOP_K='many' is not a valid int"),
        ("RAG_TOP_K", "0", "error: RAG_TOP_K=0 is out of range: it must be at least 1"),
    ],
)
def test_a_bad_setting_exits_2_with_a_clear_message(
    rag_env: dict[str, str], name: str, value: str, message: str
) -> None:
    done = rag("search", "冰川", env={**rag_env, name: value})
    assert done.returncode == 2
    assert done.stderr.strip() == message


@pytest.fixture(scope="module")
def pdf_env(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> dict[str, str]:
    """A corpus of one generated three-page PDF (pages 84-86), indexed once."""
    root = tmp_path_factory.mktemp("cli-pdf")
    (root / "corpus").mkdir()
    write_pdf(root / "corpus" / "glaciers.pdf", PAGES, first_page=84)
    return indexed(root, embedding_cache, files=1)[0]


def test_search_cites_the_pdf_pages_of_each_passage(pdf_env: dict[str, str]) -> None:
    done = rag("search", "如何建立跨境的冰川监测与数据共享机制？", "-k", "3", env=pdf_env)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert lines and all(" p. " in line or " pp. " in line for line in lines), done.stdout
    assert lines[0].endswith("§ 三、结论  p. 86  (glaciers.pdf)"), lines[0]
    assert "环境科学研究" not in done.stdout


def test_ask_cites_a_passage_across_two_pages_by_both(pdf_env: dict[str, str]) -> None:
    done = rag("ask", "研究人员结合遥感影像对冰川末端的变化进行了多久的监测？", env=pdf_env)
    assert done.returncode == 0, done.stderr
    sources = done.stdout.partition("\nSources:\n")[2]
    assert "§ 一、引言  pp. 84–85  (glaciers.pdf)" in sources, done.stdout
