"""Serve the web chat: ``python app.py`` on RAG_HOST:RAG_PORT (127.0.0.1:7860 by default).

The index is opened (or built from RAG_CORPUS_DIR the first time) and brought up to date
with the corpus folder before the server starts, so files dropped into corpus/ are
answerable and the first reader does not wait for indexing.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from apps.cli import progress_bar
from apps.web import build_app, serve
from rag import Assistant, Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request to itself is noise
    settings = Settings.from_env()
    try:
        # A first build embeds for minutes: the console shows a bar with a count and an ETA.
        # A damaged index is built again (rag.index.health), as `rag index` would.
        assistant = Assistant.load(
            settings, progress=progress_bar("building the index: embedding"), repair=True
        )
        report = assistant.library.reindex(progress=progress_bar("updating the index: embedding"))
    except (RuntimeError, ValueError) as exc:  # IndexUnavailable, IngestError: messages meant for the reader
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for reason in report.skipped.values():
        print(f"skipped {reason}", file=sys.stderr)
    print(f"index {settings.index_dir}: {report.summary()}", file=sys.stderr)
    threading.Thread(target=assistant.warm_up, name="warm-up", daemon=True).start()
    print(f"serving the web chat on http://{settings.host}:{settings.port}", file=sys.stderr)
    serve(build_app(assistant), settings.host, settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
