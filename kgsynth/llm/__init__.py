"""Text generation: the backend interface, the transformers and vLLM backends.

Importing this package is cheap: torch, transformers, xgrammar and vllm are imported only
when :func:`load_backend` builds a backend.
"""

from kgsynth.llm.base import ChatRequest, Completion, LLMBackend, Message, load_backend
from kgsynth.llm.packaged import SMOLLM2

__all__ = ["SMOLLM2", "ChatRequest", "Completion", "LLMBackend", "Message", "load_backend"]
