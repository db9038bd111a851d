#!/usr/bin/env bats
# Failures lose nothing, for every program that writes files:
# (a) SIGKILL in the middle of writing: killmid (tests/tools) kills the
#     program at its first write to the temporary beside OUT, so it died
#     mid-write; OUT must still be the previous file, byte for byte;
# (b) a late-discovered bad input or a full disk (ulimit -f) exits 1 with
#     a message naming the place and leaves OUT untouched, no temporary
#     behind;
# (c) a closed pipe (| head -1) ends quietly: status 141 (SIGPIPE) or 0,
#     nothing on stderr.
bats_require_minimum_version 1.5.0
load common

# killed_mid_write OUT CMD...: OUT held "precious"; CMD writing OUT is
# killed mid-write; OUT still holds exactly that and the temporary (still
# there after SIGKILL) was never renamed over it.
killed_mid_write() {
	local out=$1
	shift
	printf 'precious\n' >"$out"
	run killmid "$out" "$@"
	assert_success
	[ -f "$output" ]
	assert_equal "$(cat "$out")" precious
	rm "$output"	# nothing can remove it after SIGKILL
}

# disk_full PROG OUT CMD...: with a 32 KB file size limit CMD exits 1
# with "PROG: OUT: File too large" and OUT is untouched.
disk_full() {
	local prog=$1 out=$2
	shift 2
	printf 'precious\n' >"$out"
	run --separate-stderr bash -c 'ulimit -f 64; exec "$@"' _ "$@"
	assert_bad_input "$prog" "$out: File too large"
	untouched "$out"
}

# late_bad PROG OUT PATTERN CMD...: CMD stops at bad input after it began
# writing OUT; exit 1 with a message matching PATTERN, OUT untouched.
late_bad() {
	local prog=$1 out=$2 pattern=$3
	shift 3
	printf 'precious\n' >"$out"
	run --separate-stderr "$@"
	assert_bad_input "$prog" "$pattern"
	untouched "$out"
}

untouched() {
	assert_equal "$(cat "$1")" precious
	[ -z "$(ls -A | grep -F ".$1.")" ]	# no temporary left behind
}

# quiet_pipe CMD...: CMD | head -1 ends with 141 or 0 and says nothing;
# with SIGPIPE ignored (as under Python's subprocess) it says so once and
# exits 1, or finished first (0).
quiet_pipe() {
	run --separate-stderr bash -c '"$@" | head -1 >/dev/null
		echo "${PIPESTATUS[0]}"' _ "$@"
	[[ "$output" == 141 || "$output" == 0 ]]
	assert_equal "$stderr" ""
	run --separate-stderr bash -c 'trap "" PIPE; "$@" | head -1 >/dev/null
		echo "${PIPESTATUS[0]}"' _ "$@"
	if [ "$output" = 1 ]; then
		assert_equal "$stderr" "$1: stdout: Broken pipe"
	else
		assert_equal "$output:$stderr" "0:"
	fi
}

twocol() {	# N records of 2 columns, one sequence
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
	    printf "%d,%.3f\n", i % 97, sin(i / 10) }'
}

@test "failures: kf-filter and kf-smooth" {
	twocol 20000 >big.csv
	{ cat big.csv; echo '1,x'; } >bad.csv
	for p in kf-filter kf-smooth; do
		killed_mid_write out.csv $p --preset local-level -o out.csv big.csv
		disk_full $p out.csv $p --preset local-level -o out.csv big.csv
		late_bad $p out.csv "bad.csv:20001: field 2: 'x' is not a number" \
			$p --preset local-level -o out.csv bad.csv
		late_bad $p ll.csv "bad.csv:20001: " \
			$p --preset local-level --loglik ll.csv -o out.csv bad.csv
		quiet_pipe $p --preset local-level big.csv
	done
}

@test "failures: kf-fit" {
	# a 40-state spec is some 190 KB of JSON
	awk 'BEGIN { srand(1); for (t = 0; t < 60; t++) { for (j = 0; j < 40; j++)
	    printf "%s%.4f", j ? "," : "", sin(0.1 * t + j) + rand(); print "" } }' >d.csv
	{ cat d.csv; echo '1,2'; } >bad.csv
	opts=(-q --state-dim 40 -k 1)
	killed_mid_write fit.json kf-fit "${opts[@]}" -o fit.json d.csv
	disk_full kf-fit fit.json kf-fit "${opts[@]}" -o fit.json d.csv
	late_bad kf-fit fit.json "bad.csv:61: " kf-fit "${opts[@]}" -o fit.json bad.csv
	quiet_pipe kf-fit "${opts[@]}" -o - d.csv
}

@test "failures: kf-sample, data and --states" {
	echo '{"A": [[1]], "C": [[1]], "Q": 1, "R": 1, "mu0": [0], "P0": 1}' >m.json
	killed_mid_write out.csv kf-sample -m m.json -T 20000 -o out.csv
	killed_mid_write z.csv kf-sample -m m.json -T 20000 --states z.csv -o /dev/null
	disk_full kf-sample out.csv kf-sample -m m.json -T 20000 -o out.csv
	quiet_pipe kf-sample -m m.json -T 100000
}

@test "failures: vae-encode and vae-decode" {
	vae-mkmodel -o v.kvae -d 4 -l 2 -H 8
	awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%.3f,%.3f,%d,%d\n",
	    sin(i / 10), cos(i / 10), i % 7, i % 5 }' >x.csv
	{ cat x.csv; echo '1,2,x,4'; } >badx.csv
	vae-encode -m v.kvae x.csv >z.csv
	{ cat z.csv; echo '1,y'; } >badz.csv
	# (vae-encode writes a header line: the bad latent is on line 20002)
	for p in "vae-encode x.csv badx.csv 20001 3" \
		"vae-decode z.csv badz.csv 20002 2"; do
		set -- $p
		killed_mid_write out.csv $1 -m v.kvae -o out.csv $2
		disk_full $1 out.csv $1 -m v.kvae -o out.csv $2
		late_bad $1 out.csv "$3:$4: field $5: " $1 -m v.kvae -o out.csv $3
		quiet_pipe $1 -m v.kvae $2
	done
}

@test "failures: kvae-train model and checkpoint" {
	# 256-D data through 2048 hidden units: a model of some 8 MB
	"$PYTHON" "$KVAE_ROOT/tests/tools/kvae-synth.py" --sequences 2 \
		--length 10 --dim 256 >d.csv
	{ cat d.csv; echo '1,2'; } >bad.csv
	opts=(-q --latent-dim 2 --state-dim 2 --hidden 2048 --vae-epochs 1
		--batch-size 4 --threads 1)
	killed_mid_write m.kvae kvae-train "${opts[@]}" -e 1 -o m.kvae d.csv
	killed_mid_write c.ckpt kvae-train "${opts[@]}" -e 2 --checkpoint-every 1 \
		--checkpoint c.ckpt -o m.kvae d.csv
	disk_full kvae-train m.kvae kvae-train "${opts[@]}" -e 1 -o m.kvae d.csv
	disk_full kvae-train c.ckpt kvae-train "${opts[@]}" -e 2 \
		--checkpoint-every 1 --checkpoint c.ckpt -o m.kvae d.csv
	late_bad kvae-train m.kvae "bad.csv:22: 2 fields, expected 256" \
		kvae-train "${opts[@]}" -e 1 -o m.kvae bad.csv
	quiet_pipe kvae-train -q --latent-dim 1 --state-dim 1 --hidden 2 \
		--vae-epochs 1 -e 300 --threads 1 --log - -o m2.kvae d.csv
}

@test "failures: me-kalman audio, image, --compress and streams" {
	ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:duration=5" \
		-ac 1 -ar 16000 a.wav
	ffmpeg -nostdin -v error -f lavfi -i "nullsrc=s=256x256,geq=lum='random(1)*255':cb=128:cr=128" \
		-frames:v 1 -pix_fmt gray noise.pgm
	head -c 30000 noise.pgm >cut.pgm
	for spec in "out.wav a.wav" "out.pgm noise.pgm" "out.mek --compress noise.pgm"; do
		set -- $spec
		o=$1
		shift
		killed_mid_write $o me-kalman -o $o "$@"
		disk_full me-kalman $o me-kalman -o $o "$@"
	done
	late_bad me-kalman out.pgm "cut.pgm" me-kalman -o out.pgm cut.pgm
	twocol 20000 >big.csv
	{ cat big.csv; echo '1,x'; } >bad.csv
	late_bad me-kalman out.csv "bad.csv:20001: " me-kalman -o out.csv bad.csv
	quiet_pipe me-kalman big.csv
	quiet_pipe me-kalman -q noise.pgm	# -q: white noise is rightly "flat"
}

@test "failures: ssim --map and -o" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=320x240:rate=10 \
		-frames:v 10 -pix_fmt yuv420p ref.y4m
	ffmpeg -nostdin -v error -i ref.y4m -vf noise=alls=20:allf=t dist.y4m
	head -c 700000 dist.y4m >cut.y4m
	# a PNG map holds one frame: score one pair for it, or ssim would
	# fail on the second frame by itself, racing the kill
	ffmpeg -nostdin -v error -i ref.y4m -frames:v 1 ref1.y4m
	ffmpeg -nostdin -v error -i dist.y4m -frames:v 1 dist1.y4m
	for o in map.y4m map.png; do
		r=ref.y4m d=dist.y4m
		if [ $o = map.png ]; then r=ref1.y4m d=dist1.y4m; fi
		killed_mid_write $o ssim -q -m $o $r $d
		printf 'precious\n' >$o
		run --separate-stderr bash -c 'ulimit -f 16; exec ssim -q -m "$1" "$2" "$3"' _ $o $r $d
		assert_bad_input ssim "$o: "
		untouched $o
	done
	late_bad ssim out.csv "cut.y4m has 6 frames" ssim -q -o out.csv ref.y4m cut.y4m
	late_bad ssim map.y4m "cut.y4m has 6 frames" ssim -q -m map.y4m ref.y4m cut.y4m
	quiet_pipe ssim -q ref.y4m dist.y4m
}
