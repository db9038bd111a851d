/* stft_tool: lib/media/stft for the reference tests, numbers as text.
 *
 *   stft_tool forward N HOP WINDOW < samples > spectrum
 *   stft_tool inverse N HOP WINDOW SAMPLES < spectrum > samples
 *   stft_tool griffinlim N HOP WINDOW SAMPLES ITERS MOMENTUM
 *       < magnitudes, then a spectrum whose phases start > samples
 *
 * Samples are whitespace-separated numbers; a spectrum is one frame per
 * line, bins as "re im" pairs. Numbers are printed with %.17g. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/phase.h"
#include "media/stft.h"

static double *
read_numbers(size_t *n)
{
	size_t cap = 1024;
	double *v = malloc(cap * sizeof *v), d;

	*n = 0;
	while (v && scanf("%lf", &d) == 1) {
		if (*n == cap) {
			double *w = realloc(v, 2 * cap * sizeof *v);
			if (!w) {
				free(v);
				return NULL;
			}
			v = w;
			cap *= 2;
		}
		v[(*n)++] = d;
	}
	return v;
}

int
main(int argc, char **argv)
{
	kv_err err;
	stft_window win;
	stft_plan *p;
	size_t len, bins, frames, samples;
	double *in, *out;
	int inverse = argc == 6 && strcmp(argv[1], "inverse") == 0;
	int gl = argc == 8 && strcmp(argv[1], "griffinlim") == 0;

	if (!(argc == 5 && strcmp(argv[1], "forward") == 0) && !inverse &&
	    !gl) {
		fprintf(stderr, "usage: stft_tool forward|inverse|griffinlim N "
		    "HOP WINDOW [SAMPLES [ITERS MOMENTUM]]\n");
		return 2;
	}
	if (stft_window_parse(argv[4], &win) != 0) {
		fprintf(stderr, "stft_tool: unknown window %s\n", argv[4]);
		return 2;
	}
	p = stft_plan_new(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
	    win, &err);
	if (!p) {
		fprintf(stderr, "stft_tool: %s\n", err.msg);
		return 1;
	}
	in = read_numbers(&len);
	if (!in)
		return 1;
	bins = stft_bins(p);
	if (!inverse && !gl) {
		frames = stft_frames(p, len);
		out = malloc(2 * bins * frames * sizeof *out);
		if (!out)
			return 1;
		stft_forward(p, in, len, out);
		for (size_t t = 0; t < frames; t++)
			for (size_t f = 0; f < 2 * bins; f++)
				printf("%.17g%c", out[2 * bins * t + f],
				    f + 1 < 2 * bins ? ' ' : '\n');
	} else if (gl) {
		samples = strtoul(argv[5], NULL, 10);
		frames = stft_frames(p, samples);
		out = malloc((samples ? samples : 1) * sizeof *out);
		if (!out || len != 3 * bins * frames ||
		    phase_griffin_lim(p, in, in + bins * frames, samples,
		    atoi(argv[6]), atof(argv[7]), out, &err) != 0)
			return 1;
		for (size_t i = 0; i < samples; i++)
			printf("%.17g\n", out[i]);
	} else {
		samples = strtoul(argv[5], NULL, 10);
		out = malloc((samples ? samples : 1) * sizeof *out);
		if (!out || stft_inverse(p, in, len / (2 * bins), out, samples,
		    &err) != 0)
			return 1;
		for (size_t i = 0; i < samples; i++)
			printf("%.17g\n", out[i]);
	}
	free(in);
	free(out);
	stft_plan_free(p);
	return 0;
}
