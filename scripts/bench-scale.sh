#!/usr/bin/env bash
# `make bench-scale`: TLS certificate logins and /healthz with the server pinned to 1, 2,
# 4, ... cores and wrk pinned to the cores left (see Benchmarks/VouchBench/ScaleBench.swift),
# next to `openssl speed -multi N ecdsap256` on the same cores. Writes bench-scale.json and
# BENCHMARKS-scale.md. Needs the release builds of vouch and vouch-bench (the Makefile
# target builds them), wrk, taskset (util-linux) and openssl.
#
# Settings, from the environment:
#   SCALE_CORES=1,2,4        server core counts (default 1, 2, 4, ... below nproc)
#   SCALE_CONNECTIONS=8,32   wrk loads tried at each count (default 8,32,128,256)
#   SCALE_SECONDS=10         each wrk run
#   SCALE_OPENSSL_SECONDS=10 each half (sign, verify) of openssl speed
#   SCALE_NOTE="text"        a paragraph for BENCHMARKS-scale.md (the machine's state, say)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in wrk taskset openssl nproc python3; do
  command -v "$tool" >/dev/null || { echo "bench-scale: $tool is missing (make deps installs it)"; exit 1; }
done
bench=.build/release/vouch-bench vouch=.build/release/vouch
for b in "$bench" "$vouch"; do
  [ -x "$b" ] || { echo "bench-scale: $b is not built (swift build -c release --product $(basename "$b"))"; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "bench-scale: $(nproc) core: the server needs one core and wrk another; nothing to measure"
  exit 1
fi

opts=(--only scale --vouch "$vouch" --scale-out bench-scale.json --out bench-scale-rows.json)
[ -n "${SCALE_CORES:-}" ] && opts+=(--scale-cores "$SCALE_CORES")
[ -n "${SCALE_CONNECTIONS:-}" ] && opts+=(--scale-connections "$SCALE_CONNECTIONS")
[ -n "${SCALE_SECONDS:-}" ] && opts+=(--scale-seconds "$SCALE_SECONDS")
[ -n "${SCALE_OPENSSL_SECONDS:-}" ] && opts+=(--scale-openssl-seconds "$SCALE_OPENSSL_SECONDS")

"$bench" "${opts[@]}"
rm -f bench-scale-rows.json
python3 scripts/bench-table.py --scale bench-scale.json ${SCALE_NOTE:+--note "$SCALE_NOTE"} > BENCHMARKS-scale.md
echo "bench-scale: wrote bench-scale.json and BENCHMARKS-scale.md"
