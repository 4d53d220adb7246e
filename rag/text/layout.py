"""What a section heading looks like in a Chinese paper, for ingest and for the answer step
(which never quotes a heading as an answer)."""

from __future__ import annotations

import re

from .script import CJK


def is_heading(line: str) -> bool:
    """Section headings as Chinese papers number them: 一、 (一) 1.1 (1) or Markdown #."""
    line = line.strip()
    if not line or len(line) > 45 or "。" in line[:-1]:
        return False
    if re.match(r"^[一二三四五六七八九十]+、\S", line):
        return True
    if re.match(r"^[（(][一二三四五六七八九十]+[)）]\s*\S", line):
        return True
    if re.search(r"\d{4,}", line):
        return False
    if re.match(r"^\d+(?:\.\d+)*\.?\s*[" + CJK + r"]", line) and not line.endswith(("，", "。")):
        return len(line) <= 32
    return bool(re.match(r"^[（(]\d+[)）]\s*[" + CJK + r"]", line) and len(line) <= 24)
