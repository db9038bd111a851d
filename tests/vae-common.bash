# Shared by the vae-*.bats files: generated vector data.

circle() {	# 4 sequences of 60 records, 6-D, a nonlinear image of a circle
	awk 'BEGIN { for (s = 0; s < 4; s++) { if (s) print "";
	    for (t = 0; t < 60; t++) { a = 0.1 * t + s; c = cos(a); d = sin(a);
	    printf "%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", c, d, c + d, c * d,
	    2 * c - d, sin(2 * a) } } }'
}
