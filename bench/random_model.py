"""Write a Llama-architecture model of a realistic size with random weights, for speed checks.

Throughput does not depend on weight values, so a GPU machine without network or model
weights can still measure tokens/s on a real model shape. The tokenizer is a byte-level BPE
trained here on the bundled corpus, with a ChatML chat template; the model's vocabulary is
the tokenizer's (a few thousand tokens, far fewer than a real model's 32k-150k, so the output
layer is cheaper and absolute tokens/s run somewhat high; the kgsynth/raw ratio is unaffected).
Replies are gibberish, but JSON-schema requests still give valid JSON (grammar-constrained).

    python bench/random_model.py OUT_DIR [--shape 0.5b|1.5b|7b] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kgsynth.assets import asset_dir

SHAPES = {  # hidden, layers, heads, kv heads, intermediate: Qwen2.5-like sizes (tiny: smoke test)
    "tiny": (128, 2, 2, 1, 256),  # head_dim 64: what vLLM's CPU attention supports
    "0.5b": (896, 24, 14, 2, 4864),
    "1.5b": (1536, 28, 12, 2, 8960),
    "7b": (3584, 28, 28, 4, 18944),
}
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<unk>", "<pad>", "<|im_start|>", "<|im_end|>"]


def build(out: Path, shape: str, seed: int = 0, vocab_size: int = 8000) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    examples = asset_dir("examples")
    corpus = [p.read_text(encoding="utf-8") for p in sorted(examples.glob("*.jsonl"))]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )  # fmt: skip
    bpe.train_from_iterator(corpus, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, unk_token="<unk>", pad_token="<pad>",
        bos_token="<|im_start|>", eos_token="<|im_end|>",
    )  # fmt: skip
    tokenizer.chat_template = CHAT_TEMPLATE
    hidden, layers, heads, kv_heads, intermediate = SHAPES[shape]
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=kv_heads,
        intermediate_size=intermediate, max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, torch_dtype="bfloat16",
    )  # fmt: skip
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="0.5b")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    folder = build(args.out, args.shape, args.seed)
    print(f"random {args.shape} Llama written to {folder}")


if __name__ == "__main__":
    main()
