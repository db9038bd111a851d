#!/usr/bin/env bats
# The convolutional KVAE on video from the shell: kvae-train on videos,
# vae-encode from every kind of picture input, vae-decode to video, and
# what a trained model does for imputation, beside the plain VAE with
# interpolated latents and the untrained model.
bats_require_minimum_version 1.5.0
load common

# Models trained on bouncing balls, shared by the tests of this file:
# KVAE and plain VAE, 30 epochs on 24 videos of 40 frames (about 10 s
# each in release); under the sanitizers 2 epochs on 4 videos, for the
# tests that only need a model of frames. Four test videos.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	if [ "$KVAE_VARIANT" = release ]; then n=24 e=30; else n=4 e=2; fi
	kvae-balls --sequences $n --frames 40 --seed 3 -o 'train-%02d.mkv'
	kvae-balls --frames 40 --seed 50 -o test.mkv
	for s in 51 52 53; do kvae-balls --frames 40 --seed $s -o test$s.mkv; done
	opts=(-q --latent-dim 4 --state-dim 8 --filters 8,16,32 --length 10
		--batch-size 2 --lr 0.005 --vae-epochs 3 --seed 3 --epochs $e)
	kvae-train "${opts[@]}" -o kvae.kvae train-*.mkv
	kvae-train "${opts[@]}" --no-dynamics -o vae.kvae train-*.mkv
	kvae-train "${opts[@]}" --epochs 0 -o untrained.kvae train-*.mkv
}

# mean_ssim REF DIST: mean SSIM over the frames not kept by --keep-every 4.
missing_ssim() {
	ssim -q "$1" "$2" | awk -F, 'NR > 1 && ($1 - 1) % 4 { s += $2; k++ }
		END { printf "%.4f", s / k }'
}

@test "kvae-video: a model of frames records its architecture and frame rate" {
	run --separate-stderr "$PYTHON" -c '
import json, sys
sys.path.insert(0, "'"$KVAE_ROOT"'/tests/reference")
import st_py
t, m = st_py.load("'"$BATS_FILE_TMPDIR"'/kvae.kvae")
k = json.loads(m["kvae"])
print(k["input"], k["channels"], k["frame_size"], k["filters"], k["frame_rate"])
print(t["encoder.conv0.weight"].shape, t["decoder.logvar"].shape)'
	assert_success
	assert_line --index 0 "image 1 32 [8, 16, 32] [10, 1]"
	assert_line --index 1 "(8, 1, 3, 3) (1, 32, 32)"
}

@test "kvae-video: vae-encode gives the same latents from a video, Y4M on stdin, a PNG pattern, a directory and a glob" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	ffmpeg -nostdin -v error -i "$BATS_FILE_TMPDIR/test.mkv" -frames:v 12 -c:v ffv1 v.mkv
	mkdir d
	ffmpeg -nostdin -v error -i v.mkv d/f%02d.png
	vae-encode -m "$m" v.mkv >a.csv
	ffmpeg -nostdin -v error -i v.mkv -f yuv4mpegpipe - | vae-encode -m "$m" >b.csv
	vae-encode -m "$m" 'd/f%02d.png' >c.csv
	vae-encode -m "$m" d >e.csv
	vae-encode -m "$m" 'd/*.png' >g.csv
	[ "$(grep -c . a.csv)" -eq 13 ]
	for f in b c e g; do cmp a.csv $f.csv; done
}

@test "kvae-video: vae-decode writes .mkv, .y4m, - and a PNG pattern with the same frames" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	vae-encode -m "$m" "$BATS_FILE_TMPDIR/test.mkv" >z.csv
	vae-decode -m "$m" -o out.mkv z.csv
	vae-decode -m "$m" -o out.y4m z.csv
	vae-decode -m "$m" z.csv >stdout.y4m
	mkdir png
	vae-decode -m "$m" -o 'png/%03d.png' z.csv
	raw() { ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt gray - | md5sum; }
	want=$(raw out.mkv)
	[ "$(raw out.y4m)" = "$want" ]
	[ "$(raw stdout.y4m)" = "$want" ]
	[ "$(raw 'png/%03d.png')" = "$want" ]
	[ "$(ls png | wc -l)" -eq 40 ]
	run ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,r_frame_rate \
		-of csv=p=0 out.mkv
	assert_output "ffv1,10/1"
}

@test "kvae-video: vae-decode's frames are the decoder's means, round((x + 1) 127.5)" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	vae-encode -m "$m" "$BATS_FILE_TMPDIR/test.mkv" | kvae-cat --head 5 >z.csv
	vae-decode -m "$m" -f csv z.csv >rec.csv
	vae-decode -m "$m" -o rec.mkv z.csv
	ffmpeg -nostdin -v error -i rec.mkv -f rawvideo -pix_fmt gray rec.raw
	run "$PYTHON" -c '
import numpy as np
x = np.loadtxt("rec.csv", delimiter=",", ndmin=2)
want = np.clip(np.rint((x + 1) * 127.5), 0, 255).astype(np.uint8)
got = np.fromfile("rec.raw", np.uint8).reshape(want.shape)
print(int(np.abs(got.astype(int) - want).max()))'
	assert_output 0
}

@test "kvae-video: several sequences give one video each with a %d name, else one" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	vae-encode -m "$m" "$BATS_FILE_TMPDIR/test.mkv" >z.csv
	{ kvae-cat --head 7 z.csv; echo; kvae-cat --tail 5 z.csv | tail -n +2; } >two.csv
	vae-decode -m "$m" -o 'seq-%d.mkv' two.csv
	frames() { ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames -of csv=p=0 "$1"; }
	[ "$(frames seq-1.mkv)" -eq 7 ]
	[ "$(frames seq-2.mkv)" -eq 5 ]
	[ ! -e seq-3.mkv ]
	vae-decode -m "$m" -o all.mkv two.csv
	[ "$(frames all.mkv)" -eq 12 ]
}

@test "kvae-video: kf-sample generates a video from the model, and draws imputations given a gappy latent stream" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	frames() { ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=nb_read_frames,width,height -of csv=p=0 "$1"; }
	kf-sample -m "$m" -T 20 --seed 4 | vae-decode -m "$m" -o gen.mkv
	[ "$(frames gen.mkv)" = "32,32,20" ]
	# two draws given every 4th frame: the kept frames' latents are the
	# encoder's, the others differ between the draws
	vae-encode -m "$m" "$BATS_FILE_TMPDIR/test.mkv" | kvae-cat --keep-every 4 >gappy.csv
	kf-sample -m "$m" --given gappy.csv -n 2 --seed 4 >draws.csv
	"$PYTHON" - <<'PY'
import numpy as np
def num(l):  # not a header line
    return not l[0].isalpha() or l.startswith("nan")
rows = [l for l in open("gappy.csv") if num(l)]
g = np.array([[float(v) for v in l.split(",")] for l in rows])
seqs = open("draws.csv").read().strip().split("\n\n")
d = [np.array([[float(v) for v in l.split(",")] for l in s.split("\n")
               if num(l)]) for s in seqs]
assert len(d) == 2 and d[0].shape == g.shape, (len(d), d[0].shape, g.shape)
kept = ~np.isnan(g[:, 0])
assert kept.sum() == 10 and (d[0][kept] == g[kept]).all() and (d[1][kept] == g[kept]).all()
assert (np.abs(d[0][~kept] - d[1][~kept]) > 0).all()
PY
	kf-sample -m "$m" --given gappy.csv --seed 4 | vae-decode -m "$m" -o imputed.mkv
	[ "$(frames imputed.mkv)" = "32,32,40" ]
}

@test "kvae-video: --fps and --size" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	vae-encode -m "$m" "$BATS_FILE_TMPDIR/test.mkv" | kvae-cat --head 3 >z.csv
	vae-decode -m "$m" --fps 30000/1001 --size 128x96 -o big.mkv z.csv
	run ffprobe -v error -select_streams v:0 -show_entries stream=width,height,r_frame_rate \
		-of csv=p=0 big.mkv
	assert_output "128,96,30000/1001"
	run --separate-stderr vae-decode -m "$m" --fps 0 z.csv
	assert_equal "$status" 2
	run --separate-stderr vae-decode -m "$m" --size 12 z.csv
	assert_equal "$status" 2
}

@test "kvae-video: bad inputs and outputs fail naming the file, leaving nothing" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	vae-encode -m "$m" "$BATS_FILE_TMPDIR/test.mkv" >z.csv
	head -c 3000 "$BATS_FILE_TMPDIR/test.mkv" >cut.mkv
	run --separate-stderr vae-encode -m "$m" -o z2.csv cut.mkv
	assert_bad_input vae-encode "cut.mkv"
	[ ! -e z2.csv ]
	run --separate-stderr vae-decode -m "$m" -o out.xyz z.csv
	assert_bad_input vae-decode "out.xyz"
	[ ! -e out.xyz ]
	kvae-cat -c 1 z.csv >one.csv
	run --separate-stderr vae-decode -m "$m" -o out.mkv one.csv
	assert_bad_input vae-decode "records have 1 values.*latent_dim"
	[ ! -e out.mkv ]
	kvae-cat --keep-every 2 z.csv >gaps.csv
	run --separate-stderr vae-decode -m "$m" -o out.mkv gaps.csv
	assert_bad_input vae-decode "missing.*kf-smooth"
	[ ! -e out.mkv ]
	run --separate-stderr vae-decode -m "$m" --variances z.csv
	assert_bad_input vae-decode "--variances"
}

@test "kvae-video: kvae-train refuses frames past --max-memory, before training" {
	kvae-balls --frames 300 -o long.mkv	# 300 frames of 4 KiB
	run --separate-stderr kvae-train -q --max-memory 1 -o m.kvae long.mkv
	assert_bad_input kvae-train "more than the 1 MiB allowed"
	[ ! -e m.kvae ]
}

@test "kvae-video: kvae-train on video resumes bit for bit" {
	skip_if_sanitized
	v=("$BATS_FILE_TMPDIR"/train-0[0-3].mkv)
	opts=(-q --latent-dim 2 --state-dim 4 --length 10 --batch-size 4 --vae-epochs 1 --threads 1)
	kvae-train "${opts[@]}" -e 3 -o full.kvae "${v[@]}"
	kvae-train "${opts[@]}" -e 2 --checkpoint-every 2 -o half.kvae "${v[@]}"
	kvae-train "${opts[@]}" -e 3 --resume half.kvae.ckpt -o resumed.kvae "${v[@]}"
	cmp full.kvae resumed.kvae
}

@test "kvae-video: a trained model's encode | decode keeps the balls (SSIM > 0.7)" {
	skip_if_sanitized
	m=$BATS_FILE_TMPDIR/kvae.kvae
	vae-encode -m "$m" "$BATS_FILE_TMPDIR/test.mkv" | vae-decode -m "$m" -o rt.mkv
	s=$(ssim -s "$BATS_FILE_TMPDIR/test.mkv" rt.mkv)
	echo "SSIM $s"
	awk -v s="$s" 'BEGIN { exit !(s > 0.7) }'
}

@test "kvae-video: imputing 3 of 4 frames, the trained KVAE fills in the balls, far above the untrained model" {
	skip_if_sanitized
	d=$BATS_FILE_TMPDIR
	for t in test test51 test52 test53; do
		for m in kvae untrained; do
			vae-encode -m "$d/$m.kvae" "$d/$t.mkv" | kvae-cat --keep-every 4 |
				kf-smooth -m "$d/$m.kvae" | vae-decode -m "$d/$m.kvae" -o $m.mkv
		done
		vae-encode -m "$d/vae.kvae" "$d/$t.mkv" | kvae-cat --keep-every 4 >gaps.csv
		"$PYTHON" "$KVAE_ROOT/tests/tools/kvae-eval.py" interp gaps.csv |
			vae-decode -m "$d/vae.kvae" -o vae.mkv
		echo "$t $(missing_ssim "$d/$t.mkv" kvae.mkv) $(missing_ssim "$d/$t.mkv" vae.mkv)" \
			"$(missing_ssim "$d/$t.mkv" untrained.mkv)"
	done >scores
	cat scores
	# The plain VAE with interpolated latents is printed beside the KVAE,
	# not ranked against it: at this budget which of the two wins is the
	# training seed's. Measured over training seeds 1-6 (mean over these
	# four videos): the KVAE 0.55-0.81 (mean 0.67), the VAE at seed 3
	# 0.69, holding the last kept frame 0.66, the untrained model 0.002.
	# make eval ranks them at a real budget (docs/results).
	awk '{ k += $2; v += $3; u += $4 } END {
		printf "mean SSIM on the missing frames: KVAE %.3f, VAE + interpolation %.3f, untrained %.3f\n",
		    k / NR, v / NR, u / NR
		exit !(k / NR > u / NR + 0.3) }' scores
}

@test "kvae-video: kvae-train and vae-encode take Y4M on stdin; a CSV on stdin stays a stream" {
	kvae-balls --frames 30 --seed 9 -o - | kvae-train -q --latent-dim 2 --state-dim 2 \
		--filters 4,8 -e 1 --vae-epochs 1 --length 10 -o y.kvae -
	kvae-balls --frames 12 --seed 9 -o - | vae-encode -m y.kvae >z.csv
	[ "$(grep -c . z.csv)" -eq 13 ]
	vae-decode -m y.kvae -f csv z.csv | kvae-cat --head 2 | vae-encode -m y.kvae >again.csv
	[ "$(grep -c . again.csv)" -eq 3 ]
}

@test "kvae-video: pictures through <(cmd) and a FIFO lose no bytes to the content check" {
	m=$BATS_FILE_TMPDIR/kvae.kvae
	ffmpeg -nostdin -v error -i "$BATS_FILE_TMPDIR/test.mkv" -frames:v 8 v.y4m
	vae-encode -m "$m" v.y4m >a.csv
	vae-encode -m "$m" <(cat v.y4m) >b.csv
	cmp a.csv b.csv
	mkfifo f
	cat v.y4m >f &
	vae-encode -m "$m" f >c.csv
	wait
	cmp a.csv c.csv
	kvae-train -q --latent-dim 2 --state-dim 2 --filters 4,8 -e 1 --vae-epochs 1 \
		--length 4 --threads 1 -o p.kvae v.y4m
	kvae-train -q --latent-dim 2 --state-dim 2 --filters 4,8 -e 1 --vae-epochs 1 \
		--length 4 --threads 1 -o q.kvae <(cat v.y4m)
	cmp p.kvae q.kvae
}
