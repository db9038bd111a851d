#!/bin/bash
# make demo: the suite's main job on data generated here, step by step,
# saying what each step did and how well. Every step runs the real
# programs; nothing is precomputed. The video steps (demo_video.sh) come
# first and leave a video and a contact sheet in $DEMO_OUT; the steps on
# vector records follow.
set -euo pipefail
: "${KVAE_BIN:=$(cd "$(dirname "$0")/.." && pwd)/bin}"
PATH="$KVAE_BIN:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n== %s\n' "$*"; }

# The main job first: the convolutional KVAE on video.
source "$(dirname "$KVAE_BIN")/tests/demo_video.sh"

printf '\n== The Kalman tools on vector records\n'

step "R1. Make data: 3 noisy sine sequences (dim 2, 400 records each, noise sd 0.3)"
# Deterministic: awk's srand with a fixed seed, Box-Muller noise.
awk 'BEGIN { srand(42); pi = atan2(0, -1)
	for (s = 0; s < 3; s++) {
		if (s) print ""
		for (t = 0; t < 400; t++) {
			a = sin(2*pi*t/100 + s); b = cos(2*pi*t/150 + s)
			printf "%.17g,%.17g\n", a, b > "clean.csv"
			u1 = rand(); u2 = rand(); g1 = sqrt(-2*log(u1+1e-300))*cos(2*pi*u2)
			u1 = rand(); u2 = rand(); g2 = sqrt(-2*log(u1+1e-300))*cos(2*pi*u2)
			printf "%.17g,%.17g\n", a + 0.3*g1, b + 0.3*g2
		}
		print "" > "clean.csv"
	} }' >noisy.csv
kvae-cat --info noisy.csv | sed 's/^/   /'

step "R2. Mark 4 of every 5 records missing (imputation experiment), in binary"
kvae-cat --keep-every 5 -f bin noisy.csv >gaps.bin
kvae-cat --info gaps.bin | grep -E '^(records|missing)' | sed 's/^/   /'

# RMS error of a CSV stream against clean.csv (same layout), over the
# values present in both; computed here from the files, nothing fixed.
rms() {
	paste -d, "$1" clean.csv | awk -F, -v d=2 '
		$1 != "" { for (i = 1; i <= d; i++) if ($i != "nan") {
			e = $i - $(i + d); s += e * e; n++ } }
		END { printf "%.4f over %d values", sqrt(s / n), n }'
}

step "R3. kf-smooth the gappy stream with a constant-velocity preset (imputes the gaps)"
kvae-cat -f csv gaps.bin >gaps.csv
kf-smooth --preset constant-velocity --obs-noise 0.09 --process-noise 1e-4 \
	gaps.bin | kvae-cat -f csv >smoothed.csv
echo "   RMS error before (the 1 in 5 records kept, raw): $(rms gaps.csv)"
echo "   RMS error after  (every record, gaps imputed):   $(rms smoothed.csv)"
kf-smooth --preset constant-velocity --obs-noise 0.09 --process-noise 1e-4 \
	noisy.csv >smoothed_all.csv
echo "   without gaps: before $(rms noisy.csv), after $(rms smoothed_all.csv)"

step "R4. kf-fit learns a 4-state model from noisy.csv by EM, kf-smooth uses it"
kf-fit -q --state-dim 4 --log em.csv -o fitted.json noisy.csv
# the log: a header, a line per iteration from 0, and a "# ..." line when
# the iteration cap, not the tolerance, ended the fit
last=$(grep -v '^#' em.csv | tail -1)
echo "   EM: ${last%%,*} iterations, log-likelihood" \
	"$(sed -n 2p em.csv | cut -d, -f2) -> ${last#*,}"
grep '^#' em.csv | sed 's/^# */   (/; s/$/)/' || true
kf-smooth -m fitted.json gaps.bin | kvae-cat -f csv >fitted.csv
echo "   RMS error of the gappy stream smoothed with the fitted model: $(rms fitted.csv)"

step "me-kalman: denoise the noisy sines (AR(8) ME model, noise variance estimated)"
me-kalman --order 8 noisy.csv >denoised.csv
me-kalman --order 8 --smooth noisy.csv >smoothed_me.csv
echo "   RMS error against the clean sines: noisy $(rms noisy.csv); me-kalman $(rms denoised.csv);"
echo "   me-kalman --smooth $(rms smoothed_me.csv)"
me-kalman --order 8 --print-model noisy.csv | awk '$1 == "noise_var:" { s += $2; n++ }
	END { printf "   noise variance estimated (mean of %d signals): %.4f (true 0.09)\n", n, s / n }'

step "me-kalman: compress a generated 16-bit image losslessly, and within 4 levels"
"${PYTHON:-/usr/bin/python3}" - <<'PY'
import numpy as np
rng = np.random.default_rng(5)
y, x = np.mgrid[0:192, 0:256]
img = 20000 + 15000 * np.sin(x / 23.0) * np.cos(y / 31.0) + 8000 * (((x - 128) ** 2 + (y - 96) ** 2) < 50 ** 2)
img = np.clip(np.round(img + rng.normal(0, 30, img.shape)), 0, 65535).astype(">u2")
with open("scene.pgm", "wb") as f:
    f.write(b"P5\n256 192\n65535\n" + img.tobytes())
PY
me-kalman --compress scene.pgm -o scene.mek
me-kalman --decompress scene.mek -o back.pgm
cmp -s scene.pgm back.pgm && same="bit-exact" || same="DIFFERENT"
me-kalman --compress --max-error 4 scene.pgm -o near.mek
me-kalman --decompress near.mek -o near.pgm
gzip -9 -c scene.pgm >scene.pgm.gz
px=$((256 * 192))
echo "   raw $(stat -c %s scene.pgm) bytes; gzip -9 $(stat -c %s scene.pgm.gz); .mek lossless $(stat -c %s scene.mek) ($same);" \
	"--max-error 4: $(stat -c %s near.mek)"
awk -v a="$(stat -c %s scene.mek)" -v b="$(stat -c %s near.mek)" -v px=$px \
	'BEGIN { printf "   bits per pixel: lossless %.2f, max error 4 %.2f\n", 8 * a / px, 8 * b / px }'
"${PYTHON:-/usr/bin/python3}" -c '
import numpy as np
a, b = (np.frombuffer(open(f, "rb").read()[-2 * 256 * 192:], ">u2").astype(int) for f in ("scene.pgm", "near.pgm"))
print("   --max-error 4: largest pixel error %d" % np.abs(a - b).max())'

step "R5. SSIM: score degraded copies of a generated clip (64 frames, 320x240)"
ffmpeg -nostdin -v error -f lavfi -i "testsrc2=size=320x240:rate=25" -frames:v 64 \
    -pix_fmt yuv420p clip.y4m
ffmpeg -nostdin -v error -i clip.y4m -c:v libx264 -crf 40 -pix_fmt yuv420p x264.mkv
ffmpeg -nostdin -v error -i clip.y4m -vf "noise=alls=25:allf=t" -pix_fmt yuv420p noisy.y4m
for d in x264.mkv noisy.y4m; do
	printf '   %-9s wang %s  skimage %s  ffmpeg %s  (mean over 64 frames)\n' "$d" \
	    "$(ssim -s clip.y4m "$d")" "$(ssim -s -p skimage clip.y4m "$d")" \
	    "$(ssim -s -p ffmpeg -c all clip.y4m "$d")"
done
ssim -q --map ssim-map.mp4 clip.y4m x264.mkv | tail -n +2 | sort -t, -k2 -g | head -1 |
    awk -F, '{ printf "   worst x264 frame: %d (SSIM %s); per-frame maps in ssim-map.mp4\n", $1, $2 }'
ffmpeg -nostdin -nostats -i x264.mkv -i clip.y4m -lavfi ssim -f null - 2>&1 |
    sed -n 's/.*SSIM \(.*\)/   ffmpeg -lavfi ssim says: \1/p'
ssim -p ffmpeg -f ffmpeg clip.y4m x264.mkv 2>&1 >/dev/null | sed 's/^/   /'
if [ "$(ssim -s clip.y4m x264.mkv)" \> "$(ssim -s clip.y4m noisy.y4m)" ]; then
	echo "   gate: x264 at crf 40 scores above the noisy copy"
fi

step "R6. kvae-train learns a Kalman VAE: 20-D records, a nonlinear function of a rotating 2-D state"
root=$(dirname "$KVAE_BIN")
py=${PYTHON:-/usr/bin/python3}
"$py" "$root/tests/tools/kvae-synth.py" --seed 1 >kv_train.csv
"$py" "$root/tests/tools/kvae-synth.py" --seed 2 --sequences 16 --clean kv_clean.csv >kv_test.csv
kvae-cat --info kv_train.csv | grep -E '^(dim|sequences|records):' | sed 's/^/   train: /'
opts=(-q --latent-dim 2 --hidden 32 --epochs 100 --batch-size 4 --lr 0.01 --threads 1)
TIMEFORMAT='   kvae-train took %R s wall, %U s user CPU'
time kvae-train "${opts[@]}" --state-dim 4 --log kv_log.csv -o kv.kvae kv_train.csv
kvae-train "${opts[@]}" --no-dynamics -o vae.kvae kv_train.csv
echo "   KVAE: 100 epochs (5 VAE-only), ELBO per record: train" \
	"$(tail -1 kv_log.csv | cut -d, -f5), validation $(tail -1 kv_log.csv | cut -d, -f10)"
echo "   LGSSM log-likelihood of the latents per record: $(tail -1 kv_log.csv | cut -d, -f8)"

step "R7. Impute 3 of every 4 test records: encode | mask | kf-smooth | decode"
kvae-cat --keep-every 4 kv_test.csv >kv_gaps.csv
vae-encode -m kv.kvae kv_test.csv | kvae-cat --keep-every 4 \
	| kf-smooth -m kv.kvae | vae-decode -m kv.kvae >kv_imputed.csv
vae-encode -m vae.kvae kv_test.csv | kvae-cat --keep-every 4 >vae_gaps.csv
"$py" "$root/tests/tools/kvae-eval.py" interp vae_gaps.csv | vae-decode -m vae.kvae >vae_imputed.csv
"$py" "$root/tests/tools/kvae-eval.py" interp kv_gaps.csv >lin_imputed.csv
ev() { "$py" "$root/tests/tools/kvae-eval.py" rmse kv_clean.csv "$1" kv_gaps.csv; }
echo "   RMS error on the masked records against the noise-free records (noise sd 0.1):"
echo "     KVAE (kf-smooth in the latent space):           $(ev kv_imputed.csv)"
echo "     VAE without dynamics, latents interpolated:     $(ev vae_imputed.csv)"
echo "     linear interpolation of the records:            $(ev lin_imputed.csv)"
