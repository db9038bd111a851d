# bench/scale_batch.sh: throughput of the batch pipeline over many short
# clips: examples/batch/Makefile (vae-encode | kvae-cat --keep-every 4 |
# kf-smooth | vae-decode, then ffmpeg | ssim, one thread per program)
# with make -j 1 and make -j 2, and examples/batch/parallel.sh with two
# jobs, on CLIPS kvae-balls clips of 50 frames (32x32 H.264 .mp4). The
# model is kvae-train's default network (filters 16,32,64) with latent 4
# and state 8, as in the README's tour, trained for 2 epochs (MODEL=FILE
# to use another of 32x32 frames). Prints a table row per run and the
# ratio of the two make runs.
# Usage: bash bench/scale_batch.sh [CLIPS]   (default 100; run by
# bench/scale). Programs from KVAE_BIN (default bin/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=${KVAE_BIN:-$root/bin}:$PATH
n=${1:-100}
frames=50
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

if [ -z "${MODEL:-}" ]; then
	kvae-balls -n 8 -T 40 --seed 5 -o 'train-%d.mkv'
	kvae-train -q --latent-dim 4 --state-dim 8 --length 20 --batch-size 4 \
	    --vae-epochs 1 -e 2 --threads 2 -o model.kvae train-*.mkv
	MODEL=$work/model.kvae
fi
mkdir clips
kvae-balls -n "$n" -T "$frames" --seed 100 -o 'clips/c%03d.mp4'

# row LABEL CMD...: run CMD on empty out/, check it made 2n whole-looking
# outputs, print wall and CPU seconds and clips per second; $secs after.
row() {
	local label=$1; shift
	rm -rf out
	/usr/bin/time -f '%e %U %S' -o time "$@" >/dev/null 2>err.txt ||
	    { cat err.txt >&2; return 1; }
	made=$(find out -name '*.imputed.mkv' -size +0 | wc -l)
	scored=$(find out -name '*.ssim.csv' -size +0 | wc -l)
	[ "$made" -eq "$n" ] && [ "$scored" -eq "$n" ] ||
	    { echo "$label: $made videos, $scored scores of $n" >&2; return 1; }
	read -r secs user sys <time
	awk -v l="$label" -v s="$secs" -v c="$(echo "$user + $sys" | bc)" -v n="$n" \
	    'BEGIN { printf "| %s | %.1f | %.2f | %.2f |\n", l, s, c / n, n / s }'
}

echo "Batch: $n clips of $frames frames (32x32 .mp4), impute (keep every 4th)" \
	"and score each; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo
echo "| run | wall s | CPU s a clip | clips/s |"
echo "|---|---|---|---|"
mk=(make -f "$root/examples/batch/Makefile" MODEL="$MODEL" CLIPS=clips OUT=out)
row "make -j 1" "${mk[@]}" -j 1
one=$secs
row "make -j 2" "${mk[@]}" -j 2
two=$secs
row "parallel.sh, 2 jobs" env MODEL="$MODEL" JOBS=2 \
    "$root/examples/batch/parallel.sh" clips out
echo
awk -v a="$one" -v b="$two" \
    'BEGIN { printf "make -j 2 against -j 1: %.2fx the clips per second\n", a / b }'
