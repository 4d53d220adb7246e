"""The web chat: a Gradio Blocks app over the same ``Assistant`` as the Python API.

Everything a paper says reaches the browser as escaped text, never as markup: the
chat bubbles are HTML-escaped (the Chatbot renders them with Markdown off) and the
sources panel is built from escaped pieces plus our own ``<mark>`` tags. A corpus file
containing ``<script>`` therefore shows those characters instead of running them.

Each browser tab (and each ``gradio_client.Client``) has its own ``Conversation`` in a
``gr.State``; Gradio's queue runs several tabs' questions at once. The index itself keeps
readers and an upload apart (rag.index.lock), so a question never sees a half-written index.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

from rag import Answer, Assistant, Paper, PaperRecord, Passage, QuestionError, Turn
from rag.retrieval import printable
from rag.text.references import ReferenceStyle

from .startup import NotReady, Startup

log = logging.getLogger(__name__)

TITLE = "Paper Q&A · 论文问答"
UPLOAD_TYPES = [".txt", ".md", ".pdf", ".docx"]
PAPER_COLUMNS = ["Title 标题", "Authors 作者", "Year 年份", "Journal 期刊", "Files 文件"]
EXAMPLES = [
    "天山冰川过去50年减少了多少？",
    "中国与中亚国家加强气候合作的优化路径有哪些？",
    "它提出的第二条路径具体指什么？",
    "What are the four key dimensions of China–Central Asia climate cooperation?",
    "How much have the Tianshan glaciers shrunk over the past 50 years?",
]
THINKING = "…"
TIMING_TITLE = "Timing 用时"
NO_SOURCES = (
    "<p class='rag-empty'>The passages cited by the latest answer appear here. "
    "最新回答引用的段落会显示在这里。</p>"
)
NOTHING_CITED = "<p class='rag-empty'>The latest answer cites no passage. 最新回答没有引用段落。</p>"
CSS = """
.rag-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px;
  margin-bottom: 10px; }
.rag-source h4 { margin: 0 0 4px 0; }
.rag-source-meta { color: var(--body-text-color-subdued); font-size: 0.9em; margin: 0 0 6px 0; }
.rag-passage { white-space: pre-wrap; margin: 0; line-height: 1.6; }
.rag-passage mark { background: #fde68a; color: inherit; padding: 0 1px; }
.rag-empty { color: var(--body-text-color-subdued); }
.rag-reference { display: flex; gap: 8px; align-items: flex-start; margin: 0 0 6px 0; font-size: 0.85em; }
.rag-reference-text { flex: 1; user-select: all; }
.rag-copy { flex: none; padding: 0 8px; border: 1px solid var(--border-color-primary); border-radius: 4px; }
#rag-chat .message-content, #rag-chat .md { white-space: pre-wrap; }
"""

# One listener on the sources panel copies a reference when its button is clicked; the button
# carries the reference as an escaped attribute, so the panel itself holds no script.
COPY_REFERENCE_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest('.rag-copy');
  if (!button) return;
  const text = button.dataset.reference;
  const copied = () => { button.textContent = 'Copied 已复制'; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(copied);
  } else {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
    copied();
  }
});
"""
REFERENCE_STYLES: tuple[tuple[ReferenceStyle, str], ...] = (("gbt7714", "GB/T 7714"), ("apa", "APA 7"))

# Gradio passes the values of State and component outputs positionally; skip() leaves one unchanged.
Update = Any
# A chat message in Gradio's format: role, content, and for a collapsible detail its metadata.
Message = dict[str, Any]
# Gradio injects a fresh progress tracker per event into a parameter whose default is a gr.Progress.
UPLOAD_PROGRESS = gr.Progress()


@dataclass
class Conversation:
    """One reader's chat: the turns the assistant rewrites follow-ups from, and what the chat shows."""

    turns: list[Turn] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)


# -- rendering: every piece of paper text goes through escape() -----------------------------


def escape(text: str) -> str:
    """Text that the browser shows literally, whatever characters it contains."""
    return html.escape(text, quote=True)


def chat_text(text: str) -> str:
    """A chat bubble's text: the Chatbot parses bubbles as HTML, so < and & are escaped.

    Quotes stay as they are (a bubble's text is never inside an attribute), which keeps
    the text that API clients read equal to the answer for nearly every answer.
    """
    return html.escape(text, quote=False)


def merged_spans(spans: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, clipped, non-overlapping spans, so each character is marked at most once."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def highlighted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The passage as escaped text, with the cited sentences inside <mark>."""
    parts: list[str] = []
    position = 0
    for start, end in merged_spans(spans, len(text)):
        parts += [escape(text[position:start]), "<mark>", escape(text[start:end]), "</mark>"]
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def citation_html(number: int, passage: Passage, paper: Paper | None = None) -> str:
    title = passage.title or passage.source
    section = f"§ {passage.section}" if passage.section else ""
    details = " · ".join(
        part for part in (passage.authors, passage.year, section, passage.page_label, passage.source) if part
    )
    return (
        f"<article class='rag-source' id='rag-source-{number}'>"
        f"<h4>[{number}] {escape(title)}</h4>"
        f"<p class='rag-source-meta'>{escape(details)}</p>"
        f"{references_html(paper.record if paper else passage.record)}"
        f"<p class='rag-passage'>{highlighted(passage.text, passage.highlights)}</p>"
        "</article>"
    )


def references_html(record: PaperRecord) -> str:
    """The paper's reference in each style, each with a button that copies it."""
    rows = []
    for style, label in REFERENCE_STYLES:
        reference = record.reference(style)
        if reference:
            rows.append(
                f"<div class='rag-reference' data-style='{style}'>"
                f"<span class='rag-reference-text'>{escape(label)}: {escape(reference)}</span>"
                f"<button type='button' class='rag-copy' data-reference='{escape(reference)}'>"
                "Copy 复制</button></div>"
            )
    return "".join(rows)


def sources_html(answer: Answer, papers: Sequence[Paper] = ()) -> str:
    """The sources panel for one answer: each citation in marker order, referenced by the whole
    record of its paper among ``papers``."""
    if not answer.citations:
        return NOTHING_CITED
    by_id = {paper.paper_id: paper for paper in papers}
    return "".join(citation_html(n, p, by_id.get(p.paper_id)) for n, p in enumerate(answer.citations, 1))


def answer_message(answer: Answer) -> str:
    """The finished chat bubble: the answer and any notes, nothing else to read past."""
    notes = [f"({note})" for note in answer.notes]
    return chat_text("\n".join([answer.text, *notes]))


def timing_message(answer: Answer) -> Message:
    """How long the answer took, as a Gradio "thought" under it: status "done" starts it closed,
    so the figures are one click away instead of in every answer."""
    retrieve = answer.timings.get("retrieve_s", 0.0)
    write = answer.timings.get("answer_s", 0.0)
    return {
        "role": "assistant",
        "content": f"retrieval {retrieve:.2f} s · answer {write:.2f} s",
        "metadata": {"title": TIMING_TITLE, "duration": round(retrieve + write, 2), "status": "done"},
    }


def paper_rows(papers: Sequence[Paper]) -> list[list[str]]:
    return [
        [
            p.record.title or ", ".join(p.sources),
            "、".join(p.record.authors),
            p.record.year,
            p.record.journal,
            ", ".join(p.sources),
        ]
        for p in papers
    ]


class IndexReport(Protocol):
    """What ``Assistant.add_files`` returns (a SyncReport), as far as the web chat reads it."""

    added: list[str]
    updated: list[str]
    skipped: dict[str, str]

    def summary(self) -> str: ...


def upload_summary(report: IndexReport, names: Sequence[str]) -> str:
    """What happened to each uploaded file, in words a reader can act on."""
    lines = [f"✓ added {name}" for name in report.added]
    lines += [f"✓ updated {name}" for name in report.updated]
    lines += [f"✗ {report.skipped[name]}" for name in names if name in report.skipped]
    if not report.added and not report.updated:
        lines.append("Nothing new was added; the index is unchanged.")
    lines.append(f"Index: {report.summary()}")
    return "\n".join(lines)


def user_message(question: str) -> Message:
    return {"role": "user", "content": chat_text(question)}


def bot_message(content: str) -> Message:
    return {"role": "assistant", "content": content}


# -- behaviour: plain methods, so tests can drive them without a browser ------------------------


class WebChat:
    """The event handlers of the app, bound to one Assistant shared by every session (or to
    the ``Startup`` opening it, so that readers are told how far a first build is)."""

    def __init__(self, assistant: Assistant | Startup) -> None:
        self.source = assistant

    @property
    def assistant(self) -> Assistant:
        """The assistant, or ``NotReady`` with the build's progress while it is being opened."""
        return self.source.get() if isinstance(self.source, Startup) else self.source

    def index_status(self) -> tuple[str, gr.Timer, list[list[str]] | Any]:
        """(status line, its timer, papers table) for the page while the index is being opened;
        once it is ready the line empties, the timer stops and the table fills."""
        try:
            papers = self.papers_or_fail()
        except NotReady as exc:
            return str(exc), gr.Timer(active=True), gr.skip()
        return "", gr.Timer(active=False), papers

    def respond(self, question: str, conversation: Conversation) -> Iterator[tuple[Update, ...]]:
        """Stream one answer: yields (question box, chat, conversation, sources panel).

        The question is made printable first: a lone surrogate sent through the API cannot be
        encoded, and kept in the chat it would break every later message of the session."""
        typed = question if isinstance(question, str) else ""
        question = printable(typed)
        shown = [*conversation.messages, *([user_message(question)] if question else [])]
        yield "", [*shown, bot_message(THINKING)], gr.skip(), gr.skip()
        written = ""
        try:
            for item in self.assistant.stream(question, conversation.turns):
                if isinstance(item, Answer):
                    messages = [*shown, bot_message(answer_message(item)), timing_message(item)]
                    turns = [*conversation.turns, Turn(question, item.text)]
                    sources = sources_html(item, self.assistant.cited_papers(item.citations))
                    yield gr.skip(), messages, Conversation(turns, messages), sources
                    return
                written += item
                yield gr.skip(), [*shown, bot_message(chat_text(written))], gr.skip(), gr.skip()
        except QuestionError as exc:
            problem = f"Cannot answer: {exc}."
        except NotReady as exc:
            problem = str(exc)
        except Exception as exc:  # the reader gets one line; the log gets the traceback
            log.exception("answering %r failed", question)
            problem = f"Something went wrong while answering ({type(exc).__name__}); please try again."
        messages = [*shown, bot_message(chat_text(problem))]
        yield printable(typed) or typed, messages, Conversation(list(conversation.turns), messages), gr.skip()

    def clear(self) -> tuple[str, list[Message], Conversation, str]:
        return "", [], Conversation(), NO_SOURCES

    def papers(self) -> list[list[str]]:
        try:
            return self.papers_or_fail()
        except NotReady:
            return []

    def papers_or_fail(self) -> list[list[str]]:
        return paper_rows(self.assistant.papers())

    def upload(
        self, files: Sequence[str] | None, progress: gr.Progress = UPLOAD_PROGRESS
    ) -> tuple[str, list[list[str]], None]:
        """Add uploaded files to the corpus and index: (status, papers table, cleared upload box)."""
        if not files:
            return "No file was uploaded.", self.papers(), None
        paths = [Path(f) for f in files]
        try:
            library = self.assistant.library
        except NotReady as exc:
            return f"✗ Not indexed yet: {exc}", [], None
        progress(0, desc="Reading and indexing the files")
        embedding: Callable[[int, int], None] = lambda done, total: progress(  # noqa: E731
            (done, total), desc="Embedding new passages", unit="texts"
        )
        try:
            report = library.add_files(paths, embedding)
        except Exception as exc:  # an index failure must reach the reader as words
            log.exception("indexing %s failed", [p.name for p in paths])
            problem = (
                f"✗ Indexing failed ({type(exc).__name__}: {exc}). "
                "Try the upload again; `rag index` also completes an interrupted update."
            )
            return problem, self.papers(), None
        return upload_summary(report, [p.name for p in paths]), self.papers(), None


# -- layout -----------------------------------------------------------------------------------


def build_app(assistant: Assistant | Startup, concurrency: int = 8) -> gr.Blocks:
    """The whole UI; ``concurrency`` is how many questions Gradio's queue answers at once."""
    chat = WebChat(assistant)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(
            f"## {TITLE}\nAsk about the indexed papers in Chinese or English: every answer quotes the "
            "papers with [n] markers, and the cited passages are shown beside the chat. "
            "用中文或英文提问，回答引用原文。"
        )
        index_status = gr.Markdown("", elem_id="rag-index-status")
        conversation = gr.State(Conversation())
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat 对话",
                    elem_id="rag-chat",
                    height=480,
                    render_markdown=False,
                    sanitize_html=True,
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=["copy"],
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask a question about the papers… 请输入问题…",
                        show_label=False,
                        elem_id="rag-question",
                        scale=5,
                        max_lines=4,
                    )
                    ask = gr.Button("Ask 提问", variant="primary", elem_id="rag-ask", scale=1, min_width=80)
                    clear = gr.Button("Clear 清空", elem_id="rag-clear", scale=1, min_width=80)
                gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Examples 示例问题")
            with gr.Column(scale=2):
                gr.Markdown("### Sources 引用来源")
                sources = gr.HTML(
                    NO_SOURCES, elem_id="rag-sources", js_on_load=COPY_REFERENCE_JS, max_height=640
                )
        with gr.Accordion("Papers in the index 已索引的论文", open=True):
            papers = gr.Dataframe(
                headers=PAPER_COLUMNS,
                datatype="str",
                interactive=False,
                wrap=True,
                column_widths=["38%", "18%", "8%", "16%", "20%"],
                elem_id="rag-papers",
            )
            with gr.Row():
                upload = gr.File(
                    label="Add papers (.txt .md .pdf .docx) 上传论文",
                    file_count="multiple",
                    file_types=UPLOAD_TYPES,
                    elem_id="rag-upload",
                )
                status = gr.Textbox(
                    label="Upload result 上传结果", interactive=False, lines=4, elem_id="rag-status"
                )

        gr.on(
            triggers=[question.submit, ask.click],
            fn=chat.respond,
            inputs=[question, conversation],
            outputs=[question, chatbot, conversation, sources],
            api_name="ask",
            concurrency_limit=concurrency,
            concurrency_id="ask",
        )
        cleared = [question, chatbot, conversation, sources]
        clear.click(chat.clear, outputs=cleared, api_name="clear", queue=False)
        chatbot.clear(chat.clear, outputs=cleared, api_visibility="private", queue=False)
        upload.upload(
            chat.upload,
            inputs=[upload],
            outputs=[status, papers, upload],
            api_name="upload",
            concurrency_limit=1,
        )
        app.load(chat.papers, outputs=[papers], api_name="papers")
        if isinstance(assistant, Startup):
            timer = gr.Timer(1.0)
            timer.tick(chat.index_status, outputs=[index_status, timer, papers], api_name="index_status")
            app.load(chat.index_status, outputs=[index_status, timer, papers], api_visibility="private")
    return app


def serve(app: gr.Blocks, host: str, port: int, block: bool = True) -> str:
    """Launch with the app's CSS and limits; returns the local URL (``block=False`` for tests)."""
    app.queue(max_size=256)
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        quiet=not block,
        show_error=False,
        ssr_mode=False,
        max_file_size="50mb",
        css=CSS,
        footer_links=[],
    )
    return url
