#!/usr/bin/env bash
# The GPU rows of `npm run bench -- --device webgpu` on a machine lent by the device tool, which has
# no Node, no network and maybe no libvulkan1: `pack` here puts what the rows need in .gpu-bench/
# (git-ignored through .git/info/exclude, about 35 MiB), `run` there unpacks it and runs the bench.
#
#   bash bench/gpu-run.sh pack                     # here, after npm install
#   device run: carry [".gpu-bench"], timeout_s 540,
#     command "bash bench/gpu-run.sh run"          # there: B = 32, then B = 256; prints both tables
#     command "bash bench/gpu-run.sh all"          # or: the bench, the default run on the GPU, the profile
#
# Extra arguments of `run` go to the bench (e.g. --cells lstm --hidden 512). Each run's results JSON
# comes back through $OUT (bench-b32.json, bench-b256.json) with its table (table-b32.txt, ...) and
# the progress lines (bench.log). `all` adds accept.txt (`rnnlab train --device webgpu` on the
# default model for ACCEPT_STEPS steps, 1338: the cosine of the README's default run, whose CPU run
# is compared with it) and profile.txt (bench/gpu-profile.ts: where a step's time goes).
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=.gpu-bench

pack() {
  grep -qx "/$PACK/" .git/info/exclude 2>/dev/null || echo "/$PACK/" >>.git/info/exclude
  mkdir -p "$PACK" && rm -f "$PACK"/*.tar.xz "$PACK"/*.deb # node.xz is kept: compressing Node takes minutes
  npx tsc -p bench/tsconfig.json
  # What run.js and worker.js load for the GPU rows: commander, zod (src/), Dawn (Linux x64 only), TensorFlow.js's
  # CommonJS builds (the Node entry points) and their few dependencies.
  # The CLI's too (accept): temml, cli-progress and its string-width, d3's and Plot's bundles for the report.
  local modules=(node_modules/commander node_modules/zod node_modules/temml node_modules/cli-progress
    node_modules/string-width node_modules/strip-ansi node_modules/ansi-regex node_modules/emoji-regex
    node_modules/is-fullwidth-code-point node_modules/d3
    node_modules/@observablehq/plot node_modules/long node_modules/seedrandom node_modules/node-fetch
    node_modules/whatwg-url node_modules/tr46 node_modules/webidl-conversions
    node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/dist/linux-x64)
  for p in node_modules/@tensorflow/tfjs*/; do modules+=("${p}package.json" "$p$(node -p "require('./${p}package.json').main")"); done
  tar -cJf "$PACK/modules.tar.xz" "${modules[@]}"
  npx tsc -p tsconfig.build.json
  tar -cJf "$PACK/dist.tar.xz" dist/bench dist/cli dist/src dist/node dist/lab
  [[ -f $PACK/node.xz ]] || xz -T0 -6 -c "$(command -v node)" >"$PACK/node.xz"
  (cd "$PACK" && apt-get download libvulkan1 >/dev/null) || echo "no libvulkan1 .deb: the machine must have it"
  du -sh "$PACK"
}

setup() {
  mkdir -p /tmp/gpu-bench/bin
  xz -dc "$PACK/node.xz" >/tmp/gpu-bench/bin/node && chmod +x /tmp/gpu-bench/bin/node
  export PATH=/tmp/gpu-bench/bin:$PATH
  tar -xJf "$PACK/modules.tar.xz" && tar -xJf "$PACK/dist.tar.xz"
  if ! ldconfig -p | grep -q libvulkan.so.1; then
    for f in "$PACK"/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [[ -z ${VK_ICD_FILENAMES:-} && -f $icd ]] && export VK_DRIVER_FILES=$icd
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
}

bench() {
  local out=${OUT:-/tmp}
  for b in 32 256; do
    timeout "${BENCH_SECONDS:-600}" node dist/bench/bench/run.js --device webgpu --batch "$b" --python "$(command -v python3)" \
      --out "$out/bench-b$b.json" "$@" >"$out/table-b$b.txt" 2>>"$out/bench.log" || echo "B=$b: exit $?"
  done
  tail -n 5 "$out/bench.log"
  cat "$out"/table-b32.txt "$out"/table-b256.txt
}

# The default model (`npm start`'s flags) for ACCEPT_STEPS steps on the GPU: its validation loss,
# against the CPU's on the same flags.
accept() {
  local out=${OUT:-/tmp}
  timeout "${ACCEPT_SECONDS:-150}" node dist/cli/main.js train --device webgpu --steps "${ACCEPT_STEPS:-1338}" \
    ${ACCEPT_FLAGS:-} --out /tmp/accept --force --json >"$out/accept.json" 2>"$out/accept.txt" || echo "accept: exit $?"
  tail -n 4 "$out/accept.txt"
}

profile() {
  local out=${OUT:-/tmp}
  timeout "${PROFILE_SECONDS:-90}" node dist/bench/bench/gpu-profile.js ${PROFILE_FLAGS:-} >"$out/profile.txt" 2>&1 ||
    echo "profile: exit $?"
  cat "$out/profile.txt"
}

case ${1:-} in
pack) pack ;;
run) shift && setup && bench "$@" ;;
all) setup && profile && accept && BENCH_SECONDS=${BENCH_SECONDS:-170} bench ;;
*) echo "usage: bash bench/gpu-run.sh pack | run [bench options] | all" >&2 && exit 2 ;;
esac
