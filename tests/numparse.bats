#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# numparse (lib/stream/numparse.c, the fast strtod of CSV reading): its
# power-of-five table is what the generator writes, a decimal-comma
# locale does not change what it reads, and numparse_sweep (make
# check-numbers) runs. tests/unit/test_numparse.c compares it with strtod.

load common

@test "numparse: lib/stream/numparse_table.h is what gen_numparse_table.py writes" {
	run "$PYTHON" "$KVAE_ROOT/tests/tools/gen_numparse_table.py" table.h
	assert_success
	run diff -u "$KVAE_ROOT/lib/stream/numparse_table.h" table.h
	assert_success
	assert_output ""
}

@test "numparse: under a decimal-comma locale it still reads the C locale's point" {
	[ -f /usr/share/i18n/locales/de_DE ] ||
		skip "no locale sources to build de_DE from (Debian package locales)"
	# localedef exits 1 on mere warnings; the locale is what counts
	localedef -i de_DE -f UTF-8 "$T/de_DE.UTF-8" || true
	[ -d "$T/de_DE.UTF-8" ]
	run env LOCPATH="$T" test_numparse --locale de_DE.UTF-8
	echo "$output"
	assert_success
	assert_line --partial 'numparse_double("1.5") gives 1,5 ending at +3'
	refute_line --partial 'not ok'
}

@test "numparse_sweep: a small sweep agrees with strtod; bad arguments exit 2" {
	run --separate-stderr numparse_sweep 20000 --seed 3
	echo "$output"
	assert_success
	assert_line --regexp '^ok 1 - numparse_sweep: 20000 inputs \(seed 3\)'
	run --separate-stderr numparse_sweep
	assert_equal "$status" 2
	assert_equal "$stderr" "usage: numparse_sweep N [--seed S]"
	run --separate-stderr numparse_sweep 10 --seed x
	assert_equal "$status" 2
}
