#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load common

walk() {	# a noisy 2-column track with a gap
	printf '1,10\n1.2,9.5\nnan,nan\n1.9,nan\n2.4,8.1\n'
}

@test "kf-filter: --help and --version" {
	run kf-filter --help
	assert_success
	assert_output --partial "Usage: kf-filter"
	assert_output --partial "--horizon"
	run kf-filter --version
	assert_output --partial "kf-filter (kvae-tools)"
	[ -f "$KVAE_ROOT/man/man1/kf-filter.1" ]
}

@test "kf-filter: local level by hand: the first records of a scalar walk, exact diffuse and with --init-var" {
	# exact diffuse prior, q 1, r 1: the first record fixes the level
	# at x1 = 1 with variance r = 1; then P_pred = 2, K = 2/3, so the
	# mean is 1 + 2/3 (2 - 1) = 5/3 with variance 2/3
	run kf-filter --preset local-level --variances <<<"$(printf '1\n2\n')"
	assert_success
	assert_line --index 0 "x1,var_x1"
	assert_line --index 1 "1,1"
	echo "$output" | tail -n 1 | awk -F, '{ d = $1 - 5/3; e = $2 - 2/3
	    if (d * d > 1e-30 || e * e > 1e-30) exit 1 }'
	# prior N(0, 1e6): after x1 = 1 the mean is 1e6/(1e6+1)
	run kf-filter --preset local-level --init-var 1e6 --variances <<<"$(printf '1\n2\n')"
	assert_success
	# second step: P_pred = P1 + 1, K = P_pred/(P_pred+1)
	echo "$output" | tail -n 2 | awk -F, 'NR==1 { p = 1e6/(1e6+1); if ((($1 - p) ^ 2) > 1e-24 || (($2 - p) ^ 2) > 1e-24) exit 1 }
		NR==2 { p1 = 1e6/(1e6+1); pp = p1 + 1; k = pp/(pp+1); m = p1 + k*(2 - p1); if ((($1 - m) ^ 2) > 1e-24 || (($2 - k) ^ 2) > 1e-24) exit 1 }'
}

@test "kf-filter: missing records predict, partial records use the observed part" {
	walk >w.csv
	run kf-filter --preset local-level --variances w.csv
	assert_success
	# record 3 is all missing: same mean as record 2, larger variance
	r2=$(sed -n 3p <<<"$output"); r3=$(sed -n 4p <<<"$output")
	[ "${r2%%,*}" = "${r3%%,*}" ]
	# record 4 updates column 1 only: column 2's mean is unchanged
	c2_3=$(sed -n 4p <<<"$output" | cut -d, -f2); c2_4=$(sed -n 5p <<<"$output" | cut -d, -f2)
	[ "$c2_3" = "$c2_4" ]
	c1_3=$(sed -n 4p <<<"$output" | cut -d, -f1); c1_4=$(sed -n 5p <<<"$output" | cut -d, -f1)
	[ "$c1_3" != "$c1_4" ]
}

@test "kf-filter: --states, --predict, --horizon, sequence boundaries" {
	printf '1\n2\n3\n\n10\n11\n' >s.csv
	run kf-filter --preset constant-velocity --states s.csv
	assert_success
	[ "$(head -1 <<<"$output" | tr ',' '\n' | wc -l)" = 2 ]
	run kf-filter --preset local-level --predict s.csv
	assert_line --index 0 "0"
	run kf-filter --preset local-level --horizon 3 s.csv
	[ "${#lines[@]}" = 11 ] || [ "$(grep -c . <<<"$output")" = 11 ]
	[ "$(grep -c '^$' <<<"$output")" = 1 ]
}

@test "kf-filter: --obs-var uses per-record variances as R" {
	printf 'x,var_x\n1,1e-12\n5,1e-12\n' >v.csv
	run kf-filter --preset local-level --obs-noise 100 --obs-var v.csv
	assert_success
	# near-exact observations: the estimates follow them
	awk -F, 'NR==3 { d = $1 - 5; if (d*d > 1e-12) exit 1 }' <<<"$output"
	run --separate-stderr kf-filter --preset local-level --obs-var <<<"$(printf '1\n')"
	assert_bad_input kf-filter "--obs-var: stdin carries no variances"
}

@test "kf-filter: --steady-state is within 1e-9 of the full filter" {
	cat >m.json <<'J'
{"A": [[0.9, 0.1], [0, 0.95]], "C": [[1, 0], [0, 1]], "Q": 0.1, "R": [1, 2], "mu0": [0, 0], "P0": 1}
J
	kf-sample -m m.json -T 3000 --seed 4 >x.csv
	kf-filter -m m.json --loglik a.csv x.csv >full.csv
	kf-filter -m m.json --steady-state --loglik b.csv x.csv >ss.csv
	aeq -a 1e-9 -r 0 full.csv ss.csv
	awk -F, 'NR==2 { a = $4 } NR==4 { d = a - $4; if (d*d > 1e-14) exit 1 }' a.csv - <b.csv
}

@test "kf-filter: binary in, binary out; -o is atomic" {
	walk | kvae-cat -f bin >w.bin
	kf-filter --preset local-level -o out.bin w.bin
	kvae-cat --info out.bin | grep -qx "records: 5"
	walk | kf-filter --preset local-level -f bin | kvae-cat -f csv >a.csv
	kvae-cat -f csv out.bin >b.csv
	aeq -a 0 -r 0 a.csv b.csv
}

@test "kf-filter: streams: each record comes out before the input ends" {
	# The third record is only written once the first two have come
	# out, so the test cannot pass unless kf-filter streams.
	mkfifo in
	( printf '1\n2\n'; wait_until 60 test -e go; printf '3\n' ) >in &
	kf-filter --preset local-level in >out.csv &
	wait_until 60 eval '[ "$(wc -l <out.csv)" = 2 ]'
	touch go
	wait
	[ "$(wc -l <out.csv)" = 3 ]
}

@test "kf-filter: usage errors exit 2" {
	run kf-filter <<<"1"
	assert_equal "$status" 2
	run kf-filter --preset nope <<<"1"
	assert_equal "$status" 2
	run kf-filter --preset local-level --obs-noise -1 <<<"1"
	assert_equal "$status" 2
}

@test "kf-filter: bad input: non-square A" {
	echo '{"A": [[1, 0]], "C": [[1, 0]], "Q": 1, "R": 1, "mu0": [0, 0], "P0": 1}' >m.json
	run --separate-stderr kf-filter -m m.json <<<"1"
	assert_bad_input kf-filter 'm.json: "A" is 1x2, expected square'
}

@test "kf-filter: bad input: Q, R not positive semi-definite, P0 not positive definite" {
	echo '{"A": [[1]], "C": [[1]], "Q": -1, "R": 1, "mu0": [0], "P0": 1}' >q.json
	run --separate-stderr kf-filter -m q.json <<<"1"
	assert_bad_input kf-filter "q.json: Q is not positive semi-definite \(eigenvalue -1\)"
	echo '{"A": [[1,0],[0,1]], "C": [[1,0],[0,1]], "Q": 1, "R": [[1,2],[2,1]], "mu0": [0,0], "P0": 1}' >r.json
	run --separate-stderr kf-filter -m r.json <<<"1,1"
	assert_bad_input kf-filter "r.json: R is not positive semi-definite \(eigenvalue -1\)"
	echo '{"A": [[1,0],[0,1]], "C": [[1,0]], "Q": 1, "R": 1, "mu0": [0,0], "P0": [[1,2],[2,1]]}' >p.json
	run --separate-stderr kf-filter -m p.json <<<"1"
	assert_bad_input kf-filter "p.json: P0 is not positive definite"
	echo '{"A": [[1,0],[0,1]], "C": [[1,0]], "Q": [[1,0.5],[0,1]], "R": 1, "mu0": [0,0], "P0": 1}' >s.json
	run --separate-stderr kf-filter -m s.json <<<"1"
	assert_bad_input kf-filter "s.json: Q is not symmetric"
}

@test "kf-filter: bad input: NaN in a model, missing key, bad JSON" {
	echo '{"A": [[NaN]], "C": [[1]], "Q": 1, "R": 1, "mu0": [0], "P0": 1}' >n.json
	run --separate-stderr kf-filter -m n.json <<<"1"
	assert_bad_input kf-filter "n.json"
	echo '{"A": [[1e999]], "C": [[1]], "Q": 1, "R": 1, "mu0": [0], "P0": 1}' >i.json
	run --separate-stderr kf-filter -m i.json <<<"1"
	assert_bad_input kf-filter "i.json"
	echo '{"A": [[1]], "C": [[1]], "Q": 1, "R": 1, "mu0": [0]}' >k.json
	run --separate-stderr kf-filter -m k.json <<<"1"
	assert_bad_input kf-filter 'k.json: missing key "P0"'
	echo '{"A": [[1]], "C": [[1]], "Q": [1, 2], "R": 1, "mu0": [0], "P0": 1}' >v.json
	run --separate-stderr kf-filter -m v.json <<<"1"
	assert_bad_input kf-filter '"Q" is a vector of 2, expected 1x1'
	run --separate-stderr kf-filter -m nosuch.json <<<"1"
	assert_bad_input kf-filter "nosuch.json"
}

@test "kf-filter: singular Q and R = 0 are models like any other; an innovation predicted exactly names the record and component" {
	# a constant-velocity model with no noise on the position
	# and exact observations of it
	echo '{"A": [[1,1],[0,1]], "C": [[1,0]], "Q": [[0,0],[0,0.1]], "R": 0,
	    "mu0": [0,0], "P0": 100}' >cv.json
	printf '1\n2.5\n3.5\n5\n' >x.csv
	run --separate-stderr kf-filter -m cv.json --variances x.csv
	assert_success
	# exact observations: the filtered output is the data, variance 0
	assert_equal "$(tail -n +2 <<<"$output" | cut -d, -f1 | paste -sd' ')" "1 2.5 3.5 5"
	# Q = 0 and R = 0: the second record is predicted exactly
	echo '{"A": [[1]], "C": [[1]], "Q": 0, "R": 0, "mu0": [0], "P0": 1}' >z.json
	run --separate-stderr kf-filter -m z.json x.csv
	assert_bad_input kf-filter "x.csv:2: .*not positive definite at component 1: it is predicted exactly"
}

@test "kf-filter: bad input: a stream of the wrong dimension names both shapes" {
	echo '{"A": [[1]], "C": [[1]], "Q": 1, "R": 1, "mu0": [0], "P0": 1}' >m.json
	run --separate-stderr kf-filter -m m.json <<<"$(printf '1,2\n')"
	assert_bad_input kf-filter "m.json: the model observes 1 values \(C is 1x1\), stdin has 2 per record"
}

@test "kf-filter: bad input: a covariance that stops being positive definite names the record" {
	echo '{"A": [[1e200]], "C": [[1]], "Q": 1, "R": 1, "mu0": [0], "P0": 1}' >m.json
	run --separate-stderr kf-filter -m m.json <<<"$(printf '1\n2\n3\n4\n')"
	assert_bad_input kf-filter "stdin:[0-9]+: .*positive definite"
	refute_output --partial "nan"
}
