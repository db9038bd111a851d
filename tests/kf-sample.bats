#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load common

@test "kf-sample: shapes, seeds, states; bad model" {
	echo '{"A": [[0.9]], "C": [[1], [2]], "Q": 1, "R": 0.1, "mu0": [0], "P0": 1}' >m.json
	kf-sample -m m.json -T 7 -n 2 --seed 1 --states z.csv >a.csv
	kf-sample -m m.json -T 7 -n 2 --seed 1 >b.csv
	cmp a.csv b.csv
	kvae-cat --info a.csv | grep -qx "records: 14"
	kvae-cat --info z.csv | grep -qx "dim: 1"
	run kf-sample --version
	assert_output --partial "kf-sample (kvae-tools)"
	run kf-sample -m m.json
	assert_equal "$status" 2
	echo '{"A": [[0.9]]}' >bad.json
	run --separate-stderr kf-sample -m bad.json -T 3
	assert_bad_input kf-sample 'bad.json: missing key "C"'
}

# A model with correlated noises and a state that rotates, so that every
# term of the sampler (cross-covariances, R's off-diagonal) shows.
model2() {
	cat >m2.json <<'JSON'
{"A": [[0.9, 0.2], [-0.1, 0.8]], "C": [[1, 0], [0, 1], [1, -1]],
 "Q": [[0.2, 0.05], [0.05, 0.1]], "R": [[0.3, 0.1, 0], [0.1, 0.2, 0], [0, 0, 0.5]],
 "mu0": [1, -1], "P0": [[1, 0.3], [0.3, 0.5]]}
JSON
}

# check_posterior MODEL GIVEN SEED: 4000 draws given GIVEN (x.csv, z.csv)
# against kf-smooth and dense conditioning (tests/kf_sample_check.py).
check_posterior() {
	kf-sample -m "$1" --given "$2" -n 4000 --seed "$3" --states z.csv >x.csv
	kf-smooth -m "$1" --states --variances "$2" >s.csv
	kf-smooth -m "$1" --variances "$2" >so.csv
	run "$PYTHON" "$KVAE_ROOT/tests/kf_sample_check.py" posterior "$1" \
	    "$2" x.csv z.csv s.csv so.csv
	echo "$output"
	assert_success
}

@test "kf-sample: 4000 draws have the model's marginal moments at every t (z and x)" {
	model2
	kf-sample -m m2.json -T 8 -n 4000 --seed 7 --states z.csv >x.csv
	run "$PYTHON" "$KVAE_ROOT/tests/kf_sample_check.py" prior m2.json 8 x.csv z.csv
	echo "$output"
	assert_success
}

@test "kf-sample --given: posterior draws match kf-smooth and dense Gaussian conditioning; observed values kept" {
	model2
	# 12 records: three missing, three partly missing
	kf-sample -m m2.json -T 12 --seed 3 | awk -F, '
	    NR == 3 || NR == 4 || NR == 9 { print "nan,nan,nan"; next }
	    NR == 6 { print $1 ",nan," $3; next }
	    NR == 7 { print "nan,nan," $3; next }
	    NR == 12 { print $1 ",nan,nan"; next } { print }' >g.csv
	check_posterior m2.json g.csv 5
	# one draw per sequence of the input, in order, -n of each
	printf '1,2,3\n\nnan,nan,nan\nnan,nan,nan\n' >two.csv
	kf-sample -m m2.json --given two.csv -n 3 -f bin | kvae-cat --info - >info
	grep -qx "sequences: 6" info
	grep -qx "records: 9" info
	# from stdin, the same draws as from the file
	kf-sample -m m2.json --given - --seed 5 <g.csv >a.csv
	kf-sample -m m2.json --given g.csv --seed 5 >b.csv
	cmp a.csv b.csv
}

@test "kf-sample: reads a kvae-train model; --given refuses bad input" {
	model2
	kf-sample -m m2.json -T 30 -n 8 >train.csv
	kvae-train --latent-dim 3 --state-dim 2 --hidden 8 -e 2 --vae-epochs 1 \
	    -q -o m.kvae train.csv
	kf-sample -m m.kvae -T 5 -n 2 --states z.csv | vae-decode -m m.kvae >dec.csv
	kvae-cat --info dec.csv | grep -qx "records: 10"
	kvae-cat --info z.csv | grep -qx "dim: 2"
	run kf-sample -m m2.json --given train.csv -T 5
	assert_equal "$status" 2
	printf '1,2\n3,4\n' >narrow.csv
	run --separate-stderr kf-sample -m m2.json --given narrow.csv -o out.csv
	assert_bad_input kf-sample 'narrow.csv: records have 2 values, the model observes 3'
	[ ! -e out.csv ]
	printf '1,2,3\n4,x,6\n' >bad.csv
	run --separate-stderr kf-sample -m m2.json --given bad.csv
	assert_bad_input kf-sample 'bad.csv:2'
	run --separate-stderr kf-sample -m m2.json --given missing.csv
	assert_bad_input kf-sample 'missing.csv'
}

@test "kf-sample --given: a state the data all but fix (Q = 1e-20) is drawn through the eigen factor, with the right moments" {
	# z_t | z_{t+1} has covariance ~1e-20, which rounding leaves
	# indefinite: Cholesky fails there and the eigenvectors take over
	echo '{"A": [[1, 0], [0, 1]], "C": [[1, 0], [0, 1]], "Q": 1e-20, "R": 1,
	    "mu0": [0, 0], "P0": 1}' >flat.json
	kf-sample -m flat.json -T 10 --seed 2 | awk 'NR == 4 { print "nan,nan"; next } { print }' >g.csv
	check_posterior flat.json g.csv 3
	# within each draw the state does not move (by more than rounding)
	awk -F, 'NF == 2 && p != "" { d = $1 - p; if (d < 0) d = -d; if (d > 1e-6) bad++ }
	    { p = NF == 2 ? $1 : "" } END { exit bad > 0 }' z.csv
}

@test "kf-sample: a model with diffuse initial states is refused, with and without --given, naming the reason" {
	echo '{"A": [[1, 1], [0, 1]], "C": [[1, 0]], "Q": [1, 0], "R": 1, "mu0": [0, 0], "P0": "diffuse"}' >d.json
	run --separate-stderr kf-sample -m d.json -T 5 -o x.csv
	assert_bad_input kf-sample "diffuse initial state cannot be drawn from"
	[ ! -e x.csv ]
	printf '1\n2\n3\n' >given.csv
	run --separate-stderr kf-sample -m d.json --given given.csv -o x.csv
	assert_bad_input kf-sample "posterior draws with diffuse initial states"
	[ ! -e x.csv ]
}
