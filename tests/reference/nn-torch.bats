#!/usr/bin/env bats
# The nn layers against PyTorch (llm.c's test_gpt2 pattern): PyTorch
# writes weights, input, activations, loss and gradients; nn-torch-check
# recomputes them on our layers and compares; PyTorch then reads the
# file we wrote (safetensors both ways) and checks our gradients again.
bats_require_minimum_version 1.5.0
load ../common

@test "nn layers match PyTorch: activations, loss, gradients, running stats" {
	run "$PYTHON" "$KVAE_ROOT/tests/reference/nn_torch.py" make ref.st
	assert_success
	run nn-torch-check ref.st ours.st
	echo "$output"
	assert_success
	refute_output --partial "not ok"
	assert_output --partial "grad.net.conv1.weight"
	assert_output --partial "y_eval"
}

@test "PyTorch reads our safetensors file and agrees with our gradients" {
	"$PYTHON" "$KVAE_ROOT/tests/reference/nn_torch.py" make ref.st
	nn-torch-check ref.st ours.st >/dev/null
	run "$PYTHON" "$KVAE_ROOT/tests/reference/nn_torch.py" verify ref.st ours.st
	echo "$output"
	assert_success
	refute_output --partial "MISMATCH"
	assert_output --partial "ok: grad.net.fc2.weight"
	assert_output --partial "'producer': 'nn-torch-check'"
}
