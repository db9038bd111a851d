#!/usr/bin/env bats
# make eval's pipeline, on a sliver of the data (eval/run --quick): every
# step runs and writes well-formed tables and figures. The numbers of a
# 3-epoch model mean nothing and are not checked; docs/results holds a
# full run's.

load common

@test "eval --quick: every step runs; tables, eigenvalues and figures are well formed" {
	skip_if_sanitized
	EVAL_OUT=$PWD/out EVAL_WORK=$PWD/work run bash "$KVAE_ROOT/eval/run" --quick
	assert_success
	for s in "data: balls" "train: balls" "train: video" "evaluate: balls" \
	    "evaluate: balls-test" "evaluate: video" "evaluate: tree" \
	    "figures and tables" done; do
		assert_output --partial "== $s"
	done
	run "$PYTHON" "$KVAE_ROOT/tests/eval_check.py" out
	assert_success
	for f in fig2-balls-ssim-over-time fig2-video-ssim-over-time \
	    fig2-tree-ssim-over-time fig3-balls-latent fig3-video-latent \
	    fig4-balls-contact-sheet fig4-video-contact-sheet \
	    fig4-tree-contact-sheet fig5-balls-generated fig5-video-generated; do
		# a PNG that ffprobe decodes, bigger than a blank page would be
		run ffprobe -v error -show_entries stream=codec_name,width -of csv=p=0 "out/$f.png"
		assert_success
		assert_output --regexp '^png,[0-9]{3,}$'
	done
	# Fig. 3's data: frame, a_1 observed, then the filter's and the
	# smoother's mean and variance of a_1, for either latent size (the
	# balls' models have 2, the video's 4)
	run awk 'NF != 6 || $4 <= 0 || $6 <= 0 { print FILENAME ":" FNR ": " $0; bad = 1 } END { exit bad }' \
		work/balls-fig3-*.dat work/video-fig3-*.dat
	assert_success
	assert_output ""
	# the checker is not blind: a mean outside its interval, a row gone
	cp -r out bad
	sed -i '2s/^\([^,]*,[^,]*,[^,]*,[^,]*\),[^,]*,/\1,9.9,/' bad/paired.csv
	sed -i '$d' bad/paired.csv
	run "$PYTHON" "$KVAE_ROOT/tests/eval_check.py" bad
	assert_failure
	assert_output --partial "paired.csv:2: "
	assert_output --partial "paired.csv: no row for balls-test extrapolate k=10 mci"
	# four trainings of 3 epochs and the wall time, as timing.csv promises
	run sed 's/,[0-9]*$//' out/timing.csv
	assert_output "$(printf 'balls,kvae,3\nballs,vae,3\nvideo,kvae,3\nvideo,vae,3\nwall')"
}

@test "eval: sizes that are not two numbers are a usage error naming the variable" {
	for v in "2" "2 x" "4 8 16"; do
		EVAL_DIMS_VIDEO="$v" run bash "$KVAE_ROOT/eval/run" --quick
		assert_equal "$status" 2
		assert_output "eval: EVAL_DIMS_VIDEO=\"$v\": want two sizes, \"LATENT STATE\""
	done
}

@test "eval: an unknown option is a usage error" {
	run bash "$KVAE_ROOT/eval/run" --fast
	assert_equal "$status" 2
	assert_output --partial "usage: eval/run [--quick]"
}
