"""Words that carry no content, by the job they are dropped from.

Three lists because there are three jobs, each a superset of what the one before needs:
keyword search drops the question's function and question words; the dictionary lookup of
English questions also drops verbs about papers ("describe", "propose"); the LLM answer's
verification also ignores words about the passages themselves ("according to the text").
"""

from __future__ import annotations

_ENGLISH = """
the a an of to in on for and or is are was were be by with as at from that this which what how
why who whom does do did paper papers authors author according say says
""".split()

# Dropped from keyword (BM25) queries and documents.
KEYWORD_STOPWORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 为 对 中 等 以 将 把 被 由 从 向 于 其 之 而 并 也 都 这 那 有 我 你 他
    它 们 什么 哪些 哪个 哪几 哪几个 哪本 哪类 哪种 哪里 哪 何时 何种 怎样 怎么 如何 为何 为什么
    多少 是否 吗 呢 请问 一下 文章 论文 这篇 该文 作者 认为 提出 提到 列举 具体 主要
    """.split()
    + _ENGLISH
)

# English words an English question's dictionary lookup skips.
LOOKUP_STOPWORDS = frozenset(
    _ENGLISH
    + """
    been whose article study their they there than into about between among more most much many
    main two three four five six what's mention mentioned describe described discuss discussed
    propose proposed give given list name named its it said
    """.split()
)

# Words about the passages rather than about the papers' content: not claims to check.
META_WORDS = frozenset(
    """
    passage passages excerpt excerpts text texts source sources provided given based according mention
    mentions mentioned state states stated note notes noted describe describes described indicate
    indicates show shows answer question 段落 片段 材料 资料 文献 文段 提供 根据 依据 所述 文中
    本文 文章 该文 指出 提到 表示 答案 问题 回答 以下 如下 内容 显示 说明
    """.split()
)
