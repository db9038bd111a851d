# eval/plots.gp: make eval's Figs 2 and 3 for one data set, from the .dat
# files eval/run and eval/tables.py leave in the current directory.
# gnuplot -e "d='balls'; out='docs/results'; n=50; fig3=1" eval/plots.gp
# (n: frames per validation sequence; fig3 = 0: no Fig. 3)
set terminal pngcairo size 1000,480 font "sans,9"
set datafile missing "?"

# Fig. 2: mean SSIM per frame over the validation sequences, per k.
set output out."/fig2-".d."-ssim-over-time.png"
set multiplot layout 2,4 title "SSIM per frame (".d.", mean over validation sequences)"
set yrange [0:1.02]
set xrange [1:n]
set key bottom left font "sans,7" samplen 2
ks = "1 2 3 5 7 10"
do for [i=1:6] {
	k = word(ks, i)
	set title "impute, keep every ".k
	plot d."-fig2-k".k.".dat" u 1:2 w l lw 2 lc rgb "#d62728" t "Smooth", \
	     "" u 1:3 w l lc rgb "#ff9896" t "Filtered", \
	     "" u 1:4 w l dt 2 lc rgb "#7f7f7f" t "Observed", \
	     "" u 1:5 w l lc rgb "#1f77b4" t "VAE interp", \
	     "" u 1:6 w l lc rgb "#2ca02c" t "Hold", \
	     "" u 1:7 w l lc rgb "#9467bd" t "Linear", \
	     "" u 1:8 w l lc rgb "#8c564b" t "MCI"
	unset key
}
set key bottom left font "sans,7" samplen 2
set title "extrapolate: last 10 missing"
plot d."-fig2-x.dat" u 1:2 w l lw 2 lc rgb "#d62728" t "Smooth", \
     "" u 1:3 w l lc rgb "#ff9896" t "Filtered", \
     "" u 1:4 w l lc rgb "#1f77b4" t "VAE (last latent)", \
     "" u 1:5 w l lc rgb "#2ca02c" t "Hold (= MCI)", \
     "" u 1:6 w l lc rgb "#9467bd" t "Linear"
unset multiplot
if (!fig3) exit

# Fig. 3: latent dimension 1 of the first validation sequence: the
# encoder's means where observed, the filtered and smoothed means with
# +-2 sd bands (kf-filter / kf-smooth --variances: diag C P C^T).
set terminal pngcairo size 1000,300 font "sans,9"
set output out."/fig3-".d."-latent.png"
set multiplot layout 1,3 title "latent a_1 (".d.", first validation sequence)"
set autoscale y
set xrange [0:n-1]
set xlabel "frame"
set key top left font "sans,7" samplen 2
cases = "all every3 last5"
titles = "'all observed' 'every 3rd observed' 'last 5 missing'"
do for [i=1:3] {
	c = word(cases, i)
	set title word(titles, i)
	f = d."-fig3-".c.".dat"
	plot f u 1:($3-2*sqrt($4)):($3+2*sqrt($4)) w filledcurves fs transparent solid 0.25 noborder lc rgb "#ff7f0e" t "filtered +-2sd", \
	     f u 1:($5-2*sqrt($6)):($5+2*sqrt($6)) w filledcurves fs transparent solid 0.25 noborder lc rgb "#1f77b4" t "smoothed +-2sd", \
	     f u 1:3 w l lc rgb "#ff7f0e" t "filtered", \
	     f u 1:5 w l lw 2 lc rgb "#1f77b4" t "smoothed", \
	     f u 1:2 w p pt 7 ps 0.6 lc rgb "black" t "observed"
	unset key
}
unset multiplot
