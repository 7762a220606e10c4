#!/usr/bin/env bash
# Runs each libFuzzer harness for SECONDS over its seed corpus (Fuzz/corpus/NAME, never
# written to: new inputs go to Fuzz/out/NAME). Crashes land in Fuzz/out and fail the run.
set -euo pipefail
secs=$1; shift
for name in "$@"; do
  mkdir -p "Fuzz/out/$name"
  echo "fuzz: $name for ${secs}s"
  if ! "Fuzz/bin/$name" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=0 \
       -artifact_prefix="Fuzz/out/$name/" "Fuzz/out/$name" "Fuzz/corpus/$name" > "Fuzz/out/$name.log" 2>&1; then
    tail -40 "Fuzz/out/$name.log"
    echo "fuzz: $name FAILED (artifacts in Fuzz/out/$name)"
    exit 1
  fi
  grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "Fuzz/out/$name.log" | tail -1 || true
done
