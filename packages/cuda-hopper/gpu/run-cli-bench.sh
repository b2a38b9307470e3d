#!/usr/bin/env bash
# `megakernel bench` (the bundled CLI, .device/cli.mjs) on a random-weight checkpoint folder shaped like
# Llama-3.2-1B, on the GPU host. From the repository root, after `node packages/cuda-hopper/scripts/
# bundle-device.mjs` and `bash ../shared/device/pack-node.sh` here, with .device sent along:
#   bash packages/cuda-hopper/gpu/run-cli-bench.sh
# Writes the checkpoint (2.47 GB) to $CKPT, not to $OUT; the log goes to $OUT/cli-bench.log.
#
# bench runs with --backend cuda: at this size the two CPU backends take seconds per token (2.5 s and
# 4 s on the 2-core dev machine), minutes in all (CPU_TOO=1 times them too). As a guard the bench is
# also stopped once the GPU's lines are printed (the last is "sampled, 32 per launch").
#
# Settings (environment): TOKENS (128), PRESET (llama-3.2-1b), SEED (1), CKPT (/tmp/llama1b),
# OUT (/tmp/cli-bench), MAX_S (hard limit on the bench, 480 s), GRACE_S (seconds to wait for a
# further GPU line once one is printed, 120), CPU_TOO (0), REQUIRE_GPU (1: stop if doctor says the
# GPU path is off), CLI (.device/cli.mjs).
set -u
TOKENS=${TOKENS:-128}
PRESET=${PRESET:-llama-3.2-1b}
SEED=${SEED:-1}
CKPT=${CKPT:-/tmp/llama1b}
OUT=${OUT:-/tmp/cli-bench}
MAX_S=${MAX_S:-480}
GRACE_S=${GRACE_S:-120}
CPU_TOO=${CPU_TOO:-0}
REQUIRE_GPU=${REQUIRE_GPU:-1}
CLI=${CLI:-.device/cli.mjs}

# shellcheck disable=SC1091
source .device/on-device.sh || exit 1
export MEGAKERNEL_CUDA_ADDON=${MEGAKERNEL_CUDA_ADDON:-$PWD/.device/megakernel_cuda.node}
mkdir -p "$OUT"
LOG=$OUT/cli-bench.log
: >"$LOG"
say() { echo "$*" | tee -a "$LOG"; }

say "commit $(cat .device/commit.txt 2>/dev/null || echo unknown), $(date -u +%FT%TZ), node $(node --version)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$LOG"
node "$CLI" doctor 2>&1 | tee -a "$LOG"
if [[ $REQUIRE_GPU == 1 ]] && ! grep -q '^GPU path: on' "$LOG"; then
  say "run-cli-bench: the GPU path is off (see doctor above); not benchmarking"
  exit 1
fi

t0=$SECONDS
node .device/write-checkpoint.mjs "$CKPT" --preset "$PRESET" --seed "$SEED" 2>&1 | tee -a "$LOG"
[[ ${PIPESTATUS[0]} == 0 ]] || { say "run-cli-bench: write-checkpoint failed"; exit 1; }
say "write-checkpoint: $((SECONDS - t0)) s"

# The bench writes to a file (synchronous writes in Node.js, nothing lost when it is stopped).
BLOG=$OUT/cli-bench.raw.log
t0=$SECONDS
BACKEND=cuda
[[ $CPU_TOO == 1 ]] && BACKEND=all
node "$CLI" bench --model "$CKPT" --tokens "$TOKENS" --backend "$BACKEND" >"$BLOG" 2>&1 &
pid=$!
stopped=''
cuda_lines=0
last_change=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  if [[ $CPU_TOO != 1 ]]; then
    if grep -q '^  cuda .*sampled, 32 per launch' "$BLOG"; then
      stopped='after the GPU lines'
      break
    fi
    n=$(grep -c '^  cuda ' "$BLOG")
    if ((n != cuda_lines)); then
      cuda_lines=$n
      last_change=$SECONDS
    elif ((n > 0 && SECONDS - last_change > GRACE_S)); then
      stopped="no further GPU line in ${GRACE_S} s"
      break
    fi
  fi
  if ((SECONDS - t0 > MAX_S)); then
    stopped="after ${MAX_S} s"
    break
  fi
done
if [[ -n $stopped ]]; then
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc="stopped $stopped"
else
  wait "$pid"
  rc="exit status $?"
fi
cat "$BLOG" >>"$LOG"
cat "$BLOG"
say "bench: $((SECONDS - t0)) s, $rc"
rm -f "$BLOG"
grep -q '^  cuda .*ms/token' "$LOG"
