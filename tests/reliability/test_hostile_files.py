"""Hostile files, generated here, each read or skipped with a reason, never a crash or a hang."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from rag import Assistant, Settings
from rag.ingest import Limits, load_corpus, load_files
from tests.reliability import hostile

SMALL = Limits(max_file_chars=200_000, max_decompressed_mb=20, max_parse_seconds=60)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda f: hostile.encrypted_pdf(f, "AES-256", password="secret"), "protected by a password"),
        (lambda f: hostile.inflating_pdf(f, 80_000_000), "LimitReachedError"),
        (hostile.truncated_pdf, "unreadable PDF"),
        (
            lambda f: hostile.zip_bomb_docx(f, 40_000_000),
            "MB, over the per-file limit of 20 MB; split it or raise RAG_MAX_DECOMPRESSED_MB",
        ),
        (hostile.bad_xml_docx, "unreadable DOCX (XMLSyntaxError"),
        (lambda f: hostile.binary_junk(f, "junk.docx"), "unreadable DOCX"),
        (lambda f: hostile.binary_junk(f, "junk.pdf"), "unreadable PDF"),
        (hostile.binary_junk, "binary data"),
        (hostile.empty, "empty"),
        (
            lambda f: hostile.single_line_text(f, 1),
            "over the per-file limit; split it or raise RAG_MAX_FILE_CHARS",
        ),
        (lambda f: hostile.many_lines_docx(f, 6000), "RAG_MAX_FILE_CHARS"),
        (hostile.symlink_out, "a link to a file outside its folder (/etc/passwd)"),
    ],
)
def test_a_hostile_file_is_skipped_with_its_reason(tmp_path: Path, make: hostile.Maker, reason: str) -> None:
    path = make(tmp_path)
    corpus = load_files([path], limits=SMALL)
    assert corpus.documents == []
    assert reason in corpus.skipped[path.name]


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128", "RC4-128"])
def test_an_encrypted_pdf_without_a_password_is_read(tmp_path: Path, algorithm: str) -> None:
    corpus = load_files([hostile.encrypted_pdf(tmp_path, algorithm)])
    assert "Tianshan glaciers shrank by 11.7 percent" in corpus.documents[0].text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(("\ufeff" + (hostile.PARAGRAPH + "。\n") * 5).encode(encoding))
    [doc] = load_files([path]).documents
    assert doc.text.startswith(hostile.PARAGRAPH)


def test_a_paragraph_of_thousands_of_lines_is_read_in_seconds(tmp_path: Path) -> None:
    path = hostile.many_lines_docx(tmp_path, 6000)
    started = time.perf_counter()
    [doc] = load_files([path]).documents
    assert time.perf_counter() - started < 20
    assert "\n" not in doc.text and doc.text.count("百分之十一点七和") == 6000


def test_a_link_inside_the_corpus_folder_is_read_and_one_leaving_it_is_not(corpus_dir: Path) -> None:
    (corpus_dir / "alias.md").symlink_to(corpus_dir / "new_energy.md")
    hostile.symlink_out(corpus_dir)
    corpus = load_corpus(corpus_dir)
    assert "passwd.txt" in corpus.skipped
    assert corpus.skipped["new_energy.md"] == "new_energy.md: duplicate of alias.md"


def test_two_files_of_one_name_keep_the_first_and_name_the_conflict(tmp_path: Path) -> None:
    first = hostile.paper((tmp_path / "a").mkdir() or tmp_path / "a", "paper.md", "天山冰川")
    second = hostile.paper((tmp_path / "b").mkdir() or tmp_path / "b", "paper.md", "帕米尔高原")
    corpus = load_files([first, second])
    assert [doc.text[:4] for doc in corpus.documents] == ["天山冰川"]
    assert f"another file named paper.md ({first}) is read instead" in corpus.skipped[str(second)]


def test_every_uploaded_file_is_indexed_or_skipped_and_skipped_ones_leave_no_copy(
    settings: Settings, tmp_path: Path
) -> None:
    settings = replace(settings, max_chunks_per_file=100, max_decompressed_mb=20)
    assistant = Assistant.load(settings)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (tmp_path / "other").mkdir()
    given = [
        hostile.paper(uploads, "glaciers.md"),
        hostile.paper(uploads, "Readme.md", "帕米尔高原"),
        hostile.paper(tmp_path / "other", "glaciers.md", "帕米尔高原"),
        hostile.many_chunks_text(uploads, 0.3),
        hostile.zip_bomb_docx(uploads, 40_000_000),
        hostile.encrypted_pdf(uploads, "AES-256", password="secret"),
        hostile.binary_junk(uploads),
        hostile.symlink_out(uploads),
    ]
    before = {p.name for p in settings.corpus_dir.iterdir()}
    report = assistant.library.add_files(given)
    assert report.added == ["glaciers.md"]
    assert set(report.skipped) == {p.name for p in given[1:]} - {"glaciers.md"} | {str(given[2])}
    assert (
        "is over the per-file limit of 100; split it or raise RAG_MAX_CHUNKS_PER_FILE"
        in (report.skipped["many-chunks.txt"])
    )
    assert "never indexed; rename it" in report.skipped["Readme.md"]
    assert {p.name for p in settings.corpus_dir.iterdir()} == before | {"glaciers.md"}
    assert "天山冰川" in assistant.ask("天山冰川过去五十年的变化如何？").text


def test_hostile_files_in_the_corpus_folder_do_not_stop_the_start(settings: Settings) -> None:
    hostile.zip_bomb_docx(settings.corpus_dir, 250_000_000)
    hostile.bad_xml_docx(settings.corpus_dir)
    hostile.symlink_out(settings.corpus_dir)
    hostile.encrypted_pdf(settings.corpus_dir, "AES-256", password="secret")
    assistant = Assistant.load(settings)
    report = assistant.library.reindex()
    assert set(report.skipped) == {
        "zip-bomb.docx",
        "bad-xml.docx",
        "passwd.txt",
        "encrypted-aes-256-locked.pdf",
    }
    assert assistant.ask("天山冰川过去50年减少了多少？").found
