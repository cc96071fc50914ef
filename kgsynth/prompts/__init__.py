"""Prompt template files (``templates/*.jinja2``) and the loader that checks them."""

from kgsynth.prompts.loader import PromptTemplate, available_prompts, load_prompt

__all__ = ["PromptTemplate", "available_prompts", "load_prompt"]
