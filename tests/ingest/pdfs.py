"""Real PDFs and DOCX files for the ingest tests, written on the spot with a CJK font."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

JOURNAL = "环境科学研究 第45卷 第3期"


def cjk_font() -> Path:
    """A font that has Chinese glyphs, or the test is skipped (Debian: fonts-wqy-microhei)."""
    if shutil.which("fc-list"):
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        ).stdout.split("\n")
        for line in listed:
            path = Path(line.strip().rstrip(":"))
            if path.suffix.lower() in (".ttf", ".ttc", ".otf") and path.is_file():
                return path
    pytest.skip("no font with Chinese glyphs installed (apt-get install fonts-wqy-microhei)")


def write_pdf(path: Path, pages: Sequence[str], first_page: int = 1, header: str = JOURNAL) -> Path:
    """One PDF page a text, each under a running header (the journal) and over a footer (its
    page number); the page labels start at ``first_page``, as in a journal's offprint."""
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(cjk_font()))
    pdf.set_font("cjk", size=11)
    for n, text in enumerate(pages):
        pdf.add_page()
        if n == 0:
            pdf.set_page_label(label_style="D", label_start=first_page)
        pdf.set_xy(20, 12)
        pdf.cell(text=header)
        pdf.set_xy(20, 30)
        pdf.multi_cell(w=170, text=text)
        pdf.set_xy(100, 280)
        pdf.cell(text=str(first_page + n))
    pdf.output(str(path))
    return path
