#!/usr/bin/env bats
# The KVAE objective and all its gradients (lib/vae/kvae.c: Fisher's identity
# for the LGSSM term) against PyTorch autograd through a plain Kalman
# filter, in float64, on a model written by kvae-train.
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
