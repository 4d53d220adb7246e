"""The index's own row file gives a question the chunks Chroma holds, without reading Chroma,
and never gives the rows of a file while a sync rewrites it."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import Settings
from rag.chunking import SentenceChunker
from rag.index import CachedEmbedder, PaperIndex, row_file
from rag.index.chunk_rows import ChromaRows, HeldChunk
from rag.index.row_file import RowFile
from rag.ingest import load_corpus
from rag.text.words import Tokenizer


def chroma_reads(monkeypatch: pytest.MonkeyPatch, index: PaperIndex) -> list[list[str]]:
    """The ids of each read of Chroma's chunk rows from here on."""
    reads: list[list[str]] = []
    read_ids = index.store.read_ids

    def recording(ids: Any, include: list[str], sentences: bool = False) -> dict[str, list[Any]]:
        if not sentences:
            reads.append(list(ids))
        return read_ids(ids, include, sentences)

    monkeypatch.setattr(index.store, "read_ids", recording)
    return reads


def add_a_paragraph(settings: Settings) -> None:
    """A changed file: new_energy.md with a paragraph more at its end."""
    path = settings.corpus_dir / "new_energy.md"
    text = path.read_text(encoding="utf-8") + "\n\n新增的一段：风电合作在二〇二六年继续扩大。\n"
    path.write_text(text, encoding="utf-8")


def assert_same(ours: dict[str, HeldChunk], theirs: dict[str, HeldChunk]) -> None:
    """The same passages and sentences, and the same vectors up to the last bit of a float32
    (Chroma normalises the vectors it stores again, the file keeps the model's)."""
    assert ours.keys() == theirs.keys()
    for chunk_id, held in ours.items():
        other = theirs[chunk_id]
        assert held.passage == other.passage and held.spans == other.spans
        assert np.allclose(held.vector, other.vector, rtol=0, atol=1e-6)
        assert held.vectors.shape == other.vectors.shape
        assert np.allclose(held.vectors, other.vectors, rtol=0, atol=1e-6)


def test_a_built_index_reads_each_chunk_from_its_file_exactly_as_chroma_stores_it(
    index: PaperIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = index.chunk_ids()
    expected = ChromaRows(index.store).read(ids)
    reads = chroma_reads(monkeypatch, index)
    assert_same(index.rows.read(ids), expected)
    without = index.rows.read(ids[:3], vectors=False)
    assert [h.passage for h in without.values()] == [expected[i].passage for i in ids[:3]]
    assert all(h.vector.size == 0 and not h.spans for h in without.values())
    assert reads == [], "a built index reads its chunks from its own file, not from Chroma"


def test_a_chunk_the_file_lacks_is_read_from_chroma(
    index: PaperIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = index.chunk_ids()
    reads = chroma_reads(monkeypatch, index)
    assert index.rows.read([ids[0], "no such chunk", "no such chunk"]).keys() == {ids[0]}
    assert reads == [["no such chunk"]]


def test_while_a_sync_rewrites_a_file_its_rows_come_from_chroma_and_the_next_sync_writes_them(
    index: PaperIndex, settings: Settings, chunker: SentenceChunker, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_file = index.keyword_index().ids_in(["new_energy.md"])
    index.rows.begin(["new_energy.md"])  # what a sync does before it writes the file to Chroma
    reads = chroma_reads(monkeypatch, index)
    index.rows.read(in_file[:2])
    assert reads == [in_file[:2]]
    other = RowFile(index.rows.folder, ChromaRows(index.store))
    assert other.current().pending == {"new_energy.md"}, "another process sees the file is being written"

    reads.clear()
    index.sync(load_corpus(settings.corpus_dir), chunker)  # a crash had stopped the sync before its rows
    assert sorted(i for ids in reads for i in ids) == sorted(in_file), "the sync read the file's rows"
    assert index.rows.current().pending == frozenset()
    reads.clear()
    index.rows.read(in_file[:2])
    assert reads == []


def test_a_changed_file_is_served_as_rewritten_and_a_second_reader_sees_it(
    index: PaperIndex, settings: Settings, chunker: SentenceChunker
) -> None:
    second = RowFile(index.rows.folder, ChromaRows(index.store))
    before = len(index.rows.current().segments)
    add_a_paragraph(settings)
    index.sync(load_corpus(settings.corpus_dir), chunker)
    assert len(index.rows.current().segments) == before + 1, "one segment for the one file written"
    ids = index.chunk_ids()
    expected = ChromaRows(index.store).read(ids)
    assert_same(index.rows.read(ids), expected)
    assert_same(second.read(ids), expected)
    assert any("二〇二六年" in h.passage.text for h in second.read(ids).values())


def test_a_damaged_row_file_is_read_from_chroma_until_the_next_sync_writes_it_again(
    index: PaperIndex,
    settings: Settings,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    opened: list[PaperIndex],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = index.rows.folder
    [segment] = index.rows.current().segments
    data = folder / segment / "chunks.bin"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])  # cut short, as by a full disk
    reopened = PaperIndex.open(settings, cached_embedder, tokenizer)
    opened.append(reopened)
    ids = reopened.chunk_ids()
    expected = ChromaRows(reopened.store).read(ids)
    assert_same(reopened.rows.read(ids), expected)
    assert "unreadable" in caplog.text

    reopened.sync(load_corpus(settings.corpus_dir), chunker)
    reads = chroma_reads(monkeypatch, reopened)
    assert_same(RowFile(folder, ChromaRows(reopened.store)).read(ids), expected)
    assert reads == [] and not (folder / segment).exists()


def test_rows_rewritten_many_times_are_copied_into_one_segment(
    index: PaperIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, live = index.rows, index.chunk_ids()
    stored = ChromaRows(index.store).rows(live)
    monkeypatch.setattr(row_file, "CATCH_UP_PAGE", len(live) // 4)
    for _ in range(4):  # a sync of every file, four times over
        rows.begin(["new_energy.md"])
        rows.catch_up(live, stored)
    view = rows.current()
    assert view.rows == len(live) and not view.pending
    assert_same(rows.read(live), ChromaRows(index.store).read(live))
    assert sorted(p.name for p in rows.folder.iterdir()) == sorted([*view.segments, "manifest.json"])


def test_an_index_on_a_chroma_server_keeps_no_row_file(index: PaperIndex, tmp_path: Path) -> None:
    served = RowFile(tmp_path / "rows", ChromaRows(index.store), enabled=False)
    served.begin(["new_energy.md"])
    served.catch_up(index.chunk_ids())
    assert served.current().where == {} and not (tmp_path / "rows").exists()
    assert served.read(index.chunk_ids()[:2]).keys() == set(index.chunk_ids()[:2])


def test_bytes_damaged_under_a_reader_are_read_from_chroma_instead(
    index: PaperIndex, caplog: pytest.LogCaptureFixture
) -> None:
    ids = index.chunk_ids()
    index.rows.read(ids[:1])
    [segment] = index.rows.current().segments
    with open(index.rows.folder / segment / "chunks.bin", "r+b") as data:
        data.write(b"\xff" * 64)  # no longer UTF-8 where the first chunk's text starts
    assert_same(index.rows.read(ids), ChromaRows(index.store).read(ids))
    assert "unreadable" in caplog.text


def full_disk(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_the_rows_are_written_leaves_the_sync_done_and_the_file_read_from_chroma(
    index: PaperIndex,
    settings: Settings,
    chunker: SentenceChunker,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_a_paragraph(settings)
    with monkeypatch.context() as patched:
        patched.setattr(row_file, "_write_segment", full_disk)
        report = index.sync(load_corpus(settings.corpus_dir), chunker)
    assert report.updated == ["new_energy.md"] and "could not be written" in caplog.text
    assert index.rows.current().pending == {"new_energy.md"}
    ids = index.chunk_ids()
    assert_same(index.rows.read(ids), ChromaRows(index.store).read(ids))

    index.sync(load_corpus(settings.corpus_dir), chunker)
    reads = chroma_reads(monkeypatch, index)
    assert not index.rows.current().pending
    assert_same(index.rows.read(ids), ChromaRows(index.store).read(ids))
    assert reads == [ids], "only the comparison read Chroma"


def test_where_a_sync_cannot_mark_the_files_it_rewrites_every_chunk_is_read_from_chroma(
    index: PaperIndex,
    settings: Settings,
    chunker: SentenceChunker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_a_paragraph(settings)
    with monkeypatch.context() as patched:
        patched.setattr(RowFile, "_publish", full_disk)
        index.sync(load_corpus(settings.corpus_dir), chunker)
    assert not (index.rows.folder / "manifest.json").exists() and index.rows.current().where == {}
    ids = index.chunk_ids()
    assert any("二〇二六年" in h.passage.text for h in index.rows.read(ids).values())

    index.sync(load_corpus(settings.corpus_dir), chunker)
    assert index.rows.current().where.keys() == set(ids), "the next sync wrote every row again"
