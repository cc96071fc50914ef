#!/usr/bin/env bash
# GPU readiness check: kgsynth's generate stage against the bare engine, in one run, on an
# NVIDIA machine. Prints both throughputs and their ratio (goal: kgsynth/raw >= 0.9).
#
#   bench/gpu_check.sh                      # random-weight 0.5B Llama built here (no download)
#   MODEL=Qwen/Qwen2.5-7B-Instruct bench/gpu_check.sh      # a real model (path or hub id)
#   SHAPE=7b PROMPTS=512 MAX_NEW_TOKENS=512 bench/gpu_check.sh
#
# With the GPU `vllm` wheel installed: --backend vllm, raw leg = the bare vllm.LLM.chat on the
# same engine (--raw-engine), tensor parallel over all visible GPUs when there is more than
# one. Without vllm: --backend transformers --device cuda, raw leg = backend.generate.
# Figures go to stdout and to $OUT (default gpu_check.json).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
SHAPE="${SHAPE:-0.5b}"
PROMPTS="${PROMPTS:-256}"
MAX_NEW_TOKENS="${MAX_NEW_TOKENS:-256}"
OUT="${OUT:-gpu_check.json}"

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu_check: no NVIDIA GPU visible (nvidia-smi -L failed)" >&2
    exit 2
fi
GPUS="$(nvidia-smi -L | wc -l)"
nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader

if [ -z "${MODEL:-}" ]; then
    MODEL="$(mktemp -d)/random-${SHAPE}"
    echo "gpu_check: building a random-weight ${SHAPE} Llama in ${MODEL}"
    "$PYTHON" bench/random_model.py "$MODEL" --shape "$SHAPE"
fi

if "$PYTHON" -c "import vllm" 2>/dev/null; then
    echo "gpu_check: vllm $("$PYTHON" -c 'import vllm; print(vllm.__version__)'), ${GPUS} GPU(s)"
    LEG=(--backend vllm --raw-engine --tensor-parallel-size "$GPUS")
else
    echo "gpu_check: vllm is not installed; transformers on CUDA instead"
    LEG=(--backend transformers)
fi

"$PYTHON" bench/bench_generate.py "${LEG[@]}" --device cuda --model "$MODEL" \
    --prompts "$PROMPTS" --max-new-tokens "$MAX_NEW_TOKENS" --batch-size "$PROMPTS" \
    --reference-chars 1500 --threads 4 --repeats 2 --json "$OUT"
"$PYTHON" - "$OUT" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))
verdict = "OK" if f["ratio"] >= 0.9 else "BELOW GOAL"
print(f"gpu_check: {f['backend']} tp={f['tensor_parallel_size']}: kgsynth "
      f"{f['kgsynth_tokens_per_s']} tok/s vs raw {f['raw_tokens_per_s']} tok/s "
      f"({f['raw_leg']}): ratio {f['ratio']} ({verdict}, goal >= 0.9)")
EOF
