"""The chunks and sentence vectors a question reads are held in memory, in line with the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from rag import Settings
from rag.chunking import SentenceChunker
from rag.index import CachedEmbedder, PaperIndex, PassageTable
from rag.ingest import load_corpus


@pytest.fixture
def unheld(build: Callable[[Settings], PaperIndex], settings: Settings) -> PaperIndex:
    """The fixture corpus in an index over the size limit: never held whole."""
    return build(replace(settings, table_max_chunks=10))


def whole(index: PaperIndex) -> PassageTable:
    table = index.tables.whole(timeout_s=60)
    assert table is not None, "the whole table was not read within a minute"
    return table


def stored(index: PaperIndex) -> dict[str, tuple[str, dict[str, Any]]]:
    rows = index.store.read_all(["documents", "metadatas"])
    columns = zip(rows["ids"], rows["documents"], rows["metadatas"], strict=True)
    return {chunk_id: (text, meta) for chunk_id, text, meta in columns}


def test_the_table_holds_each_chunk_as_stored_and_scores_its_sentences_by_their_stored_vectors(
    index: PaperIndex, cached_embedder: CachedEmbedder
) -> None:
    table, rows = whole(index), stored(index)
    assert len(table) == len(rows) == index.count()
    for passage in table.passages(rows):
        text, meta = rows[passage.chunk_id]
        assert (passage.text, passage.source, passage.start, passage.section) == (
            text,
            meta["source"],
            meta["start"],
            meta["section"],
        )
    some = next(iter(rows))
    sentences = index.store.sentences.get(where={"chunk_id": some}, include=["embeddings", "metadatas"])
    vector = cached_embedder.embed_query("中亚国家的气候合作")
    scored = table.scored_sentences(some, vector)
    expected = sorted(
        (int(m["start"]), int(m["end"]), float(np.asarray(v, dtype=np.float32) @ vector))
        for m, v in zip(sentences["metadatas"], sentences["embeddings"], strict=True)
    )
    assert [(s.start, s.end) for s in scored] == [(a, b) for a, b, _ in expected]
    assert np.allclose([s.similarity for s in scored], [c for _, _, c in expected], atol=1e-5)
    assert table.passages(["no such chunk"]) == [] and table.scored_sentences("no such chunk", vector) == ()


def test_after_a_sync_the_table_has_the_new_text_and_the_moved_offsets_while_a_question_keeps_its_own(
    index: PaperIndex, settings: Settings, chunker: SentenceChunker
) -> None:
    before = whole(index)
    changed = settings.corpus_dir / "new_energy.md"
    added = "此外，双方计划在咸海沿岸建设一座示范性的盐碱地光伏电站。"
    changed.write_text(f"{added}\n\n" + changed.read_text(encoding="utf-8"), encoding="utf-8")
    index.sync(load_corpus(settings.corpus_dir), chunker)

    after, rows = whole(index), stored(index)
    assert after is not before and len(after) == len(rows)
    # Chunks whose text did not change keep their ids, but stand later in the file now.
    kept = [p for p in before.file_passages(["new_energy.md"]) if p.chunk_id in rows]
    assert kept and all(rows[p.chunk_id][1]["start"] > p.start for p in kept)
    assert all(p.start == rows[p.chunk_id][1]["start"] for p in after.passages(rows))
    assert any(added in p.text for p in after.file_passages(["new_energy.md"]))
    assert not any(added in p.text for p in before.file_passages(["new_energy.md"]))


def test_a_span_is_found_in_the_chunk_that_holds_most_of_it(index: PaperIndex) -> None:
    table = whole(index)
    chunks = table.file_passages(["new_energy.md"])
    assert [p.start for p in chunks] == sorted(p.start for p in chunks) and len(chunks) >= 3
    second = chunks[1]
    inside = table.chunk_at("new_energy.md", second.start + 1, second.end - 1)
    assert inside is not None and inside.start <= second.start + 1 and inside.end >= second.end - 1
    assert table.chunk_at("new_energy.md", 10**9, 10**9 + 5) is None
    assert table.chunk_at("no such file", 0, 5) is None
    assert table.ids_in(["new_energy.md"]) == {p.chunk_id for p in chunks}


def test_a_table_read_for_one_question_holds_what_the_whole_table_holds_for_it(
    index: PaperIndex, cached_embedder: CachedEmbedder
) -> None:
    some = index.chunk_ids()[:3]
    small = PassageTable.of(index.rows, some, index.keyword_index().ids_in(["new_energy.md"]))
    full = whole(index)
    assert set(small.ids_in(["new_energy.md"])) == full.ids_in(["new_energy.md"])
    assert small.passages(some) == full.passages(some)
    vector = cached_embedder.embed_query("新能源合作")
    for chunk_id in some:
        assert small.scored_sentences(chunk_id, vector) == full.scored_sentences(chunk_id, vector)
    assert len(small) == len(set(some) | full.ids_in(["new_energy.md"])) < len(full)


def test_an_index_over_the_size_limit_is_never_held_whole_and_its_questions_read_their_rows(
    unheld: PaperIndex, cached_embedder: CachedEmbedder
) -> None:
    index = unheld
    assert index.count() > 10
    some = index.chunk_ids()[:2]
    table = index.tables.table(ids=some)
    assert [p.chunk_id for p in table.passages(some)] == some and len(table) == 2
    assert index.tables.whole(timeout_s=5) is None
    assert index.tables.ids_in(["new_energy.md"]) == set(index.store.chunk_ids({"source": "new_energy.md"}))
    vector = cached_embedder.embed_query("新能源合作")
    assert all(table.scored_sentences(i, vector) for i in some)


def test_the_held_table_searches_its_vectors_exactly_and_finds_what_the_store_finds(
    index: PaperIndex, cached_embedder: CachedEmbedder
) -> None:
    table = whole(index)
    vector = cached_embedder.embed_query("中亚国家的水资源短缺")
    rows = index.store.read_all(["embeddings"])
    similarity = np.asarray(rows["embeddings"], dtype=np.float32) @ vector
    exact = [rows["ids"][i] for i in np.argsort(-similarity)[:5]]
    [nearest] = table.search_chunks(vector, 5)
    assert [chunk_id for chunk_id, _ in nearest] == exact
    assert np.allclose([s for _, s in nearest], np.sort(similarity)[::-1][:5], atol=1e-5)
    # A collection this small is searched exhaustively by Chroma too.
    assert [i for i, _ in index.store.search_chunks(vector, 5)[0]] == exact
    # Chunks overlap, so sentences tie: Chroma orders those as it happens to.
    [held], [chroma] = table.search_sentences(vector, 12), index.store.search_sentences(vector, 12)
    assert dict(held).keys() == dict(chroma).keys()
    assert np.allclose([s for _, s in held], [s for _, s in chroma], atol=1e-5)
    assert index.dense_search(vector, 5) == nearest

    in_file = table.ids_in(["new_energy.md"])
    [scoped] = table.search_chunks(vector, 1000, ["new_energy.md"])
    assert {chunk_id for chunk_id, _ in scoped} == in_file
    [by_sentence] = table.search_sentences(vector, 1000, ["new_energy.md"])
    assert len(by_sentence) == len({i for i, _ in by_sentence}) and {i for i, _ in by_sentence} <= in_file
    assert table.search_chunks(vector, 5, ["no such file"]) == [[]]


def test_an_index_not_held_whole_searches_the_papers_a_question_names_exactly_in_their_rows(
    unheld: PaperIndex, cached_embedder: CachedEmbedder
) -> None:
    index = unheld
    vector = cached_embedder.embed_query("风电和光伏合作")
    rows = index.store.chunks.get(where={"source": "new_energy.md"}, include=["embeddings"])
    similarity = np.asarray(rows["embeddings"], dtype=np.float32) @ vector
    exact = [rows["ids"][i] for i in np.argsort(-similarity)[:4]]
    assert [chunk_id for chunk_id, _ in index.dense_search(vector, 4, ["new_energy.md"])] == exact
    by_sentence = index.sentence_search(vector, 6, ["new_energy.md"])
    assert by_sentence and {chunk_id for chunk_id, _ in by_sentence} <= set(rows["ids"])
    assert index.tables.held() is None


def recorded_reads(monkeypatch: pytest.MonkeyPatch, index: PaperIndex) -> list[tuple[list[str], bool]]:
    """Each read of chunks from here on (from the row file or Chroma): its ids, and whether
    it asked for their vectors."""
    reads: list[tuple[list[str], bool]] = []
    read = index.rows.read

    def recording(ids: Any, vectors: bool = True) -> dict[str, Any]:
        if ids:
            reads.append((list(ids), vectors))
        return read(ids, vectors)

    monkeypatch.setattr(index.rows, "read", recording)
    return reads


def test_a_question_table_grows_by_reading_only_the_chunks_it_lacks(
    unheld: PaperIndex, cached_embedder: CachedEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = unheld
    in_file = index.keyword_index().ids_in(["new_energy.md"])
    first = PassageTable.of(index.rows, in_file[:2], in_file)
    reads = recorded_reads(monkeypatch, index)
    assert first.extended(index.rows, in_file[:2], in_file) is first and reads == []
    assert first.has_vectors(in_file[:2]) and not first.has_vectors(in_file[2:3])

    elsewhere = next(i for i in index.chunk_ids() if i not in set(in_file))
    wanted = [*in_file[:3], elsewhere]
    grown = first.extended(index.rows, wanted)
    assert reads == [([in_file[2], elsewhere], True)], "a chunk held without its vectors is read again"
    assert grown.has_vectors(wanted) and len(grown) == len(first) + 1
    assert not first.has_vectors(in_file[2:3]), "the table it grew from is unchanged"
    vector = cached_embedder.embed_query("新能源合作")
    direct = PassageTable.of(index.rows, wanted)
    for chunk_id in wanted:
        assert grown.scored_sentences(chunk_id, vector) == direct.scored_sentences(chunk_id, vector)
    assert grown.passages(wanted) == direct.passages(wanted)


def test_a_question_reads_ahead_the_papers_it_names_and_is_searched_there_without_another_read(
    unheld: PaperIndex, cached_embedder: CachedEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = unheld
    named, other = ["new_energy.md"], "climate_cooperation.txt"
    hits = [chunk_id for chunk_id, _ in index.keyword_search("风电 光伏", 3, named)]
    ahead = index.read_ahead(hits, named, [other])
    assert ahead is not None and hits and index.keyword_index().sources_of([*hits, *hits]) == named
    assert ahead.has_vectors(index.tables.ids_in(named))
    assert ahead.ids_in([other]) == index.tables.ids_in([other])
    assert not any(ahead.has_vectors([i]) for i in index.tables.ids_in([other]))

    vectors = cached_embedder.embed_queries(["风电和光伏合作"])
    expected = index.dense_searches(vectors, 4, named)
    reads = recorded_reads(monkeypatch, index)
    assert index.dense_searches(vectors, 4, named, ahead) == expected and reads == []
    assert index.tables.table(ids=hits, start=ahead) is ahead and reads == []


def test_nothing_is_read_ahead_once_the_whole_table_is_held(index: PaperIndex) -> None:
    whole(index)
    assert index.read_ahead(index.chunk_ids()[:3], ["new_energy.md"], ["new_energy.md"]) is None
