#!/bin/bash
# make demo: the suite's main job on data generated here, step by step,
# saying what each step did and how well. Every step runs the real
# programs; nothing is precomputed. Later work adds its steps below.
set -euo pipefail
: "${KVAE_BIN:=$(cd "$(dirname "$0")/.." && pwd)/bin}"
PATH="$KVAE_BIN:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n== %s\n' "$*"; }

step "1. Make data: 3 noisy sine sequences (dim 2, 400 records each, noise sd 0.3)"
# Deterministic: awk's srand with a fixed seed, Box-Muller noise.
awk 'BEGIN { srand(42); pi = atan2(0, -1)
	for (s = 0; s < 3; s++) {
		if (s) print ""
		for (t = 0; t < 400; t++) {
			a = sin(2*pi*t/100 + s); b = cos(2*pi*t/150 + s)
			printf "%.17g,%.17g\n", a, b > "clean.csv"
			u1 = rand(); u2 = rand(); g1 = sqrt(-2*log(u1+1e-300))*cos(2*pi*u2)
			u1 = rand(); u2 = rand(); g2 = sqrt(-2*log(u1+1e-300))*cos(2*pi*u2)
			printf "%.17g,%.17g\n", a + 0.3*g1, b + 0.3*g2
		}
		print "" > "clean.csv"
	} }' >noisy.csv
kvae-cat --info noisy.csv | sed 's/^/   /'

step "2. Mark 4 of every 5 records missing (imputation experiment), in binary"
kvae-cat --keep-every 5 -f bin noisy.csv >gaps.bin
kvae-cat --info gaps.bin | grep -E '^(records|missing)' | sed 's/^/   /'
