#!/usr/bin/env bats
# me-kalman on real users' files: data at any scale, images with alpha,
# lossless .mek decompressed to a lossy format.

bats_require_minimum_version 1.5.0
load common

# scaled C IN OUT: every number of the one-column CSV IN times C
scaled() {
	"$PYTHON" -c 'import sys, numpy as np
x = np.loadtxt(sys.argv[2]); np.savetxt(sys.argv[3], float(sys.argv[1]) * x, fmt="%.17g")' "$@"
}

# unscaled C IN OUT: the same divided by C
unscaled() {
	"$PYTHON" -c 'import sys, numpy as np
x = np.loadtxt(sys.argv[2]); np.savetxt(sys.argv[3], x / float(sys.argv[1]), fmt="%.17g")' "$@"
}

# An AR(2) signal plus white noise, 2000 samples, standard scale.
ar_signal() {
	"$PYTHON" -c 'import numpy as np
rng = np.random.default_rng(7); x = np.zeros(2000)
for t in range(2, 2000): x[t] = 1.5 * x[t-1] - 0.7 * x[t-2] + rng.standard_normal()
np.savetxt("x.csv", x + rng.standard_normal(2000), fmt="%.17g")'
}

@test "me-kalman: scale: denoise(c x) = c denoise(x) for c = 1e200, 1e-200 (filter, --exact, --smooth)" {
	ar_signal
	for mode in "" --exact --smooth; do
		run --separate-stderr me-kalman $mode x.csv -o y.csv
		assert_success
		[ -z "$stderr" ] || { echo "stderr: $stderr"; return 1; }
		for c in 1e200 1e-200; do
			scaled "$c" x.csv cx.csv
			run --separate-stderr me-kalman $mode cx.csv -o cy.csv
			assert_success
			# no "flat, the mean" warning: the model sees the signal
			[ -z "$stderr" ] || { echo "$c $mode: stderr: $stderr"; return 1; }
			unscaled "$c" cy.csv back.csv
			run aeq -r 1e-9 -a 0 y.csv back.csv
			[ "$status" -eq 0 ] || { echo "c=$c mode='$mode': $output"; return 1; }
		done
	done
}

@test "me-kalman: scale: a given noise variance scales by c^2" {
	ar_signal
	me-kalman --noise-var 0.8 x.csv -o y.csv
	for c in 1e150:0.8e300 1e-150:0.8e-300; do
		scaled "${c%%:*}" x.csv cx.csv
		run --separate-stderr me-kalman --noise-var "${c##*:}" cx.csv -o cy.csv
		assert_success
		unscaled "${c%%:*}" cy.csv back.csv
		run aeq -r 1e-9 -a 0 y.csv back.csv
		[ "$status" -eq 0 ] || { echo "c=${c%%:*}: $output"; return 1; }
	done
}

@test "me-kalman: --decompress to a lossy format (.jpg) is refused; nothing written, an existing file untouched" {
	ffmpeg -loglevel error -f lavfi -i testsrc=size=32x24 -frames:v 1 in.png
	me-kalman --compress in.png -o in.mek
	run --separate-stderr me-kalman --decompress in.mek -o out.jpg
	assert_failure 1
	[ "$stderr" = "me-kalman: out.jpg: Motion JPEG is lossy; a .mek decompresses to a lossless format (PNG, TIFF, BMP, PGM/PPM, ...)" ] ||
	    { echo "stderr: $stderr"; return 1; }
	[ ! -e out.jpg ] || { echo "out.jpg written"; return 1; }
	echo keep >out.jpg
	run --separate-stderr me-kalman --decompress in.mek -o out.jpg
	assert_failure 1
	[ "$(cat out.jpg)" = keep ] || { echo "out.jpg changed"; return 1; }
	# a lossless suffix still works
	me-kalman --decompress in.mek -o out.png
	[ -s out.png ]
}

@test "me-kalman: an image with alpha is refused (--compress, denoising, grey+alpha); nothing written" {
	ffmpeg -loglevel error -f lavfi -i testsrc=size=32x24 -frames:v 1 -pix_fmt rgba a.png
	ffmpeg -loglevel error -f lavfi -i testsrc=size=32x24 -frames:v 1 -pix_fmt ya8 ga.png
	for args in "--compress a.png -o out.mek" "a.png -o out.png" \
	    "-d rows a.png -o out.png" "ga.png -o out.png"; do
		run --separate-stderr me-kalman $args
		[ "$status" -eq 1 ] || { echo "$args: status $status"; return 1; }
		in=${args% -o *}; in=${in##* }
		[[ "$stderr" == "me-kalman: $in: has an alpha channel, which would be dropped (flatten it first, e.g. ffmpeg -i $in -pix_fmt "*" out.png)" ]] ||
		    { echo "$args: stderr: $stderr"; return 1; }
		[ ! -e out.mek ] && [ ! -e out.png ] || { echo "$args: output written"; return 1; }
	done
	# the flattened image goes through, losslessly
	ffmpeg -loglevel error -i a.png -pix_fmt rgb24 flat.png
	me-kalman --compress flat.png -o flat.mek
	me-kalman --decompress flat.mek -o back.ppm
	ffmpeg -loglevel error -i flat.png -f image2 -c:v ppm ref.ppm
	cmp ref.ppm back.ppm
}
