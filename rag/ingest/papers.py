"""Which files are parts of one paper: an abstract page or a catalogue record repeats most of
the full text, and must be cited as that paper, not as a paper of its own."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import sparse

from ..schema import Document, PaperRecord
from ..text.shingles import shingles

# A file whose text is mostly inside another file is a part of that paper.
PART_OF_PAPER_CONTAINMENT = 0.6
_SHINGLE = 8


def sketch(text: str) -> np.ndarray:
    """Hashes of a third of the text's 8-character shingles, chosen by content, not by
    position, so that the same passage yields the same hashes wherever it starts in either file."""
    hashes = {zlib.crc32(run.encode()) for run in shingles(text, _SHINGLE)}
    return np.asarray(sorted(h for h in hashes if h % 3 == 0), dtype=np.uint32)


def link_parts_of_papers(documents: Sequence[Document], sketches: Sequence[np.ndarray]) -> list[Document]:
    """The documents, those that repeat most of another file given that file's paper identity.

    A paper's record is that of its longest file, with gaps filled from its parts; its spans say
    in which file each field is printed.
    """
    whole = _containing_documents(documents, sketches)
    groups: dict[int, list[int]] = {}
    for i in range(len(documents)):
        root = i
        while whole[root] >= 0:
            root = whole[root]
        groups.setdefault(root, []).append(i)
    linked = list(documents)
    for root, members in groups.items():
        members.sort(key=lambda i: -len(documents[i].text))
        merged = PaperRecord()
        for i in members:
            merged = merged.merged_with(documents[i].record.located_in(documents[i].source))
        for i in members:
            linked[i] = replace(documents[i], paper_id=documents[root].paper_id, record=merged)
    return linked


def _containing_documents(documents: Sequence[Document], sketches: Sequence[np.ndarray]) -> list[int]:
    """For each file, the longer file that holds most of its sketch (-1 for none).

    The hashes every pair of files shares come from one sparse product, not from a
    set intersection per pair, which took half a minute for a thousand papers.
    """
    n = len(documents)
    sizes = np.asarray([len(s) for s in sketches], dtype=np.int64)
    whole = [-1] * n
    if n < 2 or not sizes.any():
        return whole
    values = np.concatenate(sketches)
    _, cols = np.unique(values, return_inverse=True)
    rows = np.repeat(np.arange(n), sizes)
    member = sparse.csr_matrix(
        (np.ones(len(values), dtype=np.int32), (rows, cols)), shape=(n, int(cols.max()) + 1)
    )
    shared = (member @ member.T).tocoo()
    part, other = shared.row, shared.col
    lengths = np.asarray([len(doc.text) for doc in documents])
    share = shared.data / np.maximum(sizes[part], 1)
    keep = (lengths[other] > lengths[part]) & (share >= PART_OF_PAPER_CONTAINMENT)
    part, other, share = part[keep], other[keep], share[keep]
    # The best share for each part; among equal shares, the first file.
    for i in np.lexsort((-other, share, part)):
        whole[int(part[i])] = int(other[i])
    return whole
