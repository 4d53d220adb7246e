"""The web chat's handlers and rendering, driven directly (no server, no browser)."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import docx
import gradio as gr
import pytest

from apps.web import (
    NO_SOURCES,
    Conversation,
    WebChat,
    build_app,
    citation_html,
    highlighted,
    merged_spans,
)
from rag import Answer, Assistant, Paper, Passage, Settings, Turn
from rag.index import Progress
from rag.schema import PaperRecord
from tests.paths import FIXTURE_CORPUS, ROOT, WEB_FIXTURES

PATHS_QUESTION = "中国与中亚国家加强气候合作的优化路径有哪些？"
FOLLOW_UP = "它提出的第二条路径具体指什么？"


def run(chat: WebChat, question: str, conversation: Conversation | None = None) -> list[tuple[Any, ...]]:
    return list(chat.respond(question, conversation or Conversation()))


def final_state(updates: list[tuple[Any, ...]]) -> tuple[Conversation, str]:
    """The conversation and sources panel as the last update leaves them."""
    conversation = next(u[2] for u in reversed(updates) if isinstance(u[2], Conversation))
    sources = next(u[3] for u in reversed(updates) if isinstance(u[3], str))
    return conversation, sources


def no_progress(*args: Any, **kwargs: Any) -> None:
    """Stands in for gr.Progress outside a Gradio event."""


# -- rendering --------------------------------------------------------------------------------


def test_highlighted_marks_spans_and_escapes_everything_else() -> None:
    text = 'a<b>c & "d" <img src=x onerror=alert(1)>'
    out = highlighted(text, [(1, 4)])
    assert out.startswith("a<mark>&lt;b&gt;</mark>c &amp; &quot;d&quot; &lt;img")
    assert "<img" not in out and "<b>" not in out


def test_merged_spans_clip_sort_and_merge() -> None:
    assert merged_spans([(8, 20), (0, 3), (2, 5), (-4, 1), (30, 40), (6, 6)], 25) == [(0, 5), (8, 20)]


def test_citation_shows_title_authors_year_section_and_escaped_passage() -> None:
    passage = Passage(
        "c1",
        "前文。<script>alert(1)</script>引用句。后文。",
        "p.txt",
        0.5,
        record=PaperRecord(title="标题<i>", authors=("张三", "李四"), year="2025"),
        section="一、<svg onload=x>",
        highlights=((3, 32),),
    )
    out = citation_html(1, passage)
    assert "[1] 标题&lt;i&gt;" in out
    assert "张三、李四 · 2025 · § 一、&lt;svg onload=x&gt; · p.txt" in out
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;引用句。</mark>" in out
    assert "<script" not in out and "<svg" not in out and "<i>" not in out
    assert "data-reference='张三, 李四. 标题&lt;i&gt;. 2025.'" in out
    assert "APA 7: 张三, &amp; 李四 (2025). 标题&lt;i&gt;." in out


# -- chat ---------------------------------------------------------------------------------------


def test_answer_streams_then_shows_citations_sources_and_timings(assistant: Assistant) -> None:
    updates = run(WebChat(assistant), "天山冰川过去50年减少了多少？")
    assert len(updates) >= 3, "a placeholder, at least one streamed piece, then the final answer"
    assert updates[0][0] == "" and updates[0][1][-1]["content"] == "…"
    chats = [u[1][-1]["content"] for u in updates]
    assert any("11.7%" in c and "Timing" not in c for c in chats), "the text arrives before the final answer"
    final = chats[-1]
    assert "11.7%" in final and "[1]" in final
    assert "Timing: retrieval" in final and "answer" in final
    conversation, sources = final_state(updates)
    assert conversation.turns[0].question == "天山冰川过去50年减少了多少？"
    assert "11.7%" in conversation.turns[0].answer
    assert [m["role"] for m in conversation.messages] == ["user", "assistant"]
    assert "climate_cooperation.txt" in sources and "张立辉" in sources and "2026" in sources
    assert (
        "2026(1): 80-91. DOI:10.13568/" in sources
        and "Zhang, L.-H., Huang, Z.-W., &amp; Huang, J.-P. (2026). 高质量共建" in sources
    )
    marked = sources.split("<mark>", 1)[1].split("</mark>", 1)[0]
    assert "11.7%" in marked


def test_follow_up_is_retrieved_with_the_conversation(assistant: Assistant) -> None:
    chat = WebChat(assistant)
    first, _ = final_state(run(chat, PATHS_QUESTION))
    conversation, sources = final_state(run(chat, FOLLOW_UP, first))
    assert [t.question for t in conversation.turns] == [PATHS_QUESTION, FOLLOW_UP]
    assert len(conversation.messages) == 4
    first_source = sources.split("</article>", 1)[0]
    assert "climate_cooperation.txt" in first_source
    _, alone = final_state(run(chat, FOLLOW_UP))
    assert "climate_cooperation.txt" not in alone.split("</article>", 1)[0], "without history it drifts"


@pytest.mark.parametrize(("question", "expected"), [("   ", "the question is empty"), ("气" * 3000, "3,000")])
def test_refused_question_is_a_clear_message_and_not_a_turn(
    assistant: Assistant, question: str, expected: str
) -> None:
    before = Conversation([Turn("q", "a")], [{"role": "user", "content": "q"}])
    updates = run(WebChat(assistant), question, before)
    box, messages, conversation, sources = updates[-1]
    assert box == question, "the question stays in the box to be edited"
    assert messages[-1]["content"].startswith("Cannot answer:") and expected in messages[-1]["content"]
    assert "Traceback" not in messages[-1]["content"]
    assert conversation.turns == before.turns
    assert not isinstance(sources, str), "the sources panel keeps the previous answer's passages"


class Broken:
    """An assistant whose pipeline fails, as a crashed index would."""

    def stream(self, question: str, history: object) -> Iterator[str | Answer]:
        raise RuntimeError("chroma exploded")
        yield ""


def test_unexpected_failure_is_one_line_without_traceback() -> None:
    updates = run(WebChat(cast(Assistant, Broken())), "天山冰川？")
    content = updates[-1][1][-1]["content"]
    assert "Something went wrong while answering (RuntimeError)" in content
    assert "chroma exploded" not in content and "Traceback" not in content


def test_markup_in_answers_reaches_the_chat_escaped() -> None:
    class Echo:
        def stream(self, question: str, history: object) -> Iterator[str | Answer]:
            yield "<img src=x onerror=alert(1)>[1]"
            yield Answer(question, "<img src=x onerror=alert(1)>[1]", [], True, timings={"retrieve_s": 0.1})

        def cited_papers(self, passages: object) -> list[Paper]:
            return []

    updates = run(WebChat(cast(Assistant, Echo())), "<b>q</b>")
    messages = updates[-1][1]
    assert messages[0]["content"] == "&lt;b&gt;q&lt;/b&gt;"
    assert messages[1]["content"].startswith("&lt;img src=x onerror=alert(1)&gt;[1]")


def test_clear_resets_everything(assistant: Assistant) -> None:
    assert WebChat(assistant).clear() == ("", [], Conversation(), NO_SOURCES)


def test_papers_table_lists_the_index(assistant: Assistant) -> None:
    rows = WebChat(assistant).papers()
    files = ", ".join(row[4] for row in rows)
    assert "climate_cooperation.txt" in files and "new_energy.md" in files
    climate = next(r for r in rows if "climate_cooperation.txt" in r[4])
    assert (
        climate[0].startswith("高质量共建")
        and climate[1] == "张立辉、黄忠伟、黄建平"
        and climate[2] == "2026"
    )


# -- uploads ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> WebChat:
    """A chat over a private corpus copy that these tests may add files to."""
    root = tmp_path_factory.mktemp("web-upload")
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    settings = Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", cache_dir=embedding_cache.parent
    )
    return WebChat(Assistant.load(settings))


def upload(chat: WebChat, *paths: Path) -> tuple[str, list[list[str]]]:
    status, rows, cleared = chat.upload([str(p) for p in paths], cast(gr.Progress, no_progress))
    assert cleared is None
    return status, rows


def test_upload_adds_a_markdown_paper_that_can_then_be_asked_about(writable: WebChat) -> None:
    status, rows = upload(writable, WEB_FIXTURES / "pamir_glacier_lakes.md")
    assert "✓ added pamir_glacier_lakes.md" in status
    assert any(r[0].startswith("帕米尔高原冰湖扩张") for r in rows)
    assert (writable.assistant.settings.corpus_dir / "pamir_glacier_lakes.md").is_file()
    _, sources = final_state(run(writable, "帕米尔高原冰湖数量增加了多少？"))
    assert "pamir_glacier_lakes.md" in sources and "37.5%" in sources


def test_upload_adds_a_docx(writable: WebChat, tmp_path: Path) -> None:
    path = tmp_path / "aral_sea.docx"
    document = docx.Document()
    document.add_heading("咸海生态修复的国际合作机制研究", level=0)
    document.add_paragraph("赵测试")
    document.add_paragraph("咸海水域面积自1960年以来缩小了约90%，沿岸国家需要建立跨境生态补偿机制。")
    document.save(str(path))
    status, rows = upload(writable, path)
    assert "✓ added aral_sea.docx" in status
    assert any("aral_sea.docx" in r[4] for r in rows)


def test_duplicate_upload_is_recognised(writable: WebChat, tmp_path: Path) -> None:
    twin = tmp_path / "same_paper_again.md"
    shutil.copyfile(FIXTURE_CORPUS / "new_energy.md", twin)
    status, _ = upload(writable, twin)
    assert "duplicate of new_energy.md" in status
    assert "Nothing new was added" in status
    assert not (writable.assistant.settings.corpus_dir / twin.name).exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "unreadable PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "unreadable DOCX"),
        ("binary.txt", b"\x00\x01\x02" * 100, "binary data"),
        ("empty.md", b"   \n\n ", "empty"),
        ("program.exe", b"MZ", "unsupported type"),
    ],
)
def test_bad_upload_gets_a_reason_and_leaves_the_index_as_it_was(
    writable: WebChat, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    corpus = writable.assistant.settings.corpus_dir
    files_before = sorted(p.name for p in corpus.iterdir())
    hashes_before = writable.assistant.index.file_hashes()
    status, _ = upload(writable, path)
    assert f"✗ {name}: " in status and reason in status
    assert "Traceback" not in status
    assert sorted(p.name for p in corpus.iterdir()) == files_before
    assert writable.assistant.index.file_hashes() == hashes_before


def test_no_file_is_a_message(writable: WebChat) -> None:
    status, _, _ = writable.upload(None, cast(gr.Progress, no_progress))
    assert status == "No file was uploaded."


# -- concurrency guard and wiring ---------------------------------------------------------------


def test_app_exposes_chat_upload_papers_and_clear_endpoints(assistant: Assistant) -> None:
    app = build_app(assistant)
    names = {dep.api_name for dep in app.fns.values()}
    assert {"ask", "upload", "papers", "clear"} <= names
    chatbots = [block for block in app.blocks.values() if isinstance(block, gr.Chatbot)]
    assert len(chatbots) == 1 and chatbots[0].render_markdown is False


def load_app_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rag_app_main", ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_py_serves_the_assistant_on_rag_port(
    assistant: Assistant, shared_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load_app_module()
    served: dict[str, Any] = {}
    monkeypatch.setenv("RAG_PORT", "7999")
    monkeypatch.setenv("RAG_CORPUS_DIR", str(shared_settings.corpus_dir))
    monkeypatch.setenv("RAG_INDEX_DIR", str(shared_settings.index_dir))

    def load(settings: Settings, progress: Progress | None = None, repair: bool = False) -> Assistant:
        served.update(settings=settings, progress=progress, repair=repair)
        return assistant

    monkeypatch.setattr(module.Assistant, "load", staticmethod(load))
    monkeypatch.setattr(module, "serve", lambda app, host, port: served.update(app=app, host=host, port=port))
    monkeypatch.setattr(module.logging, "basicConfig", lambda **kwargs: None)
    assert module.main() == 0
    assert served["port"] == 7999 and served["host"] == "127.0.0.1"
    assert served["settings"].corpus_dir == shared_settings.corpus_dir
    assert isinstance(served["app"], gr.Blocks)
    assert callable(served["progress"])  # a first build shows a bar on the console
    assert served["repair"]  # a damaged index is built again at the start, as `rag index` does


class FailingIndex:
    """An assistant whose index breaks during an upload."""

    @property
    def library(self) -> FailingIndex:
        return self

    def add_files(self, paths: object, progress: object) -> None:
        raise OSError("disk full")

    def papers(self) -> list[dict[str, str]]:
        return []


def test_indexing_failure_is_a_message(tmp_path: Path) -> None:
    path = tmp_path / "paper.txt"
    path.write_text("标题\n\n正文内容足够长，可以被索引。")
    status, rows, _ = WebChat(cast(Assistant, FailingIndex())).upload(
        [str(path)], cast(gr.Progress, no_progress)
    )
    assert status.startswith("✗ Indexing failed (OSError: disk full)") and rows == []
