#!/usr/bin/env bats
# kvae-train under mpirun: P = 1, 2 and 3 processes on one machine train
# the model one process trains (losses per step and final parameters
# within a stated tolerance), only rank 0 writes, a signal to one rank
# stops them all with one checkpoint that resumes bit-identically, and a
# rank that dies or fails takes the job down instead of hanging.
bats_require_minimum_version 1.5.0
load common

synth() { "$PYTHON" "$KVAE_ROOT/tests/tools/kvae-synth.py" "$@"; }
model_diff() { "$PYTHON" "$KVAE_ROOT/tests/tools/model-diff.py" "$@"; }

# Open MPI on a 2-core machine: 3 ranks oversubscribe it, ranks yield
# while they wait, shared memory only; root in a container needs the
# two variables (Open MPI refuses root otherwise).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_mpi_yield_when_idle=1
# Under the sanitizers, leak checking is off for the ranks: Open MPI's
# plugins leak at MPI_Finalize and are unloaded before LeakSanitizer
# reports, so their stacks cannot be suppressed by name. The same
# training code is leak-checked in one process by kvae-train.bats; the
# address and undefined-behaviour checks stay on here.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
mpi() {	# mpi P CMD...
	local p=$1; shift
	mpirun --oversubscribe -np "$p" "$@"
}

# The per-epoch numbers of a training log (elbo .. val_recon_rmse
# without the LGSSM columns, empty during the warm-up), one row a line.
log_numbers() {
	tail -n +2 "$1" | cut -d, -f5-7,9-12,14
}

# The pid of rank R of a running job whose command line holds PATTERN.
rank_pid() {
	local pattern=$1 r=$2 p
	for p in $(pgrep -f "$pattern"); do
		if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
		    grep -qx "OMPI_COMM_WORLD_RANK=$r"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

@test "mpi: kvae-train is built with MPI here" {
	# make deps installs Open MPI; without it the tests below would
	# pass on P independent single-process runs.
	run pkg-config --exists mpi-c
	assert_success
	ldd "$KVAE_BIN/kvae-train" | grep -q 'libmpi\.so'
	run mpi 2 kvae-train --version
	assert_success
	assert_line --index 0 --regexp "^kvae-train \(kvae-tools\)"
}

@test "mpi: a dense KVAE, one step per epoch: P = 1, 2, 3 give one process's losses per step and parameters" {
	# 13 sequences, 3 to validation: 10 in one batch of 10, so each
	# epoch's row is one step's loss; 3 ranks split it 4, 3, 3.
	synth --sequences 13 --length 20 --dim 5 >d.csv
	opts=(-q --latent-dim 2 --state-dim 3 --hidden 8 --vae-epochs 2 -e 8
		--batch-size 10 --val-fraction 0.2 --threads 1)
	kvae-train "${opts[@]}" --log one.csv -o one.kvae d.csv
	for p in 1 2 3; do
		mpi $p kvae-train "${opts[@]}" --log p$p.csv -o p$p.kvae d.csv
		aeq -r 1e-5 -a 1e-6 <(log_numbers one.csv) <(log_numbers p$p.csv)
		run model_diff --rtol 1e-5 one.kvae p$p.kvae
		assert_success
	done
	assert_equal "$(wc -l <p3.csv)" 9
}

@test "mpi: a convolutional KVAE with batch norm, uneven batches: P = 2, 3 agree with one process" {
	# 14 windows of 6 frames, 3 to validation: batches of 5, 5 and 1
	# (the last leaves ranks idle); batch norm is synchronised.
	kvae-balls -n 7 -T 12 --size 16 --seed 4 -o 'b-%02d.mkv'
	opts=(-q --latent-dim 2 --state-dim 3 --frame-size 16 --filters 4,8
		--length 6 --batch-size 5 --vae-epochs 2 -e 4 --val-fraction 0.2
		--threads 1)
	kvae-train "${opts[@]}" --log one.csv -o one.kvae b-*.mkv
	for p in 2 3; do
		mpi $p kvae-train "${opts[@]}" --log p$p.csv -o p$p.kvae b-*.mkv
		aeq -r 1e-5 -a 1e-6 <(log_numbers one.csv) <(log_numbers p$p.csv)
		run model_diff --rtol 1e-4 one.kvae p$p.kvae
		assert_success
	done
}

@test "mpi: a denoising sound model (noisy records in, clean targets out): P = 2 agrees with one process" {
	# six 1 s tones with noise at 5 dB: 186 sequences of 4 STFT frames,
	# 37 to validation, batches of 8 (the last of 5) split between the
	# ranks with their clean targets
	"$PYTHON" "$KVAE_ROOT/tests/vae_audio_check.py" gen .
	opts=(-q --noise-snr 5 --latent-dim 2 --state-dim 3 --hidden 8
		--length 4 --batch-size 8 --vae-epochs 1 -e 3 --val-fraction 0.2
		--threads 1)
	kvae-train "${opts[@]}" --log one.csv -o one.kvae train-*.wav
	mpi 2 kvae-train "${opts[@]}" --log p2.csv -o p2.kvae train-*.wav
	aeq -r 1e-5 -a 1e-6 <(log_numbers one.csv) <(log_numbers p2.csv)
	run model_diff --rtol 1e-5 one.kvae p2.kvae
	assert_success
}

@test "mpi: rank 0 alone writes and speaks" {
	synth --sequences 8 --length 10 --dim 3 >d.csv
	run --separate-stderr mpi 3 kvae-train --latent-dim 2 --state-dim 2 \
		--hidden 4 -e 2 --vae-epochs 1 --batch-size 4 --threads 1 \
		--log log.csv -o m.kvae d.csv
	assert_success
	assert_equal "$(ls | grep -v separate-stderr | sort | tr "\n" " ")" "d.csv log.csv m.kvae "
	# one notice of the ranks, from rank 0
	assert_equal "$(grep -c 'ranks share each batch' <<<"$stderr")" 1
	[[ "$stderr" =~ "3 ranks share each batch of 4 sequences" ]]
}

@test "mpi: SIGTERM to one rank stops every rank with one checkpoint that resumes bit-identically" {
	synth --sequences 40 --length 30 --dim 5 >d.csv
	opts=(-q --latent-dim 2 --state-dim 3 --hidden 16 --vae-epochs 1
		--batch-size 4 --threads 1)
	mpi 2 kvae-train "${opts[@]}" -e 100000 --checkpoint-every 20 \
		-o m.kvae d.csv 2>err.txt &
	job=$!
	wait_until 60 test -s m.kvae.ckpt
	pid=$(rank_pid "kvae-train.*-o m.kvae" 1)
	kill -TERM "$pid"
	st=0
	wait $job || st=$?
	assert_equal "$st" 143
	grep -q "stopped by signal 15" err.txt
	assert_equal "$(ls | sort | tr '\n' ' ')" "d.csv err.txt m.kvae.ckpt "
	next=$("$PYTHON" -c 'import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]
print(json.loads(json.loads(f.read(n))["__metadata__"]["train"])["next_epoch"])' m.kvae.ckpt)
	[ "$next" -ge 20 ]
	mpi 2 kvae-train "${opts[@]}" -e $((next + 1)) --resume m.kvae.ckpt \
		-o resumed.kvae d.csv
	mpi 2 kvae-train "${opts[@]}" -e $((next + 1)) -o straight.kvae d.csv
	cmp straight.kvae resumed.kvae
}

@test "mpi: a rank killed outright takes the job down, with mpirun's message, and writes nothing" {
	synth --sequences 40 --length 30 --dim 5 >d.csv
	mpi 2 kvae-train -q --latent-dim 2 --state-dim 3 --hidden 16 \
		--vae-epochs 1 --batch-size 4 --threads 1 -e 100000 \
		--checkpoint-every 20 -o m.kvae d.csv 2>err.txt &
	job=$!
	wait_until 60 test -s m.kvae.ckpt
	kill -KILL "$(rank_pid "kvae-train.*-o m.kvae" 1)"
	st=0
	timeout 60 tail --pid=$job -f /dev/null || st=$?
	assert_equal "$st" 0	# the job ended by itself, no hang
	st=0
	wait $job || st=$?
	[ "$st" -ne 0 ]
	grep -q "signal 9" err.txt
	[ ! -e m.kvae ]
}

@test "mpi: bad data fails every rank with the program's message and exit status 1" {
	printf 'a,b\n1,2\n3,x\n' >bad.csv
	run --separate-stderr timeout 60 mpirun --oversubscribe -np 2 \
		kvae-train -q -o m.kvae bad.csv
	assert_equal "$status" 1
	[[ "$stderr" =~ kvae-train:\ .*bad.csv ]]
	[ ! -e m.kvae ]
}
