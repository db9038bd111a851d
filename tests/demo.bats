#!/usr/bin/env bats
# make demo's script is the README's front door: it must keep running
# with the programs as they are, and every step must still do its job.

load common

@test "demo: every step runs; smoothing lowers the error; the SSIM gate holds" {
	skip_if_sanitized
	run bash "$KVAE_ROOT/tests/demo.sh"
	assert_success
	for n in 1 2 3 4 5 6 7; do
		assert_output --partial "== $n."
	done
	# kf-smooth lowers the error of the gappy stream
	before=$(sed -n 's/.*RMS error before.*: \([0-9.]*\) over.*/\1/p' <<<"$output")
	after=$(sed -n 's/.*RMS error after .*: \([0-9.]*\) over.*/\1/p' <<<"$output")
	awk -v b="$before" -v a="$after" 'BEGIN { exit !(a < b) }'
	assert_output --partial "gate: x264 at crf 40 scores above the noisy copy"
}
