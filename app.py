"""Serve the web chat: ``python app.py`` on RAG_HOST:RAG_PORT (127.0.0.1:7860 by default).

The server starts at once. The index is opened (or built from RAG_CORPUS_DIR the first
time, with a progress bar on the console) and brought up to date with the corpus folder in
the background; until it is ready the page says that the index is being built and how far.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from apps.cli import progress_bar
from apps.startup import NotReady, Startup
from apps.web import build_app, serve
from rag import Settings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request to itself is noise
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # SettingsError names the variable
        print(f"error: {exc}", file=sys.stderr)
        return 2
    startup = Startup(settings, console=progress_bar).start()
    threading.Thread(target=_report, args=(startup,), name="index-report", daemon=True).start()
    print(f"serving the web chat on http://{settings.host}:{settings.port}", file=sys.stderr)
    serve(build_app(startup), settings.host, settings.port)
    return 0


def _report(startup: Startup) -> None:
    """The console's account of the opening, once it is done."""
    startup.wait()
    try:
        startup.get()
    except NotReady as exc:
        print(f"{exc}", file=sys.stderr)
        return
    report = startup.report
    if report is not None:
        for reason in report.skipped.values():
            print(f"skipped {reason}", file=sys.stderr)
        print(f"index {startup.settings.index_dir}: {report.summary()}; ready", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
