"""A tiny random Llama built in code (about a second) for backend plumbing tests.

Its replies are gibberish, which is the point: batching, padding, seeding, token counts and
grammar-constrained decoding must work whatever the model says. The tokenizer is a byte-level
BPE trained here, so every character (JSON punctuation included) can be produced.
"""

from __future__ import annotations

from pathlib import Path

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<unk>", "<pad>", "<|im_start|>", "<|im_end|>"]
_CORPUS = [
    "The derivative of a function measures how fast it changes.",
    "A prime number has exactly two divisors: one and itself.",
    "The area of a circle is pi times the radius squared.",
    "Vectors can be added, scaled and projected onto each other.",
    'Answer in JSON: {"level": "College", "topics": [{"name": "Algebra"}]}',
    "Probability, statistics, geometry, calculus, algebra and number theory.",
]


def build_tiny_llama(folder: Path, vocab_size: int = 400, seed: int = 0) -> Path:
    """Write a 2-layer, 32-wide Llama with a chat template into ``folder``; return it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_CORPUS * 20, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        unk_token="<unk>",
        pad_token="<pad>",
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def schema_errors(value: object, schema: dict, path: str = "$") -> list[str]:
    """Where ``value`` breaks ``schema`` (the JSON-schema subset kgsynth's prompts use:
    type object/array/string, enum, required, additionalProperties false, min/maxItems,
    min/maxLength). An empty list means it matches."""
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {k}" for k in value if k not in props]
        for k, sub in props.items():
            if k in value:
                errors += schema_errors(value[k], sub, f"{path}.{k}")
    elif kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected an array"]
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", 10**9):
            errors.append(f"{path}: {len(value)} items out of bounds")
        for k, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{path}[{k}]")
    elif kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string"]
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", 10**9):
            errors.append(f"{path}: length {len(value)} out of bounds")
    return errors


# A small schema with an enum and a bounded array: even a random model must comply.
COLOURS = {
    "type": "object",
    "properties": {
        "colour": {"type": "string", "enum": ["red", "green", "blue"]},
        "sizes": {
            "type": "array",
            "items": {"type": "string", "enum": ["s", "m", "l"]},
            "minItems": 1,
            "maxItems": 3,
        },
    },
    "required": ["colour", "sizes"],
    "additionalProperties": False,
}
