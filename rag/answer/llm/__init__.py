"""The optional LLM answerer: the prompt, and the answerer that verifies and falls back."""

from .answerer import LLMAnswerer
from .prompt import SYSTEM_PROMPT, build_messages, user_message

__all__ = ["SYSTEM_PROMPT", "LLMAnswerer", "build_messages", "user_message"]
