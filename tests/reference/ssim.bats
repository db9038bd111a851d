#!/usr/bin/env bats
# ssim against the tools users compare it with, all run here: scikit-image
# (wang and skimage presets), numpy after ssim.m / msssim.m (downsampling,
# MS-SSIM), ffmpeg's ssim filter (ffmpeg preset), and the Einstein set.

bats_require_minimum_version 1.5.0
load ../common

REF=$BATS_TEST_DIRNAME/ssim_ref.py

# gen NAME SIZE FRAMES PIXFMT [FILTER]: a test video/image from testsrc.
gen() {
	ffmpeg -nostdin -v error -f lavfi -i "testsrc=size=$2:rate=10" -frames:v "$3" \
	    ${5:+-vf "$5"} -pix_fmt "$4" -y "$1"
}

# raw IN PIXFMT OUT: decode to raw samples without conversion.
raw() {
	ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt "$2" -y "$3"
}

# image_pair SIZE PIXFMT RAWFMT FILTER: a.png, b.png (b distorted by
# FILTER) and their samples in a.raw, b.raw.
image_pair() {
	gen a.png "$1" 1 "$2"
	gen b.png "$1" 1 "$2" "$4"
	raw a.png "$3" a.raw
	raw b.png "$3" b.raw
}

@test "ssim reference: Einstein set, wang = scikit-image (1e-6) and Wang's published values (3 digits)" {
	skip_if_sanitized	# mostly scikit-image's time; ssim.bats runs the same C path under ASan
	d=$TESTDATA/einstein
	[ -r "$d/einstein.bmp" ] || fail "no test data in $d (tests/data/einstein ships with the repository)"
	declare -A published=([meanshift]=0.988 [contrast]=0.913 \
	    [impulse]=0.840 [blur]=0.694 [jpg]=0.662)
	for f in meanshift contrast impulse blur jpg flipvertical; do
		ssim -q "$d/einstein.bmp" "$d/$f.bmp" >"got-$f.csv"
		"$PYTHON" "$REF" bmp 0 0 "$d/einstein.bmp" "$d/$f.bmp" \
		    >"want-$f.csv"
		aeq -a 1e-6 -r 0 "want-$f.csv" "got-$f.csv"
		if [ -n "${published[$f]:-}" ]; then
			got=$(ssim -s "$d/einstein.bmp" "$d/$f.bmp")
			[ "$(printf '%.3f' "$got")" = "${published[$f]}" ] || {
				echo "$f: $got does not round to ${published[$f]}"
				return 1
			}
		fi
	done
}

@test "ssim reference: generated grey images, wang and skimage presets = scikit-image" {
	image_pair 64x48 gray gray "noise=alls=25:allf=u,boxblur=1"
	for p in wang skimage; do
		ssim -q -p "$p" a.png b.png >got.csv
		"$PYTHON" "$REF" --preset "$p" gray 64 48 a.raw b.raw >want.csv
		aeq -a 1e-6 -r 0 want.csv got.csv
	done
}

@test "ssim reference: RGB images per channel and as BT.601 luma = scikit-image" {
	image_pair 64x48 rgb24 rgb24 "noise=alls=30:allf=u"
	ssim -q -c rgb a.png b.png >got.csv
	"$PYTHON" "$REF" --channels all rgb24 64 48 a.raw b.raw >want.csv
	aeq -a 1e-6 -r 0 want.csv got.csv
	ssim -q -p skimage a.png b.png >got.csv
	"$PYTHON" "$REF" --preset skimage rgb24 64 48 a.raw b.raw >want.csv
	aeq -a 1e-6 -r 0 want.csv got.csv
}

@test "ssim reference: 16-bit grey, data range 65535 from the format = scikit-image" {
	image_pair 64x48 gray16be gray16le "noise=alls=20:allf=u"
	ssim -q a.png b.png >got.csv
	"$PYTHON" "$REF" gray16 64 48 a.raw b.raw >want.csv
	aeq -a 1e-6 -r 0 want.csv got.csv
}

@test "ssim reference: frames decoded from a video (YUV as stored) = scikit-image" {
	gen a.y4m 64x48 6 yuv420p
	ffmpeg -nostdin -v error -i a.y4m -c:v libx264 -crf 32 -pix_fmt yuv420p -y b.mp4
	raw a.y4m yuv420p a.raw
	raw b.mp4 yuv420p b.raw
	for p in wang skimage; do
		ssim -q -p "$p" a.y4m b.mp4 >got.csv
		"$PYTHON" "$REF" --preset "$p" yuv420p 64 48 a.raw b.raw \
		    >want.csv
		aeq -a 1e-6 -r 0 want.csv got.csv
	done
	ssim -q -c all a.y4m b.mp4 >got.csv
	"$PYTHON" "$REF" --channels all yuv420p 64 48 a.raw b.raw >want.csv
	aeq -a 1e-6 -r 0 want.csv got.csv
	[ "$(wc -l <got.csv)" -eq 7 ]
}

@test "ssim reference: --downsample auto and 3 = ssim.m's downsampling in numpy" {
	skip_if_sanitized
	image_pair 520x400 gray gray "noise=alls=25:allf=u"
	ssim -q --downsample auto a.png b.png >got.csv
	"$PYTHON" "$REF" --downsample 2 gray 520 400 a.raw b.raw >want.csv
	aeq -a 1e-6 -r 0 want.csv got.csv
	ssim -q --downsample 3 a.png b.png >got.csv
	"$PYTHON" "$REF" --downsample 3 gray 520 400 a.raw b.raw >want.csv
	aeq -a 1e-6 -r 0 want.csv got.csv
}

@test "ssim reference: --ms-ssim = msssim.m's recipe in numpy" {
	image_pair 176x168 gray gray "noise=alls=25:allf=u,boxblur=1"
	ssim -q --ms-ssim a.png b.png >got.csv
	"$PYTHON" "$REF" --ms-ssim gray 176 168 a.raw b.raw >want.csv
	aeq -a 1e-6 -r 0 want.csv got.csv
}

# ffmpeg's stats_file lines as CSV: frame, planes..., All, dB.
stats_csv() {
	sed -e 's/n://' -e 's/ [A-Za-z]*:/,/g' -e 's/ (/,/' -e 's/)//' \
	    -e 's/ $//' -e 's/inf/1e308/' "$1"
}

@test "ssim reference: --preset ffmpeg = ffmpeg's ssim filter, per plane and All (8 and 10 bits)" {
	gen a.y4m 64x48 5 yuv420p
	ffmpeg -nostdin -v error -i a.y4m -vf "noise=alls=20:allf=t" -pix_fmt yuv420p \
	    -y b.y4m
	ffmpeg -nostdin -v error -i b.y4m -i a.y4m -lavfi "ssim=stats_file=ff.txt" \
	    -f null -
	ssim -q -p ffmpeg -f ffmpeg a.y4m b.y4m >ours.txt
	[ "$(wc -l <ours.txt)" -eq 5 ]
	# the same line format ...
	diff <(sed 's/[0-9.]*//g' ff.txt) <(sed 's/[0-9.]*//g' ours.txt)
	# ... and the numbers to the printed precision (dB amplifies it)
	stats_csv ff.txt >ff.csv
	stats_csv ours.txt >ours.csv
	aeq -a 2e-6 -r 2e-6 ff.csv ours.csv
	# 10-bit planes go through ffmpeg's 16-bit path
	ffmpeg -nostdin -v error -i a.y4m -c:v ffv1 -pix_fmt yuv422p10le -y a10.mkv
	ffmpeg -nostdin -v error -i b.y4m -c:v ffv1 -pix_fmt yuv422p10le -y b10.mkv
	ffmpeg -nostdin -v error -i b10.mkv -i a10.mkv -lavfi "ssim=stats_file=ff10.txt" \
	    -f null -
	ssim -q -p ffmpeg -f ffmpeg a10.mkv b10.mkv >ours10.txt
	stats_csv ff10.txt >ff10.csv
	stats_csv ours10.txt >ours10.csv
	aeq -a 2e-6 -r 2e-6 ff10.csv ours10.csv
}
