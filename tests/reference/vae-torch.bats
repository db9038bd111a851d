#!/usr/bin/env bats
# vae-encode / vae-decode against PyTorch: a VAE built and exported by
# PyTorch (kvae-model(5) names, safetensors written from the published
# format) loads, and the tools print what PyTorch computes.
bats_require_minimum_version 1.5.0
load ../common

@test "vae-encode matches PyTorch's encoder on a PyTorch-made model" {
	run "$PYTHON" "$KVAE_ROOT/tests/reference/vae_torch.py" .
	assert_success
	run vae-encode -m model.kvae --variances records.csv
	assert_success
	vae-encode -m model.kvae --variances records.csv >got.csv
	aeq -r 1e-5 -a 1e-6 want-encode.csv got.csv
}

@test "vae-decode matches PyTorch's decoder on a PyTorch-made model" {
	"$PYTHON" "$KVAE_ROOT/tests/reference/vae_torch.py" .
	vae-decode -m model.kvae --variances latents.csv >got.csv
	aeq -r 1e-5 -a 1e-6 want-decode.csv got.csv
	vae-decode -m model.kvae --variances -f bin latents.csv >got.bin
	aeq -r 1e-5 -a 1e-6 want-decode.csv got.bin
}
