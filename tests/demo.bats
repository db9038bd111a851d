#!/usr/bin/env bats
# make demo's script is the README's front door: it must keep running
# with the programs as they are, and every step must still do its job.

load common

@test "demo: every step runs; smoothing lowers the error; the SSIM gate holds" {
	skip_if_sanitized
	# the video model trains for 4 epochs on 8 videos here, not make
	# demo's 80 on 40: this test checks that every step runs, the demo
	# itself shows the quality
	KVAE_DEMO_EPOCHS=4 KVAE_DEMO_VIDEOS=8 DEMO_OUT=$PWD/out \
	    run bash "$KVAE_ROOT/tests/demo.sh"
	assert_success
	for n in 1 2 3 4 5 6 7 R1 R2 R3 R4 R5 R6 R7; do
		assert_output --partial "== $n."
	done
	[ -s out/side-by-side.mkv ]
	[ -s out/contact-sheet.png ]
	assert_output --regexp "impute \(the 48 not kept\) +0\.[0-9]{3} +hold last 0\.[0-9]{3}, linear 0\.[0-9]{3}"
	# kf-smooth lowers the error of the gappy stream
	before=$(sed -n 's/.*RMS error before.*: \([0-9.]*\) over.*/\1/p' <<<"$output")
	after=$(sed -n 's/.*RMS error after .*: \([0-9.]*\) over.*/\1/p' <<<"$output")
	awk -v b="$before" -v a="$after" 'BEGIN { exit !(a < b) }'
	assert_output --partial "gate: x264 at crf 40 scores above the noisy copy"
}
