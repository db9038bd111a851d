#!/usr/bin/env bats
# kvae-cat: conversion, concatenation, --info, choosing, masking, errors.

bats_require_minimum_version 1.5.0
load common

two_seqs() {	# a CSV stream of two sequences (5 and 3 records, dim 3)
	printf '1,2,3\n4,nan,6\n7,8,9\n10,11,12\n13,14,15\n\n0.1,0.2,0.3\n0.4,0.5,0.6\n0.7,0.8,0.9\n'
}

@test "kvae-cat: --help and --version" {
	run kvae-cat --help
	assert_success
	assert_output --partial "Usage: kvae-cat"
	assert_output --partial "--keep-every"
	run kvae-cat --version
	assert_success
	assert_output --regexp "^kvae-cat \(kvae-tools\) [0-9]"
}

@test "kvae-cat: unknown option is a usage error (exit 2)" {
	run kvae-cat --bogus
	assert_equal "$status" 2
}

@test "kvae-cat: CSV passes through unchanged" {
	two_seqs >a.csv
	run kvae-cat a.csv
	assert_success
	assert_output "$(two_seqs)"
}

@test "kvae-cat: CSV -> bin -> CSV is exact, and binary is detected" {
	two_seqs >a.csv
	kvae-cat -f bin a.csv >a.bin
	[ "$(head -c 4 a.bin | od -An -tx1 | tr -d ' ')" = 4b56d17f ]
	kvae-cat -f csv a.bin >b.csv
	cmp a.csv b.csv
	kvae-cat --float32 -f bin a.csv >a32.bin
	[ "$(od -An -j9 -N1 -tu1 a32.bin | tr -d ' ')" = 4 ]
	aeq -r 1e-7 a.csv a32.bin
}

@test "kvae-cat: cat of two binary files reads as two sequences" {
	two_seqs >a.csv
	kvae-cat -f bin --sequence 1 a.csv >one.bin
	cat one.bin one.bin >two.bin
	run kvae-cat --info two.bin
	assert_success
	assert_line "sequences: 2"
	assert_line "sequence 2: 5 records, 1 missing"
}

@test "kvae-cat: several files concatenate, boundaries kept" {
	two_seqs >a.csv
	run kvae-cat --info a.csv - <a.csv
	assert_success
	assert_line "sequences: 4"
	assert_line "records: 16"
}

@test "kvae-cat: --info reports lengths, missing and column statistics" {
	two_seqs >a.csv
	run kvae-cat -i a.csv
	assert_success
	assert_line "dim: 3"
	assert_line "sequences: 2"
	assert_line "records: 8"
	assert_line "missing values: 1"
	assert_line "sequence 1: 5 records, 1 missing"
	assert_line "column 1: mean 4.525, min 0.1, max 13, missing 0"
	assert_line "column 2: mean 5.214285714, min 0.2, max 14, missing 1"
}

@test "kvae-cat: pipe into --info" {
	two_seqs | kvae-cat -f bin | kvae-cat --info >info.txt
	grep -qx "records: 8" info.txt
}

@test "kvae-cat: --columns picks and reorders, names follow" {
	printf 'a,b,c\n1,2,3\n4,5,6\n' >h.csv
	run kvae-cat -c 3,1-2 h.csv
	assert_success
	assert_output "$(printf 'c,a,b\n3,1,2\n6,4,5')"
	run --separate-stderr kvae-cat -c 4 h.csv
	assert_bad_input kvae-cat "column 4, the stream has 3"
	run kvae-cat -c 2-1 h.csv
	assert_equal "$status" 2
}

@test "kvae-cat: --range, --head, --tail per sequence" {
	seq 0 9 >s.csv; echo >>s.csv; seq 100 104 >>s.csv
	run kvae-cat --range 2:4 s.csv
	assert_output "$(printf '2\n3\n\n102\n103')"
	run kvae-cat --range -2: s.csv
	assert_output "$(printf '8\n9\n\n103\n104')"
	run kvae-cat --head 2 s.csv
	assert_output "$(printf '0\n1\n\n100\n101')"
	run kvae-cat --tail 1 s.csv
	assert_output "$(printf '9\n\n104')"
	run kvae-cat --range 1:8 --head 3 --tail 2 s.csv
	assert_output "$(printf '2\n3\n\n102\n103')"
	run kvae-cat --range 5
	assert_equal "$status" 2
}

@test "kvae-cat: --sequence chooses one; past the end is an error" {
	two_seqs >a.csv
	run kvae-cat -s 2 a.csv
	assert_output "$(printf '0.1,0.2,0.3\n0.4,0.5,0.6\n0.7,0.8,0.9')"
	run --separate-stderr kvae-cat -s 3 -o out.csv a.csv
	assert_bad_input kvae-cat "--sequence 3: the input has 2 sequences"
	[ ! -e out.csv ]
}

@test "kvae-cat: --keep-every and --drop-last mask records" {
	seq 0 6 >s.csv
	run kvae-cat --keep-every 3 s.csv
	assert_output "$(printf '0\nnan\nnan\n3\nnan\nnan\n6')"
	run kvae-cat --drop-last 2 s.csv
	assert_output "$(printf '0\n1\n2\n3\n4\nnan\nnan')"
}

@test "kvae-cat: --drop marks ranges and records, counted within the chosen ones, from a pipe too" {
	seq 0 9 >s.csv
	run kvae-cat --drop 1:3,5,-2: s.csv
	assert_output "$(printf '0\nnan\nnan\n3\n4\nnan\n6\n7\nnan\nnan')"
	# within --range 2:8 (records 2..7): its first and its last
	run kvae-cat -r 2:8 --drop 0,-1 s.csv
	assert_output "$(printf 'nan\n3\n4\n5\n6\nnan')"
	# a negative end needs the length: the sequence is held, on a pipe too
	run bash -c "cat s.csv | kvae-cat --drop=-1"
	assert_output "$(printf '0\n1\n2\n3\n4\n5\n6\n7\n8\nnan')"
	# each sequence on its own
	printf '1\n2\n\n3\n4\n' | kvae-cat --drop 0 >two.csv
	run cat two.csv
	assert_output "$(printf 'nan\n2\n\nnan\n4')"
	for bad in '' 1,,2 , a 1:2:3 '1:x'; do
		run --separate-stderr kvae-cat --drop "$bad" s.csv
		assert_equal "$status" 2
		[[ "$stderr" == "kvae-cat: --drop: "* ]] || { echo "$bad: $stderr"; return 1; }
	done
}

@test "kvae-cat: --drop-random is reproducible with --seed and near P" {
	seq 1 2000 >s.csv
	kvae-cat --drop-random 0.3 --seed 7 s.csv >a.csv
	kvae-cat --drop-random 0.3 --seed 7 s.csv >b.csv
	kvae-cat --drop-random 0.3 --seed 8 s.csv >c.csv
	cmp a.csv b.csv
	run cmp -s a.csv c.csv
	assert_failure 1
	n=$(grep -c nan a.csv)
	[ "$n" -gt 540 ] && [ "$n" -lt 660 ]
}

@test "kvae-cat: variances survive conversion and column choice" {
	printf 'x,y,var_x,var_y\n1,2,0.5,0.25\n3,nan,1,nan\n' >v.csv
	kvae-cat -f bin v.csv >v.bin
	# flags: variances (bit 0) and names (bit 1)
	[ "$(od -An -j10 -N1 -tu1 v.bin | tr -d ' ')" = 3 ]
	run kvae-cat -c 2 v.csv
	assert_output "$(printf 'y,var_y\n2,0.25\nnan,nan')"
	run kvae-cat -f csv v.bin
	assert_output "$(printf 'x,y,var_x,var_y\n1,2,0.5,0.25\n3,nan,1,nan')"
	tail -n +2 v.csv | sed 's/^/  /' >nohdr.csv
	printf 'x1,x2,var_x1,var_x2\n' | cat - nohdr.csv | kvae-cat -f bin |
	    kvae-cat -c x2 -f bin >v2.bin
	run kvae-cat -f csv v2.bin
	assert_output "$(printf 'x2,var_x2\n2,0.25\nnan,nan')"
}

@test "kvae-cat: -o writes the file atomically; failure leaves it intact" {
	two_seqs >a.csv
	echo precious >out.csv
	printf '1,2,3\n4,5\n' >bad.csv
	run --separate-stderr kvae-cat -o out.csv a.csv bad.csv
	assert_bad_input kvae-cat "bad.csv:2: 2 fields, expected 3"
	[ "$(cat out.csv)" = precious ]
	[ -z "$(ls -A | grep '^\.out')" ]
	kvae-cat -o out.csv a.csv
	cmp a.csv out.csv
}

@test "kvae-cat: comments, header, CRLF and blank-field missing values" {
	printf '# made by hand\r\nx,y\r\n1,\r\n  2 , 3 \r\n' >c.csv
	run kvae-cat c.csv
	assert_success
	assert_output "$(printf 'x,y\n1,nan\n2,3')"
}

@test "kvae-cat: repeated CSV header starts a new sequence" {
	printf 'x\n1\n2\n' >h.csv
	cat h.csv h.csv | kvae-cat --info >info.txt
	grep -qx "sequences: 2" info.txt
}

@test "kvae-cat: bad input: missing file" {
	run --separate-stderr kvae-cat nosuch.csv
	assert_bad_input kvae-cat "nosuch.csv: No such file"
}

@test "kvae-cat: bad input: a non-number field names line and field" {
	printf '1,2\n3,x4\n' >b.csv
	run --separate-stderr kvae-cat b.csv
	assert_bad_input kvae-cat "b.csv:2: field 2: 'x4' is not a number"
}

@test "kvae-cat: bad input: a ragged row names its line" {
	printf '1,2\n3,4\n5,6,7\n' >b.csv
	run --separate-stderr kvae-cat b.csv
	assert_bad_input kvae-cat "b.csv:3: 3 fields, expected 2"
}

@test "kvae-cat: bad input: empty stream and header-only stream" {
	: >e.csv
	run --separate-stderr kvae-cat e.csv
	assert_bad_input kvae-cat "e.csv: empty stream"
	printf 'x,y\n# nothing\n' >h.csv
	run --separate-stderr kvae-cat h.csv
	assert_bad_input kvae-cat "h.csv: no records after the header"
}

@test "kvae-cat: bad input: truncated binary record" {
	seq 1 4 | kvae-cat -f bin >a.bin
	head -c -3 a.bin >t.bin
	run --separate-stderr kvae-cat t.bin
	assert_bad_input kvae-cat "t.bin: record 4: truncated \(5 of 8 bytes\)"
}

@test "kvae-cat: bad input: bad version, scalar, flags, dim, short header" {
	seq 1 4 | kvae-cat -f bin >a.bin
	printf '\x02' | dd of=v.bin bs=1 seek=8 conv=notrunc status=none
	cp a.bin v.bin; printf '\x02' | dd of=v.bin bs=1 seek=8 conv=notrunc status=none
	run --separate-stderr kvae-cat v.bin
	assert_bad_input kvae-cat "v.bin: sequence 1: binary version 2"
	cp a.bin s.bin; printf '\x05' | dd of=s.bin bs=1 seek=9 conv=notrunc status=none
	run --separate-stderr kvae-cat s.bin
	assert_bad_input kvae-cat "scalar size 5"
	cp a.bin f.bin; printf '\x80' | dd of=f.bin bs=1 seek=10 conv=notrunc status=none
	run --separate-stderr kvae-cat f.bin
	assert_bad_input kvae-cat "unknown flags"
	cp a.bin d.bin; printf '\xff\xff\xff\x7f' | dd of=d.bin bs=1 seek=12 conv=notrunc status=none
	run --separate-stderr kvae-cat d.bin
	assert_bad_input kvae-cat "dim 2147483647, expected 1 to 1048576"
	head -c 12 a.bin >h.bin
	run --separate-stderr kvae-cat h.bin
	assert_bad_input kvae-cat "h.bin: truncated header"
}

@test "kvae-cat: bad input: binary streams of different dims" {
	seq 1 4 | kvae-cat -f bin >a.bin
	printf '1,2\n' | kvae-cat -f bin >b.bin
	cat a.bin b.bin >ab.bin
	run --separate-stderr kvae-cat ab.bin
	assert_bad_input kvae-cat "sequence 2: dim 2, the stream began with dim 1"
	run --separate-stderr kvae-cat a.bin b.bin
	assert_bad_input kvae-cat "b.bin: dim 2, the first input has dim 1"
}

@test "kvae-cat: bad input: a 100 MB line is refused, not swallowed" {
	head -c 100000000 /dev/zero | tr '\0' '1' >long.csv
	run --separate-stderr kvae-cat long.csv
	assert_bad_input kvae-cat "long.csv:1: line longer than"
}

@test "kvae-cat: bad input: binary garbage" {
	head -c 4096 /dev/urandom >g.bin
	printf '\x01\x02\x03' >>g.bin
	run --separate-stderr kvae-cat g.bin
	assert_bad_input kvae-cat "g.bin:[0-9]+: "
}

@test "kvae-cat: closed pipe ends quietly" {
	seq 1 200000 >big.csv
	run bash -c 'kvae-cat big.csv | head -1; echo "${PIPESTATUS[0]}"'
	assert_line --index 0 1
	assert_line --index 1 141
	refute_output --partial "kvae-cat:"
}

@test "kvae-cat: streams: each record comes out before the input ends" {
	mkfifo in
	( printf '1\n2\n'; wait_until 60 test -e go; printf '3\n' ) >in &
	kvae-cat in >out.csv &
	wait_until 60 eval '[ "$(wc -l <out.csv)" = 2 ]'
	[ "$(cat out.csv)" = "$(printf '1\n2')" ]
	touch go
	wait
	[ "$(cat out.csv)" = "$(printf '1\n2\n3')" ]
}

@test "kvae-cat: killed while writing -o: the old file is intact" {
	# The input pauses after 200000 records, so kvae-cat is certainly
	# in the middle of its output when it is killed.
	seq 1 200000 >big.csv
	echo precious >out.csv
	mkfifo in
	( cat big.csv; wait_until 60 test -e go ) >in &
	kvae-cat -f bin -o out.csv in &
	pid=$!
	# it is writing its temporary file
	wait_until 60 eval '[ -n "$(ls -A | grep "^\.out\.csv\.")" ]'
	kill -KILL $pid
	st=0
	wait $pid || st=$?
	assert_equal "$st" 137	# killed by SIGKILL, as intended
	[ "$(cat out.csv)" = precious ]
	touch go
	wait
}

@test "kvae-cat: an unknown --output-format is a usage error" {
	run --separate-stderr kvae-cat -f xml /dev/null
	assert_equal "$status" 2
	[[ "$stderr" == "kvae-cat: --output-format: 'xml' is not csv or bin"* ]]
}

@test "kvae-cat: file size limit hit: exit 1, message, old file untouched" {
	seq 1 100000 >big.csv
	echo precious >out.csv
	run --separate-stderr bash -c 'ulimit -f 64; kvae-cat -o out.csv big.csv'
	assert_bad_input kvae-cat "out.csv: File too large"
	[ "$(cat out.csv)" = precious ]
	[ -z "$(ls -A | grep '^\.out')" ]
}
