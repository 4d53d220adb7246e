"""`rag bench`: speed, scale and memory figures, side by side with the plain LangChain pipeline.

A command that prints figures, not a timed test: timings on a shared 2-core machine are
noisy, so latencies are medians and percentiles over many calls and the comparisons are
ratios measured in the same run.

How it measures, and why:

- Every measured phase (build, re-index, serving, cold start) runs in a fresh Python
  process, so a peak RSS belongs to that phase alone and a cold start is a real process
  start (``python -m rag.cli ask``), timed to the first line of the answer.
- Three corpus sizes: the real corpus, and generated corpora of about 10,000 and 50,000
  chunks. A generated paper is a title line and then paragraphs of the real papers drawn
  one at a time with ``random.Random(f"{SEED}:{n}")`` until it has about
  ``CHUNKS_PER_PAPER`` chunks; paper n is the same in every size, so the sizes are nested.
- The bundled e5 model embeds about 10 texts/s on 2 cores, so 50,000 chunks (and their
  sentences) would take hours. Embedding is measured on the real corpus (the model alone,
  and inside a cold index build); the generated corpora get stored vectors: each generated
  text's vector is the mean vector of the real paragraphs its sentences come from, plus
  noise seeded by the text's hash, normalised. They are written through ``CachedEmbedder``
  into the index's vector cache before indexing, so the real indexing path runs, and the
  indexing processes get a model that refuses to embed: a text without a stored vector
  fails at once instead of running for hours. Queries are always embedded by the model.
- Generated corpora, indexes and caches live under ``artifacts/bench/``, never in corpus/.
"""

from .runner import main

__all__ = ["main"]
