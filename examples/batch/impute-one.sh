#!/bin/bash
# impute-one.sh CLIP OUT: what examples/batch/Makefile does for one clip,
# for jobs that make does not schedule (parallel.sh, slurm-impute.sh):
#   OUT/NAME.imputed.mkv  vae-encode | kvae-cat --keep-every KEEP
#                         | kf-smooth | vae-decode
#   OUT/NAME.ssim.csv     SSIM per frame against the clip as the model
#                         sees it (grey, SIZE x SIZE)
# where NAME is CLIP's name without its directory and .mp4.
#
# An output that exists is complete and is left alone, so a re-run after
# a failure or a kill makes only what is missing. Each output is written
# under a temporary name (OUT/.NAME.imputed.part.mkv, .NAME.ssim.part.csv)
# and renamed once every stage of its pipeline has succeeded: when a
# stage fails half-way its reader sees a short stream, not an error, and
# the last program would otherwise commit a complete-looking file.
#
# Environment: MODEL (default model.kvae), KEEP (4), SIZE (32: the
# model's frame size), OMP_NUM_THREADS (default 1: a core per job).
# Exit status: 0 made or already there, 1 a stage failed, 2 usage.
set -uo pipefail
[ $# -eq 2 ] || { echo "usage: impute-one.sh CLIP OUT" >&2; exit 2; }
clip=$1 out=$2
model=${MODEL:-model.kvae} keep=${KEEP:-4} size=${SIZE:-32}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
name=$(basename "$clip" .mp4)
imputed=$out/$name.imputed.mkv
scores=$out/$name.ssim.csv

impute() {	# impute FILE: the imputed video into FILE
	vae-encode -m "$model" -f bin "$clip" | kvae-cat --keep-every "$keep" |
	    kf-smooth -m "$model" | vae-decode -m "$model" -o "$1"
}

score() {	# score FILE: SSIM per frame into FILE
	ffmpeg -nostdin -v error -i "$clip" \
	    -vf "scale=$size:$size:flags=area,format=gray" -f yuv4mpegpipe - |
	    ssim -q -o "$1" - "$imputed"
}

# once TARGET PART STEP: unless TARGET exists, STEP writes PART, which
# becomes TARGET only if the whole pipeline succeeded.
once() {
	[ -e "$1" ] && return 0
	if ! "$3" "$2"; then
		rm -f "$2"
		echo "impute-one.sh: $clip: $3 failed" >&2
		return 1
	fi
	mv -f "$2" "$1"
}

mkdir -p "$out" &&
    once "$imputed" "$out/.$name.imputed.part.mkv" impute &&
    once "$scores" "$out/.$name.ssim.part.csv" score
