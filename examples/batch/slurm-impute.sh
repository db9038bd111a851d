#!/bin/bash
#SBATCH --job-name=kvae-impute
#SBATCH --array=1-100%32
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=00:10:00
#SBATCH --output=kvae-impute-%A_%a.log
# slurm-impute.sh LIST [OUT]: a Slurm array job; task N imputes and
# scores the N-th clip (a path a line) of LIST into OUT (default out)
# with examples/batch/impute-one.sh: the outputs and re-run rules of
# examples/batch/Makefile. Submit from the directory that holds
# examples/batch (sbatch runs a copy of this script from its spool
# directory; KVAE_BATCH names the folder otherwise), with the array sized
# to the list:
#   find clips -name '*.mp4' | sort > clips.txt
#   sbatch --array=1-$(wc -l <clips.txt) examples/batch/slurm-impute.sh clips.txt out
# Re-submitting the same array after failures, a scancel or a time limit
# redoes only the clips whose outputs are missing; a task whose outputs
# exist exits at once.
# Environment: MODEL, KEEP, SIZE as impute-one.sh reads them; threads per
# task: --cpus-per-task (SLURM_CPUS_PER_TASK).
# Exit status: 0 done or already there, 1 the clip failed, 2 usage.
set -u
[ $# -ge 1 ] && [ $# -le 2 ] ||
    { echo "usage: slurm-impute.sh LIST [OUT]" >&2; exit 2; }
[ -n "${SLURM_ARRAY_TASK_ID:-}" ] ||
    { echo "slurm-impute.sh: SLURM_ARRAY_TASK_ID is not set (sbatch --array sets it)" >&2; exit 2; }
list=$1 out=${2:-out}
batch=${KVAE_BATCH:-$(dirname "$0")}
[ -x "$batch/impute-one.sh" ] || batch=${SLURM_SUBMIT_DIR:-.}/examples/batch
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
clip=$(sed -n "${SLURM_ARRAY_TASK_ID}{p;q}" "$list") || exit 1
[ -n "$clip" ] || {
	echo "slurm-impute.sh: $list: no line $SLURM_ARRAY_TASK_ID" >&2
	exit 1
}
exec "$batch/impute-one.sh" "$clip" "$out"
