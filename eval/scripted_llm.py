"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for tests and smoke runs.

It is a real HTTP server (stdlib ``http.server`` in a thread), so the answerer under test
goes through the real ``ChatOpenAI`` client, its HTTP stack, its retries and its time-outs.
Every request is recorded, so a test can check what was sent as well as what the reader got.

Replies are scripted: queue ``Reply`` objects with ``script``, or set ``responder`` for a
reply computed from each request (the default writes a good cited answer from the
passages it was sent, see ``good_answer``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_PASSAGE = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)
_SENTENCE = re.compile(r"(?:[^。！？!?.\n]|\.(?!\s))+(?:[。！？!?]|\.(?=\s|$))?")
_QUESTION = re.compile(r"<question>\n(.*?)\n</question>", re.S)
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Reply:
    """One scripted reply: a text, or an HTTP error, a malformed body, or a slow one."""

    text: str = ""
    status: int = 200
    # Seconds to wait before sending anything (beyond the client's time-out: a hang).
    delay_s: float = 0.0
    # Seconds between streamed pieces.
    chunk_delay_s: float = 0.0
    chunk_chars: int = 3
    # Sent as the whole body (non-streaming) or as the SSE data lines (streaming), as is.
    raw: str | None = None


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    finished_at: float = 0.0

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def content(self, role: str) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.messages if m.get("role") == role)


@dataclass
class FakeOpenAI:
    """Start with ``start()`` (or use ``running()``); ``url`` is the base URL for the client."""

    responder: Callable[[dict[str, Any]], Reply] = field(default=lambda body: good_answer(body))
    requests: list[Recorded] = field(default_factory=list)
    _queue: deque[Reply] = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *replies: Reply) -> None:
        """Queue replies for the next requests; once they are used up, ``responder`` answers."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self, responder: Callable[[dict[str, Any]], Reply] | None = None) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.responder = responder or good_answer

    @property
    def url(self) -> str:
        assert self._server is not None, "the server is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            responder = self.responder
        return responder(body)


@contextmanager
def running(responder: Callable[[dict[str, Any]], Reply] | None = None) -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(responder=responder or good_answer).start()
    try:
        yield fake
    finally:
        fake.stop()


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read ``requests``, not a log."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unreadable": raw.decode("utf-8", "replace")}
        record = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.server_fake.requests.append(record)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        reply = self.server_fake._next(body)
        try:
            time.sleep(reply.delay_s)
            if reply.status != 200:
                message = {"error": {"message": f"scripted {reply.status}", "type": "server_error"}}
                self._send(reply.status, message)
            elif body.get("stream"):
                self._stream(reply, body)
            else:
                self._complete(reply, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a time-out test); nothing to tell it
        record.finished_at = time.perf_counter()

    def _send(self, status: int, payload: dict[str, Any] | str) -> None:
        data = (payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _complete(self, reply: Reply, body: dict[str, Any]) -> None:
        """The whole reply at once, after as long as streaming it would take."""
        pieces = -(-len(reply.text) // max(reply.chunk_chars, 1))
        time.sleep(reply.chunk_delay_s * pieces)
        if reply.raw is not None:
            self._send(200, reply.raw)
            return
        self._send(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if reply.raw is not None:
            self._event(reply.raw)
            return
        model = body.get("model", "fake")
        self._event(_chunk(model, {"role": "assistant", "content": ""}))
        text = reply.text
        for start in range(0, len(text), max(reply.chunk_chars, 1)):
            time.sleep(reply.chunk_delay_s)
            self._event(_chunk(model, {"content": text[start : start + reply.chunk_chars]}))
        self._event(_chunk(model, {}, finish="stop"))
        self._event("[DONE]")

    def _event(self, data: str) -> None:
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()


def _chunk(model: str, delta: dict[str, str], finish: str | None = None) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        },
        ensure_ascii=False,
    )


# -- responders ----------------------------------------------------------------------------


def passages_sent(body: dict[str, Any]) -> dict[int, str]:
    """The numbered passages of the request's user message, as the answerer wrote them."""
    user = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    return {int(n): text for n, text in _PASSAGE.findall(user)}


def question_sent(body: dict[str, Any]) -> str:
    user = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    found = _QUESTION.search(user)
    return found.group(1) if found else ""


def good_answer(body: dict[str, Any]) -> Reply:
    """A well-behaved model: quote the passage sentence that shares most with the question, cited.

    It cannot translate, so it quotes in the passages' language: for a question with no Chinese
    that shares nothing with the passages, the first full sentence of the top passage. With
    no passages at all, or a Chinese question sharing nothing, it says NOT_FOUND as the
    prompt asks.
    """
    question = question_sent(body)
    sent = passages_sent(body)
    wanted = set(_bigrams(question))
    best: tuple[int, int, str] = (0, 0, "")
    for number, text in sent.items():
        for sentence in _SENTENCE.findall(text):
            shared = len(wanted & set(_bigrams(sentence)))
            if shared > best[0] and len(sentence.strip()) >= 8:
                best = (shared, number, sentence.strip())
    shared, number, sentence = best
    if shared < 2 and sent and not _HAN.search(question):
        first = next((s.strip() for s in _SENTENCE.findall(sent[min(sent)]) if len(s.strip()) >= 8), "")
        shared, number, sentence = (2, min(sent), first) if first else best
    if shared < 2:
        return Reply("NOT_FOUND")
    ending = sentence[-1] if sentence[-1] in "。！？!?." else ""
    return Reply(f"{sentence.rstrip('。！？!?.')}[{number}]{ending}")


def _bigrams(text: str) -> list[str]:
    compact = "".join(ch.lower() for ch in text if ch.isalnum())
    return [compact[i : i + 2] for i in range(len(compact) - 1)]
