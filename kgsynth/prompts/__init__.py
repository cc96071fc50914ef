"""Prompt template files (``templates/*.jinja2``) and the loader that checks them."""

from kgsynth.prompts.catalog import CONTRACTS, check_prompts, export_prompts, prompt
from kgsynth.prompts.loader import PromptTemplate, available_prompts, load_prompt

__all__ = [
    "CONTRACTS",
    "PromptTemplate",
    "available_prompts",
    "check_prompts",
    "export_prompts",
    "load_prompt",
    "prompt",
]
