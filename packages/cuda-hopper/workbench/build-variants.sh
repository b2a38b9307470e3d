#!/usr/bin/env bash
# Builds one addon per kernel variant (here, on the CPU machine with nvcc) into <repo>/.device/variants/
# as <name>.node.xz.
# Each variant is the megakernel compiled with a variant header from workbench/matvec/ (none: the
# promoted kernel code) and optional -D flags; the addon and host session objects come from the
# regular cmake-js build, the tensor maps' host encoder (which shares the MATMUL box size with the
# kernel) is compiled with the variant's flags.
# Usage: bash workbench/build-variants.sh name=[header.cuh][:-DFLAG=1 ...] ...
#   e.g. bash workbench/build-variants.sh 01=01_row_per_warp.cuh promoted= stages6=:-DMK_STAGES=6
set -euo pipefail
pkg=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$pkg/../.." && pwd)
nvcc=${CUDACXX:-/usr/local/cuda/bin/nvcc}
cuda=$(dirname "$(dirname "$(readlink -f "$nvcc")")")
objs="$pkg/build/CMakeFiles/megakernel_cuda.dir/csrc"
[[ -f "$objs/addon/addon.cc.o" && -f "$objs/session.cu.o" ]] || (cd "$pkg" && node scripts/build-addon.mjs --required)
out="$repo/.device/variants"
mkdir -p "$out"
build_one() {
  local name=$1 header=${2%%:*} flags=()
  [[ $2 == *:* ]] && read -r -a flags <<< "${2#*:}"
  [[ -n $header ]] && flags+=("-DMK_MATVEC_VARIANT=\"../workbench/matvec/$header\"")
  "$nvcc" -gencode=arch=compute_90a,code=sm_90a -O3 -lineinfo -diag-suppress 550 -Xptxas=-v -DNDEBUG \
    -Xcompiler=-fPIC -std=c++17 -I"$pkg/csrc" "${flags[@]}" -c "$pkg/csrc/megakernel.cu" -o "$out/$name.o" \
    2> "$out/$name.ptxas.txt" || { cat "$out/$name.ptxas.txt"; return 1; }
  "$nvcc" -O3 -Xcompiler=-fPIC -std=c++17 -I"$pkg/csrc" "${flags[@]}" -c "$pkg/csrc/tensor_maps.cu" \
    -o "$out/$name.maps.o"
  c++ -fPIC -O3 -shared -Wl,-soname,megakernel_cuda.node -o "$out/$name.node" "$objs/addon/addon.cc.o" \
    "$objs/session.cu.o" "$out/$name.maps.o" "$out/$name.o" -L"$cuda/targets/x86_64-linux/lib" \
    "$cuda/lib64/libcudart_static.a" -ldl -lrt -lpthread
  rm -f "$out/$name.o" "$out/$name.maps.o"
  # The device call carries the working tree (64 MiB in all): an xz'd addon is ~0.5 MB, the .node ~4.
  xz -T1 -f "$out/$name.node"
  echo "$name: $(grep -A2 '_ZN2mk10megakernel' "$out/$name.ptxas.txt" | grep -E 'Used|spill' | tr -s ' ' | tr '\n' ' ')"
}
for spec in "$@"; do
  build_one "${spec%%=*}" "${spec#*=}" &
  if (( $(jobs -r | wc -l) >= 2 )); then wait -n; fi
done
wait
