"""Verification of an LLM's answer against its passages: citations (markers, sentence ends),
support (is a claim backed?), and the streaming verifier that applies both."""

from .citations import CITATION, cited_numbers, split_sentences, strip_citations, take_sentences
from .support import Support, has_number, support
from .verifier import NOT_FOUND_TOKEN, Verified, Verifier, verify

__all__ = [
    "CITATION",
    "NOT_FOUND_TOKEN",
    "Support",
    "Verified",
    "Verifier",
    "cited_numbers",
    "has_number",
    "split_sentences",
    "strip_citations",
    "support",
    "take_sentences",
    "verify",
]
