"""Command line: `rag index`, `rag search`, `rag ask`, `rag eval`, `rag bench`."""

from __future__ import annotations

import argparse
import io
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from rag.config import Settings, SettingsError
from rag.text.references import STYLES, ReferenceStyle

if TYPE_CHECKING:
    from rag import Paper


def progress_bar(desc: str) -> Callable[[int, int], None]:
    bar: tqdm | None = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="text", file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = Path(args.corpus)
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    return Settings.from_env(**overrides)


def cmd_index(args: argparse.Namespace) -> int:
    from rag import Assistant
    from rag.index import PaperIndex, make_embedder
    from rag.index.embeddings import CachedEmbedder
    from rag.text.words import Tokenizer

    settings = _settings(args)
    if args.check:
        embedder = CachedEmbedder(make_embedder(settings.embedding_model), None)
        health = PaperIndex.check(settings, embedder, Tokenizer())
        first, *rest = health.lines()
        print(f"index {settings.index_dir}: {first}")
        for line in rest:
            print(f"  {line}")
        return 0 if health.ok else 1
    if args.rebuild:
        discard(settings)
    assistant = Assistant.load(settings, progress=progress_bar("embedding"), repair=True)
    report = assistant.library.reindex(progress=progress_bar("embedding"))
    for name, reason in report.skipped.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    print(f"index {settings.index_dir}: {report.summary()}")
    return 0


def discard(settings: Settings) -> None:
    """What `--rebuild` throws away: an embedded index, its keyword index, and the caches of
    vectors and parsed files, so that every file is read and embedded again."""
    from rag.index import chroma_dir

    if not settings.chroma_url:
        shutil.rmtree(chroma_dir(settings), ignore_errors=True)
    shutil.rmtree(settings.index_dir / "keyword" / settings.collection, ignore_errors=True)
    for cache in (settings.embedding_cache, settings.parse_cache):
        for part in (cache, *(cache.with_name(cache.name + s) for s in ("-journal", "-wal", "-shm"))):
            part.unlink(missing_ok=True)


def cmd_search(args: argparse.Namespace) -> int:
    from rag import Assistant
    from rag.retrieval import clean_question

    settings = _settings(args)
    clean_question(args.question, settings.max_question_chars)
    assistant = Assistant.load(settings, progress=progress_bar("embedding"))
    for n, passage in enumerate(assistant.retrieve(args.question, k=args.k), 1):
        print(f"[{n}] {passage.score:.4f}  {passage.cite()}  ({passage.source})")
        print(f"    {passage.text[:300]}\n")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from rag import Assistant
    from rag.retrieval import clean_question

    settings = _settings(args)
    clean_question(args.question, settings.max_question_chars)
    assistant = Assistant.load(settings, progress=progress_bar("embedding"))
    answer = assistant.ask(args.question)
    print(answer.text)
    for note in answer.notes:
        print(f"({note})")
    if answer.citations:
        print("\nSources:")
    for n, passage in enumerate(answer.citations, 1):
        print(f"[{n}] {passage.cite()}  ({passage.source})")
        for start, end in passage.highlights:
            print(f"    “{passage.text[start:end]}”")
    if args.cite:
        print_references(assistant.cited_papers(answer.citations), args.style)
    return 0 if answer.found else 3


def print_references(papers: Sequence[Paper], style: ReferenceStyle | None) -> None:
    """Each cited paper's reference once, in the order the answer first cites it."""
    references = [r for r in (paper.reference(style) for paper in papers) if r]
    if references:
        print("\nReferences:")
    for reference in references:
        print(reference)


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.quality.harness import main as eval_main

    return eval_main(args, _settings(args))


def cmd_bench(args: argparse.Namespace) -> int:
    from eval.bench import main as bench_main

    return bench_main(args, _settings(args))


def _print_safely() -> None:
    """Under an output encoding without Chinese (PYTHONIOENCODING=ascii, a Windows console),
    characters it cannot show are printed as escapes instead of stopping the command."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Ask questions about a collection of papers.")
    parser.add_argument("--index", help="index folder (default: RAG_INDEX_DIR or ./index)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "index",
        help="build or update the index from the corpus folder, repairing a damaged one",
        description="Bring the index in line with the corpus folder: only new or changed files are "
        "embedded. A damaged index (see --check) is built again from the corpus and the vector cache.",
    )
    p.add_argument("--corpus", help="corpus folder (default: RAG_CORPUS_DIR or ./corpus)")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--rebuild",
        action="store_true",
        help="build from nothing: discard the index and the caches of vectors and parsed files, then "
        "read and embed every file again (a damaged index needs only `rag index`, which repairs it)",
    )
    how.add_argument(
        "--check", action="store_true", help="print the index's health report; exit 1 when it is damaged"
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="show the passages retrieved for a question")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with cited passages")
    p.add_argument("question")
    p.add_argument("--cite", action="store_true", help="also print each cited paper's reference")
    p.add_argument(
        "--style", choices=STYLES, help="reference style (default: GB/T 7714 for Chinese papers, else APA 7)"
    )
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="measure retrieval and answers on eval/questions.jsonl")
    p.add_argument("--check", action="store_true", help="exit 1 when a metric is below eval/thresholds.json")
    p.add_argument("--no-baselines", action="store_true", help="skip the baseline pipelines")
    p.add_argument(
        "--calibrate", action="store_true", help="print the abstention threshold the data suggests"
    )
    p.add_argument("--questions", help="question file (default: eval/questions.jsonl)")
    p.add_argument("--out", help="folder for report.md and results.json (default: eval/)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="print speed and memory figures")
    p.add_argument("--sizes", default="real,10000,50000", help="corpus sizes to measure")
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument(
        "--full-sizes",
        action="store_true",
        help="with --quick, generated sizes as given, not a fifth",
    )
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _print_safely()
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    from rag import IndexUnavailable, IngestError, QuestionError

    try:
        return int(args.func(args))
    except (QuestionError, IndexUnavailable, IngestError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
