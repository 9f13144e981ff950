#!/usr/bin/env bash
# make bench: every bench/run_*.sh in turn (micro first). Each prints
# markdown tables; together they are what docs/BENCHMARKS.md records.
# Run on an otherwise quiet machine.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
for s in run_micro.sh $(ls run_*.sh | grep -v '^run_micro.sh$'); do
  echo
  echo "## bench/$s"
  bash "$s" || echo "(bench/$s failed)"
done
