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
