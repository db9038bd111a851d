#!/usr/bin/env bats
# The convolutional encoder/decoder (lib/vae/conv_net.h) against the same
# module in PyTorch: convnet_torch.py saves a random module with
# perturbed batch-norm statistics, inputs (with NaN pixels) and upstream
# gradients; convnet-check runs our net in training then evaluation mode
# and saves its outputs, gradients and running statistics; the script
# compares them with PyTorch's and loads our initialisation with
# strict=True.
bats_require_minimum_version 1.5.0
load ../common

# Both references in one Python run (importing torch is most of the time).
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	"$PYTHON" "$KVAE_ROOT/tests/reference/convnet_torch.py" make \
	    grey.st 1 32 4 8,16,32 rgb.st 3 16 4 8,16
}

# compare REF: our net on REF's parameters and inputs, checked by PyTorch.
compare() {
	run convnet-check "$BATS_FILE_TMPDIR/$1" ours.st init.st
	echo "$output"
	assert_success
	run "$PYTHON" "$KVAE_ROOT/tests/reference/convnet_torch.py" verify \
	    "$BATS_FILE_TMPDIR/$1" ours.st init.st
	echo "$output"
	assert_success
	refute_output --partial "MISMATCH"
	assert_output --partial "ok: train.grad.encoder.conv0.weight"
	assert_output --partial "ok: eval.grad.decoder.bn0.weight"
	assert_output --partial "ok: train.after.decoder.bn0.num_batches_tracked"
	assert_output --partial "ok: eval.dx"
	assert_output --partial "ok: init loads with strict=True"
}

@test "grey, S 32, filters 8,16,32: matches PyTorch in train and eval mode" {
	compare grey.st
}

@test "RGB, S 16, filters 8,16: matches PyTorch in train and eval mode" {
	compare rgb.st
}
