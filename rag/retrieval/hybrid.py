"""Hybrid retrieval: dense (Chroma) and keyword (BM25) candidates, fused.

Dense search finds paraphrases and crosses languages (an English question over
Chinese text); keyword search pins exact terms, names and numbers. Each kind of evidence
votes once per reading of the question. For a Chinese question the rankings are fused by
their scores, each rescaled to its own range: a passage that the keyword index finds by
a far better match than any other, on the reader's own words, must not lose to passages
that are middling in both (rank fusion would let them win). For an English question the
keywords are dictionary guesses, so their scores are not trusted that far: its rankings
are fused by rank (reciprocal rank fusion).

Each candidate's sentences are then scored against the question, so the answer step
can quote the right sentence and a passage whose one sentence answers is not buried
by a vaguer neighbour.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from ..config import Settings
from ..index import Embedder, PaperIndex, PassageTable
from ..schema import Paper, Passage, Reading, Retrieval
from .crosslingual import TermTranslator
from .fusion import Ranking, drop_near_duplicates, fuse_scores, rrf
from .records import record_lines, record_papers, unmatched_title
from .scope import PaperNamer
from .terms import key_terms, naming_words

# How many top passages are checked for the question's key terms.
COVERAGE_DEPTH = 4
# A list's sections, or a reason's next sentence, are looked for in the files of this many top passages.
LIST_FILES = 3
# Of those, the files read while the model embeds the question: the best keyword hit's. One
# paper's chunks take about the embedding's time to read; three overran it (list and reason
# questions, median: 43 ms with one, 50 with none, 62 with three on the papers, the table not held).
AHEAD_FILES = 1


class HybridRetriever:
    def __init__(
        self, index: PaperIndex, embedder: Embedder, settings: Settings, translator: TermTranslator
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.translator = translator
        self.namer = PaperNamer(translator)
        self.tokenizer = index.tokenizer
        self._embedding = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rag-embed")

    def retrieve(self, reading: Reading, k: int | None = None) -> Retrieval:
        """Each reading of the question gives one dense ranking and the text one keyword
        ranking. An English question is read twice: as asked, with its Chinese key terms
        appended, and as those terms alone, which the small model places nearer Chinese text.
        A question that names papers is searched in those papers only (rag.retrieval.scope).
        How much of the question the top passages cover is counted, for an English question, on
        its Chinese terms: the papers' body is Chinese, so its English words occur only in abstracts."""
        k = k or self.settings.top_k
        pool = max(self.settings.candidates, k)
        query = reading.query
        catalog = self.index.papers()
        named = tuple(self.namer.named(query, catalog))
        sources = [source for paper in named for source in paper.sources]
        terms = self.translator.chinese_terms(query, self.index.in_corpus) if reading.english else []
        asked = query
        query = " ".join([query, *terms])
        readings = [query, *([" ".join(terms)] if terms else [])]
        if reading.english:  # as asked, nearest the papers' English abstracts and titles
            readings.append(asked)
        distinct = list(dict.fromkeys(readings))
        # The model runs on its own core (Settings.query_threads) while this one searches the
        # keywords and reads ahead what the question will most likely quote.
        embedded = self._embedding.submit(self.embedder.embed_queries, distinct)
        keyword = self.index.keyword_search(query, pool, sources)
        size = max(3 * k, 12)
        likely = [chunk_id for chunk_id, _ in keyword[:size]]
        reads_files = reading.asks_list or reading.asks_reason
        files = self.index.keyword_index().sources_of(likely)[:AHEAD_FILES] if reads_files else []
        ahead = self.index.read_ahead(likely, sources, files)
        naming = naming_words(self.namer.authors(catalog), named, self.tokenizer)
        vector, dense = self._dense(embedded.result(), readings, pool, sources, ahead)
        weights = [self.settings.dense_weight] * len(dense) + [self.settings.keyword_weight]
        fuse = rrf if reading.english else fuse_scores
        fused = fuse([*dense, keyword], weights)
        shortlist = [chunk_id for chunk_id, _ in fused[:size]]
        table = self.index.tables.table(ids=shortlist, start=ahead)
        passages = drop_near_duplicates(
            self._passages(table, shortlist, dict(fused), dict(dense[0]), dict(keyword), vector)
        )
        coverage = self.index.term_coverage(
            " ".join(terms) or query, [p.chunk_id for p in passages[:COVERAGE_DEPTH]]
        )
        retrieved = " ".join(p.text for p in passages[:k])
        idf_of = self.index.keyword_index().idf_of
        keys = key_terms(reading.question, reading.english, terms, self.tokenizer, idf_of, retrieved, naming)
        found = Retrieval(
            reading, tuple(passages[:k]), tuple(terms), named, coverage, keys, catalog=tuple(catalog)
        )
        if reading.record_fields:
            return self._with_records(found, catalog, table)
        if reads_files:  # a list, or a reason, may go on in the next chunks
            files = list(dict.fromkeys(p.source for p in found.passages[:LIST_FILES]))
            chunks = self.index.tables.table(files=files, start=table).file_passages(files)
            outline = section_openings(chunks) if reading.asks_list else ()
            return replace(found, outline=outline, file_passages=chunks)
        return found

    def _with_records(self, found: Retrieval, catalog: list[Paper], read: PassageTable) -> Retrieval:
        """A record question also gets its papers and the passages that print the fields asked."""
        reading = found.reading
        unmatched = "" if found.named else unmatched_title(reading.question, catalog)
        if unmatched:
            return replace(found, unmatched=unmatched, catalog=tuple(catalog))
        person = "biographies" in reading.record_fields
        papers = record_papers(reading.query, found.named, found.passages, catalog, person)
        files = [source for paper in papers for source in paper.sources]
        table = self.index.tables.table(files=files, start=read)
        lines = record_lines(papers, reading.record_fields, table.chunk_at)
        # The passages that print the fields asked are what this question retrieves, first.
        printed = list({line.passage.chunk_id: line.passage for line in lines}.values())
        ids = {p.chunk_id for p in printed}
        passages = (*printed, *(p for p in found.passages if p.chunk_id not in ids))[: len(found.passages)]
        return replace(found, passages=passages, papers=papers, record_lines=lines)

    def _dense(
        self,
        vectors: np.ndarray,
        readings: list[str],
        k: int,
        sources: Sequence[str],
        ahead: PassageTable | None,
    ) -> tuple[np.ndarray, list[Ranking]]:
        """The first reading's vector, and one ranking per reading: chunks by their own
        similarity or their best sentence's, whichever is higher (a short fact inside a long
        chunk counts, but a chunk is not voted for twice). ``vectors`` are the distinct
        readings', in order, searched in one store call (an English question without dictionary
        terms is read as asked twice)."""
        distinct = list(dict.fromkeys(readings))
        by_chunk, by_sentence = self.index.dense_searches(vectors, k, sources, ahead)
        rankings = {}
        for text, chunks, sentences in zip(distinct, by_chunk, by_sentence, strict=True):
            best: dict[str, float] = {}
            for chunk_id, similarity in chunks + sentences:
                best[chunk_id] = max(best.get(chunk_id, -1.0), similarity)
            rankings[text] = sorted(best.items(), key=lambda kv: -kv[1])
        return vectors[0], [rankings[text] for text in readings]

    def _passages(
        self,
        table: PassageTable,
        ids: list[str],
        fused: dict[str, float],
        dense: dict[str, float],
        keyword: dict[str, float],
        vector: np.ndarray,
    ) -> list[Passage]:
        return [
            replace(
                passage,
                score=fused.get(passage.chunk_id, 0.0),
                dense=dense.get(passage.chunk_id),
                keyword=keyword.get(passage.chunk_id),
                sentences=table.scored_sentences(passage.chunk_id, vector),
            )
            for passage in table.passages(ids)
        ]


def section_openings(chunks: Sequence[Passage]) -> tuple[Passage, ...]:
    """The first chunk of each section (the one that prints its heading), in file order."""
    seen: set[tuple[str, str]] = set()
    out = []
    for chunk in chunks:
        key = (chunk.source, chunk.section)
        if chunk.section and key not in seen and chunk.text.startswith(chunk.section):
            seen.add(key)
            out.append(chunk)
    return tuple(out)
