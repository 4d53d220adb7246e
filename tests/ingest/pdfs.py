"""Real PDFs for the tests, written on the spot in a CJK font: by default a short paper on
glaciers printed on pages 84-86 of a journal, under its running header and over page numbers."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

JOURNAL = "环境科学研究 第45卷 第3期"
# The sentence that page 84 ends and page 85 goes on with.
ACROSS = "研究人员在天山北坡布设了长期观测站点，并结合遥感影像对冰川末端的变化进行了连续十年的监测与比对。"
CUT = ACROSS.index("对冰川")
PAGES = [
    "一、引言\n\n"
    "天山冰川在过去五十年间持续退缩，面积减少了百分之十一点七。"
    "冰川退缩直接影响伊犁河与阿克苏河等河流的径流稳定，威胁下游绿洲的农业灌溉。"
    "中亚国家的水资源高度依赖高山冰雪融水，冰川变化已经成为区域合作的重要议题。" + ACROSS[:CUT],
    ACROSS[CUT:] + "监测结果表明，气温升高是冰川退缩的主要原因，降水变化的作用相对较小。\n\n"
    "二、研究方法\n\n"
    "本文采用遥感解译与野外调查相结合的方法，对比了三个时期的冰川边界。",
    "三、结论\n\n"
    "中亚地区的水资源安全与冰川变化密切相关，需要建立跨境的冰川监测与数据共享机制。"
    "各国应当在适应气候变化方面加强合作，共同应对冰川消融带来的风险。",
]


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
