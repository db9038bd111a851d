#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load common

model() {
	cat >true.json <<'J'
{"A": [[0.95, 0.2], [-0.2, 0.95]], "C": [[1, 0], [0.5, 1], [0, 1]],
 "Q": [0.1, 0.1], "R": 0.5, "mu0": [0, 0], "P0": 1}
J
}

total() { awk -F, 'NR > 1 { s += $4 } END { printf "%.10f\n", s }' "$1"; }

@test "kf-fit: --help and --version" {
	run kf-fit --help
	assert_success
	assert_output --partial "Usage: kf-fit"
	run kf-fit --version
	assert_output --partial "kf-fit (kvae-tools)"
	[ -f "$KVAE_ROOT/man/man1/kf-fit.1" ]
}

@test "kf-fit: EM from PCA start: log-likelihood never decreases; held-out fit near the true model's" {
	model
	kf-sample -m true.json -T 300 -n 10 --seed 3 >train.csv
	kf-sample -m true.json -T 300 -n 5 --seed 4 >test.csv
	kvae-cat --drop-random 0.1 --seed 2 train.csv >train_gaps.csv
	kf-fit -q --state-dim 2 -k 200 --log log.csv -o fit.json train_gaps.csv
	# monotone (to rounding: 1e-9 relative)
	awk -F, 'NR > 2 && $2 < prev - 1e-9 * (prev < 0 ? -prev : prev) { print "decrease at", $1; exit 1 } NR > 1 { prev = $2 }' log.csv
	[ "$(wc -l <log.csv)" -gt 5 ]
	kf-filter -m true.json --loglik lt.csv test.csv >/dev/null
	kf-filter -m fit.json --loglik lf.csv test.csv >/dev/null
	t=$(total lt.csv); f=$(total lf.csv)
	echo "held-out loglik: true $t fitted $f"
	# within 0.01 nats per observed value (4500 values)
	awk -v t="$t" -v f="$f" 'BEGIN { exit !(f > t - 45) }'
}

@test "kf-fit: --fix keeps parameters, --diagonal keeps R diagonal, output reads back" {
	model
	kf-sample -m true.json -T 200 -n 4 --seed 6 >train.csv
	kf-fit -q --init true.json --fix A,C -k 5 --diagonal R -o fit.json train.csv
	"$PYTHON" - <<'P'
import json
t, f = json.load(open("true.json")), json.load(open("fit.json"))
assert f["A"] == t["A"] and f["C"] == t["C"], "A, C changed"
R = f["R"]
assert all(R[i][j] == 0 for i in range(3) for j in range(3) if i != j), R
assert f["Q"] != [[0.1, 0], [0, 0.1]]
P
	kf-smooth -m fit.json train.csv >/dev/null
}

@test "kf-fit: usage and bad input" {
	run kf-fit -o x.json
	assert_equal "$status" 2
	run kf-fit --state-dim 2 --fix B -o x.json
	assert_equal "$status" 2
	model
	printf '1,2\n3,4\n' >two.csv
	run --separate-stderr kf-fit --init true.json -o x.json two.csv
	assert_bad_input kf-fit "true.json: the model observes 3 values"
	printf '1,2\n3,x\n' >bad.csv
	run --separate-stderr kf-fit --state-dim 1 -o x.json bad.csv
	assert_bad_input kf-fit "bad.csv:2: field 2"
	[ ! -e x.json ]
}

@test "kf-fit: a fit the iteration cap ends says so; one that converges says nothing" {
	"$PYTHON" -c 'import statsmodels.api as sm; sm.datasets.sunspots.load_pandas().data[["SUNACTIVITY"]].to_csv("sun.csv", index=False)'
	run --separate-stderr kf-fit --state-dim 2 -k 20 --log fit.log -o m.json sun.csv
	assert_success
	[[ "$stderr" == *"kf-fit: not converged: --iterations 20 ended the fit"* ]]
	assert_equal "$(tail -n 1 fit.log)" "# not converged: stopped by --iterations 20"
	[ -s m.json ]
	# -q: the log still says it, stderr does not
	run --separate-stderr kf-fit -q --state-dim 2 -k 20 --log fit.log -o m.json sun.csv
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(tail -n 1 fit.log)" "# not converged: stopped by --iterations 20"
	# by default the tolerance ends it, well before the cap
	run --separate-stderr kf-fit -q --state-dim 1 -o m1.json sun.csv
	assert_success
	assert_equal "$stderr" ""
}

@test "kf-fit: a zero variance in the starting model stays exactly zero (a slope with no noise, an exact observation); a diffuse start is refused" {
	# a local linear trend whose slope has no noise of its own
	echo '{"A": [[1, 1], [0, 1]], "C": [[1, 0]], "Q": [[0.5, 0], [0, 0]], "R": 1, "mu0": [0, 0.3], "P0": [[1, 0], [0, 0.01]]}' >true.json
	kf-sample -m true.json -T 200 --sequences 5 --seed 3 >tr.csv
	echo '{"A": [[1, 1], [0, 1]], "C": [[1, 0]], "Q": [[1, 0], [0, 0]], "R": 2, "mu0": [0, 0], "P0": [[10, 0], [0, 1]]}' >init.json
	for opts in "" "--diagonal Q" "--fix A,C"; do
		kf-fit -q --init init.json $opts -k 40 -o fit.json tr.csv
		# (rounding used to leave -2.6e-16 here, a negative variance)
		"$PYTHON" -c 'import json, sys; q = json.load(open("fit.json"))["Q"]
sys.exit(0 if q[1] == [0, 0] and q[0][1] == 0 and q[0][0] > 0 else 1)'
	done
	# exact observations of the first of two components
	echo '{"A": [[0.9]], "C": [[1], [1]], "Q": 1, "R": [[0, 0], [0, 1]], "mu0": [0], "P0": 1}' >exact.json
	kf-sample -m exact.json -T 100 --sequences 3 --seed 4 >ex.csv
	kf-fit -q --init exact.json -k 20 -o fitr.json ex.csv
	"$PYTHON" -c 'import json, sys; r = json.load(open("fitr.json"))["R"]
sys.exit(0 if r[0] == [0, 0] and r[1][0] == 0 and r[1][1] > 0 else 1)'
	echo '{"A": [[1, 1], [0, 1]], "C": [[1, 0]], "Q": [1, 0], "R": 2, "mu0": [0, 0], "P0": "diffuse"}' >d.json
	run --separate-stderr kf-fit -q --init d.json -o x.json tr.csv
	assert_bad_input kf-fit "diffuse initial states: EM estimates P0"
	[ ! -e x.json ]
}
