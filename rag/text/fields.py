"""The fields of a paper's bibliographic record as papers label them, and the words a reader
asks for them with ("哪本期刊" where the paper prints "出处《新疆大学学报》")."""

from __future__ import annotations

import re

# A paper prints its record (title, authors, journal, DOI, funding, biographies) in its head.
RECORD_WINDOW = 6000
# A line that starts with one of these labels is a record line, never the rest of a sentence.
RECORD_LABEL = re.compile(
    r"^[\s*#]*(?:关\s*键\s*词|key\s*words?\b|doi\b|中图分类号|文献标识码|文章编号|收稿日期|修订日期|修回日期"
    r"|修改稿收到日期|基金项目|资助项目|作者简介|通信作者|通讯作者|引用格式)",
    re.I,
)
_FUNDING = re.compile(r"^\W*(?:基金项目|资助项目|基金)")
_BIOGRAPHY = re.compile(r"^\W*(?:作者简介|通讯作者)")
_SOURCE = re.compile(r"^\W*(?:出处|引用格式|本文引用格式)")
_RECEIVED = re.compile(r"^\W*(?:收稿日期|修订日期)")
_FIELD_WORDS = {
    "funding": "基金 资助 项目 fund funding funded grant",
    "biography": "作者简介 简介 职称 学位 author biography",
    "journal": "期刊 刊物 发表 刊登 journal published",
    "doi": "doi",
    "received": "收稿日期 received",
}


def record_terms(text: str, journal: str = "", doi: str = "") -> str:
    """The words for the record fields that ``text`` prints, for the keyword index. The
    journal and DOI count only as the paper's own (``journal``, ``doi``), not a cited work's."""
    fields = set()
    for line in text.splitlines():
        if _FUNDING.search(line):
            fields.add("funding")
        if _BIOGRAPHY.search(line):
            fields.add("biography")
        if _SOURCE.search(line) or (journal and journal in line):
            fields.add("journal")
        if doi and doi in line:
            fields.add("doi")
        if _RECEIVED.search(line):
            fields.add("received")
    return " ".join(words for name, words in _FIELD_WORDS.items() if name in fields)


# A line that prints a work's bibliographic details: its journal with year and issue or pages,
# "Vol. 33, No. 4", "Recommended Citation".
_CITATION_FORM = re.compile(
    r"《[^》]{2,40}》\s*[，,]?\s*(?:19|20)\d{2}\s*年\s*第\s*\d+\s*期|Vol\.?\s*\d+\s*[,:]?\s*(?:No|Iss)\.?\s*\d+"
    r"|Recommended Citation|\b(?:19|20)\d{2}\s*[,，]\s*\d+\s*[（(]\d+[)）]\s*[:：]\s*\d+"
)


def is_citation_line(line: str) -> bool:
    """Whether ``line`` is the paper's own "cite this article as" line."""
    return bool(_SOURCE.search(line))


def is_record_line(line: str) -> bool:
    """Whether ``line`` prints bibliographic details (a citation, a record label) rather than a
    statement of the paper: the answer to a content question never quotes one."""
    return bool(_SOURCE.search(line) or _CITATION_FORM.search(line) or RECORD_LABEL.match(line))


# How readers ask for each field, in Chinese and in English. A field's words alone are not
# enough where the body uses them too ("作者认为", "the Green Climate Fund", "issues"): the
# patterns ask for the record's sense.
_ASKED: dict[str, tuple[str, str]] = {
    "title": (
        r"(?:题目|标题|题名|篇名|论文名称|文章名称)|(?:哪篇|哪些|哪几篇)(?:论文|文章)?.{0,8}(?:署名|写的|撰写|参与|合著)",
        r"\btitle\b|\btitled\b|\bwhich (?:papers?|articles?)\b.{0,30}\b(?:write|wrote|written|author"
        r"|co-?author)"
        r"|\bwhat (?:papers|articles)\b.{0,30}\b(?:write|wrote|written|author)",
    ),
    "authors": (
        r"作者(?:是谁|有哪些|有谁|是哪|为谁|都有谁|叫什么|姓名|名单|分别是)|(?:谁|哪些人|哪几位|哪位)(?:写|撰写|完成|署名)"
        r"|由谁(?:撰写|写|完成)|署名|第一作者|通讯作者|通信作者|几位作者|作者是",
        r"\bwho\b.{0,30}\b(?:wrote|write|authored|co-?authored)\b|\bauthors? (?:of|are|were|names?)\b"
        r"|\bwhich authors\b"
        r"|\bwritten by\b|\bco-?authors?\b|\b(?:first|corresponding|lead) author\b|\bwho (?:are"
        r"|is) the authors?\b",
    ),
    "affiliations": (
        r"(?:单位|机构|学校|院校|学院|大学)(?:是|有|为|在)?(?:哪|什么)|哪所(?:大学|学校|高校)|哪个(?:大学|机构|单位|学院)"
        r"|来自哪|就职于|任职于|作者单位|工作单位|所在单位",
        r"\baffiliat|\binstitutions?\b|\buniversit(?:y|ies)\b.{0,40}\bauthors?\b"
        r"|\bauthors?\b.{0,40}\buniversit"
        r"|\bwhere (?:do|does|are|is) the authors?\b|\bwhich (?:school|college|department|institute)\b",
    ),
    "journal": (
        r"发表(?:在|于)|刊登|刊载|刊发|哪本|出处|(?:什么|哪个|哪家)(?:期刊|刊物|杂志)|(?:期刊|刊物)(?:是|名称|名字|叫)",
        r"\b(?:which|what) (?:journals?|periodicals?|magazines?|venues?)\b|\bjournals? (?:was|is|did|name)\b"
        r"|\bpublished (?:in|by)\b"
        r"|\bwhere was (?:it|the paper|the article)\b",
    ),
    "year": (
        r"哪一?年(?:发表|刊出|出版|刊登)|(?:发表|出版|刊出)(?:年份|时间|于哪一?年)",
        r"\b(?:what|which) year\b.{0,40}\b(?:published|appear)|\bpublication (?:year|date)\b"
        r"|\bwhen was (?:it|the paper|the article)\b.{0,20}\bpublished\b",
    ),
    "volume": (r"第几卷|哪一?卷|卷期|卷号", r"\bvolume\b|\bvol\.\s*\b"),
    "issue": (
        r"第几期|哪一?期|卷期|期号",
        r"\b(?:which|what) issue\b|\bissue (?:number|no)\b|\b(?:journal|volume),? (?:and )?issue\b"
        r"|\bissue,? (?:and )?page",
    ),
    "pages": (r"页码|哪几页|第几页|多少页|页数|起止页|共几页", r"\bpages?\b|\bpage (?:range|numbers?)\b"),
    "doi": (r"doi|DOI", r"\bdoi\b"),
    "keywords": (r"关键词|关键字", r"\bkey ?words?\b"),
    "funding": (
        r"基金项目|资助项目|受.{0,20}资助|由(?:哪个|哪些|什么).{0,10}(?:资助|支持)|(?:论文|文章|研究|本文|该文).{0,10}(?:基金|资助)"
        r"|(?:基金|资助).{0,10}(?:论文|文章|研究|本文|该文)|项目编号|基金编号|资助编号|经费来源|基金号",
        r"\b(?:research|study|paper|article|work)\b.{0,20}\b(?:funded|supported|financed|sponsored)\b"
        r"|\bfunding\b|\b(?:which|what) (?:grants?|funds?|foundations?|projects?) (?:funded|supported"
        r"|financed)\b"
        r"|\bgrant (?:number|no)\b|\bwho funded\b|\bproject number\b|\bgrants?\b.{0,30}\b(?:paper|study"
        r"|research)\b",
    ),
    "received": (
        r"收稿|投稿|收到.{0,6}(?:稿|日期)",
        r"\b(?:received|submitted|submission)\b.{0,20}\b(?:date|when)\b"
        r"|\b(?:date|when)\b.{0,60}\b(?:receive[ds]?|submit(?:ted)?)\b",
    ),
    "revised": (r"修改稿|修订|修回", r"\brevis(?:ed|ion)\b"),
    "biographies": (
        r"出生|生于|哪年生|哪一年生|籍贯|哪里人|何地人|家乡|职称|职务|称号|头衔|学位|学历|研究方向|研究领域|研究兴趣"
        r"|从事.{0,10}研究"
        r"|作者简介|简介|邮箱|电子邮件|是男|是女|性别",
        r"\bborn\b|\bbirth\b|\bhometown\b|\bnative\b|\bdegree\b|\bresearch (?:interests?|areas?|fields?"
        r"|focus)\b"
        r"|\bspeciali[sz]e|\be-?mail\b|\bbiograph|\b(?:academic )?(?:title|position|rank)\b.{0,30}\bauthor"
        r"|\bauthor\b.{0,30}\b(?:title|position|rank)\b|\bwhat does\b.{0,30}\b(?:research|study)\b.{0,10}$"
        r"|\b(?:what|which) (?:positions?|posts?|titles?|ranks?|roles?)\b.{0,60}\b(?:hold|have|serve|occupy)",
    ),
}
_ASKED_RE = {name: (re.compile(zh), re.compile(en, re.I)) for name, (zh, en) in _ASKED.items()}


def asked_fields(question: str, english: bool) -> tuple[str, ...]:
    """The record fields a question asks for, in the record's order; () for a content question."""
    asked = [name for name, (zh, en) in _ASKED_RE.items() if (en if english else zh).search(question)]
    if "title" in asked:  # "哪些论文有张立辉署名", "which papers did Zhang write": the titles are asked
        return ("title", *(name for name in asked if name not in ("title", "authors")))
    if "affiliations" in asked or "biographies" in asked:  # "the authors' university": not their names
        return tuple(name for name in asked if name != "authors")
    return tuple(asked)
