"""Keyword search: BM25 over the words of ``rag.text.words``.

The index is a sparse matrix of BM25 weights kept term by term (CSC), so a query reads only
its own terms' columns (at 50,000 chunks a row-major product took 5.7 ms, the columns
take a fraction of one); it is saved next to the Chroma index as raw counts, so a process
start is a file load, not a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import zipfile
from collections.abc import Collection, Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse


class KeywordIndex:
    """BM25 (Okapi, k1=1.5, b=0.75) as a precomputed documents-by-terms matrix.

    The raw term counts and document lengths are kept beside the weights, so that a change
    of a few chunks is an update (tokenise those chunks, re-weigh in numpy) rather than a
    rebuild, which at 50,000 chunks tokenises every chunk again for most of a minute.
    """

    # 3: chunks in a paper's head also carry their record fields' names (rag.text.fields.record_terms).
    # 4: each row's file is kept (``sources``).
    FORMAT = 4

    def __init__(
        self,
        ids: list[str],
        sources: list[str],
        matrix: sparse.csc_matrix,
        vocab: dict[str, int],
        idf: np.ndarray,
        counts: sparse.csr_matrix | None = None,
        lengths: np.ndarray | None = None,
    ) -> None:
        self.ids = ids
        # Each row's file: which chunks a file has, without a scan of the store's metadata
        # (7 ms a question that names a paper or reads a list's files, at 50,000 chunks).
        self.sources = sources
        self.matrix = matrix
        self.vocab = vocab
        self.idf = idf
        self.counts = counts
        self.lengths = lengths

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        sources: Sequence[str],
        token_lists: Sequence[list[str]],
        k1: float = 1.5,
        b: float = 0.75,
    ) -> KeywordIndex:
        vocab: dict[str, int] = {}
        counts, lengths = _term_counts(token_lists, vocab)
        return cls.from_counts(list(ids), list(sources), counts, lengths, vocab, k1, b)

    @classmethod
    def from_counts(
        cls,
        ids: list[str],
        sources: list[str],
        counts: sparse.csr_matrix,
        lengths: np.ndarray,
        vocab: dict[str, int],
        k1: float = 1.5,
        b: float = 0.75,
    ) -> KeywordIndex:
        """Weights and IDF from raw counts; terms no document holds any more are dropped."""
        df = np.bincount(counts.indices, minlength=len(vocab))
        if len(df) and not df.all():
            used = np.flatnonzero(df)
            counts, df = counts[:, used].tocsr(), df[used]
            term_of = {col: term for term, col in vocab.items()}
            vocab = {term_of[int(col)]: new for new, col in enumerate(used)}
        tf = counts.data.astype(np.float32)
        rows = np.repeat(np.arange(len(ids)), np.diff(counts.indptr))
        avg = float(lengths.mean()) if len(ids) else 1.0
        norm = k1 * (1 - b + b * lengths[rows] / max(avg, 1e-9))
        weights = tf * (k1 + 1) / (tf + norm)
        matrix = sparse.csr_matrix(
            (weights, counts.indices, counts.indptr), shape=counts.shape, dtype=np.float32
        ).tocsc()
        df = df.astype(np.float32)
        idf = np.log1p((len(ids) - df + 0.5) / (df + 0.5)).astype(np.float32)
        return cls(ids, sources, matrix, vocab, idf, counts, lengths)

    def updated(
        self,
        remove: Collection[str],
        ids: Sequence[str],
        sources: Sequence[str],
        token_lists: Sequence[list[str]],
    ) -> KeywordIndex:
        """This index without the ``remove`` rows and with rows for ``ids`` added at the end.

        Scores equal a rebuild's over the same chunks; only the new chunks were tokenised.
        """
        if self.counts is None or self.lengths is None:
            raise ValueError("this keyword index holds no term counts to update")
        keep = np.asarray([chunk_id not in remove for chunk_id in self.ids], dtype=bool)
        vocab = dict(self.vocab)
        added, lengths = _term_counts(token_lists, vocab)
        kept = self.counts[keep]
        kept = sparse.csr_matrix((kept.data, kept.indices, kept.indptr), shape=(kept.shape[0], len(vocab)))
        counts = sparse.vstack([kept, added], format="csr")
        kept_ids = [chunk_id for chunk_id, k in zip(self.ids, keep, strict=True) if k]
        kept_sources = [source for source, k in zip(self.sources, keep, strict=True) if k]
        return self.from_counts(
            [*kept_ids, *ids],
            [*kept_sources, *sources],
            counts,
            np.concatenate([self.lengths[keep], lengths]),
            vocab,
        )

    def search(
        self, tokens: list[str], k: int, within: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The best ``k`` chunks, of those in ``within`` when it is given."""
        cols = [self.vocab[t] for t in dict.fromkeys(tokens) if t in self.vocab]
        if not cols or not self.ids:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        indptr, rows, weights = self.matrix.indptr, self.matrix.indices, self.matrix.data
        for col in cols:
            start, end = indptr[col], indptr[col + 1]
            scores[rows[start:end]] += weights[start:end] * self.idf[col]
        if within is not None:
            scores[~self._rows_mask(within)] = 0.0
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top]

    def idf_of(self, term: str) -> float | None:
        """The term's inverse document frequency; None when no chunk holds it."""
        col = self.vocab.get(term)
        return None if col is None else float(self.idf[col])

    def coverage(self, tokens: list[str], chunk_ids: Sequence[str]) -> float:
        """IDF-weighted share of the query's terms that the chunks ``chunk_ids`` hold, read
        from their rows of term counts (their text, title and section, as indexed).

        A term the corpus has never seen weighs most: a question about something
        the papers never mention should not look answered.
        """
        terms = set(tokens)
        if not terms:
            return 0.0
        present: set[int] = set()
        if self.counts is not None:
            for row in (self._row_of[c] for c in chunk_ids if c in self._row_of):
                present.update(
                    self.counts.indices[self.counts.indptr[row] : self.counts.indptr[row + 1]].tolist()
                )
        unseen = float(np.log1p(len(self.ids) + 0.5))
        weights = {t: float(self.idf[self.vocab[t]]) if t in self.vocab else unseen for t in terms}
        return sum(w for t, w in weights.items() if self.vocab.get(t, -1) in present) / sum(weights.values())

    def ids_in(self, files: Collection[str]) -> list[str]:
        """The chunks of ``files``, in index order."""
        rows = sorted(row for source in files for row in self._rows_by_source.get(source, ()))
        return [self.ids[row] for row in rows]

    def sources_of(self, chunk_ids: Iterable[str]) -> list[str]:
        """The files of ``chunk_ids``, each once, in that order."""
        rows = self._row_of
        return list(dict.fromkeys(self.sources[rows[c]] for c in chunk_ids if c in rows))

    @cached_property
    def _rows_by_source(self) -> dict[str, list[int]]:
        rows: dict[str, list[int]] = {}
        for row, source in enumerate(self.sources):
            rows.setdefault(source, []).append(row)
        return rows

    @cached_property
    def _row_of(self) -> dict[str, int]:
        return {chunk_id: row for row, chunk_id in enumerate(self.ids)}

    def _rows_mask(self, chunk_ids: Collection[str]) -> np.ndarray:
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[[self._row_of[c] for c in chunk_ids if c in self._row_of]] = True
        return mask

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.ids)

    def save(self, folder: Path) -> None:
        """Write both files under private temporary names, then rename: readers never see half.

        The raw counts are saved, not the weights: loading re-weighs them in milliseconds.
        Uncompressed: at 50,000 chunks compressing took 0.7 s of each sync that changed a file,
        for 25 MB of disk.
        """
        if self.counts is None or self.lengths is None:
            raise ValueError("only an index built from term counts can be saved")
        folder.mkdir(parents=True, exist_ok=True)
        token = f"{os.getpid()}-{threading.get_ident()}"
        arrays_tmp = folder / f"keyword.{token}{_TEMP}.npz"
        meta_tmp = folder / f"keyword.{token}{_TEMP}.json"
        np.savez(
            arrays_tmp,
            data=self.counts.data,
            indices=self.counts.indices,
            indptr=self.counts.indptr,
            shape=np.asarray(self.counts.shape),
            lengths=self.lengths,
            fingerprint=np.asarray(self.fingerprint),
        )
        meta = {
            "format": self.FORMAT,
            "ids": self.ids,
            "sources": self.sources,
            "vocab": self.vocab,
            "fingerprint": self.fingerprint,
        }
        meta_tmp.write_text(json.dumps(meta, ensure_ascii=False))
        arrays_tmp.replace(folder / "keyword.npz")
        meta_tmp.replace(folder / "keyword.json")

    @staticmethod
    def leftovers(folder: Path) -> list[Path]:
        """Temporary files of saves that were killed: their process is gone (the name holds
        its id), or they are older than any save takes."""
        stale = []
        for path in sorted(folder.glob(f"keyword.*{_TEMP}.*")):
            pid = path.name.split(".")[1].split("-")[0]
            try:
                young = time.time() - path.stat().st_mtime < _LONGEST_SAVE_S
            except FileNotFoundError:  # its save just finished
                continue
            if not (young and pid.isdigit() and _alive(int(pid))):
                stale.append(path)
        return stale

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        """None when there is no saved index or it is unreadable (the caller rebuilds)."""
        try:
            meta = json.loads((folder / "keyword.json").read_text())
            arrays = np.load(folder / "keyword.npz")
            if meta.get("format") != cls.FORMAT:
                return None
            counts = sparse.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"])
            )
            index = cls.from_counts(meta["ids"], meta["sources"], counts, arrays["lengths"], meta["vocab"])
            pair_matches = str(arrays["fingerprint"]) == meta.get("fingerprint")
        except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile):
            return None
        return index if pair_matches and index.fingerprint == meta["fingerprint"] else None


_TEMP = ".tmp"
_LONGEST_SAVE_S = 3600.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _term_counts(
    token_lists: Sequence[list[str]], vocab: dict[str, int]
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Documents-by-terms counts and document lengths; new terms are added to ``vocab``."""
    rows: list[int] = []
    cols: list[int] = []
    tfs: list[int] = []
    lengths = np.zeros(len(token_lists), dtype=np.float32)
    for row, tokens in enumerate(token_lists):
        lengths[row] = len(tokens)
        counts: dict[int, int] = {}
        for token in tokens:
            col = vocab.setdefault(token, len(vocab))
            counts[col] = counts.get(col, 0) + 1
        rows.extend([row] * len(counts))
        cols.extend(counts.keys())
        tfs.extend(counts.values())
    shape = (len(token_lists), len(vocab))
    matrix = sparse.csr_matrix(
        (np.asarray(tfs, dtype=np.float32), (rows, cols)), shape=shape, dtype=np.float32
    )
    return matrix, lengths


def fingerprint(ids: Sequence[str]) -> str:
    digest = hashlib.sha1()
    for chunk_id in sorted(ids):
        digest.update(chunk_id.encode())
    return f"{len(ids)}:{digest.hexdigest()}"
