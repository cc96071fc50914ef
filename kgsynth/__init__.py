"""kgsynth: synthetic question/answer data from a concept graph (SynthLLM method)."""

__version__ = "0.1.0"
