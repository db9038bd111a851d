#!/usr/bin/env bats
# lib/media/stft against scipy.signal.stft/istft and librosa's definition
# transcribed in numpy (tests/reference/stft_ref.py): windows, sizes with
# odd factors, hops from 1 to half the window, signals shorter than a
# window; Griffin-Lim (lib/media/phase) against librosa's loop. Within
# 1e-9 relative (1e-8 for Griffin-Lim); doubles give 1e-15 to 1e-10.

load ../common

ref() {
	run "$PYTHON" "$KVAE_ROOT/tests/reference/stft_ref.py" "$@"
	echo "$output"
	assert_success
}

@test "stft forward: scipy and librosa's spectrogram, hann, hamming, blackman, rect" {
	ref forward 2048 512 hann 22050 1
	ref forward 400 160 hamming 16001 2
	ref forward 882 441 blackman 5000 3
	ref forward 16 8 rect 100 4
	ref forward 1024 1 hann 3000 5
	ref forward 512 128 hann 100 6
}

@test "stft inverse: scipy's and librosa's istft of a spectrogram no signal has" {
	ref inverse 2048 512 hann 22050 7
	ref inverse 400 100 hamming 3001 8
	ref inverse 64 32 blackman 1000 9
	ref inverse 16 8 rect 100 10
	ref inverse 8 4 hann 3 11
}

@test "griffin-lim: librosa's loop, with and without momentum, from random phases" {
	ref griffinlim 512 128 hann 8000 12 32 0.99
	ref griffinlim 256 64 hamming 4000 13 100 0.99
	ref griffinlim 256 128 hann 4000 14 50 0
}

@test "stft: what scipy would not invert is refused by name" {
	run stft_tool forward 512 300 hann </dev/null
	assert_failure 1
	assert_output --partial "STFT hop 300: from 1 to half the window, 256"
	run stft_tool forward 511 128 hann </dev/null
	assert_failure 1
	assert_output --partial "STFT size 511: an even number"
}
