#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load common

model() {
	cat >m.json <<'J'
{"A": [[0.95, 0.2], [-0.2, 0.95]], "C": [[1, 0], [0.5, 1], [0, 1]],
 "Q": [0.1, 0.1], "R": 0.5, "mu0": [0, 0], "P0": 1}
J
}

rms() {	# rms difference of two CSV files of numbers (no header)
	paste -d, "$1" "$2" | awk -F, '{ h = NF / 2; for (i = 1; i <= h; i++)
		if ($i != "" && $i != "nan") { d = $i - $(i + h); s += d * d; n++ } }
		END { printf "%.6f\n", sqrt(s / n) }'
}

@test "kf-smooth: --help and --version" {
	run kf-smooth --help
	assert_success
	assert_output --partial "Usage: kf-smooth"
	run kf-smooth --version
	assert_output --partial "kf-smooth (kvae-tools)"
	[ -f "$KVAE_ROOT/man/man1/kf-smooth.1" ]
}

@test "kf-smooth: the last record equals the filter's, earlier ones differ" {
	model
	kf-sample -m m.json -T 50 --seed 2 >x.csv
	kf-filter -m m.json x.csv >f.csv
	kf-smooth -m m.json x.csv >s.csv
	aeq -a 1e-12 -r 1e-12 <(tail -1 f.csv) <(tail -1 s.csv)
	! aeq -a 1e-6 -r 0 <(head -1 f.csv) <(head -1 s.csv) 2>/dev/null
}

@test "kf-smooth: smoothing recovers the states better than filtering, imputes gaps" {
	model
	kf-sample -m m.json -T 400 --seed 7 --states z.csv >x.csv
	kvae-cat --keep-every 3 x.csv >gaps.csv
	kf-filter -m m.json --states gaps.csv >f.csv
	kf-smooth -m m.json --states gaps.csv >s.csv
	ef=$(rms f.csv z.csv); es=$(rms s.csv z.csv)
	echo "filter $ef smoother $es"
	awk -v f="$ef" -v s="$es" 'BEGIN { exit !(s < 0.9 * f) }'
	! grep -q nan s.csv
}

@test "kf-smooth: --variances shrink against the filter's, --horizon grows them" {
	model
	kf-sample -m m.json -T 30 --seed 1 >x.csv
	kf-filter -m m.json --variances x.csv | sed 1d >f.csv
	kf-smooth -m m.json --variances --horizon 5 x.csv | sed 1d >s.csv
	[ "$(wc -l <s.csv)" = 35 ]
	paste -d, <(head -30 f.csv) <(head -30 s.csv) | awk -F, '$10 > $4 + 1e-12 { exit 1 }'
	tail -5 s.csv | awk -F, 'NR > 1 && $4 <= prev { exit 1 } { prev = $4 }'
}

@test "kf-smooth: several sequences, binary, log-likelihood per sequence = kf-filter's" {
	model
	kf-sample -m m.json -T 40 -n 3 --seed 5 -f bin >x.bin
	kf-smooth -m m.json --loglik a.csv x.bin | kvae-cat --info >info.txt
	grep -qx "sequences: 3" info.txt
	kf-filter -m m.json --loglik b.csv x.bin >/dev/null
	[ "$(wc -l <a.csv)" = 4 ]
	aeq -a 1e-9 -r 1e-12 a.csv b.csv
}

@test "kf-smooth: --steady-state within 1e-9 of the full smoother" {
	model
	kf-sample -m m.json -T 2000 --seed 9 >x.csv
	kf-smooth -m m.json x.csv >a.csv
	kf-smooth -m m.json --steady-state x.csv >b.csv
	aeq -a 1e-9 -r 0 a.csv b.csv
}

@test "kf-smooth: preset constant-velocity on a noisy line" {
	awk 'BEGIN { srand(3); for (t = 0; t < 200; t++) printf "%.10g\n", 0.5*t + (rand() - 0.5) }' >x.csv
	awk '{ printf "%.10g\n", 0.5*(NR-1) }' x.csv >truth.csv
	kf-smooth --preset constant-velocity --process-noise 1e-6 --obs-noise 0.083 x.csv >s.csv
	e=$(rms s.csv truth.csv); r=$(rms x.csv truth.csv)
	echo "smoothed $e raw $r"
	awk -v e="$e" -v r="$r" 'BEGIN { exit !(e < 0.3 * r) }'
}

@test "kf-smooth: bad input: wrong stream dimension, bad model" {
	model
	run --separate-stderr kf-smooth -m m.json <<<"$(printf '1,2\n')"
	assert_bad_input kf-smooth "m.json: the model observes 3 values \(C is 3x2\), stdin has 2 per record"
	echo '{"A": [[1]], "C": [[1, 2]], "Q": 1, "R": 1, "mu0": [0], "P0": 1}' >c.json
	run --separate-stderr kf-smooth -m c.json <<<"1"
	assert_bad_input kf-smooth 'c.json: "C" is 1x2, expected 1x1'
	run kf-smooth -m m.json --preset local-level <<<"1"
	assert_equal "$status" 2
	run kf-smooth --preset local-level --predict <<<"1"
	assert_equal "$status" 2
}

@test "kf-smooth: bad input: a covariance that stops being positive definite names the sequence and record" {
	echo '{"A": [[1e200]], "C": [[1]], "Q": 1, "R": 1, "mu0": [0], "P0": 1}' >m.json
	printf '1\n2\n3\n4\n' >x.csv
	run --separate-stderr kf-smooth -m m.json -o out.csv x.csv
	assert_bad_input kf-smooth "x.csv: sequence 1: record [0-9]+: .*positive definite"
	[ ! -e out.csv ]
}

@test "kf-smooth: a zero preset noise is a textbook model (analytic answers); both zero, or infinite, is refused with the reason" {
	seq 1 20 >s.csv
	# no process noise: a constant level, smoothed to the mean of all 20
	# records under the exact diffuse prior, its variance 1 / 20; under
	# a 1e6 prior, shrunk: 10.5 * 20 / (20 + 1e-6), 1 / (20 + 1e-6)
	kf-smooth --preset local-level --process-noise 0 --variances s.csv >c.csv
	awk -F, 'NR > 1 { d = $1 - 10.5; e = $2 - 1 / 20
	    if (d < 0) d = -d; if (e < 0) e = -e
	    if (d > 1e-12 || e > 1e-15) bad++ } END { exit bad > 0 }' c.csv
	kf-smooth --preset local-level --process-noise 0 --init-var 1e6 \
	    --variances s.csv >c.csv
	awk -F, 'NR > 1 { m = 10.5 * 20 / (20 + 1e-6); v = 1 / (20 + 1e-6)
	    d = $1 - m; e = $2 - v; if (d < 0) d = -d; if (e < 0) e = -e
	    if (d > 1e-9 || e > 1e-12) bad++ } END { exit bad > 0 }' c.csv
	# exact observations: the smoothed level is the data, variance 0
	kf-smooth --preset local-level --obs-noise 0 --variances s.csv >e.csv
	awk -F, 'NR > 1 && ($1 != NR - 1 || $2 != 0) { bad++ } END { exit bad > 0 }' e.csv
	kf-filter --preset constant-velocity --obs-noise 0 s.csv >f.csv
	run --separate-stderr kf-smooth --preset local-level --process-noise 0 \
	    --obs-noise 0 s.csv
	assert_equal "$status" 2
	[[ "$stderr" == "kf-smooth: --process-noise 0 and --obs-noise 0 together"* ]]
	for v in inf 1e400; do
		run --separate-stderr kf-filter --preset local-level --obs-noise $v s.csv
		assert_equal "$status" 2
		[[ "$stderr" == "kf-filter: --obs-noise: '$v' is not a finite number"* ]]
	done
}
