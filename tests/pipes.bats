#!/usr/bin/env bats
# Every program that reads an input reads it from a pipe (<(cat FILE))
# and from a named FIFO as from the regular file: an input that can be
# read only once and not seeked in. Text numbers are compared with aeq,
# files (models, images, sound) byte for byte: the same bytes in give the
# same computation.

bats_require_minimum_version 1.5.0
load common
load vae-common

helper() { "$PYTHON" "$KVAE_ROOT/tests/mekf_helper.py" "$@"; }

model() {	# an LGSSM with 2 states and 3 observations, and data from it
	cat >lgssm.json <<'J'
{"A": [[0.95, 0.2], [-0.2, 0.95]], "C": [[1, 0], [0.5, 1], [0, 1]],
 "Q": [0.1, 0.1], "R": 0.5, "mu0": [0, 0], "P0": 1}
J
	kf-sample -m lgssm.json -T 120 -n 3 --seed 3 >d.csv
}

# subst SRC CMD...: run CMD with every argument @IN@ replaced by SRC
subst() {
	local src=$1; shift
	"${@//@IN@/$src}"
}

# piped KIND FILE CMD...: run CMD (its status is the function's) with
# @IN@ replaced by FILE read as KIND: file (the file itself), procsub
# (<(cat FILE)) or fifo (a FIFO that `cat FILE` writes in the
# background; the writer is ended afterwards in case CMD never opened
# it, so a failure cannot hang the test).
piped() {
	local kind=$1 file=$2 rc=0 writer; shift 2
	case $kind in
	file)
		subst "$file" "$@" || rc=$?
		;;
	procsub)
		subst <(cat "$file") "$@" || rc=$?
		;;
	fifo)
		rm -f in.fifo
		mkfifo in.fifo
		cat "$file" >in.fifo 3>&- 2>/dev/null &
		writer=$!
		subst in.fifo "$@" || rc=$?
		kill "$writer" 2>/dev/null || true
		wait "$writer" 2>/dev/null || true
		rm -f in.fifo
		;;
	esac
	return $rc
}

# same_text FILE CMD...: CMD's stdout (a kvae-seq stream) is the same,
# within aeq's tolerance, with FILE as @IN@ read from a pipe and from a
# FIFO as from the file itself.
same_text() {
	local file=$1 kind; shift
	piped file "$file" "$@" >want.out
	for kind in procsub fifo; do
		run --separate-stderr piped "$kind" "$file" "$@"
		[ "$status" -eq 0 ] || { echo "$kind: status $status: $stderr"; return 1; }
		printf '%s\n' "$output" >got.out
		aeq want.out got.out || { echo "$kind: output differs"; return 1; }
	done
}

# same_file FILE OUT CMD...: the file CMD writes at OUT is byte for byte
# the same with FILE as @IN@ read from a pipe and from a FIFO as from the
# file itself.
same_file() {
	local file=$1 out=$2 kind; shift 2
	piped file "$file" "$@"
	mv "$out" want.bin
	for kind in procsub fifo; do
		rm -f "$out"
		run --separate-stderr piped "$kind" "$file" "$@"
		[ "$status" -eq 0 ] || { echo "$kind: status $status: $stderr"; return 1; }
		cmp want.bin "$out" || { echo "$kind: $out differs"; return 1; }
	done
}

@test "pipes: kf-filter" {
	model
	same_text d.csv kf-filter -m lgssm.json --variances @IN@
}

@test "pipes: kf-smooth" {
	model
	same_text d.csv kf-smooth -m lgssm.json @IN@
}

@test "pipes: kf-fit" {
	model
	same_file d.csv fit.json kf-fit -q --state-dim 2 -k 20 -o fit.json @IN@
}

@test "pipes: kf-sample (the model file)" {
	model
	same_text lgssm.json kf-sample -m @IN@ -T 30 -n 2 --seed 5
}

@test "pipes: kvae-cat, CSV and binary" {
	model
	same_text d.csv kvae-cat --keep-every 2 @IN@
	kvae-cat -f bin d.csv >d.bin
	same_text d.bin kvae-cat -f csv @IN@
	same_file d.bin out.bin kvae-cat -o out.bin @IN@
}

@test "pipes: kvae-train" {
	circle >c.csv
	same_file c.csv m.kvae kvae-train -q --latent-dim 2 --state-dim 3 \
	    --hidden 8 --vae-epochs 1 -e 2 --batch-size 4 --threads 1 \
	    --seed 1 -o m.kvae @IN@
}

@test "pipes: vae-encode and vae-decode" {
	circle >c.csv
	vae-mkmodel -o m.kvae -d 6 -l 2 -H 8 -s 3
	same_text c.csv vae-encode -m m.kvae --variances @IN@
	vae-encode -m m.kvae c.csv >z.csv
	same_text z.csv vae-decode -m m.kvae @IN@
}

@test "pipes: ssim, either input" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=64x48:rate=10 \
	    -frames:v 4 -pix_fmt yuv420p a.y4m
	ffmpeg -nostdin -v error -i a.y4m -vf noise=alls=20:allf=t b.y4m
	same_text a.y4m ssim @IN@ b.y4m
	same_text b.y4m ssim a.y4m @IN@
}

@test "pipes: me-kalman, a CSV stream" {
	helper gen-ar 3000 4 1 clean.csv noisy.csv
	same_text noisy.csv me-kalman --order 3 @IN@
	kvae-cat -f bin noisy.csv >noisy.bin
	same_file noisy.bin out.bin me-kalman --order 3 -o out.bin @IN@
}

@test "pipes: me-kalman, a PGM" {
	helper gen-image noisy.pgm 48 40 1 255 20 1 clean.pgm
	same_file noisy.pgm out.pgm me-kalman @IN@ -o out.pgm
	ffmpeg -nostdin -v error -i noisy.pgm noisy.png
	same_file noisy.png out.png me-kalman -q @IN@ -o out.png
}

@test "pipes: me-kalman, a WAV" {
	helper gen-wav noisy.wav clean.wav 2 1
	same_file noisy.wav out.wav me-kalman @IN@ -o out.wav
}

@test "pipes: me-kalman, a Y4M video" {
	ffmpeg -nostdin -v error -f lavfi -i testsrc=size=32x24:rate=10 \
	    -frames:v 2 -pix_fmt yuv420p in.y4m
	same_file in.y4m out.y4m me-kalman -q @IN@ -o out.y4m
}

@test "pipes: me-kalman --compress and --decompress" {
	helper gen-image in.ppm 33 21 3 255 6 4
	same_file in.ppm a.mek me-kalman --compress @IN@ -o a.mek
	me-kalman --compress in.ppm -o a.mek
	same_file a.mek back.ppm me-kalman --decompress @IN@ -o back.ppm
	cmp in.ppm back.ppm
}
