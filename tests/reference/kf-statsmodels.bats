#!/usr/bin/env bats
# kf-filter and kf-smooth against statsmodels, numbers computed in this run
# by tests/reference/kf_ref.py.
load ../common

ref() { "$PYTHON" "$KVAE_ROOT/tests/reference/kf_ref.py" "$@"; }

# |a - b| <= rtol |b|
near() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
	s = b < 0 ? -b : b; if (d > r * s) { printf "got %.17g want %.17g\n", a, b; exit 1 } }'; }

@test "reference: Nile local level, approximate diffuse, burn 1: log-likelihood = statsmodels" {
	ref nile .
	kf-filter -m nile.json --loglik-burn 1 --loglik ll.csv nile.csv >/dev/null
	got=$(tail -1 ll.csv | cut -d, -f4)
	want=$(cat llf.txt)
	near "$got" "$want" 1e-9
	# and statsmodels itself gives the figure Durbin & Koopman quote
	near "$want" -632.537695 1e-9
	kf-smooth -m nile.json --loglik-burn 1 --loglik ls.csv nile.csv >/dev/null
	near "$(tail -1 ls.csv | cut -d, -f4)" "$want" 1e-9
}

@test "reference: random n=32 p=16 T=2000, 10% missing: filtered, smoothed means and log-likelihood = statsmodels" {
	skip_if_sanitized
	ref random .
	kf-filter -m model.json --states --loglik ll.csv data.csv >f.csv
	aeq -a 1e-8 -r 1e-8 filtered.csv f.csv
	near "$(tail -1 ll.csv | cut -d, -f4)" "$(cat llf.txt)" 1e-8
	kf-smooth -m model.json --states -f bin data.csv >s.bin
	kvae-cat -f csv s.bin >s.csv
	aeq -a 1e-8 -r 1e-8 smoothed.csv s.csv
}

@test "reference: singular Q (rank n-1, n-2) and R = 0, n=6 p=3 T=300, missing values: filtered, smoothed means and variances, log-likelihood = statsmodels" {
	for kind in q1 q2 r0; do
		mkdir "$kind"
		ref singular "$kind" "$kind"
		kf-filter -m "$kind/model.json" --states --loglik "$kind/ll.csv" \
		    "$kind/data.csv" >"$kind/f.csv"
		aeq -a 1e-8 -r 1e-8 "$kind/filtered.csv" "$kind/f.csv"
		near "$(tail -1 "$kind/ll.csv" | cut -d, -f4)" "$(cat "$kind/llf.txt")" 1e-9
		kf-smooth -m "$kind/model.json" --states --variances "$kind/data.csv" >"$kind/s.csv"
		aeq -a 1e-8 -r 1e-8 "$kind/smoothed.csv" "$kind/s.csv"
	done
}
