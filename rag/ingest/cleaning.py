"""Undo the noise that PDF and web extraction leave in academic papers.

Pure functions over strings, so every rule can be tested on a one-line example. Each also
takes a ``PagedText`` (a PDF's text, its characters' pages alongside), which goes through the
very same edits, so the cleaned text knows its pages.
The cleaned text is what chunks index into and what citations quote, so it must
read like the paper, not like the extraction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..text.fields import RECORD_LABEL
from ..text.layout import is_heading
from ..text.script import CJK, CJK_PUNCT
from ..text.sentences import LINE_END
from .paged import PagedText, Replacement

Text = TypeVar("Text", str, PagedText)

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
_FULL_WIDTH_ALNUM = re.compile("[\uff10-\uff5a]")
_LINE_BREAK = re.compile("\r\n?")
_BOM = re.compile("\ufeff")
_SPACES = re.compile("[ \t]+")
_SPACES_AROUND_BREAK = re.compile(" *\n *")
_BLANK_LINES = re.compile("\n{3,}")


def _sub(pattern: re.Pattern[str], repl: Replacement, text: Text) -> Text:
    if isinstance(text, str):
        return pattern.sub(repl, text)
    return text.sub(pattern, repl)


def _keep(wanted: Callable[[str], bool], text: Text) -> Text:
    if isinstance(text, str):
        return "".join(ch for ch in text if wanted(ch))
    return text.keep(wanted)


def _join(separator: str, parts: Sequence[Text], like: Text) -> Text:
    if isinstance(like, str):
        return separator.join(parts)
    return PagedText.join(separator, parts)


def to_half_width_alnum(text: Text) -> Text:
    """Full-width letters and digits become ASCII so that ``２０２３`` matches ``2023``."""
    return _sub(
        _FULL_WIDTH_ALNUM,
        lambda m: unicodedata.normalize("NFKC", m.group()) if m.group().isalnum() else m.group(),
        text,
    )


def strip_markup(text: Text) -> Text:
    """Remove citation markers, footnote marks and HTML/Markdown emphasis left by extraction."""
    text = _sub(_SUP_TAG, "", text)
    text = _sub(_ANGLE_URL, r"\1", text)
    text = _sub(_HTML_TAG, "", text)
    text = _sub(_LATEX_SUP, "", text)
    text = _sub(_UNICODE_SUP, "", text)
    text = _sub(_CIRCLED, "", text)
    text = _sub(_MD_EMPHASIS, lambda m: m.group(1) or m.group(2), text)
    return _sub(_ESCAPED, r"\1", text)


def normalize_punctuation(text: Text) -> Text:
    """Chinese text uses full-width punctuation; extraction often mixes in ASCII forms."""
    text = _sub(_HALF_PUNCT_NEAR_CJK, lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)
    return _sub(_PAREN_AROUND_CJK, r"（\1）", text)


def remove_spaces_in_chinese(text: Text) -> Text:
    """Chinese has no spaces between words: ``菲律 宾`` is a line-break artefact."""
    text = _sub(_SPACE_IN_CJK, "", text)
    return _sub(_SPACE_AFTER_CJK_PUNCT, "", text)


def space_english_punctuation(text: Text) -> Text:
    """ "future.Looking ahead,both sides" (spaces lost in extraction) as "future. Looking ahead,
    both sides", so English sentences split where they end. URLs and DOIs are untouched: their
    dots are followed by small letters, their commas by nothing."""
    text = _sub(_GLUED_STOP, ". ", text)
    return _sub(_GLUED_COMMA, lambda m: f"{m.group(1)} ", text)


def join_broken_lines(text: Text) -> Text:
    """Rejoin paragraphs that a page break, or a footnote block, cut mid-sentence.

    Footnotes that interrupted the sentence are kept, after the rejoined paragraph. The rules
    look only at the ends of the paragraph being rejoined, so a paragraph of thousands of
    lines costs linear time, not the square of its length.
    """
    paragraphs = [p for p in (line.strip() for line in text.split("\n")) if str(p)]
    lines = [str(p) for p in paragraphs]
    out: list[Text] = []
    i = 0
    while i < len(paragraphs):
        parts = [paragraphs[i]]
        ends = _ends(lines[i])
        i += 1
        held: list[Text] = []
        while i < len(paragraphs):
            j = i
            while j < len(paragraphs) and j - i < 12 and _is_footnote(lines[j]):
                j += 1
            if j < len(paragraphs) and _continues(ends, lines[j]):
                held.extend(paragraphs[i:j])
                space = " " if _ENGLISH_WRAP.search(ends) and _ENGLISH_WRAP.match(lines[j]) else ""
                parts.append(space + paragraphs[j])
                ends = _ends(ends + space + lines[j])
                i = j + 1
            else:
                break
        out.append(_join("", parts, text))
        out.extend(held)
    return _join("\n\n", out, text)


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


def clean_text(raw: Text) -> Text:
    """The full cleaning pass, in an order where each step sees the previous one's output."""
    text = _sub(_BOM, "", _sub(_LINE_BREAK, "\n", raw))
    text = _keep(lambda ch: ch in "\n\t" or unicodedata.category(ch)[0] != "C", text)
    text = to_half_width_alnum(text)
    text = strip_markup(join_broken_lines(text))
    text = _sub(_MD_HEADING, "", text)
    text = remove_spaces_in_chinese(text)
    text = _sub(_DIGIT_GROUP, lambda m: m.group(0).replace(" ", ""), text)
    text = _sub(_SECTION_NUMBER, r"\1 ", text)
    text = normalize_punctuation(text)
    text = space_english_punctuation(text)
    text = _sub(_SPACES, " ", text)
    text = _sub(_SPACES_AROUND_BREAK, "\n", text)
    return _sub(_BLANK_LINES, "\n\n", text).strip()
