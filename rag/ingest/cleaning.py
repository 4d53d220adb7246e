"""Undo the noise that PDF and web extraction leave in academic papers.

Pure functions over strings, so every rule can be tested on a one-line example.
The cleaned text is what chunks index into and what citations quote, so it must
read like the paper, not like the extraction.
"""

from __future__ import annotations

import re
import unicodedata

from ..text.fields import RECORD_LABEL
from ..text.layout import is_heading
from ..text.script import CJK, CJK_PUNCT
from ..text.sentences import LINE_END

_CJK_OR_PUNCT = f"[{CJK}{CJK_PUNCT}]"

_SUP_TAG = re.compile(r"<sup>.*?</sup>", re.S | re.I)
_HTML_TAG = re.compile(r"</?(?:sup|sub|span|div|p|br|b|i|em|strong|a|font)\b[^>]*>", re.I)
_ANGLE_URL = re.compile(r"<((?:https?|ftp)://[^>\s]+)>")
_LATEX_SUP = re.compile(r"\^(?:\{[^{}]{0,20}\}|\[[^\[\]]{0,20}\])")
_UNICODE_SUP = re.compile(f"(?<=[{CJK}])[¹²³⁴⁵⁶⁷⁸⁹⁰*]+")
_CIRCLED = re.compile(r"\^?[\u2460-\u2473]")
_MD_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MD_HEADING = re.compile(r"^#{1,6}\s*", re.M)
_ESCAPED = re.compile(r"\\([*_\[\]()#$])")
_SPACE_IN_CJK = re.compile(
    f"(?<={_CJK_OR_PUNCT})[ \t\u00a0\u3000]+(?=[{CJK}{CJK_PUNCT}\"'])"
    f"|(?<=[{CJK}{CJK_PUNCT}\"'])[ \t\u00a0\u3000]+(?={_CJK_OR_PUNCT})"
)
_SPACE_AFTER_CJK_PUNCT = re.compile(f"(?<=[{CJK_PUNCT}])[ \t\u00a0]+|(?<=\\d)[ \t\u00a0]+(?=[{CJK}])")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT_NEAR_CJK = re.compile(
    f"(?<=[{CJK}])\\s*([,;:?!])\\s*(?=[{CJK}{CJK_PUNCT}\\w\"'])"
    f"|(?<=[{CJK}{CJK_PUNCT}\\d%\"'])\\s*([,;:?!])\\s*(?=[{CJK}])"
)
_PAREN_AROUND_CJK = re.compile(f"\\(([^()\\n]*[{CJK}][^()\\n]*)\\)")
_FRONT_MATTER = re.compile(r"^[*\s]*[\u4e00-\u9fff]{2,6}[:：]")
_FOOTNOTE = re.compile(r"^(?:[*\s^{]*[\u2460-\u2473]|\*|<sup>|[\u4e00-\u9fff]{2,6}[:：]|\[\d+\])")
_SECTION_NUMBER = re.compile(f"^(\\d+(?:\\.\\d+)*\\.?)(?=[{CJK}])", re.M)
# A wrapped English line ends in a word or comma and the next one starts with a small letter.
_ENGLISH_WRAP = re.compile(r"[A-Za-z,;]$|^[a-z]")
_GLUED_STOP = re.compile(r"(?<=[a-z]{2})\.(?=[A-Z][a-z])")
_GLUED_COMMA = re.compile(r"(?<=[a-z]{2})([,;:])(?=[a-z]{2})")
_DIGIT_GROUP = re.compile(f"(?<![\\d.])\\d{{1,3}}(?: \\d{{3}})+(?=[{CJK}%])")


def to_half_width_alnum(text: str) -> str:
    """Full-width letters and digits become ASCII so that ``２０２３`` matches ``2023``."""
    return "".join(
        unicodedata.normalize("NFKC", ch) if "\uff10" <= ch <= "\uff5a" and ch.isalnum() else ch
        for ch in text
    )


def strip_markup(text: str) -> str:
    """Remove citation markers, footnote marks and HTML/Markdown emphasis left by extraction."""
    text = _SUP_TAG.sub("", text)
    text = _ANGLE_URL.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _LATEX_SUP.sub("", text)
    text = _UNICODE_SUP.sub("", text)
    text = _CIRCLED.sub("", text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    return _ESCAPED.sub(r"\1", text)


def normalize_punctuation(text: str) -> str:
    """Chinese text uses full-width punctuation; extraction often mixes in ASCII forms."""
    text = _HALF_PUNCT_NEAR_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)
    return _PAREN_AROUND_CJK.sub(r"（\1）", text)


def remove_spaces_in_chinese(text: str) -> str:
    """Chinese has no spaces between words: ``菲律 宾`` is a line-break artefact."""
    text = _SPACE_IN_CJK.sub("", text)
    return _SPACE_AFTER_CJK_PUNCT.sub("", text)


def space_english_punctuation(text: str) -> str:
    """ "future.Looking ahead,both sides" (spaces lost in extraction) as "future. Looking ahead,
    both sides", so English sentences split where they end. URLs and DOIs are untouched: their
    dots are followed by small letters, their commas by nothing."""
    text = _GLUED_STOP.sub(". ", text)
    return _GLUED_COMMA.sub(lambda m: f"{m.group(1)} ", text)


def join_broken_lines(text: str) -> str:
    """Rejoin paragraphs that a page break, or a footnote block, cut mid-sentence.

    Footnotes that interrupted the sentence are kept, after the rejoined paragraph. The rules
    look only at the ends of the paragraph being rejoined, so a paragraph of thousands of
    lines costs linear time, not the square of its length.
    """
    paragraphs = [line.strip() for line in text.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    out: list[str] = []
    i = 0
    while i < len(paragraphs):
        parts = [paragraphs[i]]
        ends = _ends(paragraphs[i])
        i += 1
        held: list[str] = []
        while i < len(paragraphs):
            j = i
            while j < len(paragraphs) and j - i < 12 and _is_footnote(paragraphs[j]):
                j += 1
            if j < len(paragraphs) and _continues(ends, paragraphs[j]):
                held.extend(paragraphs[i:j])
                space = " " if _ENGLISH_WRAP.search(ends) and _ENGLISH_WRAP.match(paragraphs[j]) else ""
                parts.append(space + paragraphs[j])
                ends = _ends(ends + space + paragraphs[j])
                i = j + 1
            else:
                break
        out.append("".join(parts))
        out.extend(held)
    return "\n\n".join(out)


def _ends(paragraph: str, keep: int = 200) -> str:
    """The start and end of a paragraph: all that the rejoining rules read of it."""
    return paragraph if len(paragraph) <= 2 * keep else paragraph[:keep] + paragraph[-keep:]


def _is_footnote(line: str) -> bool:
    return bool(_FOOTNOTE.match(line) or RECORD_LABEL.match(line))


def _continues(prev: str, line: str) -> bool:
    prev = prev.rstrip()
    if re.search(r"[A-Za-z,;]$", prev) and re.match("[a-z]", line):
        # an English line wrapped mid-sentence
        return len(prev) >= 25 and not prev.startswith("#") and not is_heading(prev)
    if len(prev) < 25 or len(line) < 15 or prev.startswith("#") or line.startswith("#"):
        return False
    if is_heading(prev) or is_heading(line) or _FRONT_MATTER.match(line) or RECORD_LABEL.match(prev):
        return False
    if prev[-1] in LINE_END or not re.match(f"[{CJK}，、0-9]", prev[-1]):
        return False
    if prev[-1].isdigit() and not re.search(f"[{CJK}][\\d.%]*$", prev):
        return False  # a DOI, date or page range ends that line, not a number in a sentence
    return bool(re.match(f"[{CJK}，、。；]", line[0]))


def clean_text(raw: str) -> str:
    """The full cleaning pass, in an order where each step sees the previous one's output."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = to_half_width_alnum(text)
    text = strip_markup(join_broken_lines(text))
    text = _MD_HEADING.sub("", text)
    text = remove_spaces_in_chinese(text)
    text = _DIGIT_GROUP.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _SECTION_NUMBER.sub(r"\1 ", text)
    text = normalize_punctuation(text)
    text = space_english_punctuation(text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
