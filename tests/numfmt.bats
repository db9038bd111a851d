#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# numfmt (lib/stream/numfmt.c, the shortest text of a double or float):
# its power-of-ten table is what the generator writes, and numfmt_sweep
# (the full sweeps) runs. tests/unit/test_numfmt.c checks the texts
# against strtod, strtof and the printf loop numfmt replaced.

load common

@test "numfmt: lib/stream/numfmt_table.h is what gen_numfmt_table.py writes" {
	run --separate-stderr "$PYTHON" \
	    "$KVAE_ROOT/tests/tools/gen_numfmt_table.py" table.h
	echo "$stderr"
	assert_success
	run diff -u "$KVAE_ROOT/lib/stream/numfmt_table.h" table.h
	assert_success
	assert_output ""
}

@test "numfmt_sweep: small sweeps pass; bad arguments exit 2" {
	run --separate-stderr numfmt_sweep --float64 20000 --seed 3
	echo "$output"
	assert_success
	assert_line --regexp '^ok 1 - float64: 20000 random values, seed 3: 20000 values in .* 0 failures'
	run --separate-stderr numfmt_sweep
	assert_equal "$status" 2
	assert_equal "$stderr" "$(printf 'usage: numfmt_sweep --float32-all\n       numfmt_sweep --float64 N [--seed S]')"
	run --separate-stderr numfmt_sweep --float64 10 --seed x
	assert_equal "$status" 2
	assert_equal "$stderr" "numfmt_sweep: --seed: 'x' is not a whole number"
	run --separate-stderr numfmt_sweep --float64 0
	assert_equal "$status" 2
	run --separate-stderr numfmt_sweep --float32-all --float64 5
	assert_equal "$status" 2
}
