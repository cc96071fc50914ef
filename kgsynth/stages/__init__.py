"""The pipeline, one folder per command, in this order:

filter → ingest (read, names, extract, build, counting) → dedup → sample (arrays, walk,
references, persist) → generate (plan, levels, questions, answer) → curate → export.
"""
