#!/usr/bin/env bats
# The KVAE objective and all its gradients (lib/vae/kvae.c: Fisher's identity
# for the LGSSM term) against PyTorch autograd through a plain Kalman
# filter, in float64, on a model written by kvae-train: dense on vector
# records, and the paper's convolutional net on bouncing-ball frames (in
# training mode, as a step runs it); vae-encode and vae-decode of video
# against the same nn.Module in eval mode, grey and RGB.
bats_require_minimum_version 1.5.0
load ../common

@test "KVAE objective and gradients = PyTorch autograd (with and without dynamics)" {
	"$PYTHON" "$KVAE_ROOT/tests/tools/kvae-synth.py" --sequences 8 --length 10 --dim 5 >d.csv
	kvae-train -q --latent-dim 2 --state-dim 3 --hidden 6,4 -e 4 --vae-epochs 2 \
		--threads 1 -o m.kvae d.csv
	run "$PYTHON" "$KVAE_ROOT/tests/reference/kvae_torch.py" m.kvae .
	echo "$output"
	assert_success
	assert_output --partial "lgssm.Q_log_std"
	assert_output --regexp "worst [0-9.e-]+, tolerance 0.0001"
}

@test "conv KVAE on real frames: objective and gradients of a training step = PyTorch autograd" {
	kvae-balls --sequences 4 --frames 30 --seed 4 -o 'b-%d.mkv'
	kvae-train -q --latent-dim 3 --state-dim 4 --filters 8,16 -e 2 --vae-epochs 1 \
		--length 15 --threads 1 -o m.kvae b-*.mkv
	ffmpeg -nostdin -v error -i b-2.mkv -vf scale=32:32:flags=area,format=gray \
		-f rawvideo frames.raw
	run "$PYTHON" "$KVAE_ROOT/tests/reference/kvae_torch.py" m.kvae . frames.raw
	echo "$output"
	assert_success
	assert_output --partial "encoder.bn1.weight"
	assert_output --regexp "worst [0-9.e-]+, tolerance 0.0001"
}

@test "conv KVAE: vae-encode and vae-decode of a video = the PyTorch module in eval()" {
	kvae-balls --sequences 3 --frames 30 --seed 5 -o 'b-%d.mkv'
	kvae-train -q --latent-dim 3 --state-dim 4 --filters 8,16 -e 2 --vae-epochs 1 \
		--length 15 --threads 1 -o m.kvae b-*.mkv
	ffmpeg -nostdin -v error -i b-1.mkv -vf scale=32:32:flags=area,format=gray \
		-f rawvideo frames.raw
	vae-encode -m m.kvae b-1.mkv >z.csv
	vae-decode -m m.kvae -f csv z.csv >rec.csv
	run "$PYTHON" "$KVAE_ROOT/tests/reference/vae_frames_torch.py" m.kvae frames.raw z.csv rec.csv
	echo "$output"
	assert_success
	assert_output --partial "frames 30"
}

@test "conv KVAE in colour: vae-encode and vae-decode = the PyTorch module in eval()" {
	ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=96x64:rate=10" -frames:v 20 \
		-c:v ffv1 c.mkv
	kvae-train -q --channels 3 --frame-size 16 --latent-dim 3 --state-dim 4 \
		--filters 4,8 -e 2 --vae-epochs 1 --length 10 --threads 1 -o m.kvae c.mkv
	ffmpeg -nostdin -v error -i c.mkv -vf scale=16:16:flags=area,format=rgb24 \
		-f rawvideo frames.raw
	vae-encode -m m.kvae c.mkv >z.csv
	vae-decode -m m.kvae -f csv z.csv >rec.csv
	run "$PYTHON" "$KVAE_ROOT/tests/reference/vae_frames_torch.py" m.kvae frames.raw z.csv rec.csv
	echo "$output"
	assert_success
}
