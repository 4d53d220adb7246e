"""How a paper gives a reason, and how a question asks for one.

A why-question restates a claim ("为什么说新能源合作能够成为…关键途径？"); the sentence most
like it is the paper's own statement of that claim, and the reason usually follows it
("…成为推进共同现代化的关键路径之一。这是由于…"), or precedes a sentence that draws the
consequence ("…融资能力。因此，有必要…"). These rules let the answer step quote the reason
beside the claim.
"""

from __future__ import annotations

import re

_ASKS_REASON = re.compile(
    r"为什么|为何|缘何|何以|什么原因|原因是什么|原因何在|出于什么|基于什么考虑"
    r"|\bwhy\b|\bfor what reasons?\b|\bwhat (?:is|are|was|were) the reasons?\b|\bhow come\b"
    r"|\bwhat (?:explains|causes|caused|drives|drove)\b",
    re.I,
)
# A sentence that states a cause: opened by a causal phrase, or saying what something is due to.
_GIVES_REASON = re.compile(
    r"^\s*(?:这是由于|这是因为|这主要是由于|这主要是因为|这得益于|这源于|究其原因|其原因|主要原因|原因|由于|因为"
    r"|this is because|this is due to|because|since|owing to|due to)"
    r"|原因在于|原因是|是因为|是由于|归因于|得益于|源于|\bbecause\b|\bdue to\b|\bowing to\b",
    re.I,
)
# A sentence that draws a consequence from what came before it.
_DRAWS_CONSEQUENCE = re.compile(
    r"^\s*(?:因此|所以|因而|故而|由此|可见|为此|鉴于此|基于此|therefore|thus|hence|consequently|as a result)",
    re.I,
)


def asks_reason(question: str) -> bool:
    return bool(_ASKS_REASON.search(question))


def gives_reason(sentence: str) -> bool:
    return bool(_GIVES_REASON.search(sentence))


def draws_consequence(sentence: str) -> bool:
    return bool(_DRAWS_CONSEQUENCE.match(sentence))
