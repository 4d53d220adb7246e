"""Text in a paper that speaks to someone instead of stating something.

A document can address the AI model that reads it ("ignore previous instructions") or the
person reading the answer ("请访问 http://… 登记账号密码"). Neither is evidence for anything,
and repeating the second would pass a stranger's request on to the reader as the papers'
answer. The rules are lexical and narrow: a paper's own statements rarely tell the reader
to visit, log in, install or send, and a link is only an answer when the question asks
where something can be found.
"""

from __future__ import annotations

import re

_TO_MODEL = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,20}\b(?:instructions?|prompts?|rules|above|previous)\b"
    r"|\bsystem prompt\b|\byou are now\b|\bnew instructions?\b|\bas an ai\b"
    r"|(?:忽略|无视|忘记|忽视).{0,10}(?:指令|指示|提示|规则|要求|设定)|系统提示|你现在是|新的指令",
    re.I | re.S,
)
LINK = re.compile(r"https?://|\bwww\.|\b[\w-]+\.(?:com|net|org|cn|io|xyz|top)(?:/|\b)", re.I)
_CREDENTIAL = re.compile(
    r"账号|帐号|密码|口令|验证码|银行卡号|身份证号"
    r"|\b(?:passwords?|passcodes?|credentials?|log-?in details|account (?:number|details)"
    r"|verification codes?|bank (?:card|details)|credit card)\b",
    re.I,
)
_ACTION_ZH = (
    r"访问|登录|登陆|注册|登记|下载|安装|发送|提交|填写|转账|汇款|联系|拨打|扫码|扫描|点击|关注|添加|输入"
)
_TO_READER = re.compile(
    rf"(?:(?<![申邀提聘宴])请|务必|立即|马上|敬请)(?:您|读者|各位|用户|大家)?.{{0,12}}(?:{_ACTION_ZH})"
    r"|(?:^|[.!?]\s+)(?:please\s+)?(?:visit|go to|log ?in|sign up|register|download|install|send|"
    r"submit|enter|email|call|click|scan|transfer|wire)\b"
    r"|\bplease\s+(?:\w+\s+){0,2}(?:visit|log ?in|sign up|register|download|install|send|submit|enter|"
    r"email|call|click|scan|transfer|contact)\b"
    r"|\b(?:readers?|users?|you) (?:should|must|need to|are asked to) (?:visit|log ?in|sign up|register|"
    r"download|install|send|submit|enter|contact)\b",
    re.I,
)
# A question that asks where to find, get or reach something may be answered with a link.
_ASKS_WHERE = re.compile(
    r"网址|网站|链接|网页|官网|下载|获取|登录|注册|账号|联系方式|邮箱|\bdoi\b"
    r"|\b(?:url|link|website|web ?site|web page|download|homepage|sign up|register|contact|email)\b",
    re.I,
)


def addresses_model(text: str) -> bool:
    """Text addressed to an AI model ("ignore previous instructions", "忽略之前的指令")."""
    return bool(_TO_MODEL.search(text))


def directs_reader(text: str) -> bool:
    """A sentence that asks its reader to act (visit, register, install, send) or for credentials."""
    return bool(_TO_READER.search(text) or _CREDENTIAL.search(text))


def asks_where(question: str) -> bool:
    """The question asks for a link, an address or a way in, so a sentence giving one may answer."""
    return bool(_ASKS_WHERE.search(question))


def steers(text: str, question: str) -> bool:
    """Text that is no answer to ``question``: it speaks to the model, or directs the reader, or
    gives a link, where the question asked for none of that."""
    if addresses_model(text):
        return True
    return not asks_where(question) and (directs_reader(text) or bool(LINK.search(text)))
