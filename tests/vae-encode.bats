#!/usr/bin/env bats
# vae-encode: records -> latent means through a model's encoder.
bats_require_minimum_version 1.5.0
load common
load vae-common

model() {	# an untrained 6 -> 2 model
	vae-mkmodel -o m.kvae -d 6 -l 2 -H 8 -s 3
}

@test "vae-encode: --help and --version" {
	run vae-encode --help
	assert_success
	assert_output --partial "Usage: vae-encode -m MODEL"
	assert_output --partial "--variances"
	run vae-encode --version
	assert_success
	assert_output --regexp "^vae-encode \(kvae-tools\) [0-9]"
}

@test "vae-encode: usage errors exit 2" {
	model
	run vae-encode a.csv
	assert_equal "$status" 2
	run vae-encode --bogus -m m.kvae
	assert_equal "$status" 2
	run vae-encode -m m.kvae a.csv b.csv
	assert_equal "$status" 2
	run vae-encode -m m.kvae -f xml a.csv
	assert_equal "$status" 2
}

@test "vae-encode: latent records named z1..zL, sequences kept" {
	circle >d.csv
	model
	run vae-encode -m m.kvae d.csv
	assert_success
	assert_line --index 0 "z1,z2"
	vae-encode -m m.kvae d.csv >z.csv
	run kvae-cat --info z.csv
	assert_line "dim: 2"
	assert_line "sequences: 4"
	assert_line "records: 240"
	assert_line "missing values: 0"
}

@test "vae-encode: --variances appends positive variances" {
	circle >d.csv
	model
	vae-encode -m m.kvae --variances d.csv >z.csv
	run head -1 z.csv
	assert_output "z1,z2,var_z1,var_z2"
	run awk -F, 'NR > 1 && NF && ($3 <= 0 || $4 <= 0)' z.csv
	assert_output ""
}

@test "vae-encode: binary in, binary out, same numbers as CSV" {
	circle >d.csv
	model
	kvae-cat -f bin d.csv >d.bin
	vae-encode -m m.kvae d.bin >z.bin
	[ "$(head -c 4 z.bin | od -An -tx1 | tr -d ' ')" = 4b56d17f ]
	vae-encode -m m.kvae -f csv d.bin >z.csv
	vae-encode -m m.kvae d.csv >z2.csv
	aeq -r 1e-12 z2.csv z.bin
	aeq -r 1e-12 z2.csv z.csv
}

@test "vae-encode: an all-missing record gives a missing latent record" {
	model
	printf '1,2,3,4,5,6\nnan,nan,nan,nan,nan,nan\n1,nan,3,4,5,6\n' >d.csv
	run vae-encode -m m.kvae d.csv
	assert_success
	assert_line --index 2 "nan,nan"
	refute_line --index 3 "nan,nan"
}

@test "vae-encode: -o writes the file; a failed run leaves it alone" {
	circle >d.csv
	model
	vae-encode -m m.kvae -o z.csv d.csv
	[ "$(wc -l <z.csv)" -eq 244 ]
	printf '1,2,3\n' >bad.csv
	cp z.csv keep.csv
	run vae-encode -m m.kvae -o z.csv bad.csv
	assert_equal "$status" 1
	cmp z.csv keep.csv
	[ -z "$(ls -A . | grep '^\.z\.csv')" ]
}

@test "vae-encode: streams (each record out before the input ends)" {
	model
	mkfifo in
	( printf '1,2,3,4,5,6\n'; sleep 6 ) >in &
	run timeout 3 vae-encode -m m.kvae in
	[ "${lines[0]}" = "z1,z2" ]
	[ "${#lines[@]}" -eq 2 ]
	kill %1 2>/dev/null || true
}

@test "vae-encode: records of the wrong dimension are refused" {
	model
	printf '1,2,3\n' >d.csv
	run --separate-stderr vae-encode -m m.kvae d.csv
	assert_bad_input vae-encode "d.csv: records have 3 values, but m.kvae encodes records of 6"
}

@test "vae-encode: a missing model file is refused" {
	printf '1,2,3,4,5,6\n' >d.csv
	run --separate-stderr vae-encode -m nope.kvae d.csv
	assert_bad_input vae-encode "nope.kvae: No such file"
}

@test "vae-encode: a file that is not safetensors is refused" {
	printf '1,2,3,4,5,6\n' >d.csv
	printf 'hello world, this is not a model\n' >m.kvae
	run --separate-stderr vae-encode -m m.kvae d.csv
	assert_bad_input vae-encode "m.kvae: header length [0-9]+ exceeds the limit"
}

@test "vae-encode: a truncated model file is refused" {
	model
	printf '1,2,3,4,5,6\n' >d.csv
	head -c 300 m.kvae >t.kvae
	run --separate-stderr vae-encode -m t.kvae d.csv
	assert_bad_input vae-encode "t.kvae: .*truncated"
	size=$(stat -c %s m.kvae)
	head -c $((size - 4)) m.kvae >t.kvae
	run --separate-stderr vae-encode -m t.kvae d.csv
	assert_bad_input vae-encode "t.kvae: tensors cover [0-9]+ bytes but the data buffer holds"
}

@test "vae-encode: a safetensors file without kvae metadata is refused" {
	printf '1,2,3,4,5,6\n' >d.csv
	printf '\x10\x00\x00\x00\x00\x00\x00\x00{}              ' >e.kvae
	run --separate-stderr vae-encode -m e.kvae d.csv
	assert_bad_input vae-encode 'e.kvae: no "kvae" entry in __metadata__'
}

@test "vae-encode: a malformed record is refused with its line" {
	model
	printf '1,2,3,4,5,6\n1,2,x,4,5,6\n' >d.csv
	run --separate-stderr vae-encode -m m.kvae d.csv
	assert_bad_input vae-encode "d.csv:2"
}
