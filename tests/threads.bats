#!/usr/bin/env bats
# --threads=N and OMP_NUM_THREADS (core/threads.h): every program takes
# --threads with one meaning, refuses a bad N as a usage error, writes
# the same output whatever N is, and with one thread starts no thread
# of its own, so that `make -j N` with one thread per job does not
# oversubscribe.
bats_require_minimum_version 1.5.0
load common

PROGRAMS=(kf-filter kf-smooth kf-fit kf-sample kvae-cat kvae-balls
	kvae-train me-kalman ssim vae-encode vae-decode)

# A video of bouncing balls, a model of frames (untrained: the output
# only has to be the same), its latents and a reconstruction; a stream
# of 8 columns, so that kf-smooth's constant-velocity preset has 16
# states, the size from which its gains go to a second thread.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	kvae-balls --frames 40 --seed 50 -o clip.mkv
	kvae-train -q --latent-dim 4 --state-dim 8 --frame-size 64 \
		--filters 16,32,64 --length 10 --batch-size 2 --vae-epochs 0 \
		--epochs 0 --seed 3 -o m.kvae clip.mkv
	vae-encode -m m.kvae clip.mkv >z.csv
	vae-decode -m m.kvae -o rec.mkv z.csv
	# 64x64 as the clip: the balls are 32x32 by default
	kvae-balls --size 64 --frames 40 --seed 50 -o clip64.mkv
	awk 'BEGIN { srand(3); for (t = 0; t < 400; t++) { l = "";
		for (c = 0; c < 8; c++) {
			v = t % 7 == 3 ? "nan" : sprintf("%.6f", sin(t / 50 + c) + 0.1 * rand())
			l = l (c ? "," : "") v
		}
		print l } }' >x8.csv
}

# threads_started CMD...: how many threads CMD starts: its clone and
# clone3 calls with CLONE_THREAD, traced by strace -f (its output goes
# to $T/out). OpenBLAS starts an idle pool while the program loads,
# sized by OPENBLAS_NUM_THREADS or OMP_NUM_THREADS, before any option
# is read (it is only ever used on one thread; see threads.h): the
# count holds OPENBLAS_NUM_THREADS at 1 to see what the program starts.
# LeakSanitizer cannot check leaks under ptrace (its checker attaches
# to every thread), so leak checks are off here; the other tests do
# them.
threads_started() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	OPENBLAS_NUM_THREADS=1 strace -f -qq -e trace=clone,clone3 \
		-o "$T/strace.log" "$@" >"$T/out" 2>"$T/err" ||
		{ echo "failed: $*"; cat "$T/err"; return 1; }
	grep -c CLONE_THREAD "$T/strace.log" || true
}

# assert_threads WANT CMD...: CMD starts WANT threads ("+" for one or
# more), saying which command started how many.
assert_threads() {
	local want=$1 got
	shift
	got=$(threads_started "$@") || { echo "$got"; return 1; }
	if [ "$want" = + ] && [ "$got" -ge 1 ]; then return 0; fi
	if [ "$want" = "$got" ]; then return 0; fi
	echo "expected $want thread(s) started, got $got: $*"
	grep CLONE_THREAD "$T/strace.log" | head -5
	return 1
}

# same_output CMD...: CMD's stdout is the same byte for byte with
# --threads 1, --threads 2 and without the option, with OMP_NUM_THREADS
# unset (one thread per core by default).
same_output() {
	env -u OMP_NUM_THREADS "$@" >default.out
	for n in 1 2; do
		env -u OMP_NUM_THREADS "$@" --threads "$n" >t$n.out
		cmp default.out t$n.out || { echo "--threads $n differs: $*"; return 1; }
	done
	[ -s default.out ]
}

@test "threads: every program refuses a bad --threads as a usage error naming itself and the option" {
	refused() {	# prog, value
		run --separate-stderr "$1" --threads="$2"
		[ "$status" -eq 2 ] || { echo "$1 --threads='$2': status $status"; return 1; }
		[[ "$stderr" =~ ^$1:\ --threads:\  ]] ||
			{ echo "$1 --threads='$2': stderr: $stderr"; return 1; }
	}
	for prog in "${PROGRAMS[@]}"; do
		for v in 0 -1 abc ''; do
			refused "$prog" "$v"
		done
	done
	refused kf-filter 1025
	refused kf-filter ' 2'
	run --separate-stderr ssim -j 0 a b
	[ "$status" -eq 2 ]
	[[ "$stderr" =~ ^ssim:\ --threads:\  ]]
}

@test "threads: every program documents --threads in --help" {
	for prog in "${PROGRAMS[@]}"; do
		"$prog" --help | grep -q -- '--threads=N' ||
			{ echo "$prog --help: no --threads=N"; return 1; }
	done
}

@test "threads: vae-encode from a video, the same latents with 1, 2 and the default" {
	same_output vae-encode -m "$BATS_FILE_TMPDIR/m.kvae" --variances "$BATS_FILE_TMPDIR/clip64.mkv"
}

@test "threads: vae-decode, the same frames and records with 1, 2 and the default" {
	same_output vae-decode -m "$BATS_FILE_TMPDIR/m.kvae" -o - "$BATS_FILE_TMPDIR/z.csv"
	same_output vae-decode -m "$BATS_FILE_TMPDIR/m.kvae" -f csv "$BATS_FILE_TMPDIR/z.csv"
}

@test "threads: vae-decode's files are the same bytes whatever the thread count (encoders on one thread)" {
	local sufs=mkv
	ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' libx264 ' && sufs="mkv mp4"
	for suf in $sufs; do
		env -u OMP_NUM_THREADS vae-decode -m "$BATS_FILE_TMPDIR/m.kvae" --size 128x128 \
			-o d.$suf "$BATS_FILE_TMPDIR/z.csv"
		for n in 1 3; do
			vae-decode --threads $n -m "$BATS_FILE_TMPDIR/m.kvae" --size 128x128 \
				-o t$n.$suf "$BATS_FILE_TMPDIR/z.csv"
			cmp d.$suf t$n.$suf
		done
	done
}

@test "threads: ssim, the same scores and map on one thread (no pipeline), two and the default" {
	local a=$BATS_FILE_TMPDIR/clip64.mkv b=$BATS_FILE_TMPDIR/rec.mkv
	same_output ssim -q -c all "$a" "$b"
	for n in 0 1 2; do
		opt=(); [ $n = 0 ] || opt=(--threads $n)
		env -u OMP_NUM_THREADS ssim -q "${opt[@]}" -m map$n.y4m "$a" "$b" >/dev/null
	done
	cmp map0.y4m map1.y4m
	cmp map0.y4m map2.y4m
	# one pair of images: its rows split among the OpenMP threads
	ffmpeg -nostdin -v error -i "$a" -frames:v 1 a.png
	ffmpeg -nostdin -v error -i "$b" -frames:v 1 b.png
	same_output ssim -q a.png b.png
}

@test "threads: ssim on one thread fails as the pipeline does" {
	local a=$BATS_FILE_TMPDIR/clip64.mkv
	ffmpeg -nostdin -v error -i "$BATS_FILE_TMPDIR/rec.mkv" -frames:v 30 -c:v ffv1 short.mkv
	for n in 1 2; do
		run --separate-stderr ssim -q --threads $n "$a" short.mkv
		assert_bad_input ssim "frame counts differ: short.mkv has 30 frames"
		run --separate-stderr ssim -q --threads $n --shortest "$a" short.mkv
		assert_success
		[ "${#lines[@]}" -eq 31 ]
	done
}

@test "threads: kf-smooth with 16 states and --variances, the same with 1, 2 and the default" {
	same_output kf-smooth --preset constant-velocity --variances "$BATS_FILE_TMPDIR/x8.csv"
	same_output kf-smooth --preset constant-velocity "$BATS_FILE_TMPDIR/x8.csv"
}

@test "threads: me-kalman on a video, the same with 1, 2 and the default" {
	env -u OMP_NUM_THREADS me-kalman -q "$BATS_FILE_TMPDIR/clip.mkv" -o d.mkv
	for n in 1 2; do
		env -u OMP_NUM_THREADS me-kalman -q --threads $n "$BATS_FILE_TMPDIR/clip.mkv" -o t$n.mkv
		cmp d.mkv t$n.mkv
	done
}

@test "threads: the one-thread programs take --threads and write the same" {
	same_output kf-filter --preset local-level --variances "$BATS_FILE_TMPDIR/x8.csv"
	same_output kvae-cat --keep-every 3 "$BATS_FILE_TMPDIR/x8.csv"
	same_output kf-sample -m "$BATS_FILE_TMPDIR/m.kvae" -T 20 -n 2
	kf-sample -m "$BATS_FILE_TMPDIR/m.kvae" -T 30 -n 4 >s.csv
	same_output kf-fit -q --state-dim 2 -k 5 -o /dev/stdout s.csv
	same_output kvae-balls --frames 10 -o -
}

@test "threads: the one-thread programs start no thread" {
	local d=$BATS_FILE_TMPDIR
	unset OMP_NUM_THREADS
	assert_threads 0 kf-filter --threads 4 --preset local-level "$d/x8.csv"
	assert_threads 0 kvae-cat --threads 4 "$d/x8.csv"
	assert_threads 0 kf-sample --threads 4 -m "$d/m.kvae" -T 20
	assert_threads 0 kf-fit --threads 4 -q --state-dim 2 -k 2 -o f.json "$d/x8.csv"
	assert_threads 0 kvae-balls --threads 4 --size 128 --frames 10 -o b.mkv
	if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' libx264 '; then
		# libx264 on its own starts 1.5 threads per core
		assert_threads 0 kvae-balls --threads 4 --size 128 --frames 10 -o b.mp4
	fi
}

# The counts are exact under ASan too: its runtime starts no thread of
# its own with these options (the leak checker's tracer at exit is a
# clone without CLONE_THREAD, and is off under strace anyway).
@test "threads: vae-encode decoding a video starts no thread with --threads 1 or OMP_NUM_THREADS=1" {
	local m=$BATS_FILE_TMPDIR/m.kvae v=$BATS_FILE_TMPDIR/clip64.mkv
	unset OMP_NUM_THREADS
	assert_threads 0 vae-encode --threads 1 -m "$m" "$v"
	OMP_NUM_THREADS=1 assert_threads 0 vae-encode -m "$m" "$v"
	# the counter sees threads: FFmpeg's frame threads, OpenMP's team
	assert_threads + vae-encode --threads 2 -m "$m" "$v"
	# the option wins over the environment
	OMP_NUM_THREADS=1 assert_threads + vae-encode --threads 2 -m "$m" "$v"
	if [ "$(nproc)" -ge 2 ]; then
		assert_threads + vae-encode -m "$m" "$v"
	fi
}

@test "threads: vae-decode (OpenMP and oneDNN) starts no thread with --threads 1 or OMP_NUM_THREADS=1" {
	local m=$BATS_FILE_TMPDIR/m.kvae z=$BATS_FILE_TMPDIR/z.csv
	unset OMP_NUM_THREADS
	assert_threads 0 vae-decode --threads 1 -m "$m" -o o.y4m "$z"
	OMP_NUM_THREADS=1 assert_threads 0 vae-decode -m "$m" -o o.y4m "$z"
	# OpenMP's team of two: one thread more
	assert_threads 1 vae-decode --threads 2 -m "$m" -o o.y4m "$z"
	OMP_NUM_THREADS=1 assert_threads 1 vae-decode --threads 2 -m "$m" -o o.y4m "$z"
	OMP_NUM_THREADS=2 assert_threads 1 vae-decode -m "$m" -o o.y4m "$z"
}

@test "threads: ssim on videos starts no thread with -j 1 or OMP_NUM_THREADS=1" {
	local a=$BATS_FILE_TMPDIR/clip64.mkv b=$BATS_FILE_TMPDIR/rec.mkv
	unset OMP_NUM_THREADS
	assert_threads 0 ssim -q -j 1 "$a" "$b"
	OMP_NUM_THREADS=1 assert_threads 0 ssim -q "$a" "$b"
	# the pipeline: a reader and two scorers (each decoder on its own)
	assert_threads 3 ssim -q -j 2 "$a" "$b"
	OMP_NUM_THREADS=1 assert_threads 3 ssim -q --threads 2 "$a" "$b"
}

@test "threads: kf-smooth's helper thread starts with 2 threads only" {
	local x=$BATS_FILE_TMPDIR/x8.csv
	unset OMP_NUM_THREADS
	assert_threads 0 kf-smooth --threads 1 --preset constant-velocity --variances "$x"
	OMP_NUM_THREADS=1 assert_threads 0 kf-smooth --preset constant-velocity --variances "$x"
	assert_threads 1 kf-smooth --threads 2 --preset constant-velocity --variances "$x"
}

@test "threads: kvae-train on a video starts no thread with --threads 1, and more with 2" {
	local v=$BATS_FILE_TMPDIR/clip.mkv
	unset OMP_NUM_THREADS
	opts=(-q --latent-dim 2 --state-dim 2 --filters 4,8 --length 10
		--batch-size 2 --vae-epochs 1 -e 1 -o t.kvae "$v")
	assert_threads 0 kvae-train --threads 1 "${opts[@]}"
	OMP_NUM_THREADS=1 assert_threads 0 kvae-train "${opts[@]}"
	assert_threads + kvae-train --threads 2 "${opts[@]}"
}
