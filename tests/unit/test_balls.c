/* test_balls: the bouncing-ball simulation (reflection law, kinetic
 * energy, collisions between balls, staying in the box, determinism) and
 * the rasteriser (closed-form disc area against brute-force sampling,
 * total coverage pi r^2). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "media/balls.h"

/* The slow, obviously correct twin of balls_disc_area: the fraction of
 * an n x n grid of sample points in the rectangle that lie in the disc,
 * times the rectangle's area. */
static double
disc_area_sampled(double cx, double cy, double r, double x0, double y0,
	double x1, double y1, int n)
{
	long in = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double x = x0 + (j + 0.5) * (x1 - x0) / n;
			double y = y0 + (i + 0.5) * (y1 - y0) / n;
			in += (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
		}
	return (double)in / ((double)n * n) * (x1 - x0) * (y1 - y0);
}

static void
test_disc_area(void)
{
	/* every pixel around discs of several radii and sub-pixel centres */
	const double radii[] = { 0.3, 1, 2.5, 3, 6.2 };
	const double offs[][2] = { { 0, 0 }, { 0.5, 0.5 }, { 0.13, 0.71 },
	    { 0.999, 0.01 } };
	double worst = 0;
	int n = 512;

	for (size_t a = 0; a < sizeof radii / sizeof *radii; a++)
		for (size_t o = 0; o < sizeof offs / sizeof *offs; o++) {
			double r = radii[a], cx = 10 + offs[o][0];
			double cy = 10 + offs[o][1], sum = 0;

			for (int i = 0; i < 20; i++)
				for (int j = 0; j < 20; j++) {
					double got = balls_disc_area(cx, cy, r,
					    j, i, j + 1, i + 1), want = 0;

					/* sample only pixels near the disc */
					if (fabs(j + 0.5 - cx) < r + 1 &&
					    fabs(i + 0.5 - cy) < r + 1)
						want = disc_area_sampled(cx, cy,
						    r, j, i, j + 1, i + 1, n);
					if (fabs(got - want) > worst)
						worst = fabs(got - want);
					sum += got;
				}
			if (a == 0 && o == 0)
				CHECK_NEAR("pixel areas of a disc, r 0.3 at "
				    "(10,10), sum to pi r^2", sum,
				    M_PI * r * r, 1e-12, 1e-12);
			else if (a + 1 == sizeof radii / sizeof *radii &&
			    o + 1 == sizeof offs / sizeof *offs)
				CHECK_NEAR("pixel areas of a disc, r 6.2 at "
				    "(10.999,10.01), sum to pi r^2", sum,
				    M_PI * r * r, 1e-12, 1e-12);
		}
	/* sampling on a 512x512 grid is off by about the perimeter in the
	 * pixel times the grid step */
	CHECK(worst < 4.0 / n, "closed-form pixel areas against %dx%d "
	    "sampling, 5 radii x 4 centres x 20x20 pixels: worst |diff| %.3g "
	    "(tolerance %.3g)", n, n, worst, 4.0 / n);
	CHECK_NEAR("a rectangle holding the disc: pi r^2",
	    balls_disc_area(0, 0, 2, -5, -3, 2.5, 7), M_PI * 4, 1e-12, 0);
	CHECK_NEAR("a rectangle right of the centre: half the disc",
	    balls_disc_area(1, 1, 2, 1, -9, 9, 9), M_PI * 2, 1e-12, 0);
	CHECK_NEAR("a rectangle inside the disc: its own area",
	    balls_disc_area(0, 0, 5, -1, -1, 2, 1), 6, 1e-12, 0);
	CHECK_NEAR("a rectangle away from the disc: 0",
	    balls_disc_area(0, 0, 1, 1, 1, 2, 2), 0, 0, 1e-15);
}

static void
test_coverage(void)
{
	balls_params p;
	balls_ball b = { 13.37, 17.71, 0, 0 };
	double *cov, sum = 0, mx = 0;
	uint8_t *img;
	long mass = 0;

	balls_params_default(&p, 32);
	cov = malloc(32 * 32 * sizeof *cov);
	img = malloc(32 * 32);
	balls_coverage(cov, &b, &p);
	for (int i = 0; i < 32 * 32; i++) {
		sum += cov[i];
		mx = cov[i] > mx ? cov[i] : mx;
	}
	CHECK_NEAR("coverage of a ball of radius 3: pi r^2", sum,
	    M_PI * 9, 1e-12, 0);
	CHECK_NEAR("the pixel at the centre is covered", mx, 1, 0, 1e-12);
	balls_render(img, 32, cov, &b, &p);
	for (int i = 0; i < 32 * 32; i++)
		mass += img[i];
	/* rounding each of the ~30 edge pixels moves it by < 0.5 */
	CHECK_NEAR("8-bit frame's mass: 255 pi r^2", (double)mass,
	    255 * M_PI * 9, 0, 15);
	free(cov);
	free(img);
}

/* One ball heading for the right wall: after the step it is the mirror
 * image of where it would have gone, and vx has changed sign. */
static void
test_reflection(void)
{
	balls_params p;
	balls_ball b = { 25, 10, 4, 1.5 };
	double hi;
	kv_err err;

	balls_params_default(&p, 32);
	hi = 32 - p.wall - p.radius;		/* 27 */
	CHECK(balls_step(&b, &p, 1, &err) == 0, "a step into the wall");
	CHECK_NEAR("x after the wall: hi - (x + vx dt - hi)", b.x,
	    hi - (25 + 4 - hi), 0, 1e-12);
	CHECK_NEAR("y goes on", b.y, 11.5, 0, 1e-12);
	CHECK_NEAR("vx changes sign", b.vx, -4, 0, 0);
	CHECK_NEAR("vy is kept", b.vy, 1.5, 0, 0);
	/* into a corner: both components change sign */
	b = (balls_ball){ 26, 26, 2, 3 };
	CHECK(balls_step(&b, &p, 1, &err) == 0, "a step into the corner");
	CHECK(fabs(b.x - 26) < 1e-12 && fabs(b.y - 25) < 1e-12 &&
	    b.vx == -2 && b.vy == -3, "corner: at (%.15g, %.15g) want (26, "
	    "25), v (%g, %g) want (-2, -3)", b.x, b.y, b.vx, b.vy);
}

/* Two balls meeting head on exchange velocities; meeting at an angle,
 * they exchange the components along the line of centres. */
static void
test_pair(void)
{
	balls_params p;
	balls_ball b[2] = { { 10, 16, 3, 0 }, { 22, 16, -1, 0 } };
	kv_err err;

	balls_params_default(&p, 32);
	p.nballs = 2;
	/* they touch (12 - 6 = 6 apart closing at 4) at t = 1.5 */
	CHECK(balls_step(b, &p, 2, &err) == 0, "a head-on step");
	CHECK(fabs(b[0].vx + 1) < 1e-12 && fabs(b[1].vx - 3) < 1e-12 &&
	    b[0].vy == 0 && b[1].vy == 0, "head on: velocities exchanged: "
	    "(%g, %g) and (%g, %g)", b[0].vx, b[0].vy, b[1].vx, b[1].vy);
	CHECK_NEAR("ball 1 at 10 + 3 * 1.5 - 1 * 0.5", b[0].x, 14, 0, 1e-12);
	CHECK_NEAR("ball 2 at 22 - 1.5 + 3 * 0.5", b[1].x, 22, 0, 1e-12);
	/* ball 2 at rest, hit off-centre: they leave at right angles */
	b[0] = (balls_ball){ 10, 16, 4, 0 };
	b[1] = (balls_ball){ 18, 19, 0, 0 };
	CHECK(balls_step(b, &p, 2, &err) == 0, "an oblique step");
	CHECK_NEAR("oblique, one at rest: the velocities are orthogonal",
	    b[0].vx * b[1].vx + b[0].vy * b[1].vy, 0, 0, 1e-12);
	CHECK_NEAR("oblique: kinetic energy kept",
	    b[0].vx * b[0].vx + b[0].vy * b[0].vy + b[1].vx * b[1].vx +
	    b[1].vy * b[1].vy, 16, 1e-12, 0);
}

/* Many balls for many steps: energy kept, all inside, none overlapping. */
static void
test_long_run(void)
{
	balls_params p;
	balls_ball b[6];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double e0 = 0, e, worst_e = 0, lo, hi, out = 0, overlap = 0;
	kv_err err;
	int ok = 1;

	balls_params_default(&p, 64);
	p.nballs = 6;
	gsl_rng_set(rng, 7);
	ok = balls_start(b, &p, rng, &err) == 0;
	CHECK(ok, "6 balls placed in 64x64: %s", ok ? "yes" : err.msg);
	lo = p.wall + p.radius;
	hi = p.size - p.wall - p.radius;
	for (int k = 0; k < 6; k++)
		e0 += b[k].vx * b[k].vx + b[k].vy * b[k].vy;
	for (int t = 0; t < 5000 && ok; t++) {
		ok = balls_step(b, &p, p.dt, &err) == 0;
		e = 0;
		for (int k = 0; k < 6; k++) {
			e += b[k].vx * b[k].vx + b[k].vy * b[k].vy;
			out = fmax(out, fmax(fmax(lo - b[k].x, b[k].x - hi),
			    fmax(lo - b[k].y, b[k].y - hi)));
			for (int j = 0; j < k; j++)
				overlap = fmax(overlap, 2 * p.radius -
				    hypot(b[k].x - b[j].x, b[k].y - b[j].y));
		}
		worst_e = fmax(worst_e, fabs(e - e0) / e0);
	}
	CHECK(ok, "5000 steps of 6 balls: %s", ok ? "done" : err.msg);
	CHECK(worst_e < 1e-9, "kinetic energy over 5000 steps: worst "
	    "relative change %.3g (tolerance 1e-9)", worst_e);
	CHECK(out <= 0, "centres within [%g, %g]: worst excursion %.3g",
	    lo, hi, out);
	CHECK(overlap < 1e-9, "balls never overlap: worst overlap %.3g "
	    "(tolerance 1e-9)", overlap);
	gsl_rng_free(rng);
}

static void
test_determinism(void)
{
	balls_params p;
	balls_ball a[3], b[3], c[3];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	balls_params_default(&p, 32);
	p.nballs = 3;
	gsl_rng_set(rng, 42);
	balls_start(a, &p, rng, NULL);
	gsl_rng_set(rng, 42);
	balls_start(b, &p, rng, NULL);
	gsl_rng_set(rng, 43);
	balls_start(c, &p, rng, NULL);
	for (int t = 0; t < 100; t++) {
		balls_step(a, &p, p.dt, NULL);
		balls_step(b, &p, p.dt, NULL);
	}
	CHECK(memcmp(a, b, sizeof a) == 0, "seed 42 twice, 100 steps: the "
	    "same balls, bit for bit");
	CHECK(memcmp(a, c, sizeof a) != 0, "seeds 42 and 43: different "
	    "starts");
	for (int k = 0; k < 3; k++) {
		double v = hypot(c[k].vx, c[k].vy);
		CHECK(v >= p.speed_min && v <= p.speed_max, "ball %d's speed "
		    "%g in [%g, %g]", k, v, p.speed_min, p.speed_max);
		CHECK(c[k].x >= p.wall + p.radius + 1 &&
		    c[k].x <= p.size - p.wall - p.radius - 1,
		    "ball %d starts inside the start range: x %g", k, c[k].x);
	}
	gsl_rng_free(rng);
}

static void
test_params(void)
{
	balls_params p;
	balls_ball b[200];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	kv_err err;

	balls_params_default(&p, 64);
	CHECK(p.radius == 6 && p.wall == 4 && p.speed_min == 20 &&
	    p.speed_max == 30 && p.dt == 0.2 && p.start_sd == 20,
	    "64x64 defaults: the reference's scaled by 2");
	CHECK(balls_params_check(&p, &err) == 0, "defaults pass");
	p.radius = 28;
	CHECK(balls_params_check(&p, &err) != 0, "radius 28 in 64x64 "
	    "refused: %s", err.msg);
	balls_params_default(&p, 32);
	p.speed_min = 5;
	p.speed_max = 4;
	CHECK(balls_params_check(&p, &err) != 0, "speeds 5 to 4 refused: "
	    "%s", err.msg);
	balls_params_default(&p, 32);
	p.nballs = 200;
	CHECK(balls_start(b, &p, rng, &err) != 0, "200 balls in 32x32 "
	    "refused: %s", err.msg);
	gsl_rng_free(rng);
}

int
main(void)
{
	gsl_set_error_handler_off();
	test_disc_area();
	test_coverage();
	test_reflection();
	test_pair();
	test_long_run();
	test_determinism();
	test_params();
	return check_done();
}
