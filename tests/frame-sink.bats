#!/usr/bin/env bats
# frame_sink (lib/media/frame_sink.c) as an ffmpeg user sees its output,
# through the test tool frames-write: the format each name chooses, the
# bytes of the lossless ones, pipes, and nothing left behind on failure.

bats_require_minimum_version 1.5.0
load common

has_encoder() { ffmpeg -hide_banner -encoders 2>/dev/null | grep -q " $1 "; }

# probe FILE: codec,width,height,r_frame_rate,frames of the first video
# stream
probe() {
	ffprobe -v error -count_frames -select_streams v:0 -show_entries \
	    stream=codec_name,width,height,r_frame_rate,nb_read_frames \
	    -of csv=p=0 "$@"
}

# decoded FILE PIX_FMT: the frames as ffmpeg decodes them, raw
decoded() {
	ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt "$2" -
}

# same_bytes WANT GOT: cmp, saying where they differ
same_bytes() {
	cmp "$1" "$2" || { echo "$(stat -c %s "$1") bytes wanted," \
	    "$(stat -c %s "$2") got"; return 1; }
}

# listing [DIR]: the files there, but for bats's own (run's stderr)
listing() { ls -A "$@" | grep -v '^separate-stderr-' || true; }

# maxdiff A B: the largest difference of two byte files of one size
maxdiff() {
	"$PYTHON" -c 'import sys, numpy as np
a, b = (np.fromfile(f, np.uint8).astype(int) for f in sys.argv[1:])
assert a.size == b.size, (a.size, b.size)
print(abs(a - b).max())' "$1" "$2"
}

@test "frame-sink: each suffix gets its codec, size, frame count and rate" {
	frames-write 32 24 3 7 out.mkv
	assert_equal "$(probe out.mkv)" "ffv1,32,24,25/1,7"
	frames-write 32 24 1 7 out.y4m
	assert_equal "$(probe out.y4m)" "rawvideo,32,24,25/1,7"
	frames-write 32 24 3 7 out.gif
	assert_equal "$(probe out.gif)" "gif,32,24,25/1,7"
	frames-write 32 24 3 7 out.avi
	assert_equal "$(probe out.avi)" "mpeg4,32,24,25/1,7"
	if has_encoder libx264; then
		frames-write 32 24 3 7 out.mp4
		assert_equal "$(probe out.mp4)" "h264,32,24,25/1,7"
		run ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 \
		    out.mp4
		assert_output yuv420p
	else	# without libx264: says so, names .mkv, writes nothing
		run --separate-stderr frames-write 32 24 3 2 out.mp4
		assert_bad_input frames-write "out\\.mp4: .*H\\.264.*\\.mkv"
		[ ! -e out.mp4 ]
	fi
}

@test "frame-sink: --fps sets a constant frame rate, timestamps n/fps" {
	frames-write --fps 30000/1001 16 16 1 5 out.mkv
	assert_equal "$(probe out.mkv)" "ffv1,16,16,30000/1001,5"
	run ffprobe -v error -show_entries frame=pts_time -of csv=p=0 out.mkv
	assert_equal "$(echo "$output" | tail -n 1)" "0.133000"
	frames-write --fps 10/1 16 16 1 5 out.y4m
	assert_equal "$(probe out.y4m)" "rawvideo,16,16,10/1,5"
}

@test "frame-sink: FFV1 round trip is bit-exact (grey and RGB)" {
	frames-write --raw gray.raw 16 16 1 12 gray.mkv
	decoded gray.mkv gray >gray.got
	same_bytes gray.raw gray.got
	frames-write --raw rgb.raw 20 13 3 12 rgb.mkv
	decoded rgb.mkv rgb24 >rgb.got
	same_bytes rgb.raw rgb.got
	# every level 0..255 was in the frames
	run "$PYTHON" -c 'import sys; print(len(set(open(sys.argv[1], "rb").read())))' gray.raw
	assert_output 256
}

@test "frame-sink: Y4M round trip: grey bit-exact, RGB (yuv444p) within 2" {
	frames-write --raw gray.raw 16 16 1 6 gray.y4m
	decoded gray.y4m gray >gray.got
	same_bytes gray.raw gray.got
	frames-write --raw rgb.raw 16 16 3 6 rgb.y4m
	run ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 rgb.y4m
	assert_output yuv444p
	decoded rgb.y4m rgb24 >rgb.got
	d=$(maxdiff rgb.raw rgb.got)
	echo "largest difference $d"
	[ "$d" -le 2 ]
}

@test "frame-sink: an image pattern is one file per frame from 1, bit-exact" {
	for ext in png ppm bmp tif; do
		frames-write --raw rgb.raw 16 16 3 5 "f_%04d.$ext"
		run listing
		assert_output "f_0001.$ext
f_0002.$ext
f_0003.$ext
f_0004.$ext
f_0005.$ext
rgb.raw"
		decoded "f_%04d.$ext" rgb24 >rgb.got
		same_bytes rgb.raw rgb.got
		rm f_* rgb.got
	done
	mkdir d
	frames-write --raw gray.raw 16 16 1 3 d/g%d.pgm
	run listing d
	assert_output "g1.pgm
g2.pgm
g3.pgm"
	decoded d/g%d.pgm gray >gray.got
	same_bytes gray.raw gray.got
}

@test "frame-sink: a single image takes one frame, and says so for two" {
	frames-write --raw one.raw 16 16 3 1 one.png
	decoded one.png rgb24 >one.got
	same_bytes one.raw one.got
	run --separate-stderr frames-write 16 16 3 2 two.png
	assert_bad_input frames-write "two\\.png: .*one frame"
	[ ! -e two.png ]
}

@test "frame-sink: GIF: grey bit-exact, RGB of at most 256 colours too" {
	frames-write --raw gray.raw 16 16 1 4 gray.gif
	decoded gray.gif gray >gray.got
	same_bytes gray.raw gray.got
	# 16x16 pixels: at most 256 colours a frame, each in the palette
	frames-write --raw rgb.raw 16 16 3 4 rgb.gif
	decoded rgb.gif rgb24 >rgb.got
	same_bytes rgb.raw rgb.got
}

@test "frame-sink: - writes Y4M to a pipe that ffmpeg reads" {
	frames-write --raw gray.raw 16 16 1 6 - | \
	    ffmpeg -nostdin -v error -i - -f rawvideo -pix_fmt gray - >got
	same_bytes gray.raw got
	frames-write 24 16 3 6 - | ffmpeg -nostdin -v error -f yuv4mpegpipe \
	    -i - -c:v ffv1 piped.mkv
	assert_equal "$(probe piped.mkv)" "ffv1,24,16,25/1,6"
}

@test "frame-sink: /dev/stdout is written directly, as Y4M" {
	frames-write 16 16 1 4 /dev/stdout | cat >out.y4m
	assert_equal "$(probe out.y4m)" "rawvideo,16,16,25/1,4"
	frames-write 16 16 1 4 /dev/stdout >file.y4m
	assert_equal "$(probe file.y4m)" "rawvideo,16,16,25/1,4"
}

@test "frame-sink: --size scales up for viewing" {
	frames-write --size 64x48 16 12 3 3 big.mkv
	assert_equal "$(probe big.mkv)" "ffv1,64,48,25/1,3"
	frames-write --size 64x48 16 12 1 3 "big%02d.png"
	run ffprobe -v error -show_entries stream=width,height -of csv=p=0 \
	    big03.png
	assert_output "64,48"
}

@test "frame-sink: an unknown suffix fails before writing, listing the names" {
	for name in out.xyz noext "out%d.mkv" "out%d.xyz"; do
		run --separate-stderr frames-write 16 16 1 3 "$name"
		assert_bad_input frames-write "$name: .*known: \\.mkv"
		run listing
		assert_output ""
	done
	run --separate-stderr frames-write 16 16 1 3 "d%d/x.png"
	assert_bad_input frames-write "not the directory"
}

@test "frame-sink: a failure mid-way leaves nothing at the path" {
	for name in out.mkv out.y4m out.gif "f%03d.png"; do
		run --separate-stderr frames-write --abort-after 3 16 16 3 6 \
		    "$name"
		assert_bad_input frames-write "aborted after 3"
		run listing
		assert_output ""
	done
	# a file there before stays as it was
	echo precious >out.mkv
	echo precious >f001.png
	run --separate-stderr frames-write --abort-after 3 16 16 3 6 out.mkv
	assert_equal "$status" 1
	run --separate-stderr frames-write --abort-after 3 16 16 3 6 f%03d.png
	assert_equal "$status" 1
	assert_equal "$(cat out.mkv)" precious
	assert_equal "$(cat f001.png)" precious
	run listing
	assert_output "f001.png
out.mkv"
}

@test "frame-sink: a directory that cannot be written fails before writing" {
	run --separate-stderr frames-write 16 16 1 3 nodir/out.mkv
	assert_bad_input frames-write "nodir/out\\.mkv"
	run --separate-stderr frames-write 16 16 1 3 "nodir/f%03d.png"
	assert_bad_input frames-write "nodir/f001\\.png"
	[ ! -e nodir ]
	mkdir ro
	chmod 555 ro
	if [ "$(id -u)" -ne 0 ]; then
		run --separate-stderr frames-write 16 16 1 3 ro/out.mkv
		assert_bad_input frames-write "ro/out\\.mkv"
		run --separate-stderr frames-write 16 16 1 3 "ro/f%03d.png"
		assert_equal "$status" 1
		run listing ro
		assert_output ""
	fi
}

@test "frame-sink: a pattern's frames appear at close, all together" {
	# a directory where frame 3 would go: no frame moves, none stays,
	# and a file at frame 1's name is as it was
	mkdir f003.png
	echo precious >f001.png
	run --separate-stderr frames-write 16 16 1 5 "f%03d.png"
	assert_bad_input frames-write "f003\\.png: a directory"
	run listing
	assert_output "f001.png
f003.png"
	assert_equal "$(cat f001.png)" precious
}

@test "frame-sink: stdout that fails (/dev/full) is an error" {
	run --separate-stderr bash -c 'frames-write 16 16 1 3 - >/dev/full'
	assert_bad_input frames-write "stdout: No space left"
}
