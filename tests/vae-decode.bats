#!/usr/bin/env bats
# vae-decode: latent records -> records through a model's decoder; the
# encode/decode round trip of a fitted model.
bats_require_minimum_version 1.5.0
load common
load vae-common

# rmse A B: root mean square difference of two CSV files without header
# lines or blank lines, and the RMS deviation of A from its column means.
rmse() {
	paste -d, "$1" "$2" | awk -F, 'NF > 1 && $1 !~ /[a-z]/ {
	    for (i = 1; i <= 6; i++) { d = $i - $(i + 6); se += d * d;
	        s[i] += $i; ss[i] += $i * $i } n++ }
	    END { for (i = 1; i <= 6; i++) v += ss[i] / n - (s[i] / n) ^ 2;
	        printf "%.6f %.6f\n", sqrt(se / (6 * n)), sqrt(v / 6) }'
}

@test "vae-decode: --help and --version" {
	run vae-decode --help
	assert_success
	assert_output --partial "Usage: vae-decode -m MODEL"
	run vae-decode --version
	assert_success
	assert_output --regexp "^vae-decode \(kvae-tools\) [0-9]"
}

@test "vae-decode: usage errors exit 2" {
	run vae-decode z.csv
	assert_equal "$status" 2
	run vae-decode -m m.kvae --bogus
	assert_equal "$status" 2
}

@test "vae-decode: a fitted model reconstructs its records" {
	circle >d.csv
	run vae-mkmodel -o m.kvae -d 6 -l 2 -H 32 -t d.csv -e 150 -b 16 -r 0.01
	assert_success
	vae-encode -m m.kvae d.csv | vae-decode -m m.kvae >r.csv
	run kvae-cat --info r.csv
	assert_line "dim: 6"
	assert_line "sequences: 4"
	assert_line "records: 240"
	read -r err spread < <(rmse d.csv r.csv)
	echo "round-trip RMSE $err, data RMS spread $spread"
	# The reconstruction error must be a small part of the data's spread.
	awk -v e="$err" -v s="$spread" 'BEGIN { exit !(e < 0.25 * s) }'
}

@test "vae-decode: a latent record with a missing value decodes to a missing record" {
	vae-mkmodel -o m.kvae -d 6 -l 2 -H 8
	printf '0.1,0.2\nnan,0.3\n0.5,0.6\n' >z.csv
	run vae-decode -m m.kvae z.csv
	assert_success
	assert_line --index 1 "nan,nan,nan,nan,nan,nan"
	refute_line --index 2 "nan,nan,nan,nan,nan,nan"
}

@test "vae-decode: --variances appends the decoder's variances in data units" {
	circle >d.csv
	vae-mkmodel -o m.kvae -d 6 -l 2 -H 8 -t d.csv -e 3
	printf '0.1,0.2\n0.5,0.6\n' >z.csv
	run vae-decode -m m.kvae --variances z.csv
	assert_success
	assert_line --index 0 "x1,x2,x3,x4,x5,x6,var_x1,var_x2,var_x3,var_x4,var_x5,var_x6"
	assert_line --index 1 --regexp "^([^,]+,){11}[^,]+$"
	# The variances are the same for every record and positive.
	vae-decode -m m.kvae --variances z.csv >r.csv
	run awk -F, 'NR > 1 { v = $7 "," $8 "," $9 "," $10 "," $11 "," $12 }
	    NR == 2 { f = v } NR > 1 && (v != f || $7 <= 0) { print "bad", NR }' r.csv
	assert_output ""
}

@test "vae-decode: binary latents decode like CSV ones" {
	vae-mkmodel -o m.kvae -d 6 -l 2 -H 8
	printf '0.1,0.2\n0.5,0.6\n\n-1,2\n' >z.csv
	kvae-cat -f bin z.csv >z.bin
	vae-decode -m m.kvae z.csv >a.csv
	vae-decode -m m.kvae -f csv z.bin >b.csv
	aeq -r 1e-12 a.csv b.csv
}

@test "vae-decode: latents of the wrong dimension are refused" {
	vae-mkmodel -o m.kvae -d 6 -l 2 -H 8
	printf '0.1,0.2,0.3\n' >z.csv
	run --separate-stderr vae-decode -m m.kvae z.csv
	assert_bad_input vae-decode "z.csv: records have 3 values, but m.kvae decodes latent records of 2"
}

@test "vae-decode: a model whose tensors disagree with its metadata is refused" {
	vae-mkmodel -o m.kvae -d 6 -l 2 -H 8
	# Same tensors, metadata claiming another latent size: rewrite the
	# header in place (same length) with sed.
	LC_ALL=C sed 's/latent_dim\\":2/latent_dim\\":3/' m.kvae >b.kvae
	printf '0.1,0.2,0.3\n' >z.csv
	run --separate-stderr vae-decode -m b.kvae z.csv
	assert_bad_input vae-decode 'b.kvae: tensor "encoder.mean.weight" is 2x8, expected 3x8'
}
