#!/usr/bin/env bats
# The frame source (lib/media/frame_source.h) through tests/tools/
# frames-dump: every kind of input gives, byte for byte, the frames of
#   ffmpeg -i IN -vf scale=W:H:flags=area,format=gray -f rawvideo -
# (rgb24 for 3 channels); names are ordered as strverscmp orders them;
# bad inputs fail with a message naming them.

bats_require_minimum_version 1.5.0
load common

has_encoder() { ffmpeg -hide_banner -encoders 2>/dev/null | grep -q " $1 "; }

# ffraw IN W H C: ffmpeg's frames of IN, to stdout
ffraw() {
	local fmt=gray
	[ "$4" = 3 ] && fmt=rgb24
	ffmpeg -nostdin -v error -i "$1" \
	    -vf "scale=$2:$3:flags=area,format=$fmt" -f rawvideo -pix_fmt $fmt -
}

# same IN W H C: frames-dump's frames of IN are ffmpeg's, byte for byte
same() {
	ffraw "$@" > ff.raw
	frames-dump "$2" "$3" "$4" "$1" > me.raw 2> me.err ||
	    { echo "frames-dump $*: $(cat me.err)"; return 1; }
	if ! cmp ff.raw me.raw; then
		echo "$*: ffmpeg $(stat -c %s ff.raw) bytes, frames-dump" \
		    "$(stat -c %s me.raw) bytes ($(cat me.err))"
		return 1
	fi
	[ -s me.raw ] || { echo "$*: no frames"; return 1; }
	echo "$*: $(stat -c %s me.raw) bytes the same ($(cat me.err))"
}

# lavfi NAME SRC PIXFMT [ffmpeg output options...]: 4 frames of SRC
# (a lavfi source) in FFV1, lossless, as NAME
lavfi() {
	local name=$1 src=$2 pf=$3
	shift 3
	ffmpeg -nostdin -v error -f lavfi -i "$src" -frames:v 4 -pix_fmt "$pf" \
	    "$@" -c:v ffv1 "$name"
}

@test "frame-source: lavfi yuv420p, yuv444p, limited and full range, BT.709: exactly ffmpeg's" {
	lavfi t420.mkv testsrc=size=160x120:rate=10 yuv420p
	lavfi t444.mkv testsrc=size=160x120:rate=10 yuv444p
	lavfi full.mkv testsrc=size=160x120:rate=10 yuv420p -color_range pc
	lavfi j420.mkv mandelbrot=size=120x90:rate=10 yuvj420p
	lavfi m444.mkv mandelbrot=size=120x90:rate=10 yuv444p
	lavfi b709.mkv testsrc=size=160x120:rate=10 yuv420p -colorspace bt709 \
	    -color_primaries bt709 -color_trc bt709
	for f in t420 t444 full j420 m444 b709; do
		for c in 1 3; do
			same $f.mkv 64 48 $c
			same $f.mkv 37 29 $c
		done
	done
	same t420.mkv 160 120 3		# the same size: only the format
	same t420.mkv 200 150 1		# larger
}

@test "frame-source: RGB and grey PNGs, skimage's astronaut and camera: exactly ffmpeg's" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120 \
	    -frames:v 1 -pix_fmt rgb24 rgb.png
	ffmpeg -nostdin -v error -f lavfi -i mandelbrot=size=160x120 \
	    -frames:v 1 -pix_fmt gray grey.png
	"$PYTHON" -c 'import skimage.data, skimage.io
skimage.io.imsave("astro.png", skimage.data.astronaut(), check_contrast=False)
skimage.io.imsave("camera.png", skimage.data.camera(), check_contrast=False)'
	for f in rgb grey astro camera; do
		for c in 1 3; do
			same $f.png 64 48 $c
			same $f.png 33 31 $c
		done
	done
	ffmpeg -nostdin -v error -i astro.png -q:v 3 astro.jpg
	same astro.jpg 64 64 3
	ffmpeg -nostdin -v error -i camera.png camera.pgm
	same camera.pgm 64 64 1
}

@test "frame-source: H.264 (or MPEG-4 part 2) in MP4: exactly ffmpeg's" {
	codec=mpeg4
	if has_encoder libx264; then codec=libx264; fi
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=176x144:rate=25 \
	    -frames:v 20 -pix_fmt yuv420p -c:v $codec clip.mp4
	echo "codec $codec"
	same clip.mp4 64 48 1
	same clip.mp4 64 48 3
	run --separate-stderr frames-dump 8 8 1 clip.mp4
	assert_success
	[[ "$stderr" == "20 frames, 25/1 fps, source 176x144" ]]
}

@test "frame-source: Y4M and PNG on stdin, through a pipe: exactly ffmpeg's" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64:rate=10 \
	    -frames:v 5 -pix_fmt yuv420p in.y4m
	for c in 1 3; do
		ffraw in.y4m 32 24 $c > ff.raw
		cat in.y4m | frames-dump 32 24 $c - > me.raw
		cmp ff.raw me.raw
	done
	run --separate-stderr frames-dump 8 8 1 - < in.y4m
	assert_success
	[[ "$stderr" == "5 frames, 10/1 fps, source 96x64" ]]
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64 -frames:v 1 in.png
	ffraw in.png 32 24 3 > ff.raw
	cat in.png | frames-dump 32 24 3 - > me.raw
	cmp ff.raw me.raw
}

@test "frame-source: a pattern, a directory and a glob give the images in strverscmp order" {
	mkdir fr
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64:rate=10 \
	    -frames:v 12 fr/img%d.png
	touch fr/notes.txt fr/.hidden.png	# not images, or hidden
	ffraw 'fr/img%d.png' 32 24 1 > ff.raw
	[ "$(stat -c %s ff.raw)" -eq $((12 * 32 * 24)) ]
	for in in 'fr/img%d.png' fr fr/ 'fr/img*.png' 'fr/img?*.png'; do
		run --separate-stderr frames-dump 32 24 1 "$in"
		assert_success
		[[ "$stderr" == "12 frames, 25/1 fps, source 96x64" ]]
		frames-dump 32 24 1 "$in" > me.raw
		cmp ff.raw me.raw || { echo "$in differs"; return 1; }
	done
}

@test "frame-source: images of different sizes in one directory, each scaled" {
	mkdir d
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64 -frames:v 1 d/a1.png
	ffmpeg -nostdin -v error -f lavfi -i mandelbrot=size=50x70 -frames:v 1 \
	    -pix_fmt gray d/a2.pgm
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=40x30 -frames:v 1 \
	    -pix_fmt yuvj420p d/a10.jpg
	for f in d/a1.png d/a2.pgm d/a10.jpg; do ffraw $f 16 12 3; done > ff.raw
	frames-dump 16 12 3 d > me.raw
	cmp ff.raw me.raw
}

# ---- bad input: one test per kind ----

@test "frame-source: a missing file is an error naming it" {
	run --separate-stderr frames-dump 8 8 1 nope.mkv
	assert_bad_input frames-dump "nope.mkv: No such file"
}

@test "frame-source: a directory without images is an error naming it" {
	mkdir empty
	touch empty/readme.txt
	run --separate-stderr frames-dump 8 8 1 empty
	assert_bad_input frames-dump "empty: no images"
}

@test "frame-source: a pattern or glob matching nothing is an error naming it" {
	run --separate-stderr frames-dump 8 8 1 'none/%04d.png'
	assert_bad_input frames-dump "none/%04d.png: no files match"
	run --separate-stderr frames-dump 8 8 1 'none*.png'
	assert_bad_input frames-dump "none\*.png: no files match"
}

@test "frame-source: a truncated video is an error, not a short sequence" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64:rate=10 \
	    -frames:v 40 -c:v ffv1 long.mkv
	head -c $(($(stat -c %s long.mkv) / 2)) long.mkv > cut.mkv
	run --separate-stderr frames-dump 8 8 1 cut.mkv >/dev/null
	assert_bad_input frames-dump "cut.mkv: the input ends early"
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64:rate=10 \
	    -frames:v 5 -pix_fmt yuv420p in.y4m
	head -c 30000 in.y4m > cut.y4m	# 3 frames and a part of one
	run --separate-stderr frames-dump 8 8 1 - < cut.y4m >/dev/null
	assert_bad_input frames-dump "stdin: the input ends early, after frame 3"
}

@test "frame-source: a damaged video (bytes overwritten mid-file) is an error" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64:rate=10 \
	    -frames:v 20 -c:v mpeg4 clip.avi
	size=$(stat -c %s clip.avi)
	head -c 20000 /dev/zero | dd of=clip.avi bs=1 seek=$((size / 2)) \
	    conv=notrunc status=none
	run --separate-stderr frames-dump 8 8 1 clip.avi >/dev/null
	assert_bad_input frames-dump "clip.avi: .*(ends early|damaged)"
}

@test "frame-source: a kvae-seq stream is not pictures" {
	printf '1,2\n3,4\n' > s.csv
	run --separate-stderr frames-dump 8 8 1 s.csv
	assert_bad_input frames-dump "s.csv: not pictures"
	run --separate-stderr frames-dump 8 8 1 - < s.csv
	assert_bad_input frames-dump "-: not pictures"
}

@test "frame-source: a sound file is an error saying so" {
	ffmpeg -nostdin -v error -f lavfi -i sine=d=0.2 snd.wav
	run --separate-stderr frames-dump 8 8 1 snd.wav
	assert_bad_input frames-dump "snd.wav: a sound file, not pictures"
}

@test "frame-source: bytes no format reads are an error naming the file" {
	{ printf '\001\002'; head -c 4000 /dev/urandom; } > junk.bin
	run --separate-stderr frames-dump 8 8 1 junk.bin
	assert_bad_input frames-dump "junk.bin: "
	{ printf '\001\002'; head -c 4000 /dev/urandom; } > fr.png
	run --separate-stderr frames-dump 8 8 1 fr.png
	assert_bad_input frames-dump "fr.png: "
}

@test "frame-source: a bad size or channel count is an error" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x32 -frames:v 1 in.png
	run --separate-stderr frames-dump 8 8 2 in.png
	assert_bad_input frames-dump "in.png: 2 channels"
	run --separate-stderr frames-dump 0 8 1 in.png
	assert_bad_input frames-dump "in.png: frame size 0x8"
}
