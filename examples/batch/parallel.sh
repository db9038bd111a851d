#!/bin/bash
# parallel.sh [CLIPS [OUT]]: impute and score every .mp4 under CLIPS
# (default clips) into OUT (default out) with GNU parallel, one job per
# core, each job examples/batch/impute-one.sh on one clip: the outputs
# and the re-run rules of examples/batch/Makefile (an output that exists
# is complete and is not made again). Clip names must be unique across
# CLIPS's subdirectories, since the outputs share OUT.
# Environment: MODEL, KEEP, SIZE as impute-one.sh reads them; JOBS
# (default: one per core, parallel's -j).
# Exit status: 0 when every clip is done, else parallel's: the number of
# failed jobs (each named on stderr).
set -u
here=$(dirname "$0")
clips=${1:-clips} out=${2:-out}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# find | parallel, with parallel as this script's process, so that a
# signal to the script reaches it (and it passes it to its jobs)
exec parallel -0 -q -j "${JOBS:-100%}" \
    -a <(find "$clips" -name '*.mp4' -print0) "$here/impute-one.sh" {} "$out"
