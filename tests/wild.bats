#!/usr/bin/env bats
# Input as it comes from the wild: values no stream should hold, bytes a
# terminal would act on. Every reading program goes through the same
# stream reader, so each case is tried on several programs.

bats_require_minimum_version 1.5.0
load common

@test "wild: an infinite value in CSV is an error naming file, line and field, in every reader" {
	printf '1,2\n3,inf\n5,6\n' >inf.csv
	for prog in kvae-cat "kf-filter --preset local-level" \
	    "kf-smooth --preset local-level"; do
		run --separate-stderr $prog inf.csv
		assert_bad_input "${prog%% *}" "inf.csv:2: field 2: 'inf' is not finite"
	done
	run --separate-stderr kf-fit --state-dim 1 -o m.json inf.csv
	assert_bad_input kf-fit "inf.csv:2: field 2: 'inf' is not finite"
	[ ! -e m.json ]
}

@test "wild: an overflowing number (1e400) is not finite either" {
	printf '1\n1e400\n' >big.csv
	run --separate-stderr kvae-cat big.csv
	assert_bad_input kvae-cat "big.csv:2: field 1: '1e400' is not finite"
	run --separate-stderr bash -c "printf '1\n-1e999\n' | kvae-cat"
	assert_bad_input kvae-cat "stdin:2: field 1: '-1e999' is not finite"
}

@test "wild: an infinite value in a binary stream names the record and value" {
	printf '1,2\n3,7\n' | kvae-cat -f bin >ok.bin
	# 7.0 as little-endian float64 becomes +inf
	"$PYTHON" -c 'import sys; b = open(sys.argv[1], "rb").read(); seven = bytes.fromhex("0000000000001c40"); assert b.count(seven) == 1; open(sys.argv[2], "wb").write(b.replace(seven, bytes.fromhex("000000000000f07f")))' ok.bin inf.bin
	run --separate-stderr kvae-cat inf.bin
	assert_bad_input kvae-cat "inf.bin: record 2: value 2 is infinite"
}

@test "wild: messages quote input with its control bytes escaped" {
	printf '1\n\033]0;owned\007\n' >esc.csv
	run --separate-stderr kf-filter --preset local-level esc.csv
	assert_bad_input kf-filter "esc.csv:2: field 1: '\\\\x1b\]0;owned\\\\x07' is not a number"
	# nothing raw reaches the terminal
	[[ "$stderr" != *$'\033'* ]]
	[[ "$stderr" != *$'\007'* ]]
}

@test "wild: a video, image or sound file where a stream is expected is named for what it is" {
	ffmpeg -loglevel error -f lavfi -i testsrc=size=64x48:rate=5 -frames:v 3 v.avi
	ffmpeg -loglevel error -f lavfi -i testsrc=size=64x48:rate=5 -frames:v 3 v.mkv
	ffmpeg -loglevel error -f lavfi -i testsrc=size=64x48 -frames:v 1 i.png
	ffmpeg -loglevel error -f lavfi -i sine=duration=0.1 s.wav
	run --separate-stderr kvae-cat v.avi
	assert_bad_input kvae-cat "v.avi: a video file \(AVI\), not a kvae-seq\(5\) stream"
	run --separate-stderr kf-smooth --preset local-level v.mkv
	assert_bad_input kf-smooth "v.mkv: a video file \(Matroska/WebM\), not a kvae-seq"
	run --separate-stderr kf-filter --preset local-level i.png
	assert_bad_input kf-filter "i.png: a PNG image, not a kvae-seq"
	run --separate-stderr bash -c "kvae-cat < s.wav"
	assert_bad_input kvae-cat "stdin: a sound file \(WAV\), not a kvae-seq"
}
