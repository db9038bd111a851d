#!/usr/bin/env bats
# The batch idioms of examples/batch: the Makefile run with make -j 4,
# killed half-way (SIGTERM, SIGINT, SIGKILL to its process group) and run
# again: what exists after the kill is complete, nothing of it is made
# again, and the re-run finishes the rest; a failing stage fails its rule
# and leaves no output; parallel.sh killed and run again, and the Slurm
# array script, make the same outputs, and a re-run does no more work
# than is missing.
bats_require_minimum_version 1.5.0
load common

BATCH=$KVAE_ROOT/examples/batch
NCLIPS=10	# enough that make -j 4 is still busy when the first score lands
FRAMES=20

# A tiny model (two epochs on four 20-frame videos: a second in release)
# and NCLIPS test clips of 32x32, as .mp4 (H.264) like the idiom's clips.
# spy/ holds vae-encode and ssim wrappers that log each call to $CALLS.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	kvae-balls -n 4 -T 20 --seed 3 -o 'train-%d.mkv'
	OMP_NUM_THREADS=1 kvae-train -q --latent-dim 4 --state-dim 8 \
	    --filters 8,16,32 --length 10 --batch-size 2 --vae-epochs 1 \
	    --epochs 2 --seed 3 -o model.kvae train-*.mkv
	mkdir clips
	kvae-balls -n "$NCLIPS" -T "$FRAMES" --seed 10 -o 'clips/c%02d.mp4'
	mkdir spy
	for p in vae-encode ssim; do
		printf '#!/bin/bash\necho "%s $*" >>"$CALLS"\nexec "%s" "$@"\n' \
		    "$p" "$KVAE_BIN/$p" >spy/$p
		chmod +x spy/$p
	done
}

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T" || return 1
	export MODEL=$BATS_FILE_TMPDIR/model.kvae CALLS=$T/calls
	: >"$CALLS"
}

# batch_make ARGS...: the example Makefile on ./clips into ./out
batch_make() {
	make -f "$BATCH/Makefile" MODEL="$MODEL" CLIPS=clips OUT=out "$@"
}

frames() {
	ffprobe -v error -count_frames -select_streams v:0 \
	    -show_entries stream=nb_read_frames -of csv=p=0 "$1"
}

# complete FILE: FILE is a whole output: an imputed video of FRAMES
# frames, or a CSV of a "frame,Y" header and a score in [-1, 1] for each
# of frames 1..FRAMES.
complete() {
	case $1 in
	*.imputed.mkv)
		local n
		n=$(frames "$1")
		[ "$n" = "$FRAMES" ] || { echo "$1: $n frames, want $FRAMES"; return 1; }
		;;
	*.ssim.csv)
		awk -F, -v want="$FRAMES" '
		    NR == 1 { ok = $0 == "frame,Y"; next }
		    NF != 2 || $1 != NR - 1 || $2 !~ /^-?[0-9.]+$/ || $2 < -1 || $2 > 1 { ok = 0 }
		    END { exit !(ok && NR == want + 1) }' "$1" ||
		    { echo "$1: not a whole score file:"; cat "$1"; return 1; }
		;;
	*) echo "$1: not an output"; return 1 ;;
	esac
}

# outputs DIR: the output files in DIR, by name
outputs() {
	find "$1" -maxdepth 1 \( -name '*.imputed.mkv' -o -name '*.ssim.csv' \) \
	    ! -name '.*' -printf '%f\n' | sort
}

# stamps DIR: name, inode and modification time of each output
stamps() {
	find "$1" -maxdepth 1 ! -name '.*' -type f -printf '%f %i %T@\n' | sort
}

# unchanged STAMPS DIR: each file STAMPS lists is in DIR with the same
# inode and time: not made again
unchanged() {
	join "$1" <(stamps "$2") | awk '$2 != $4 || $3 != $5 { print "remade:", $1; bad = 1 }
	    END { exit bad }'
	[ "$(join "$1" <(stamps "$2") | wc -l)" -eq "$(wc -l <"$1")" ] ||
	    { echo "files of $1 gone from $2"; return 1; }
}

# all_names: every output the clips call for, by name
all_names() {
	for c in clips/*.mp4; do
		c=$(basename "$c" .mp4)
		printf '%s.imputed.mkv\n%s.ssim.csv\n' "$c" "$c"
	done | sort
}

# "${in_session[@]}" CMD... &: run CMD as the leader of a session and
# process group of its own (as a login shell or sbatch starts a job; the
# jobs that parallel puts in groups of their own stay in the session),
# with SIGINT at its default (a background job of a script ignores it).
# An array, not a function: $! is then CMD's pid.
in_session=(perl -MPOSIX -e '$SIG{INT} = "DEFAULT"; POSIX::setsid() > 0 or die "setsid: $!"; exec @ARGV or die')
session_gone() { ! pgrep -s "$1" >/dev/null; }

# kill_and_rerun SIGNAL: run the Makefile with -j 4 in a process group of
# its own, send SIGNAL to the group once the first score is written, and
# check what the kill left; then run it again and check that it made
# only what was missing, and made it whole.
kill_and_rerun() {
	local sig=$1 pid st=0 have n
	ln -s "$BATS_FILE_TMPDIR/clips" clips
	"${in_session[@]}" make -f "$BATCH/Makefile" MODEL="$MODEL" CLIPS=clips OUT=out -j 4 \
	    >run1.log 2>&1 3>&- &
	pid=$!
	wait_until 60 compgen -G 'out/*.ssim.csv'
	kill "-$sig" -- "-$pid"
	wait "$pid" || st=$?
	echo "make exited with $st after SIG$sig"
	[ "$st" -ne 0 ]
	wait_until 10 session_gone "$pid"

	# what the kill left: some outputs but not all, each of them whole
	have=$(outputs out)
	n=$(grep -c . <<<"$have")
	echo "after the kill: $n of $((2 * NCLIPS)) outputs"
	[ "$n" -gt 0 ] && [ "$n" -lt $((2 * NCLIPS)) ]
	for f in $have; do complete "out/$f"; done
	if [ "$sig" = KILL ]; then
		# no handler runs: temporaries may be left, under names of
		# their own (.NAME.XXXXXX), never under an output's name
		find out -name '.*' | grep -vE '^out/\.[^/]+\.(imputed\.mkv|ssim\.csv)\.[A-Za-z0-9]{6}$' &&
		    { echo "unexpected files after SIGKILL"; return 1; }
	else
		# the handlers removed every temporary file
		run find out -name '.*'
		assert_output ""
	fi
	stamps out >before

	run batch_make -j 4
	echo "$output" >run2.log
	assert_success
	all_names >want
	diff want <(outputs out)
	for f in $(cat want); do complete "out/$f"; done
	# nothing that existed was made again: the same files (inode and
	# time), and the recipes make ran name only the missing outputs
	unchanged before out
	grep -oE -- '-o out/[^ ]+' run2.log | cut -c4- | sed 's|^out/||' | sort >made
	comm -23 want <(echo "$have") >missing
	diff missing made
}

@test "batch: make -j 4 killed by SIGTERM to its group, then run again, makes every output once" {
	kill_and_rerun TERM
}

@test "batch: make -j 4 killed by SIGINT (Ctrl-C) to its group, then run again, makes every output once" {
	kill_and_rerun INT
}

@test "batch: make -j 4 killed by SIGKILL to its group leaves no partial output, and a re-run completes it" {
	kill_and_rerun KILL
}

@test "batch: a corrupt clip fails its rule with no output, and make -k completes the others" {
	mkdir clips
	for i in 01 02 03; do ln -s "$BATS_FILE_TMPDIR/clips/c$i.mp4" clips/; done
	head -c 1000 clips/c01.mp4 >clips/bad.mp4
	run --separate-stderr batch_make -k -j 2
	assert_equal "$status" 2
	[[ "$stderr" == *"vae-encode: clips/bad.mp4:"* ]] || { echo "$stderr"; return 1; }
	[ ! -e out/bad.imputed.mkv ] && [ ! -e out/bad.ssim.csv ]
	run find out -name '.*'
	assert_output ""
	for c in c01 c02 c03; do
		complete out/$c.imputed.mkv
		complete out/$c.ssim.csv
	done
	# a re-run tries the bad clip again and nothing else
	run --separate-stderr batch_make -k
	assert_equal "$status" 2
	[ "$(grep -c -- '-o out/' <<<"$output")" -eq 1 ]
	[[ "$output" == *"vae-encode -m $MODEL -f bin clips/bad.mp4 "* ]]
}

@test "batch: a stage that dies half-way fails the rule, and the short video the decoder wrote is deleted" {
	mkdir clips fail
	ln -s "$BATS_FILE_TMPDIR/clips/c01.mp4" clips/
	# kvae-cat passing on five records and then failing: vae-decode sees
	# a short stream end cleanly and commits a 5-frame video
	printf '#!/bin/bash\n"%s" -f csv "$@" | head -n 6\nexit 1\n' \
	    "$KVAE_BIN/kvae-cat" >fail/kvae-cat
	chmod +x fail/kvae-cat
	PATH=$T/fail:$PATH run --separate-stderr batch_make
	assert_equal "$status" 2
	[[ "$stderr" == *"Deleting file 'out/c01.imputed.mkv'"* ]] || { echo "$stderr"; return 1; }
	run find out -mindepth 1
	assert_output ""
	# impute-one.sh (parallel.sh, slurm-impute.sh): the same
	PATH=$T/fail:$PATH run --separate-stderr "$BATCH/impute-one.sh" clips/c01.mp4 out
	assert_equal "$status" 1
	[[ "$stderr" == *"impute-one.sh: clips/c01.mp4: impute failed"* ]]
	run find out -mindepth 1
	assert_output ""
}

@test "batch: parallel.sh killed by SIGTERM stops its jobs; run again, it makes only what is missing" {
	mkdir -p clips/a clips/b
	for i in 00 01 02 03; do ln -s "$BATS_FILE_TMPDIR/clips/c$i.mp4" clips/a/; done
	for i in 04 05 06 07; do ln -s "$BATS_FILE_TMPDIR/clips/c$i.mp4" clips/b/; done
	PATH=$BATS_FILE_TMPDIR/spy:$PATH JOBS=2 "${in_session[@]}" "$BATCH/parallel.sh" clips 'out dir' \
	    >run1.log 2>&1 3>&- &
	pid=$!
	wait_until 60 compgen -G 'out dir/*.ssim.csv'
	kill -TERM "$pid"	# the script alone: parallel passes it on to its jobs
	wait "$pid" || st=$?
	[ "${st:-0}" -ne 0 ]
	wait_until 10 session_gone "$pid"
	have=$(outputs 'out dir')
	n=$(grep -c . <<<"$have")
	echo "after the kill: $n of 16 outputs"
	[ "$n" -gt 0 ] && [ "$n" -lt 16 ]
	for f in $have; do complete "out dir/$f"; done
	# impute-one.sh's own temporaries (renamed when the pipeline is
	# done) may be left; the programs' are gone
	find 'out dir' -name '.*' | grep -vE '/\.c0[0-7]\.(imputed\.part\.mkv|ssim\.part\.csv)$' &&
	    { echo "unexpected files after the kill"; return 1; }
	# and a stale one from an earlier kill is overwritten
	miss=$(for c in c00 c01 c02 c03 c04 c05 c06 c07; do
		[ -e "out dir/$c.imputed.mkv" ] || echo $c; done | head -n 1)
	[ -n "$miss" ]
	echo junk >"out dir/.$miss.imputed.part.mkv"
	stamps 'out dir' >before
	: >"$CALLS"
	PATH=$BATS_FILE_TMPDIR/spy:$PATH run "$BATCH/parallel.sh" clips 'out dir'
	assert_success
	for c in c00 c01 c02 c03 c04 c05 c06 c07; do
		complete "out dir/$c.imputed.mkv"
		complete "out dir/$c.ssim.csv"
	done
	run find 'out dir' -name '.*'
	assert_output ""
	unchanged before 'out dir'
	# a program ran for each missing output and no other
	[ "$(grep -c '^vae-encode ' "$CALLS")" -eq "$((8 - $(grep -c imputed <<<"$have")))" ]
	[ "$(grep -c '^ssim ' "$CALLS")" -eq "$((8 - $(grep -c ssim <<<"$have")))" ]
	# the same bytes as the Makefile's
	ln -s "$BATS_FILE_TMPDIR/clips" flat
	batch_make CLIPS=flat out/c01.imputed.mkv out/c01.ssim.csv
	cmp out/c01.imputed.mkv 'out dir/c01.imputed.mkv'
	cmp out/c01.ssim.csv 'out dir/c01.ssim.csv'
}

@test "batch: the Slurm array script does the N-th clip of a list for each task, and a re-run does nothing" {
	ls "$BATS_FILE_TMPDIR"/clips/c0[1-4].mp4 >clips.txt
	for i in 1 2 3 4; do
		SLURM_ARRAY_TASK_ID=$i PATH=$BATS_FILE_TMPDIR/spy:$PATH \
		    bash "$BATCH/slurm-impute.sh" clips.txt out
	done
	for c in c01 c02 c03 c04; do
		complete out/$c.imputed.mkv
		complete out/$c.ssim.csv
	done
	[ "$(grep -c '^vae-encode ' "$CALLS")" -eq 4 ]
	grep -q "^vae-encode .*/c03.mp4$" "$CALLS"
	stamps out >before
	: >"$CALLS"
	# again, as sbatch runs it: a copy of the script in a spool directory,
	# started in the directory it was submitted from
	mkdir spool
	cp "$BATCH/slurm-impute.sh" spool/slurm_script
	for i in 1 2 3 4; do
		SLURM_ARRAY_TASK_ID=$i SLURM_SUBMIT_DIR=$KVAE_ROOT \
		    PATH=$BATS_FILE_TMPDIR/spy:$PATH bash spool/slurm_script clips.txt out
	done
	run cat "$CALLS"
	assert_output ""
	diff before <(stamps out)
	run --separate-stderr env SLURM_ARRAY_TASK_ID=5 bash "$BATCH/slurm-impute.sh" clips.txt out
	assert_equal "$status" 1
	assert_equal "$stderr" "slurm-impute.sh: clips.txt: no line 5"
	run --separate-stderr env -u SLURM_ARRAY_TASK_ID bash "$BATCH/slurm-impute.sh" clips.txt out
	assert_equal "$status" 2
}

# The rules shown in kvae-batch(7), cut out of the page as a reader
# would copy them (recipe lines begin with a tab), make the same bytes as
# examples/batch/Makefile.
@test "batch: the Makefile of kvae-batch(7) runs and makes what examples/batch/Makefile makes" {
	sed -n '/^\.SH MAKE/,/^\.SH/p' "$KVAE_ROOT/man/man7/kvae-batch.7" |
	    sed -n '/^\.nf/,/^\.fi/p' | sed '/^\.RS/,/^\.RE/!d; /^\.RS/d; /^\.RE/,$d' |
	    sed 's/\\e/\\/g; s/\\-/-/g; s/^\\&//' >rules.mk
	grep -q '^out/%.imputed.mkv: clips/%.mp4 model.kvae$' rules.mk
	grep -q "$(printf '^\tvae-encode ')" rules.mk
	ln -s "$BATS_FILE_TMPDIR/clips" clips
	ln -s "$MODEL" model.kvae
	mkdir out
	make -f rules.mk -j 2 out/c02.ssim.csv out/c03.ssim.csv
	complete out/c02.imputed.mkv
	complete out/c03.ssim.csv
	batch_make OUT=ref ref/c02.ssim.csv
	cmp out/c02.imputed.mkv ref/c02.imputed.mkv
	cmp out/c02.ssim.csv ref/c02.ssim.csv
}
