#!/usr/bin/env bash
# What the sweep's runners cost (issue 16's figures): the same 12 train trials (cell × 4 seeds, H 32,
# 300 steps) run by the local pool with one lane, with two (the speed-up on two cores), and through a
# BullMQ queue on a local redis-server with one worker of concurrency 1 (the queue's overhead per
# trial, against one lane). Needs `npm run build` and redis-server.   bash bench/sweep.sh [steps]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-300}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; pkill -f "worker --queue redis://127.0.0.1:$port" || true; rm -rf "$dir"' EXIT
cat >"$dir/spec.yaml" <<YAML
train: { hidden: 32, embedding: 16, seq-len: 32, batch: 16, steps: $steps, val-batches: 4 }
grid: { cell: [rnn, gru, lstm] }
seeds: [1, 2, 3, 4]
metric: valLoss
artefacts: $dir/trials
YAML
seconds() { local start=$(date +%s.%N); "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }; echo "$(date +%s.%N) - $start" | bc; }
sweep() { node dist/cli/main.js sweep "$dir/spec.yaml" --store "$dir/$1.sqlite" "${@:2}"; }
one=$(seconds sweep one --parallel 1)
two=$(seconds sweep two --parallel 2)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes >/dev/null
node dist/cli/main.js worker --queue "redis://127.0.0.1:$port" >"$dir/worker.log" 2>&1 &
queued=$(seconds sweep queued --queue "redis://127.0.0.1:$port")
printf 'local pool, 1 lane   %6.1f s  (%.2f s a trial)\n' "$one" "$(echo "$one / 12" | bc -l)"
printf 'local pool, 2 lanes  %6.1f s  speed-up %.2fx on %s cores\n' "$two" "$(echo "$one / $two" | bc -l)" "$(nproc)"
printf 'queue, 1 worker      %6.1f s  overhead %+.2f s a trial against 1 lane\n' "$queued" "$(echo "($queued - $one) / 12" | bc -l)"
