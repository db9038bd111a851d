#!/usr/bin/env bats
# Sound through the VAE: kvae-train on sound files, vae-encode of a sound
# into one latent record per STFT frame, vae-decode back to a sound with
# a reference's phase, a gain on it, or Griffin-Lim. The features and the
# rebuilt waveform are checked against numpy (tests/vae_audio_check.py,
# librosa's conventions); the model's quality is not (3 epochs).

bats_require_minimum_version 1.5.0
load common

check() { "$PYTHON" "$KVAE_ROOT/tests/vae_audio_check.py" "$@"; }

setup_file() {
	D=$BATS_FILE_TMPDIR
	check gen "$D"
	kvae-train -q --latent-dim 4 --state-dim 8 --hidden 32 --length 20 \
	    --batch-size 4 -e 3 --vae-epochs 1 -o "$D/m.kvae" "$D"/train-*.wav
}

setup() {
	T=$BATS_TEST_TMPDIR
	D=$BATS_FILE_TMPDIR
	cd "$T" || return 1
}

@test "kvae-train on sound files: the STFT, rate and features are in the model" {
	run check meta "$D/m.kvae"
	assert_output '{"features": "log(|X| + floor)", "floor": 1e-05, "hop": 128, "input_dim": 257, "sample_rate": 16000, "shape": "hann", "window": 512}'
	run kvae-train -q --window 25ms --hop 10ms --window-type hamming --floor 0.25 \
	    --latent-dim 2 --state-dim 2 --hidden 8 -e 1 --vae-epochs 1 -o ms.kvae "$D"/train-0[01].wav
	assert_success
	run check meta ms.kvae
	assert_output '{"features": "log(|X| + floor)", "floor": 0.25, "hop": 160, "input_dim": 201, "sample_rate": 16000, "shape": "hamming", "window": 400}'
	# the encoder takes the model's floor and window
	vae-encode -m ms.kvae "$D/noisy.wav" >zf.csv
	check features "$D/noisy.wav" 400 160 0.25 hamming >featf.csv
	vae-encode -m ms.kvae featf.csv >zfref.csv
	run aeq -a 1e-5 -r 1e-5 zfref.csv zf.csv
	assert_success
}

@test "vae-encode: one record per STFT frame, the encoder of numpy's features" {
	vae-encode -m "$D/m.kvae" "$D/noisy.wav" >z.csv
	# 16000 samples, hop 128: 1 + 16000 / 128 = 126 frames, and a header
	[ "$(wc -l <z.csv)" -eq 127 ]
	check features "$D/noisy.wav" 512 128 >feat.csv
	vae-encode -m "$D/m.kvae" feat.csv >zref.csv
	run aeq -a 1e-5 -r 1e-5 zref.csv z.csv
	assert_success
	# from a pipe, the same
	cat "$D/noisy.wav" | vae-encode -m "$D/m.kvae" - >zpipe.csv
	cmp z.csv zpipe.csv
}

@test "vae-encode: the mono mix by default, one channel with --channel" {
	vae-encode -m "$D/m.kvae" "$D/stereo.wav" >mix.csv
	vae-encode -m "$D/m.kvae" "$D/mix.wav" >mixref.csv
	run aeq -a 1e-4 -r 1e-4 mixref.csv mix.csv
	assert_success
	vae-encode -m "$D/m.kvae" --channel 2 "$D/stereo.wav" >right.csv
	vae-encode -m "$D/m.kvae" "$D/right.wav" >rightref.csv
	cmp right.csv rightref.csv
	run --separate-stderr vae-encode -m "$D/m.kvae" --channel 3 "$D/stereo.wav"
	assert_bad_input vae-encode "stereo.wav: --channel 3, but it has 2 channels"
}

@test "vae-decode --phase-from: the decoded magnitudes with the reference's phase, its length and format" {
	vae-encode -m "$D/m.kvae" "$D/noisy.wav" | kf-smooth -m "$D/m.kvae" >zs.csv
	vae-decode -m "$D/m.kvae" -f csv zs.csv >feat.csv
	vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" -o out.wav zs.csv
	run check rebuild feat.csv "$D/noisy.wav" 512 128 out.wav
	echo "$output"
	assert_success
	run ffprobe -v error -show_entries stream=sample_rate,channels,sample_fmt -of csv=p=0 out.wav
	assert_output "flt,16000,1"
	vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --mask -o mask.wav zs.csv
	run check rebuild feat.csv "$D/noisy.wav" 512 128 mask.wav mask
	echo "$output"
	assert_success
	# a 16-bit reference gives a 16-bit output; .flac by its name
	vae-decode -m "$D/m.kvae" --phase-from "$D/pcm16.wav" -o out.flac zs.csv
	run ffprobe -v error -show_entries stream=codec_name,sample_rate,sample_fmt -of csv=p=0 out.flac
	assert_output "flac,s16,16000"
}

@test "vae-decode without a reference: Griffin-Lim, (frames - 1) hop samples, the same every run" {
	vae-encode -m "$D/m.kvae" "$D/noisy.wav" >z.csv
	vae-decode -m "$D/m.kvae" -o a.wav z.csv
	vae-decode -m "$D/m.kvae" -o b.wav z.csv
	cmp a.wav b.wav
	run ffprobe -v error -show_entries stream=sample_rate,sample_fmt,duration_ts -of csv=p=0 a.wav
	assert_output "s16,16000,16000"
	vae-decode -m "$D/m.kvae" --griffin-lim 3 -o c.wav z.csv
	! cmp -s a.wav c.wav
}

@test "vae-decode --gaps: dropped frames get phases from their neighbours and Griffin-Lim, as numpy's transcription does; nothing dropped, nothing changed" {
	vae-encode -m "$D/m.kvae" "$D/noisy.wav" >z.csv
	kvae-cat --drop-random 0.2 --seed 3 z.csv >gappy.csv
	kf-smooth -m "$D/m.kvae" gappy.csv >filled.csv
	vae-decode -m "$D/m.kvae" -f csv filled.csv >feat.csv
	vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --gaps gappy.csv \
	    -o out.wav filled.csv
	run check fill feat.csv "$D/noisy.wav" gappy.csv 512 128 32 out.wav
	echo "$output"
	assert_success
	# the seeded phases alone, and a gap at the very start
	{ head -1 gappy.csv; echo nan,nan,nan,nan; echo nan,nan,nan,nan; tail -n +4 gappy.csv; } >start.csv
	kf-smooth -m "$D/m.kvae" start.csv >sfilled.csv
	vae-decode -m "$D/m.kvae" -f csv sfilled.csv >sfeat.csv
	vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --gaps start.csv \
	    --griffin-lim 0 -o seed.wav sfilled.csv
	run check fill sfeat.csv "$D/noisy.wav" start.csv 512 128 0 seed.wav
	echo "$output"
	assert_success
	# no record missing: the bytes of decoding without --gaps, a second
	# later (a float WAV carries no PEAK chunk with the time of writing)
	vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" -o plain.wav z.csv
	sleep 1
	vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --gaps z.csv -o same.wav z.csv
	cmp plain.wav same.wav
}

@test "kvae-train --noise-snr: a model of noisy tones raises held-out 5 dB signals by over 1 dB, and smoothing beats the VAE alone" {
	skip_if_sanitized
	check gen-denoise .
	# 24 tones of 2 s, each with white noise at 0, 5 and 10 dB in and
	# clean out; about 20 s on one thread
	kvae-train -q --noise-snr 0,5,10 --latent-dim 8 --state-dim 16 \
	    --hidden 128,64 --length 20 --batch-size 8 -e 30 --vae-epochs 5 \
	    --threads 1 -o den.kvae den-*.wav
	for i in 0 1 2 3; do
		vae-encode -m den.kvae noisy-$i.wav >z.csv
		vae-decode -m den.kvae --phase-from noisy-$i.wav -o vae.wav z.csv
		kf-smooth -m den.kvae z.csv |
		    vae-decode -m den.kvae --phase-from noisy-$i.wav -o smooth.wav
		echo $(check snr clean-$i.wav noisy-$i.wav vae.wav smooth.wav)
	done >snrs
	cat snrs
	# Measured while writing this, training seeds 1-4: in 5.04 dB, the
	# VAE alone 6.45-8.57, smoothed 6.58-9.03 (ahead of the VAE by
	# 0.1-0.5 dB with every seed).
	awk '{ i += $1; v += $2; s += $3 } END {
		printf "mean SNR: input %.2f dB, VAE alone %.2f dB, smoothed %.2f dB\n",
		    i / NR, v / NR, s / NR
		exit !(s / NR > i / NR + 1 && s / NR > v / NR) }' snrs
}

@test "sound models: what cannot be done is refused before anything is written" {
	vae-encode -m "$D/m.kvae" "$D/noisy.wav" >z.csv
	run --separate-stderr vae-encode -m "$D/m.kvae" "$D/rate8k.wav"
	assert_bad_input vae-encode "rate8k.wav: 8000 Hz, but .*m.kvae was trained at 16000 Hz \(resample first"
	run --separate-stderr vae-decode -m "$D/m.kvae" --mask -o x.wav z.csv
	assert_bad_input vae-decode "--mask needs --phase-from"
	run --separate-stderr vae-decode -m "$D/m.kvae" z.csv
	assert_bad_input vae-decode "an audio model decodes to a sound file: name it with -o"
	run --separate-stderr bash -c "set -o pipefail; vae-decode -m '$D/m.kvae' -o /dev/stdout z.csv | cat"
	assert_bad_input vae-decode "/dev/stdout: not a regular file: a sound file is finished by seeking back"
	run --separate-stderr vae-decode -m "$D/m.kvae" -o x.xyz z.csv
	assert_equal "$status" 1
	[ ! -e x.xyz ]
	head -60 z.csv >short.csv
	run --separate-stderr vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" -o x.wav short.csv
	assert_bad_input vae-decode "--phase-from .*noisy.wav: 126 STFT frames, but the latent stream has 59 records"
	[ ! -e x.wav ]
	kvae-cat --keep-every 2 z.csv >gaps.csv
	run --separate-stderr vae-decode -m "$D/m.kvae" -o x.wav gaps.csv
	assert_bad_input vae-decode "gaps.csv:3: a missing latent value \(fill gaps with kf-smooth first\)"
	run --separate-stderr vae-encode -m "$D/m.kvae" --phase-from "$D/noisy.wav" "$D/noisy.wav"
	assert_equal "$status" 2
	run --separate-stderr vae-encode -m "$D/m.kvae" --gaps gaps.csv "$D/noisy.wav"
	assert_equal "$status" 2
	run --separate-stderr vae-decode -m "$D/m.kvae" --gaps gaps.csv -o x.wav z.csv
	assert_bad_input vae-decode "--gaps needs --phase-from REF"
	run --separate-stderr vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --gaps short.csv -o x.wav z.csv
	assert_bad_input vae-decode "--gaps .*short.csv: 59 records, but the latent stream has 126"
	cut -d, -f1-3 gaps.csv >narrow.csv
	run --separate-stderr vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --gaps narrow.csv -o x.wav z.csv
	assert_bad_input vae-decode "--gaps .*narrow.csv: records have 3 values, the model's latent records 4"
	printf 'not a stream\x01\x02\n' >junk.csv
	run --separate-stderr vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --gaps junk.csv -o x.wav z.csv
	assert_bad_input vae-decode "junk.csv"
	run --separate-stderr vae-decode -m "$D/m.kvae" --phase-from "$D/noisy.wav" --gaps missing.csv -o x.wav z.csv
	assert_bad_input vae-decode "missing.csv"
	run --separate-stderr vae-decode -m "$D/m.kvae" --gaps gaps.csv -f csv z.csv
	assert_bad_input vae-decode "--phase-from, --mask, --griffin-lim and --gaps are for decoding a sound model to a sound file"
	[ ! -e x.wav ]
	printf 'RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00garbage' >bad.wav
	run --separate-stderr vae-encode -m "$D/m.kvae" bad.wav
	assert_bad_input vae-encode "bad.wav"
	: >empty.wav
	run --separate-stderr kvae-train -q -e 1 -o e.kvae "$D/noisy.wav" empty.wav
	assert_bad_input kvae-train "empty.wav"
	[ ! -e e.kvae ]
	run --separate-stderr kvae-train -q -e 1 -o r.kvae "$D/noisy.wav" "$D/rate8k.wav"
	assert_bad_input kvae-train "rate8k.wav: 8000 Hz, but the first file is at 16000 Hz"
	run --separate-stderr kvae-train -q -e 1 --window 512 --hop 300 -o h.kvae "$D/noisy.wav"
	assert_bad_input kvae-train "--window 512 --hop 300 at 16000 Hz"
	run --separate-stderr kvae-train -q -e 1 --noise-snr 5 -o n.kvae z.csv
	assert_equal "$status" 2
	[[ "$stderr" == *"--noise-snr is for sound files, and z.csv is not one"* ]]
	for bad in '--noise-snr 5,x' '--noise-snr -31' '--noise-snr 61' '--floor 0' '--floor x'; do
		run --separate-stderr kvae-train -q -e 1 $bad -o n.kvae "$D/noisy.wav"
		assert_equal "$status" 2
		[[ "$stderr" == "kvae-train: ${bad%% *}: "* ]] || { echo "$bad: $stderr"; return 1; }
	done
	[ ! -e n.kvae ]
	run --separate-stderr kvae-train -q -e 1 --window 511 -o h.kvae "$D/noisy.wav"
	assert_bad_input kvae-train "--window 511 --hop 128 at 16000 Hz: an even window of 2 to 65536 samples"
}
