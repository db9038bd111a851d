# demo_video.sh: make demo's main job, sourced by tests/demo.sh (which
# sets up PATH, the scratch directory and step()). A convolutional KVAE
# learns bouncing balls from generated videos; then on a fresh video it
# denoises, imputes and extrapolates, each scored with ssim against the
# true frames beside what a user would otherwise do, and writes a
# side-by-side video and a contact sheet to $DEMO_OUT for a person to
# look at. Every number printed is computed here, in this run.

DEMO_OUT=${DEMO_OUT:-$PWD/out}
mkdir -p "$DEMO_OUT"
root=$(dirname "$KVAE_BIN")
py=${PYTHON:-/usr/bin/python3}
epochs=${KVAE_DEMO_EPOCHS:-80}
videos=${KVAE_DEMO_VIDEOS:-40}	# training videos; tests/demo.bats uses fewer
train_opts=(-q --latent-dim 4 --state-dim 8 --epochs "$epochs" --vae-epochs 3
	--length 10 --batch-size 2 --lr 0.005)

# mean_ssim REF DIST [FRAMES]: mean SSIM over all frames, or over those
# frame numbers (from 1) that FRAMES, an awk condition on n, selects.
mean_ssim() {
	ssim -q "$1" "$2" | awk -F, -v cond="${3:-1}" '
		NR > 1 { n = $1; ok = (cond == "1") || (cond == "missing5" && (n - 1) % 5 != 0) ||
		    (cond == "last10" && n > 50) }
		NR > 1 && ok { s += $2; k++ }
		END { printf "%.3f", s / k }'
}

step "1. Bouncing balls: $videos training videos and a test video of 60 frames (32x32, kvae-balls)"
kvae-balls --sequences "$videos" --frames 60 --seed 1 -o 'train-%02d.mkv'
kvae-balls --frames 60 --seed 99 -o truth.mkv
echo "   $(ls train-*.mkv | wc -l) training videos (FFV1), $(ffprobe -v error -count_frames \
	-select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 truth.mkv) test frames"

step "2. kvae-train: the paper's convolutional KVAE, small (32x32 grey, filters 16,32,64)"
TIMEFORMAT='   kvae-train took %R s wall'
time kvae-train "${train_opts[@]}" --log balls_log.csv -o balls.kvae train-*.mkv
echo "   $epochs epochs (3 VAE-only) on 10-frame windows: ELBO per frame: train" \
	"$(tail -1 balls_log.csv | cut -d, -f5), validation $(tail -1 balls_log.csv | cut -d, -f10)"

step "3. Denoise a noisy copy: vae-encode | kf-smooth | vae-decode"
ffmpeg -nostdin -v error -i truth.mkv -vf "noise=alls=60:allf=t" -c:v ffv1 -y noisy.mkv
vae-encode -m balls.kvae noisy.mkv | kf-smooth -m balls.kvae |
	vae-decode -m balls.kvae -o denoised.mkv
ffmpeg -nostdin -v error -i noisy.mkv -vf hqdn3d=8:8:12:12,format=gray -c:v ffv1 -y hqdn3d.mkv

step "4. Impute: keep every 5th frame (kvae-cat --keep-every 5 on the latents)"
vae-encode -m balls.kvae truth.mkv >latents.csv
kvae-cat --keep-every 5 latents.csv | kf-smooth -m balls.kvae |
	vae-decode -m balls.kvae -o imputed.mkv
kvae-cat --keep-every 5 latents.csv >latent_gaps.csv
"$py" "$root/tests/tools/kvae-eval.py" interp latent_gaps.csv |
	vae-decode -m balls.kvae -o vae_interp.mkv
"$py" "$root/tests/tools/frame_baselines.py" truth.mkv 5 10 .

step "5. Extrapolate the last 10 frames from the first 50 (kvae-cat --drop-last 10)"
kvae-cat --drop-last 10 latents.csv | kf-smooth -m balls.kvae |
	vae-decode -m balls.kvae -o extrapolated.mkv

step "6. SSIM against the true frames (Wang et al. 2004, ssim -q; higher is better)"
printf '   %-28s %-26s %s\n' "job (frames scored)" "KVAE" "what a user would do instead"
printf '   %-28s %-26s %s\n' "denoise (all 60)" "$(mean_ssim truth.mkv denoised.mkv)" \
	"noisy input $(mean_ssim truth.mkv noisy.mkv), ffmpeg hqdn3d $(mean_ssim truth.mkv hqdn3d.mkv)"
printf '   %-28s %-26s %s\n' "impute (the 48 not kept)" "$(mean_ssim truth.mkv imputed.mkv missing5)" \
	"hold last $(mean_ssim truth.mkv hold.mkv missing5), linear $(mean_ssim truth.mkv linear.mkv missing5), its latents interpolated (no smoother) $(mean_ssim truth.mkv vae_interp.mkv missing5)"
printf '   %-28s %-26s %s\n' "extrapolate (last 10)" "$(mean_ssim truth.mkv extrapolated.mkv last10)" \
	"hold last $(mean_ssim truth.mkv extrap-hold.mkv last10)"
printf '   %-28s %s\n' "encode | decode (all 60)" "$(vae-encode -m balls.kvae truth.mkv |
	vae-decode -m balls.kvae -o roundtrip.mkv && mean_ssim truth.mkv roundtrip.mkv)"

step "7. For a person to look at: truth | observed | imputed, 4x"
ffmpeg -nostdin -v error -i truth.mkv -i observed.mkv -i imputed.mkv -filter_complex \
	"[0][1][2]hstack=3,scale=iw*4:ih*4:flags=neighbor" -c:v ffv1 -y "$DEMO_OUT/side-by-side.mkv"
for v in truth observed imputed; do
	ffmpeg -nostdin -v error -i "$v.mkv" -vf "select=lt(n\,20),tile=20x1" -frames:v 1 -y "row-$v.png"
done
ffmpeg -nostdin -v error -i row-truth.png -i row-observed.png -i row-imputed.png \
	-filter_complex "[0][1][2]vstack=3,scale=iw*2:ih*2:flags=neighbor" -y "$DEMO_OUT/contact-sheet.png"
cp denoised.mkv extrapolated.mkv balls.kvae "$DEMO_OUT/"
echo "   $DEMO_OUT/side-by-side.mkv (play: ffplay $DEMO_OUT/side-by-side.mkv)"
echo "   $DEMO_OUT/contact-sheet.png: rows truth, observed (every 5th), KVAE imputed; frames 1-20"
