#!/usr/bin/env bash
# On the GPU host: the prefill bench (gpu/prefill-bench.ts) for each "variant|tokens|options|label" row,
# with the variant addons of workbench/build-variants.sh (.device/variants/<variant>.node.xz). Logs and
# prefill.json per row under $OUT/prefill-<label>/; a one-line summary per row last.
# Usage: bash packages/cuda-hopper/workbench/matmul/prefill-variants.sh <models> <prompts> "<row>" ...
#   row: variant|tokens per step|scheduler options JSON|label, e.g. 'box64|128|{"prefillMatmulRows":128}|r128'
set -uo pipefail
models=$1 prompts=$2
shift 2
out=${OUT:-/tmp/out}
mkdir -p "$out" /tmp/variants
source .device/on-device.sh
for f in .device/variants/*.node.xz; do xz -dc "$f" > "/tmp/variants/$(basename "$f" .xz)"; done
for row in "$@"; do
  IFS='|' read -r variant tokens options label <<< "$row"
  MEGAKERNEL_CUDA_ADDON=/tmp/variants/$variant.node timeout "${ROW_TIMEOUT:-120}" node .device/prefill-bench.mjs \
    --models "$models" --prompts "$prompts" --tokens "$tokens" --options "$options" --reps "${REPS:-5}" \
    ${TORCH:+--torch "$TORCH"} --out "$out/prefill-$label" > "$out/prefill-$label.log" 2>&1 || echo "$label: exit $?"
done
for row in "$@"; do
  IFS='|' read -r _ _ _ label <<< "$row"
  echo "== $label: $(grep -E '^  prompt' "$out/prefill-$label.log" | sed 's/ (.*tok\/s)//' | tr -s ' ' | tr '\n' ';')"
done
