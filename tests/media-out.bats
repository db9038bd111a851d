#!/usr/bin/env bats
# Video and image output (lib/media/video.c's writer) as an ffmpeg user
# sees it, through the programs that write: me-kalman -o and ssim.
# Levels and range tags, the output suffixes, refusal of suffixes that
# cannot be written.

bats_require_minimum_version 1.5.0
load common

# ok EXPR: a floating-point condition, evaluated by awk, shown on failure
ok() { awk "BEGIN { exit !($*) }" || { echo "failed: $*"; return 1; }; }

has_encoder() { ffmpeg -hide_banner -encoders 2>/dev/null | grep -q " $1 "; }

astronaut() {
	"$PYTHON" -c 'import skimage.data, skimage.io
skimage.io.imsave("astro.png", skimage.data.astronaut(), check_contrast=False)'
}

# mad SOURCE.png FILE: mean absolute difference between the RGB source
# and FILE's first frame decoded by ffmpeg to RGB (as a player shows it)
mad() {
	"$PYTHON" - "$1" "$2" <<'EOF'
import subprocess, sys
import numpy as np, skimage.io
src = skimage.io.imread(sys.argv[1]).astype(float)
h, w = src.shape[:2]
raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", sys.argv[2],
    "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    capture_output=True, check=True).stdout
out = np.frombuffer(raw, np.uint8)[:h * w * 3].reshape(h, w, 3)
print("%.3f" % np.abs(out.astype(float) - src).mean())
EOF
}

@test "media-out: RGB image to video: levels as tagged, within 1 of ffmpeg's own encode" {
	skip_if_sanitized	# 512x512 through two encoders
	astronaut
	sufs="avi mkv"
	if has_encoder libx264; then sufs="$sufs mp4"; fi
	for s in $sufs; do
		ffmpeg -nostdin -v error -i astro.png ff.$s
		me-kalman -q astro.png -o me.$s
		ff=$(mad astro.png ff.$s)
		me=$(mad astro.png me.$s)
		echo "$s: ffmpeg's encode $ff, me-kalman's $me"
		ok "$me < $ff + 1"
		range=$(ffprobe -v error -show_entries stream=color_range \
		    -of csv=p=0 me.$s)
		echo "$s: color_range $range"
		[ "$range" != pc ]
	done
}

@test "media-out: RGB image to Y4M and PNG: close to the source" {
	astronaut
	me-kalman -q astro.png -o me.y4m
	me-kalman -q astro.png -o me.png
	y4m=$(mad astro.png me.y4m)
	png=$(mad astro.png me.png)
	echo "y4m $y4m, png $png (me-kalman's denoising alone: png)"
	ok "$y4m < $png + 1.5"
}

@test "media-out: every suffix ffmpeg writes video to works" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=64x48:rate=10 \
	    -frames:v 6 -c:v ffv1 in.mkv
	sufs="avi y4m mkv nut mov ts"
	if has_encoder libx264; then sufs="$sufs mp4"; fi
	for s in $sufs; do
		run --separate-stderr me-kalman -q in.mkv -o out.$s
		[ "$status" -eq 0 ] || { echo "$s: $stderr"; return 1; }
		n=$(ffprobe -v error -count_frames -select_streams v:0 \
		    -show_entries stream=nb_read_frames -of default=nw=1:nk=1 \
		    out.$s | head -n 1)
		echo "$s: $n frames"
		[ "$n" -eq 6 ]
	done
	ffmpeg -nostdin -v error -i in.mkv -frames:v 1 one.png
	for s in png jpg bmp; do
		me-kalman -q one.png -o out.$s
		run ffprobe -v error -show_entries stream=width,height \
		    -of csv=p=0 out.$s
		assert_output "64,48"
	done
}

@test "media-out: a suffix that cannot hold video is refused, naming it, before any work" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=64x48:rate=10 \
	    -frames:v 2 -c:v ffv1 in.mkv
	for s in xyz wav; do
		run --separate-stderr me-kalman -q in.mkv -o out.$s
		assert_bad_input me-kalman "out\\.$s: .*suffix \\.$s"
		[ ! -e out.$s ]
	done
	run --separate-stderr me-kalman -q in.mkv -o noext
	assert_bad_input me-kalman "noext: .*suffix"
}

@test "media-out: ssim --map to video: white is white in every container" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=64x48:rate=10 \
	    -frames:v 3 -pix_fmt yuv420p a.y4m
	for s in avi mkv y4m; do
		ssim -q --map map.$s a.y4m a.y4m >/dev/null
		mean=$("$PYTHON" -c '
import subprocess, sys
import numpy as np
raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", sys.argv[1],
    "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True,
    check=True).stdout
print("%.2f" % np.frombuffer(raw, np.uint8).mean())' map.$s)
		echo "$s: mean grey of an all-1 map $mean (white 255)"
		ok "$mean > 253.5"
	done
}

@test "media out: me-kalman keeps a variable-frame-rate input's timestamps" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=64x48:rate=10 -frames:v 6 \
	    -vf "setpts='if(lt(N,3),N*0.1,N*0.5)/TB'" -fps_mode vfr vfr.mkv
	me-kalman -q -o out.mkv vfr.mkv
	times() { ffprobe -v error -select_streams v -show_entries frame=pts_time -of csv=p=0 "$1" | cut -d, -f1; }
	assert_equal "$(times out.mkv)" "$(times vfr.mkv)"
	assert_equal "$(times out.mkv | tail -n 1)" "2.500000"
}

@test "media out: me-kalman warns of a cut video, and --strict makes it an error with nothing written" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120:rate=10 -frames:v 40 \
	    -c:v mpeg4 -q:v 2 whole.mkv
	head -c $(($(stat -c %s whole.mkv) / 2)) whole.mkv >cut.mkv
	run --separate-stderr me-kalman -o out.mkv cut.mkv
	assert_success
	[[ "$stderr" == *"me-kalman: warning: cut.mkv: "* ]] || { echo "stderr: $stderr"; return 1; }
	[ -s out.mkv ]
	run --separate-stderr me-kalman -q -o out2.mkv cut.mkv
	assert_success
	assert_equal "$stderr" ""
	run --separate-stderr me-kalman --strict -o out3.mkv cut.mkv
	assert_bad_input me-kalman "cut.mkv: "
	[ ! -e out3.mkv ]
	# a whole file: no warning (the progress line may be there)
	run --separate-stderr me-kalman -o out4.mkv whole.mkv
	assert_success
	[[ "$stderr" != *warning* ]] || { echo "stderr: $stderr"; return 1; }
}
