#!/usr/bin/env bats
# Output options never destroy what is at their path: a regular file is
# replaced atomically (keeping its mode), a symlink is written through, a
# device, FIFO or /dev/std* is written as it is. Through kvae-cat -o and
# kf-filter --loglik, which share lib/core/outfile with every output
# option of every program; as root and, where setpriv can switch to
# nobody, as an ordinary user.

bats_require_minimum_version 1.5.0
load common

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
	seq 1 5 >s.csv
}

# as_nobody CMD...: run CMD as user nobody (skip when this cannot be done:
# not root, or no setpriv).
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

can_be_nobody() {
	[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
	    setpriv --reuid=65534 --regid=65534 --clear-groups -- true
}

@test "outputs: -o /dev/stdout writes to stdout (a pipe and a file), and /dev/stdout stays a link" {
	run bash -c "kvae-cat -o /dev/stdout s.csv | wc -l"
	assert_success
	assert_output 5
	kvae-cat -o /dev/stdout s.csv >out.csv
	cmp s.csv out.csv
	[ -L /dev/stdout ]
}

@test "outputs: --loglik /dev/stderr writes to stderr, and /dev/stderr stays a link" {
	run --separate-stderr kf-filter --preset local-level --loglik /dev/stderr s.csv
	assert_success
	[[ "$stderr" == *"sequence,records,observed,loglik"* ]]
	[ -L /dev/stderr ]
}

@test "outputs: /dev/full fails with ENOSPC and stays a device" {
	run --separate-stderr kvae-cat -o /dev/full s.csv
	assert_bad_input kvae-cat "/dev/full: No space left on device"
	[ -c /dev/full ]
}

@test "outputs: a symlink is written through and stays a symlink" {
	echo old >real
	ln -s real link
	kvae-cat -o link s.csv
	[ -L link ]
	cmp s.csv real
}

@test "outputs: a mode-600 file keeps its mode" {
	echo old >secret
	chmod 600 secret
	kvae-cat -o secret s.csv
	cmp s.csv secret
	assert_equal "$(stat -c %a secret)" 600
}

@test "outputs: a FIFO is written, not replaced, and its reader gets everything" {
	mkfifo fifo
	cat fifo >got.csv &
	kvae-cat -o fifo s.csv
	wait
	cmp s.csv got.csv
	[ -p fifo ]
}

@test "outputs: a directory, a missing directory and an unwritable one are refused, naming the path" {
	mkdir d
	run --separate-stderr kvae-cat -o d s.csv
	assert_bad_input kvae-cat "d: is a directory"
	run --separate-stderr kvae-cat -o missing/x.csv s.csv
	assert_bad_input kvae-cat "missing/x.csv: No such file or directory"
	[ ! -e missing ]
}

@test "outputs: a failed run leaves the old file and no temporary" {
	echo precious >out.csv
	printf '1\nx\n' >bad.csv
	run --separate-stderr kf-filter --preset local-level -o out.csv bad.csv
	assert_equal "$status" 1
	assert_equal "$(cat out.csv)" precious
	assert_equal "$(ls -A | grep -c '^\.out\.csv\.')" 0
}

@test "outputs: as an ordinary user, /dev/null and a writable file in a read-only directory" {
	can_be_nobody || skip "cannot switch to user nobody here"
	chmod 755 "$T"
	mkdir ro
	echo old >ro/f
	chown nobody ro/f
	chmod 755 ro	# owned by root: nobody may not create files in it
	as_nobody "$KVAE_BIN/kvae-cat" -o /dev/null s.csv
	as_nobody "$KVAE_BIN/kvae-cat" -o ro/f s.csv
	cmp s.csv ro/f
	assert_equal "$(stat -c %U ro/f)" nobody
	run --separate-stderr as_nobody "$KVAE_BIN/kvae-cat" -o ro/new s.csv
	assert_bad_input kvae-cat "ro/new: Permission denied"
}

@test "outputs: a full stdout fails every program, whichever path wrote (one check at exit)" {
	seq 1 100 >long.csv
	for prog in kf-filter kf-smooth kf-fit kf-sample kvae-cat kvae-train \
	    vae-encode vae-decode ssim me-kalman; do
		run --separate-stderr bash -c "$prog --version >/dev/full"
		assert_bad_input "$prog" "stdout: No space left on device"
	done
	run --separate-stderr bash -c "me-kalman --print-model long.csv >/dev/full"
	assert_bad_input me-kalman "stdout: No space left on device"
	run --separate-stderr bash -c "kvae-cat --info long.csv >/dev/full"
	assert_bad_input kvae-cat "stdout: No space left on device"
	# reported once, not again at exit
	assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
}

@test "outputs: an output that cannot be made is refused before the work starts" {
	seq 1 200 >long.csv
	mkdir d
	# with --log the run would write a log line per epoch: none appears
	run --separate-stderr kvae-train --epochs 30 --log train.log \
	    -o missing/m.kvae long.csv
	assert_bad_input kvae-train "missing/m.kvae: No such file or directory"
	[ ! -e train.log ]
	run --separate-stderr kvae-train --epochs 30 --checkpoint d -o m.kvae long.csv
	assert_bad_input kvae-train "d: is a directory"
	[ ! -e m.kvae ]
	run --separate-stderr kf-fit --state-dim 1 --log d -o m.json long.csv
	assert_bad_input kf-fit "d: is a directory"
	[ ! -e m.json ]
	run --separate-stderr me-kalman -o missing/f.csv long.csv
	assert_bad_input me-kalman "missing/f.csv: No such file or directory"
}
