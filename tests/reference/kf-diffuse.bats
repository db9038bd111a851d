#!/usr/bin/env bats
# Exact diffuse initialisation ("P0": "diffuse", "diffuse": [i, ...]) in
# kf-filter and kf-smooth against statsmodels' exact diffuse filter and
# smoother (Koopman & Durbin 2000, Durbin & Koopman 2012 ch. 5), the KFAS
# results statsmodels ships, and the limit of P0 = P_* + kappa P_inf as
# kappa grows; numbers computed in this run by tests/reference/
# kf_diffuse_ref.py (see its docstring for the files it writes).
#
# Tolerances: 1e-8 (relative and absolute) on means and variances, 1e-9
# relative on log-likelihoods, where statsmodels agrees with KFAS to 1e-9
# and with the dense Gaussian limit to 3e-10 (the script checks both).
load ../common
bats_require_minimum_version 1.5.0

ref() { "$PYTHON" "$KVAE_ROOT/tests/reference/kf_diffuse_ref.py" "$@"; }

# How kf-filter --variances writes a variance that is still diffuse
# (infinite): kf-filter(1) says NaN, since a kvae-seq(5) stream cannot
# hold inf (its readers, aeq among them, refuse it).
DIFFUSE_VAR=nan

# |a - b| <= rtol |b|
near() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
	s = b < 0 ? -b : b; if (d > r * s) { printf "got %.17g want %.17g\n", a, b; exit 1 } }'; }

# the log-likelihood of the last sequence in a --loglik file
loglik() { tail -1 "$1" | cut -d, -f4; }

# cmp_filtered WANT GOT ATOL RTOL: kf-filter --variances output GOT (with or
# without --states) against kf_diffuse_ref.py's filtered.csv or
# filtered_obs.csv. Where WANT has a variance inf
# (the state is still diffuse after that record), GOT must print
# $DIFFUSE_VAR, and the mean there is not compared (it is the diffuse part
# of mu0, which means nothing); any other variance must be a number; then
# every value as aeq compares them (on copies WANT.m and GOT.m with nan in
# the still-diffuse places, as aeq reads no inf).
cmp_filtered() {
	local want=$1 got=$2 atol=$3 rtol=$4
	awk -F, -v W="$want.m" -v G="$got.m" -v D="$DIFFUSE_VAR" '
	function join(x, k,    s, i) { s = x[1]; for (i = 2; i <= k; i++) s = s "," x[i]; return s }
	NR == FNR { w[FNR] = $0; nw = FNR; next }
	{
		ng = FNR
		k = split(w[FNR], a, ","); m = split($0, b, ",")
		if (k != m) { printf "line %d: %d fields, want %d\n", FNR, m, k; bad = 1; exit 1 }
		if (FNR > 1) {
			n = k / 2
			for (j = 1; j <= n; j++) {
				if (a[n + j] == "inf") {
					if (b[n + j] != D) {
						printf "record %d column %d: variance %s, want %s (still diffuse)\n", FNR - 1, j, b[n + j], D
						bad = 1
					}
					a[j] = a[n + j] = b[j] = b[n + j] = "nan"
				} else if (tolower(b[n + j]) ~ /inf|nan/) {
					printf "record %d column %d: variance %s, want %s\n", FNR - 1, j, b[n + j], a[n + j]
					bad = 1
				}
			}
		}
		print join(a, k) > W; print join(b, m) > G
	}
	END { if (!bad && ng != nw) { printf "%d lines, want %d\n", ng, nw; bad = 1 } exit bad }' \
	    "$want" "$got" || return 1
	aeq -a "$atol" -r "$rtol" "$want.m" "$got.m"
}

# check_case DIR: kf-filter's filtered means and variances (of the states
# and of the observation estimate) and log-likelihood, and kf-smooth's
# smoothed means and variances and log-likelihood, on DIR's model and data,
# against statsmodels' (DIR/filtered.csv, filtered_obs.csv, smoothed.csv,
# llf.txt)
check_case() {
	local d=$1
	kf-filter -m "$d/model.json" --states --variances --loglik "$d/ll.csv" \
	    "$d/data.csv" >"$d/f.csv"
	cmp_filtered "$d/filtered.csv" "$d/f.csv" 1e-8 1e-8
	kf-filter -m "$d/model.json" --variances "$d/data.csv" >"$d/fo.csv"
	cmp_filtered "$d/filtered_obs.csv" "$d/fo.csv" 1e-8 1e-8
	near "$(loglik "$d/ll.csv")" "$(cat "$d/llf.txt")" 1e-9
	kf-smooth -m "$d/model.json" --states --variances --loglik "$d/ls.csv" \
	    "$d/data.csv" >"$d/s.csv"
	aeq -a 1e-8 -r 1e-8 "$d/smoothed.csv" "$d/s.csv"
	near "$(loglik "$d/ls.csv")" "$(cat "$d/llf.txt")" 1e-9
}

# check_kfas DIR N: kf-smooth's means (N states) and kf-filter's
# log-likelihood against KFAS's alphahat and logLik (with the constant KFAS
# leaves out of each diffuse element put back), and for N = 1 the smoothed
# variance against KFAS's sumV
check_kfas() {
	local d=$1 n=$2
	cut -d, -f"1-$n" "$d/s.csv" >"$d/s_means.csv"
	aeq -a 1e-8 -r 1e-8 "$d/kfas_means.csv" "$d/s_means.csv"
	near "$(loglik "$d/ll.csv")" "$(cat "$d/kfas_llf.txt")" 1e-9
	if [ "$n" = 1 ]; then
		cut -d, -f2 "$d/s.csv" >"$d/s_var.csv"
		aeq -a 1e-8 -r 1e-8 "$d/kfas_var.csv" "$d/s_var.csv"
	fi
}

@test "diffuse: local level (Koopman 1997; KFAS): filtered, smoothed means and variances, log-likelihood = statsmodels and KFAS" {
	ref kfas local-level .
	check_case .
	check_kfas . 1
}

@test "diffuse: local linear trend, 2 diffuse records (KFAS): filtered, smoothed, log-likelihood = statsmodels and KFAS" {
	ref kfas local-linear-trend .
	check_case .
	check_kfas . 2
}

@test "diffuse: local linear trend with record 2 missing, 3 diffuse records (KFAS): filtered, smoothed, log-likelihood = statsmodels and KFAS" {
	ref kfas local-linear-trend-missing .
	check_case .
	check_kfas . 2
}

@test "diffuse: common level, p=2, Q singular (one state without noise) (KFAS): filtered, smoothed, log-likelihood = statsmodels and KFAS" {
	ref kfas common-level .
	check_case .
	check_kfas . 2
}

# Clark (1989) as statsmodels' test_representation.py (TestClark1989*) has
# it, Kim and Nelson's (1999) estimates: n=6, p=2, two states without noise
# of their own (the cycle's lags) and GDP observed exactly (R = 0). The
# published test does not use an exact diffuse prior: it filters from the
# known P0 = A (100 I) A' (singular, so not a spec kf-filter takes), and the
# script reproduces its log-likelihood (1232.113456) and predicted states
# (results_clark1989_R.csv) to check the data and matrices. The exact diffuse
# results here are statsmodels', computed live; past the diffuse period they
# differ from the published prior's by up to 0.018 in the filtered states,
# and by 3e-6 at the last record (the script prints the figures).
@test "diffuse: Clark (1989) GDP and unemployment, Kim-Nelson estimates, R = 0, Q singular: all diffuse, and mixed diffuse/stationary with 51 missing: = statsmodels" {
	mkdir all mixed
	ref clark .
	check_case all
	check_case mixed
}

@test "diffuse: random n=4 p=2 T=60, states 0 and 1 diffuse, known P0 block, non-diagonal R, 20% missing: filtered, smoothed, log-likelihood = statsmodels" {
	ref random .
	check_case .
}

# The limit that defines the exact diffuse smoother: condition the joint
# Gaussian of every state and observed value with P0 = P_* + kappa P_inf.
# The error of ours against it must shrink like 1/kappa (each factor 100
# in kappa divides it by 100, within a factor 3), be at most 1e-6 relative
# (|d| / (1 + |dense|)) at kappa = 1e8 (it is ~1.6e-8 there), and at most
# 1e-9 against the limit kappa = inf itself.
@test "diffuse: random partly diffuse model: smoothed means and variances are the kappa -> inf limit of dense Gaussian conditioning, P0 = P_* + kappa P_inf" {
	ref random .
	kf-smooth -m model.json --states --variances data.csv >ours.csv
	ref limit . ours.csv
}

@test "diffuse: a second sequence starts diffuse again: two copies of the local linear trend data give the one-sequence results twice" {
	ref kfas local-linear-trend .
	{ cat data.csv; echo; cat data.csv; } >two.csv
	{ cat smoothed.csv; echo; tail -n +2 smoothed.csv; } >want.csv
	kf-smooth -m model.json --states --variances --loglik ll.csv two.csv >s.csv
	aeq -a 1e-8 -r 1e-8 want.csv s.csv
	assert_equal "$(wc -l <ll.csv)" 3
	near "$(sed -n 2p ll.csv | cut -d, -f4)" "$(cat llf.txt)" 1e-9
	near "$(sed -n 3p ll.csv | cut -d, -f4)" "$(cat llf.txt)" 1e-9
}

@test "diffuse: presets: local-level is exact diffuse by default, --init-var 1e6 is P0 = 1e6 (statsmodels each)" {
	ref preset .
	kf-smooth --preset local-level --process-noise 8.253 --obs-noise 1.993 \
	    --states --variances data.csv >exact_got.csv
	aeq -a 1e-8 -r 1e-8 exact.csv exact_got.csv
	kf-filter --preset local-level --process-noise 8.253 --obs-noise 1.993 \
	    --loglik ll.csv data.csv >/dev/null
	near "$(loglik ll.csv)" "$(cat exact_llf.txt)" 1e-9
	kf-smooth --preset local-level --process-noise 8.253 --obs-noise 1.993 \
	    --init-var 1e6 --states --variances data.csv >approx_got.csv
	aeq -a 1e-8 -r 1e-8 approx.csv approx_got.csv
	kf-filter --preset local-level --process-noise 8.253 --obs-noise 1.993 \
	    --init-var 1e6 --loglik ll.csv data.csv >/dev/null
	near "$(loglik ll.csv)" "$(cat approx_llf.txt)" 1e-9
	# and the two differ beyond that tolerance (the test can tell them apart)
	run aeq -a 1e-8 -r 1e-8 exact.csv approx_got.csv
	assert_failure
}

@test "diffuse: a diffuse period that outlasts the data: kf-smooth exits 1 naming it; kf-filter warns and writes the unseen state's variance as NaN (infinite)" {
	# a local linear trend seen once: the slope stays diffuse
	printf '{"A": [[1, 1], [0, 1]], "C": [[1, 0]], "Q": [8.253, 2.334], "R": 1.993, "mu0": [0, 0], "P0": "diffuse"}' >llt.json
	echo 10.2394 >one.csv
	run --separate-stderr kf-smooth -m llt.json --states --variances one.csv
	assert_bad_input kf-smooth diffuse
	# a state no observation ever sees, 50 records
	printf '{"A": [[1, 0], [0, 1]], "C": [[1, 0]], "Q": [1, 1], "R": 1, "mu0": [0, 0], "P0": [[1, 0], [0, 1]], "diffuse": [1]}' >unseen.json
	seq 50 >fifty.csv
	run --separate-stderr kf-smooth -m unseen.json fifty.csv
	assert_bad_input kf-smooth diffuse
	run --separate-stderr kf-filter -m unseen.json --states --variances fifty.csv
	assert_equal "$status" 0
	[[ "$stderr" =~ ^kf-filter:\ .*diffuse ]] || { echo "stderr: $stderr"; false; }
	echo "$output" | awk -F, -v D="$DIFFUSE_VAR" 'NR > 1 { n++; if ($4 != D) { printf "record %d: var_x2 %s, want %s\n", NR - 1, $4, D; bad = 1 } }
	    END { if (n != 50) { printf "%d records, want 50\n", n; bad = 1 } exit bad }'
}

# bad_spec FIELDS: a two-state model with FIELDS ("P0" and "diffuse"
# entries) must make kf-filter and kf-smooth exit 1 naming diffuse or P0
bad_spec() {
	printf '{"A": [[1, 1], [0, 1]], "C": [[1, 0]], "Q": [1, 1], "R": 1, "mu0": [0, 0], %s}' "$1" >bad.json
	printf '1\n2\n3\n' >data.csv
	for prog in kf-filter kf-smooth; do
		run --separate-stderr "$prog" -m bad.json data.csv
		assert_bad_input "$prog" '(diffuse|P0)'
	done
}

@test "diffuse: bad spec: \"P0\": \"diffus\" is refused" {
	bad_spec '"P0": "diffus"'
}

@test "diffuse: bad spec: \"diffuse\": [7] for n=2 (out of range) is refused" {
	bad_spec '"P0": [[1, 0], [0, 1]], "diffuse": [7]'
}

@test "diffuse: bad spec: \"diffuse\": [0, 0] (a state twice) is refused" {
	bad_spec '"P0": [[1, 0], [0, 1]], "diffuse": [0, 0]'
}

@test "diffuse: bad spec: \"diffuse\": [-1] (negative) is refused" {
	bad_spec '"P0": [[1, 0], [0, 1]], "diffuse": [-1]'
}

@test "diffuse: bad spec: \"diffuse\": [0.5] (not an integer) is refused" {
	bad_spec '"P0": [[1, 0], [0, 1]], "diffuse": [0.5]'
}

@test "diffuse: bad spec: \"diffuse\": \"x\" (not an array) is refused" {
	bad_spec '"P0": [[1, 0], [0, 1]], "diffuse": "x"'
}
