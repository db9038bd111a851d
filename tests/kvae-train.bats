#!/usr/bin/env bats
# kvae-train: options, logs, checkpoints and resume, bad input, and the
# learning test (imputation beats a VAE without dynamics and linear
# interpolation).
bats_require_minimum_version 1.5.0
load common

synth() { "$PYTHON" "$KVAE_ROOT/tests/tools/kvae-synth.py" "$@"; }
keval() { "$PYTHON" "$KVAE_ROOT/tests/tools/kvae-eval.py" "$@"; }

small() {	# 12 sequences of 20 records, dim 5; a quick model's options
	synth --sequences 12 --length 20 --dim 5 >d.csv
	OPTS=(-q --latent-dim 2 --state-dim 3 --hidden 8 --vae-epochs 2
		--batch-size 4 --threads 1)
}

@test "kvae-train: --help and --version" {
	run kvae-train --help
	assert_success
	assert_output --partial "Usage: kvae-train [OPTION]... -o MODEL DATA..."
	for o in --latent-dim --state-dim --hidden --no-dynamics --beta \
		--recon-weight --kl-anneal --samples --epochs --vae-epochs \
		--batch-size --lr --lr-decay --decay-every --clip --val-fraction \
		--seed --threads --log --checkpoint-every --resume --quiet; do
		assert_output --partial -- "$o"
	done
	run kvae-train --version
	assert_success
	assert_output --regexp "^kvae-train \(kvae-tools\) [0-9]"
}

@test "kvae-train: usage errors exit 2" {
	small
	run kvae-train d.csv
	assert_equal "$status" 2
	run kvae-train -o m.kvae
	assert_equal "$status" 2
	run kvae-train --kl-anneal sometimes -o m.kvae d.csv
	assert_equal "$status" 2
	run kvae-train --hidden 8,x -o m.kvae d.csv
	assert_equal "$status" 2
	run kvae-train --latent-dim 0 -o m.kvae d.csv
	assert_equal "$status" 2
	run kvae-train --bogus -o m.kvae d.csv
	assert_equal "$status" 2
	[ ! -e m.kvae ]
}

@test "kvae-train: log has one row per epoch, warm-up then joint" {
	small
	kvae-train "${OPTS[@]}" -e 5 --log log.csv -o m.kvae d.csv
	run cut -d, -f1,2 log.csv
	assert_output "$(printf 'epoch,phase\n1,vae\n2,vae\n3,joint\n4,joint\n5,joint')"
	# ELBO, terms and validation columns are numbers in joint epochs
	run awk -F, 'NR == 5 { for (i = 3; i <= 15; i++) if ($i !~ /^-?[0-9.e+-]+$/) print i, $i }' log.csv
	assert_output ""
}

@test "kvae-train: the same seed gives the same model, another seed another" {
	small
	kvae-train "${OPTS[@]}" -e 4 -o a.kvae d.csv
	kvae-train "${OPTS[@]}" -e 4 -o b.kvae d.csv
	kvae-train "${OPTS[@]}" -e 4 --seed 2 -o c.kvae d.csv
	cmp a.kvae b.kvae
	! cmp -s a.kvae c.kvae
}

@test "kvae-train: --resume continues bit-identically" {
	small
	kvae-train "${OPTS[@]}" -e 6 --kl-anneal cyclic --anneal-epochs 2 \
		--decay-every 2 -o full.kvae d.csv
	kvae-train "${OPTS[@]}" -e 3 --kl-anneal cyclic --anneal-epochs 2 \
		--decay-every 2 --checkpoint-every 3 --checkpoint c.ckpt -o half.kvae d.csv
	[ -s c.ckpt ]
	kvae-train "${OPTS[@]}" -e 6 --kl-anneal cyclic --anneal-epochs 2 \
		--decay-every 2 --resume c.ckpt -o resumed.kvae d.csv
	cmp full.kvae resumed.kvae
	! cmp -s half.kvae full.kvae
}

@test "kvae-train: SIGTERM writes a checkpoint that resumes bit-identically" {
	synth --sequences 40 --length 30 --dim 5 >d.csv
	OPTS=(-q --latent-dim 2 --state-dim 3 --hidden 16 --vae-epochs 1
		--batch-size 2 --threads 1)
	kvae-train "${OPTS[@]}" -e 100000 --checkpoint-every 50 -o m.kvae d.csv &
	pid=$!
	# training has begun (handlers in place) once a checkpoint exists
	for i in $(seq 300); do [ -s m.kvae.ckpt ] && break; sleep 0.1; done
	sleep 0.3
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	assert_equal "$st" 143
	[ -s m.kvae.ckpt ]
	[ ! -e m.kvae ]
	# the epoch it resumes at, from the checkpoint's metadata
	next=$("$PYTHON" -c 'import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]
print(json.loads(json.loads(f.read(n))["__metadata__"]["train"])["next_epoch"])' m.kvae.ckpt)
	[ "$next" -ge 1 ]
	kvae-train "${OPTS[@]}" -e $((next + 1)) --resume m.kvae.ckpt -o resumed.kvae d.csv
	kvae-train "${OPTS[@]}" -e $((next + 1)) -o straight.kvae d.csv
	cmp straight.kvae resumed.kvae
}

@test "kvae-train: bad input: a missing data file" {
	run --separate-stderr kvae-train -q -o m.kvae nosuch.csv
	assert_bad_input kvae-train "nosuch.csv"
	[ ! -e m.kvae ]
}

@test "kvae-train: bad input: malformed CSV" {
	printf '1,2\n3,x\n' >bad.csv
	run --separate-stderr kvae-train -q -o m.kvae bad.csv
	assert_bad_input kvae-train "bad.csv:2"
	[ ! -e m.kvae ]
}

@test "kvae-train: bad input: DATA files of different dimensions" {
	small
	synth --sequences 2 --length 5 --dim 4 >e.csv
	run --separate-stderr kvae-train "${OPTS[@]}" -o m.kvae d.csv e.csv
	assert_bad_input kvae-train "e.csv: records have 4 values, d.csv had 5"
}

@test "kvae-train: bad input: --resume of a file that is not a checkpoint" {
	small
	kvae-train "${OPTS[@]}" -e 1 -o m.kvae d.csv
	run --separate-stderr kvae-train "${OPTS[@]}" --resume m.kvae -o n.kvae d.csv
	assert_bad_input kvae-train "m.kvae: no \"train\" metadata"
	printf 'not a model' >junk.ckpt
	run --separate-stderr kvae-train "${OPTS[@]}" --resume junk.ckpt -o n.kvae d.csv
	assert_bad_input kvae-train "junk.ckpt"
	[ ! -e n.kvae ]
}

@test "kvae-train: bad input: --resume with data of another dimension" {
	small
	kvae-train "${OPTS[@]}" -e 1 --checkpoint-every 1 -o m.kvae d.csv
	synth --sequences 4 --length 5 --dim 4 >e.csv
	run --separate-stderr kvae-train "${OPTS[@]}" --resume m.kvae.ckpt -o n.kvae e.csv
	assert_bad_input kvae-train "takes 5 values per record, e.csv has 4"
}

@test "kvae-train: bad input: records with nothing observed" {
	printf 'nan,nan\nnan,nan\n\nnan,nan\n' >empty.csv
	run --separate-stderr kvae-train -q --latent-dim 1 --state-dim 1 \
		--hidden 4 -e 2 -o m.kvae empty.csv
	assert_bad_input kvae-train "have no observed values"
}

@test "kvae-train: the model file drives the imputation pipeline" {
	small
	kvae-train "${OPTS[@]}" -e 3 -o m.kvae d.csv
	vae-encode -m m.kvae d.csv | kvae-cat --keep-every 4 \
		| kf-smooth -m m.kvae | vae-decode -m m.kvae >imp.csv
	run kvae-cat --info imp.csv
	assert_line "dim: 5"
	assert_line "sequences: 12"
	assert_line "records: 240"
	assert_line "missing values: 0"
	kf-filter -m m.kvae <(vae-encode -m m.kvae d.csv) >f.csv
	run kvae-cat --info f.csv
	assert_line "dim: 2"
}

@test "kvae-train: learns; smoothing imputes better than a VAE and linear interpolation" {
	skip_if_sanitized
	synth --seed 1 >train.csv
	synth --seed 2 --sequences 16 --clean clean.csv >test.csv
	O=(-q --latent-dim 2 --hidden 32 --epochs 100 --batch-size 4 --lr 0.01
		--threads 1)
	kvae-train "${O[@]}" --state-dim 4 --log log.csv -o m.kvae train.csv
	kvae-train "${O[@]}" --no-dynamics -o v.kvae train.csv
	# Known-good: validation ELBO 5.8 nats per record with these options
	# (measured with --seed 1, 2, 3: 6.27, 5.83, 5.76); allow 0.8 below.
	elbo=$(tail -1 log.csv | cut -d, -f10)
	echo "validation ELBO $elbo (known good 5.8)"
	awk -v e="$elbo" 'BEGIN { exit !(e > 5.0) }'
	kvae-cat --keep-every 4 test.csv >gaps.csv
	vae-encode -m m.kvae test.csv | kvae-cat --keep-every 4 \
		| kf-smooth -m m.kvae | vae-decode -m m.kvae >kvae.csv
	vae-encode -m v.kvae test.csv | kvae-cat --keep-every 4 >zv.csv
	keval interp zv.csv | vae-decode -m v.kvae >vae.csv
	keval interp gaps.csv >lin.csv
	k=$(keval rmse clean.csv kvae.csv gaps.csv)
	v=$(keval rmse clean.csv vae.csv gaps.csv)
	l=$(keval rmse clean.csv lin.csv gaps.csv)
	echo "RMS error on the masked records: KVAE $k, VAE $v, linear $l"
	awk -v k="$k" -v v="$v" -v l="$l" 'BEGIN { exit !(k < v && k < l) }'
}

@test "kf-smooth -m: a VAE model file without an LGSSM is refused" {
	vae-mkmodel -o v.kvae -d 4 -l 2 -H 8 -s 3
	printf '1,2\n3,4\n' >z.csv
	run --separate-stderr kf-smooth -m v.kvae z.csv
	assert_bad_input kf-smooth 'v.kvae: no "lgssm.A" tensor'
}
