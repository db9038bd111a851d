#!/usr/bin/env bats
# kf-smooth's means against RTS smoothing in 50-digit arithmetic
# (tests/reference/lgssm_mp.py, mpmath), on the approximately diffuse
# priors the presets use (P0 = 1e6 I): the fast state smoother's means
# must keep the digits the RTS smoother keeps.
load ../common

mp() { "$PYTHON" "$KVAE_ROOT/tests/reference/lgssm_mp.py" "$@"; }

@test "precise: local level, P0 1e6, 2000 records with gaps: means and RTS means to 1e-13 of 50 digits" {
	mp level 1e6 2000 .
	kf-smooth -m model.json data.csv >fast.csv
	aeq -a 1e-13 -r 1e-13 smoothed.csv fast.csv
	kf-smooth --variances -m model.json data.csv | cut -d, -f1 >rts.csv
	aeq -a 1e-13 -r 1e-13 smoothed.csv rts.csv
}

@test "precise: random n=4 p=2, P0 1e6: means to 3e-10 everywhere and 1e-14 past the diffuse start" {
	for seed in 1 2 3; do
		mp random "$seed" 4 2 1e6 200 .
		kf-smooth -m model.json data.csv >fast.csv
		aeq -a 3e-10 -r 0 smoothed.csv fast.csv
		tail -n 100 smoothed.csv >want.csv
		tail -n 100 fast.csv >got.csv
		aeq -a 1e-14 -r 1e-14 want.csv got.csv
	done
}
