/* ssim_kernel_bench: Mpixel/s of the SSIM kernels alone (no decoding) on
 * a 1920x1080 8-bit plane pair: the wang and skimage windows (fast
 * path) and the ffmpeg 8x8 blocks, best of several runs, on the thread
 * count OMP_NUM_THREADS gives. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ssim/ssim.h"

static double
now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Best of `reps` runs: Mpixel/s of wall time, and per second of CPU
 * time (all threads; on a loaded machine the wall figure shows the
 * share of the cores the run got, the CPU figure the kernel). */
static void
best_mpix(const ssim_params *p, const ssim_image *x, const ssim_image *y,
	int reps, double *score, double *wall, double *cpu)
{
	double bw = 1e30, bc = 1e30, mp = (double)x->width * x->height / 1e6;
	kv_err err;

	for (int r = 0; r < reps; r++) {
		double w0 = now(CLOCK_MONOTONIC);
		double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		if (ssim_compute(p, x, y, 255, score, NULL, &err) != 0) {
			fprintf(stderr, "ssim_kernel_bench: %s\n", err.msg);
			exit(1);
		}
		double w = now(CLOCK_MONOTONIC) - w0;
		double c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
		bw = w < bw ? w : bw;
		bc = c < bc ? c : bc;
	}
	*wall = mp / bw;
	*cpu = mp / bc;
}

int
main(void)
{
	enum { W = 1920, H = 1080 };
	static const char *const names[] = { "wang", "skimage", "ffmpeg" };
	static const enum ssim_preset presets[] = { SSIM_WANG, SSIM_SKIMAGE,
	    SSIM_FFMPEG };
	uint8_t *a = malloc((size_t)W * H), *b = malloc((size_t)W * H);
	uint32_t s = 1;

	for (size_t i = 0; i < (size_t)W * H; i++) {
		s = s * 1664525u + 1013904223u;
		a[i] = (uint8_t)((i % W) / 8 + (i / W) / 8 + (s >> 28));
		b[i] = (uint8_t)(a[i] + (s >> 29));
	}
	ssim_image x = { a, W, W, H, SSIM_U8 }, y = { b, W, W, H, SSIM_U8 };
	for (int k = 0; k < 3; k++) {
		ssim_params p;
		double score, wall, cpu;
		ssim_preset(&p, presets[k]);
		best_mpix(&p, &x, &y, 10, &score, &wall, &cpu);
		printf("%-8s %7.1f Mpixel/s wall, %7.1f per CPU second "
		    "(SSIM %.6f)\n", names[k], wall, cpu, score);
	}
	free(a);
	free(b);
	return 0;
}
