"""The web chat in a real browser: Debian's Chromium driven by Playwright's sync API.

One app server for the session, over a private copy of the fixture corpus plus a
document full of HTML/JS payloads; each test opens its own page (its own session).
Nothing here downloads a browser: without /usr/bin/chromium the tests are skipped.
"""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from apps.web import build_app, serve
from rag import Assistant, Settings
from tests.paths import FIXTURES, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "artifacts"
TIMEOUT_MS = 60_000  # two busy cores: an answer usually takes about a second, allow a minute

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
    # Gradio's queue formats Dataframe values with pandas options that pandas 3 deprecates.
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning", "ignore:The copy keyword:Warning"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser_server(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(FIXTURES / "corpus", root / "corpus")
    shutil.copy(FIXTURES / "web" / "markup_payload.txt", root / "corpus")
    settings = Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=embedding_cache.parent
    )
    app = build_app(Assistant.load(settings))
    url = serve(app, "127.0.0.1", free_port(), block=False)
    yield url
    app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, browser_server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.goto(browser_server)
    yield page
    context.close()


def finished_answers(page: Page) -> Locator:
    """The bot rows that carry a timing detail: an answer gets one only once it is complete."""
    return page.locator("#rag-chat .bot-row").filter(has=page.locator(".thought", has_text="Timing 用时"))


def ask(page: Page, question: str) -> Locator:
    """Type a question, send it, and wait until its answer is complete; returns that answer's row."""
    answers_before = finished_answers(page).count()
    page.locator("#rag-question textarea").fill(question)
    page.locator("#rag-question textarea").press("Enter")
    expect(finished_answers(page)).to_have_count(answers_before + 1)
    return finished_answers(page).last


def test_question_streams_a_cited_answer_with_its_sources(page: Page) -> None:
    answer = ask(page, "天山冰川过去50年减少了多少？")
    expect(answer).to_contain_text("11.7%")
    expect(answer).to_contain_text("[1]")
    source = page.locator("#rag-sources #rag-source-1")
    expect(source).to_contain_text("[1] 高质量共建")
    expect(source).to_contain_text("张立辉、黄忠伟、黄建平 · 2026")
    expect(source.locator("mark").first).to_contain_text("天山冰川过去50年减少11.7%")
    expect(source.locator("mark").first).to_be_visible()


def test_timings_wait_in_a_closed_detail_under_the_answer(page: Page) -> None:
    answer = ask(page, "天山冰川过去50年减少了多少？")
    figures = re.compile(r"retrieval \d+\.\d\d s · answer \d+\.\d\d s")
    detail = answer.locator(".thought")
    expect(detail).to_contain_text(re.compile(r"Timing 用时\s*\(\d+(\.\d+)?m?s\)"))
    expect(answer).not_to_contain_text(figures)
    expect(answer.locator("[data-testid=bot]").first).not_to_contain_text("Timing")
    detail.get_by_text("Timing 用时").click()
    expect(detail).to_contain_text(figures)
    expect(answer.locator("[data-testid=bot]").first).to_contain_text("11.7%")


def test_follow_up_uses_the_conversation(page: Page) -> None:
    ask(page, "中国与中亚国家加强气候合作的优化路径有哪些？")
    answer = ask(page, "它提出的第二条路径具体指什么？")
    expect(page.locator("#rag-chat [data-testid=user]")).to_have_count(2)
    expect(answer).to_contain_text("[1]")
    expect(page.locator("#rag-source-1 .rag-source-meta")).to_contain_text("climate_cooperation.txt")
    # The paths are listed as 制度层面…；项目层面…；技术层面…；保障层面…
    expect(page.locator("#rag-sources")).to_contain_text(re.compile("(制度|项目|技术|保障)层面"))


def test_examples_fill_the_box_and_clear_empties_the_chat(page: Page) -> None:
    page.locator("#rag-papers").get_by_text("new_energy.md").wait_for()
    page.get_by_text("What are the four key dimensions", exact=False).first.click()
    expect(page.locator("#rag-question textarea")).to_have_value(re.compile("four key dimensions"))
    page.locator("#rag-ask").click()
    expect(finished_answers(page)).to_have_count(1)
    expect(page.locator("#rag-sources mark").first).to_be_visible()
    page.locator("#rag-clear").click()
    expect(page.locator("#rag-chat [data-testid=bot]")).to_have_count(0)
    expect(page.locator("#rag-sources mark")).to_have_count(0)
    answer = ask(page, "中亚地区面临哪些气候挑战？")
    expect(answer).to_contain_text("水资源短缺")
    expect(page.locator("#rag-chat [data-testid=user]")).to_have_count(1)


def test_empty_question_gets_a_clear_message(page: Page) -> None:
    page.locator("#rag-ask").click()
    expect(page.locator("#rag-chat [data-testid=bot]")).to_contain_text(
        "Cannot answer: the question is empty"
    )


def test_markup_inside_a_paper_is_shown_as_text_and_never_runs(page: Page) -> None:
    answer = ask(page, "网页界面如何显示论文中的图片标签？")
    expect(answer).to_contain_text('<img src=x onerror="window.__pwned=1">')
    sources = page.locator("#rag-sources")
    expect(sources).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(sources).to_contain_text("<script>window.__pwned=2</script>")
    expect(sources).to_contain_text('<svg onload="window.__pwned=3">')
    ask(page, "界面会把论文文本中的模板写法转义后再显示吗？")
    expect(sources).to_contain_text("${window.__pwned=4}")
    for selector in ("#rag-chat", "#rag-sources"):
        expect(page.locator(f"{selector} img, {selector} script, {selector} svg[onload]")).to_have_count(0)
    page.wait_for_timeout(300)  # an onerror would have fired by now
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_upload_indexes_a_paper_that_can_then_be_asked_about(page: Page, tmp_path: Path) -> None:
    upload = page.locator("#rag-upload input[type=file]")
    status = page.locator("#rag-status textarea")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    upload.set_input_files(str(broken))
    expect(status).to_have_value(re.compile("✗ broken.pdf: unreadable PDF"))
    expect(status).to_have_value(re.compile("index is unchanged"))

    upload.set_input_files(str(FIXTURES / "web" / "pamir_glacier_lakes.md"))
    expect(status).to_have_value(re.compile("✓ added pamir_glacier_lakes.md"))
    expect(page.locator("#rag-papers")).to_contain_text("帕米尔高原冰湖扩张对中国—中亚跨境水安全的影响")

    upload.set_input_files(str(FIXTURES / "web" / "pamir_glacier_lakes.md"))
    expect(status).to_have_value(re.compile("duplicate of pamir_glacier_lakes.md"))

    answer = ask(page, "What should China build with Tajikistan and Kyrgyzstan?")
    expect(answer).to_contain_text("预警")
    answer = ask(page, "帕米尔高原冰湖数量增加了多少？")
    expect(answer).to_contain_text("37.5%")
    expect(page.locator("#rag-source-1")).to_contain_text("pamir_glacier_lakes.md")
    expect(page.locator("#rag-source-1 mark").first).to_contain_text("37.5%")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web_chat.png"), full_page=True)


def test_a_cited_papers_reference_is_copied_by_its_button(browser: Browser, browser_server: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(browser_server)
    ask(page, "天山冰川过去50年减少了多少？")
    gbt = page.locator("#rag-source-1 .rag-reference[data-style=gbt7714]")
    expect(gbt).to_contain_text("张立辉, 黄忠伟, 黄建平. 高质量共建")
    gbt.locator(".rag-copy").click()
    expect(gbt.locator(".rag-copy")).to_have_text("Copied 已复制")
    pasted = page.evaluate("navigator.clipboard.readText()")
    assert pasted.startswith("张立辉, 黄忠伟, 黄建平. 高质量共建") and "[J]" in pasted
    assert "GB/T" not in pasted and "<" not in pasted
    context.close()
