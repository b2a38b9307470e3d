#!/usr/bin/env bash
# On the GPU host: times the variant addons named (from .device/variants/*.node.xz) with the project's bench and runs the
# GPU tests on the chosen one, all in one call. Prints a short table last; full logs go to $OUT.
# Usage: bash packages/cuda-hopper/workbench/run-on-device.sh "<variants>" "<models>" "<contexts>" [test-variant]
set -uo pipefail
variants=$1 models=$2 contexts=$3 test=${4:-}
out=${OUT:-/tmp/out}
mkdir -p "$out"
source .device/on-device.sh
mkdir -p /tmp/variants
for f in .device/variants/*.node.xz; do xz -dc "$f" > "/tmp/variants/$(basename "$f" .xz)"; done
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.sm,clocks.mem,temperature.gpu --format=csv | tee "$out/gpu.txt"
for v in $variants; do
  MEGAKERNEL_CUDA_ADDON=/tmp/variants/$v.node timeout 280 node .device/bench.mjs --models "$models" \
    --contexts "$contexts" --chunks "${CHUNKS:-auto}" --reps "${REPS:-5}" --out "$out/$v" > "$out/$v.log" 2>&1 || echo "$v: bench exit $?"
done
if [[ -n "$test" ]]; then
  MEGAKERNEL_CUDA_ADDON=/tmp/variants/$test.node timeout 300 node .device/gpu-tests.mjs > "$out/gpu-tests-$test.log" 2>&1
  echo "gpu tests ($test): exit $? $(tail -1 "$out/gpu-tests-$test.log")"
  grep -iE "fail|error" "$out/gpu-tests-$test.log" | head -20
fi
for v in $variants; do
  echo "== $v"
  grep -E "ms/token|FUSED|ATTENTION" "$out/$v.log" | grep -v "^|" | head -40
done
