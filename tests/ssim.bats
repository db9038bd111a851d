#!/usr/bin/env bats
# ssim: options, output formats, pipes, maps, properties, bad input.

bats_require_minimum_version 1.5.0
load common

# gen NAME SIZE FRAMES PIXFMT [FILTER]: a small test video/image.
gen() {
	ffmpeg -nostdin -v error -f lavfi -i "testsrc=size=$2:rate=10" -frames:v "$3" \
	    ${5:+-vf "$5"} -pix_fmt "$4" -y "$1"
}

pair() {	# a.y4m, b.y4m: 64x48, 4 frames, b noisy
	gen a.y4m 64x48 4 yuv420p
	gen b.y4m 64x48 4 yuv420p "noise=alls=20:allf=t"
}

@test "ssim: --help and --version" {
	run ssim --help
	assert_success
	assert_output --partial "Usage: ssim"
	for o in --preset --window --win-size --sigma --k1 --k2 --data-range \
	    --downsample --ms-ssim --channels --format --output \
	    --summary-only --db --map --shortest --threads --quiet; do
		assert_output --partial -- "$o"
	done
	run ssim --version
	assert_success
	assert_output --regexp "^ssim \(kvae-tools\) [0-9]"
}

@test "ssim: usage errors exit 2" {
	pair
	run ssim a.y4m
	assert_equal "$status" 2
	run ssim --bogus a.y4m b.y4m
	assert_equal "$status" 2
	run ssim --preset matlab a.y4m b.y4m
	assert_equal "$status" 2
	run ssim --win-size 8 a.y4m b.y4m
	assert_equal "$status" 2
	run ssim --ms-ssim --map m.png a.y4m b.y4m
	assert_equal "$status" 2
	run ssim -p ffmpeg --downsample 2 a.y4m b.y4m
	assert_equal "$status" 2
	run ssim - - <a.y4m
	assert_equal "$status" 2
}

@test "ssim: CSV per frame on stdout, summary on stderr" {
	pair
	run --separate-stderr ssim a.y4m b.y4m
	assert_success
	assert_line --index 0 "frame,Y"
	assert_line --index 4 --regexp "^4,0\.[0-9]{8}$"
	[ "${#lines[@]}" -eq 5 ]
	[[ "$stderr" =~ ^ssim:\ 4\ frames,\ mean\ Y\ 0\.[0-9]+ ]]
	run --separate-stderr ssim -q a.y4m b.y4m
	[ -z "$stderr" ]
}

@test "ssim: identical inputs give exactly 1, and inf dB" {
	pair
	run ssim -s a.y4m a.y4m
	assert_output "1.00000000"
	run ssim -s --db a.y4m a.y4m
	assert_output "inf"
	run ssim -q -c all -p ffmpeg a.y4m a.y4m
	assert_line --index 1 "1,1.00000000,1.00000000,1.00000000,1.00000000"
}

@test "ssim: symmetric in its arguments" {
	pair
	for p in wang skimage ffmpeg; do
		ssim -q -c all -p $p a.y4m b.y4m >ab.csv
		ssim -q -c all -p $p b.y4m a.y4m >ba.csv
		cmp ab.csv ba.csv
	done
}

@test "ssim: --summary-only gates a Makefile rule; --db" {
	pair
	run ssim -s a.y4m b.y4m
	assert_output --regexp "^0\.[0-9]{8}$"
	s=$output
	[ "$s" \> 0.5 ]
	[ "$s" \< 0.999 ]
	# the mean over frames of the per-frame lines: both are rounded to 8
	# decimals, the per-frame values before the mean too, so they may
	# differ by one unit in the last digit
	m=$(ssim -q a.y4m b.y4m | awk -F, 'NR > 1 { s += $2 } END { printf "%.8f", s / (NR - 1) }')
	awk -v a="$s" -v b="$m" 'BEGIN { exit !(a - b < 1.5e-8 && b - a < 1.5e-8) }'
	run ssim -s --db a.y4m b.y4m
	awk -v s="$s" -v d="$output" 'BEGIN { e = 10 * log(1 / (1 - s)) / log(10); exit !(d - e < 1e-5 && e - d < 1e-5) }'
	printf 'check:\n\t[ "$$(ssim -s a.y4m b.y4m)" \\> 0.5 ]\n' >Makefile
	make -s check
}

@test "ssim: --format ffmpeg prints ffmpeg's stats lines" {
	pair
	run ssim -q -f ffmpeg a.y4m b.y4m
	assert_success
	assert_line --index 0 --regexp "^n:1 Y:0\.[0-9]{6} U:0\.[0-9]{6} V:0\.[0-9]{6} All:0\.[0-9]{6} \([0-9]+\.[0-9]{6}\)$"
	[ "${#lines[@]}" -eq 4 ]
}

@test "ssim: --channels: yuv planes, rgb refused for YUV, All weighted by plane size" {
	pair
	run ssim -q -c yuv a.y4m b.y4m
	assert_line --index 0 "frame,Y,U,V,All"
	# All = (4 Y + U + V) / 6 for 4:2:0
	echo "$output" | awk -F, 'NR > 1 { a = (4 * $2 + $3 + $4) / 6; if (a - $5 > 1e-8 || $5 - a > 1e-8) exit 1 }'
	run --separate-stderr ssim -c rgb a.y4m b.y4m
	assert_bad_input ssim "--channels rgb: a.y4m is YUV"
	gen a.png 64x48 1 rgb24
	run --separate-stderr ssim -p ffmpeg a.png a.png
	assert_bad_input ssim "a.png is RGB: the ffmpeg preset scores the stored planes"
	run ssim -q -p ffmpeg -c rgb a.png a.png
	assert_line --index 1 "1,1.00000000,1.00000000,1.00000000,1.00000000"
}

@test "ssim: Y4M on stdin equals the file" {
	pair
	ssim -q a.y4m b.y4m >file.csv
	ssim -q a.y4m - <b.y4m >pipe.csv
	cmp file.csv pipe.csv
	ffmpeg -nostdin -v error -i b.y4m -f yuv4mpegpipe - | ssim -q - a.y4m >pipe2.csv
	ssim -q b.y4m a.y4m >file2.csv
	cmp file2.csv pipe2.csv
}

@test "ssim: image sequence pattern equals the video it came from" {
	gen a.y4m 64x48 3 gray
	gen b.y4m 64x48 3 gray "noise=alls=20:allf=t"
	mkdir fa fb
	ffmpeg -nostdin -v error -i a.y4m fa/%03d.png
	ffmpeg -nostdin -v error -i b.y4m fb/%03d.png
	ssim -q fa/%03d.png fb/%03d.png >seq.csv
	ssim -q a.y4m b.y4m >vid.csv
	cmp seq.csv vid.csv
}

@test "ssim: presets differ as documented; options override" {
	pair
	w=$(ssim -s a.y4m b.y4m)
	k=$(ssim -s -p skimage a.y4m b.y4m)
	f=$(ssim -s -p ffmpeg a.y4m b.y4m)
	[ "$w" != "$k" ]
	[ "$k" != "$f" ]
	[ "$w" != "$f" ]
	# skimage = uniform 7x7 with sample covariance; wang + overrides is
	# not skimage (population variances) but close
	u=$(ssim -s --window uniform --win-size 7 a.y4m b.y4m)
	[ "$u" != "$k" ]
	awk -v a="$u" -v b="$k" 'BEGIN { exit !(a - b < 0.01 && b - a < 0.01) }'
	# data range: a larger L raises C1, C2 and the score
	l=$(ssim -s --data-range 1000 a.y4m b.y4m)
	[ "$l" \> "$w" ]
	run ssim -s --k1 0.01 --k2 0.03 --sigma 1.5 --win-size 11 a.y4m b.y4m
	assert_output "$w"
}

@test "ssim: 10-bit input: data range 1023 from the format" {
	gen a.mkv 64x48 2 yuv420p10le
	gen b.mkv 64x48 2 yuv420p10le "noise=alls=20:allf=t"
	run ssim -s a.mkv b.mkv
	assert_success
	d=$output
	run ssim -s --data-range 1023 a.mkv b.mkv
	assert_output "$d"
	run ssim -s --data-range 255 a.mkv b.mkv
	[ "$output" != "$d" ]
}

@test "ssim: float input (PFM), data range 1" {
	gen a.pfm 64x48 1 grayf32le
	gen b.pfm 64x48 1 grayf32le "noise=alls=20:allf=u"
	run ssim -s a.pfm b.pfm
	assert_success
	assert_output --regexp "^0\.[0-9]{8}$"
	d=$output
	run ssim -s --data-range 1 a.pfm b.pfm
	assert_output "$d"
}

@test "ssim: --map writes an image for one frame, a video for many" {
	gen a.png 64x48 1 gray
	gen b.png 64x48 1 gray "noise=alls=30:allf=u"
	ssim -q -m map.png a.png b.png >/dev/null
	run ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 map.png
	assert_output "png,54,38"
	pair
	ssim -q -m map.mp4 a.y4m b.y4m >/dev/null
	run ffprobe -v error -count_frames -show_entries stream=nb_read_frames,width,height -of csv=p=0 map.mp4
	assert_output "54,38,4"
	ssim -q -p ffmpeg -m map.y4m a.y4m b.y4m >/dev/null
	run ffprobe -v error -show_entries stream=width,height -of csv=p=0 map.y4m
	assert_output "16,12"
}

@test "ssim: -o writes atomically; a failed run leaves the old file" {
	pair
	ssim -q -o out.csv a.y4m b.y4m
	ssim -q a.y4m b.y4m | cmp - out.csv
	echo precious >out.csv
	gen c.y4m 64x48 2 yuv420p
	run --separate-stderr ssim -o out.csv a.y4m c.y4m
	assert_bad_input ssim "frame counts differ"
	[ "$(cat out.csv)" = precious ]
}

@test "ssim: --threads does not change a digit" {
	gen a.png 200x120 1 gray
	gen b.png 200x120 1 gray "noise=alls=25:allf=u"
	for p in wang skimage ffmpeg; do
		[ "$(ssim -s -j 1 -p $p a.png b.png)" = "$(ssim -s -j 3 -p $p a.png b.png)" ]
	done
}

@test "ssim: --shortest compares the common frames" {
	pair
	gen c.y4m 64x48 2 yuv420p "noise=alls=20:allf=t"
	run ssim -q --shortest a.y4m c.y4m
	assert_success
	[ "${#lines[@]}" -eq 3 ]
}

@test "ssim: a file cut short: a warning naming it and the last frame; --strict fails" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=96x64:rate=25 \
	    -frames:v 40 -c:v mpeg4 full.mkv
	head -c $(($(stat -c %s full.mkv) * 6 / 10)) full.mkv >cut.mkv
	run --separate-stderr ssim -q --shortest full.mkv full.mkv
	assert_success
	[ -z "$stderr" ]
	run --separate-stderr ssim -q --shortest full.mkv cut.mkv
	assert_success
	[[ "$stderr" =~ ^ssim:\ warning:\ cut\.mkv:\ the\ input\ ends\ early,\ after\ frame\ [0-9]+ ]]
	n=${#lines[@]}
	echo "$n lines; $stderr"
	[ "$n" -gt 2 ]
	[ "$n" -lt 41 ]
	run --separate-stderr ssim -q --shortest --strict -o out.csv \
	    full.mkv cut.mkv
	assert_bad_input ssim "cut\\.mkv: the input ends early"
	[ ! -e out.csv ]
}

@test "ssim: RGB against its YUV copy on luma (BT.601 or BT.709 as the file says) = scikit-image" {
	"$PYTHON" -c 'import skimage.data, skimage.io
skimage.io.imsave("astro.png", skimage.data.astronaut()[::2, ::2], check_contrast=False)'
	ffmpeg -nostdin -v error -i astro.png -pix_fmt yuv420p a601.y4m
	ffmpeg -nostdin -v error -i astro.png -vf scale=out_color_matrix=bt709 \
	    -colorspace bt709 -pix_fmt yuv420p -c:v ffv1 a709.mkv
	ffmpeg -nostdin -v error -i a709.mkv -f yuv4mpegpipe a709.y4m
	for m in 601 709; do
		f=a$m.y4m
		if [ $m = 709 ]; then f=a709.mkv; fi
		got=$(ssim -s --downsample 1 astro.png $f)
		back=$(ssim -s --downsample 1 $f astro.png)
		want=$("$PYTHON" "$BATS_TEST_DIRNAME/reference/rgb_luma_ssim.py" \
		    astro.png a$m.y4m $m)
		echo "BT.$m: ssim $got (reversed $back), scikit-image $want"
		awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'
		[ "$got" = "$back" ]
	done
}

@test "ssim: --ms-ssim on a large enough image; identical gives 1" {
	gen a.png 176x168 1 gray
	gen b.png 176x168 1 gray "noise=alls=20:allf=u"
	run ssim -s --ms-ssim a.png b.png
	assert_success
	assert_output --regexp "^0\.[0-9]{8}$"
	run ssim -s --ms-ssim a.png a.png
	assert_output "1.00000000"
}

@test "ssim: bad input: missing file" {
	pair
	run --separate-stderr ssim a.y4m nosuch.mp4
	assert_bad_input ssim "nosuch.mp4: No such file"
}

@test "ssim: bad input: corrupt and unreadable files" {
	pair
	head -c 3000 /dev/urandom >junk.mp4
	run --separate-stderr ssim a.y4m junk.mp4
	assert_bad_input ssim "junk.mp4: "
	: >empty.png
	run --separate-stderr ssim empty.png a.y4m
	assert_bad_input ssim "empty.png: "
	head -c 2000 a.y4m >cut.y4m
	run --separate-stderr ssim a.y4m cut.y4m
	assert_bad_input ssim "cut.y4m"
}

@test "ssim: bad input: different sizes" {
	pair
	gen s.y4m 32x24 4 yuv420p
	run --separate-stderr ssim a.y4m s.y4m
	assert_bad_input ssim "sizes differ: a.y4m is 64x48, s.y4m is 32x24"
}

@test "ssim: bad input: different pixel formats" {
	pair
	gen g.y4m 64x48 4 gray
	run --separate-stderr ssim a.y4m g.y4m
	assert_bad_input ssim "pixel formats differ: a.y4m is yuv420p, g.y4m is gray"
}

@test "ssim: bad input: zero frames" {
	pair
	head -1 a.y4m >zero.y4m
	run --separate-stderr ssim a.y4m zero.y4m
	assert_bad_input ssim "zero.y4m: no frames"
}

@test "ssim: bad input: mismatched frame counts" {
	pair
	gen c.y4m 64x48 2 yuv420p
	run --separate-stderr ssim a.y4m c.y4m
	assert_bad_input ssim "frame counts differ: c.y4m has 2 frames, a.y4m has more"
	run --separate-stderr ssim c.y4m a.y4m
	assert_bad_input ssim "c.y4m has 2 frames"
}

@test "ssim: bad input: too small for the window or for MS-SSIM" {
	gen t.png 8x8 1 gray
	run --separate-stderr ssim t.png t.png
	assert_bad_input ssim "t.png: plane Y: 8x8 is smaller than the 11x11 window"
	pair
	run --separate-stderr ssim --ms-ssim a.y4m b.y4m
	assert_bad_input ssim "64x48 is too small for MS-SSIM: it needs at least 161x161"
}

@test "ssim: bad input: a map that cannot be written leaves nothing" {
	pair
	run --separate-stderr ssim -m map.png a.y4m b.y4m
	assert_bad_input ssim "map.png: an image holds one frame"
	[ ! -e map.png ]
	[ -z "$(ls -A | grep '^\.map')" ]
	run --separate-stderr ssim -m map.nosuch a.y4m b.y4m
	assert_bad_input ssim "map.nosuch: no known format"
}

# The frame pipeline (decoding ahead, frames scored on parallel threads,
# printed in order) and the one-pair path (rows split among threads).
@test "ssim: frames stay in order at any length and thread count; each equals its pair alone" {
	gen a.y4m 96x64 9 yuv420p
	gen b.y4m 96x64 9 yuv420p "noise=alls=25:allf=t"
	ssim -q a.y4m b.y4m >all.csv
	[ "$(wc -l <all.csv)" -eq 10 ]
	for j in 1 2 5; do
		ssim -q -j "$j" a.y4m b.y4m | cmp - all.csv
		ssim -q -j "$j" -c all -p ffmpeg a.y4m b.y4m >"ff$j.csv"
	done
	cmp ff1.csv ff2.csv
	cmp ff1.csv ff5.csv
	for k in 0 4 8; do
		for f in a b; do
			ffmpeg -nostdin -v error -i "$f.y4m" -vf "select=eq(n\,$k)" \
			    -frames:v 1 -y "$f$k.y4m"
		done
		want=$(sed -n "$((k + 2))p" all.csv | cut -d, -f2)
		got=$(ssim -q "a$k.y4m" "b$k.y4m" | sed -n 2p | cut -d, -f2)
		[ "$got" = "$want" ] || { echo "frame $((k + 1)): $got alone, $want in the video"; false; }
	done
	for n in 1 2 3; do
		ffmpeg -nostdin -v error -i a.y4m -frames:v "$n" -y "a_$n.y4m"
		ffmpeg -nostdin -v error -i b.y4m -frames:v "$n" -y "b_$n.y4m"
		ssim -q "a_$n.y4m" "b_$n.y4m" | cmp - <(head -$((n + 1)) all.csv)
		cat "b_$n.y4m" | ssim -q "a_$n.y4m" - | cmp - <(head -$((n + 1)) all.csv)
	done
}

@test "ssim: frame counts that differ at the first, second and a later pair" {
	gen a.y4m 64x48 5 yuv420p
	for n in 1 2 3; do
		gen "c$n.y4m" 64x48 "$n" yuv420p "noise=alls=20:allf=t"
		run --separate-stderr ssim "c$n.y4m" a.y4m
		assert_bad_input ssim "frame counts differ: c$n.y4m has $n frame"
		[ "${#lines[@]}" -eq $((n + 1)) ]
		run ssim -q --shortest a.y4m "c$n.y4m"
		assert_success
		[ "${#lines[@]}" -eq $((n + 1)) ]
	done
}

@test "ssim: packed RGB video (rearranged into planes) and its luma, kept across frames" {
	ffmpeg -nostdin -v error -f lavfi -i "testsrc=size=64x48:rate=10" -frames:v 5 \
	    -pix_fmt rgb24 -c:v rawvideo -y a.avi
	ffmpeg -nostdin -v error -f lavfi -i "testsrc=size=64x48:rate=10" -frames:v 5 \
	    -vf "noise=alls=20:allf=t" -pix_fmt rgb24 -c:v rawvideo -y b.avi
	for f in a b; do
		ffmpeg -nostdin -v error -i "$f.avi" -pix_fmt gbrp -c:v ffv1 -y "$f.mkv"
	done
	for c in rgb y; do
		ssim -q -c "$c" a.avi b.avi >packed.csv
		ssim -q -c "$c" a.mkv b.mkv | cmp - packed.csv
		[ "$(wc -l <packed.csv)" -eq 6 ]
		[ "$(sort -u -t, -k2 packed.csv | wc -l)" -gt 2 ]
	done
}

@test "ssim: raw video on stdin with --size and --pix-fmt scores as the file it came from" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 -t 1 \
	    -pix_fmt gray ref.y4m
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 -t 1 \
	    -vf noise=alls=20:allf=t -pix_fmt gray dist.y4m
	ssim -q dist.y4m ref.y4m >want.csv
	[ "$(wc -l <want.csv)" -eq 11 ]
	ffmpeg -nostdin -v error -i dist.y4m -f rawvideo -pix_fmt gray dist.raw
	run --separate-stderr bash -c 'ssim -q --size 32x24 --pix-fmt gray - ref.y4m <dist.raw'
	assert_success
	[ "$output" = "$(cat want.csv)" ] || { diff <(echo "$output") want.csv; false; }
	# through a pipe, the raw side second, and a file named .yuv
	ffmpeg -nostdin -v error -i dist.y4m -f rawvideo -pix_fmt gray - |
	    ssim -q -s --size 32x24 --pix-fmt gray --rate 10 ref.y4m - >piped.txt
	[ "$(cat piped.txt)" = "$(ssim -q -s ref.y4m dist.y4m)" ]
	cp dist.raw dist.yuv
	ssim -q --size 32x24 --pix-fmt gray dist.yuv ref.y4m | cmp - want.csv
	# without the options, raw bytes on stdin are not video
	run --separate-stderr bash -c 'ssim -q - ref.y4m <dist.raw'
	assert_failure 1
	[[ "$stderr" == "ssim: stdin: "* ]] || { echo "stderr: $stderr"; false; }
}

@test "ssim: --size, --pix-fmt, --rate that ffmpeg cannot take are usage errors" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 -t 1 \
	    -pix_fmt gray ref.y4m
	for args in "--size 32x2x|--size: '32x2x' is not WxH" \
	    "--size 0x24|--size: '0x24' is not WxH" \
	    "--size 32x24 --pix-fmt grey|--pix-fmt: 'grey' is not a pixel format" \
	    "--pix-fmt gray|raw video needs --size WxH" \
	    "--size 32x24 --rate 0|--rate: '0' is not a frame rate"; do
		run --separate-stderr ssim ${args%%|*} - ref.y4m </dev/null
		assert_failure 2
		[[ "$stderr" == "ssim: ${args#*|}"* ]] ||
		    { echo "$args: $stderr"; false; }
		assert_output ""
	done
	run --separate-stderr ssim --size 32x24 ref.y4m ref.y4m
	assert_failure 2
	[[ "$stderr" == "ssim: --size, --pix-fmt, --rate: neither input is raw video"* ]]
}

@test "ssim: raw video cut inside a frame: the cut frame is reported as for a cut file" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 -t 1 \
	    -pix_fmt gray ref.y4m
	ffmpeg -nostdin -v error -i ref.y4m -f rawvideo -pix_fmt gray - |
	    head -c 5000 >cut.raw	# 6 frames of 768 bytes and 392 more
	run --separate-stderr bash -c 'ssim --shortest --size 32x24 --pix-fmt gray ref.y4m - <cut.raw'
	assert_success
	[ "${#lines[@]}" -eq 7 ]
	[[ "$stderr" == *"ssim: warning: stdin: the input ends early, after frame 6 (its last frame is cut short)"* ]] ||
	    { echo "stderr: $stderr"; false; }
	run --separate-stderr bash -c 'ssim --strict --shortest --size 32x24 --pix-fmt gray -o out.csv ref.y4m - <cut.raw'
	assert_failure 1
	[[ "$stderr" == *$'\nssim: stdin: the input ends early, after frame 6 (its last frame is cut short)'* ]] ||
	    { echo "stderr: $stderr"; false; }
	[ ! -e out.csv ]
}
