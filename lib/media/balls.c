/* balls.c: bouncing balls in a box, simulated from collision to
 * collision and drawn with exact disc-pixel coverage. See balls.h. */
#include "media/balls.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

/* Tries per ball to find a start clear of the others. */
#define BALLS_START_TRIES 10000
/* Collisions allowed in one step, per ball. */
#define BALLS_MAX_EVENTS 10000

void
balls_params_default(balls_params *p, int size)
{
	double s = size / 32.0;

	*p = (balls_params){ .size = size, .nballs = 1, .radius = 3 * s,
	    .wall = 2 * s, .dt = 0.2, .speed_min = 10 * s,
	    .speed_max = 15 * s, .start_sd = 10 * s };
}

int
balls_params_check(const balls_params *p, kv_err *err)
{
	double rmax = p->size / 2.0 - p->wall - 1;

	if (p->size < 4)
		return kv_errf(err, "size %d: at least 4 pixels", p->size);
	if (p->nballs < 1)
		return kv_errf(err, "%d balls: at least 1", p->nballs);
	if (!isfinite(p->wall) || p->wall < 0 || p->wall >= p->size / 2.0)
		return kv_errf(err, "walls %g pixels inside a %dx%d image: "
		    "must be at least 0 and under half the size", p->wall,
		    p->size, p->size);
	if (!isfinite(p->radius) || p->radius <= 0 || p->radius > rmax)
		return kv_errf(err, "radius %g: must be over 0 and at most "
		    "%g in a %dx%d box with walls %g pixels inside", p->radius,
		    rmax, p->size, p->size, p->wall);
	if (!isfinite(p->dt) || p->dt <= 0)
		return kv_errf(err, "time step %g: must be over 0", p->dt);
	if (!isfinite(p->speed_min) || !isfinite(p->speed_max) ||
	    p->speed_min < 0 || p->speed_max < p->speed_min)
		return kv_errf(err, "speeds %g to %g: need 0 <= min <= max",
		    p->speed_min, p->speed_max);
	if (!isfinite(p->start_sd) || p->start_sd < 0)
		return kv_errf(err, "start spread %g: must be at least 0",
		    p->start_sd);
	return 0;
}

/* The range the balls' centres move in: [lo, hi] on both axes. */
static void
centre_range(const balls_params *p, double *lo, double *hi)
{
	*lo = p->wall + p->radius;
	*hi = p->size - p->wall - p->radius;
}

static double
clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int
balls_start(balls_ball *b, const balls_params *p, gsl_rng *rng, kv_err *err)
{
	double c = p->size / 2.0, d = 2 * p->radius;
	double lo = p->wall + p->radius + 1, hi = p->size - p->wall -
	    p->radius - 1;

	for (int k = 0; k < p->nballs; k++) {
		double angle = gsl_rng_uniform(rng) * 2 * M_PI;
		double speed = p->speed_min + gsl_rng_uniform(rng) *
		    (p->speed_max - p->speed_min);
		int tries = 0, clear;

		b[k].vx = speed * cos(angle);
		b[k].vy = speed * sin(angle);
		do {
			if (tries++ == BALLS_START_TRIES)
				return kv_errf(err, "%d balls of radius %g do "
				    "not fit apart in a %dx%d box (ball %d "
				    "found no place in %d tries)", p->nballs,
				    p->radius, p->size, p->size, k + 1,
				    BALLS_START_TRIES);
			b[k].x = clamp(c + gsl_ran_gaussian(rng, p->start_sd),
			    lo, hi);
			b[k].y = clamp(c + gsl_ran_gaussian(rng, p->start_sd),
			    lo, hi);
			clear = 1;
			for (int j = 0; j < k && clear; j++)
				clear = hypot(b[k].x - b[j].x,
				    b[k].y - b[j].y) >= d;
		} while (!clear);
	}
	return 0;
}

/* Time until a centre at `pos` moving at `v` reaches lo or hi (0 when
 * it is already there and moving out), or INFINITY. */
static double
wall_time(double pos, double v, double lo, double hi)
{
	if (v > 0)
		return pos >= hi ? 0 : (hi - pos) / v;
	if (v < 0)
		return pos <= lo ? 0 : (lo - pos) / v;
	return INFINITY;
}

/* Time until balls a and b, approaching, are d apart (0 when they
 * already overlap), or INFINITY when they do not meet. */
static double
pair_time(const balls_ball *a, const balls_ball *b, double d)
{
	double dx = b->x - a->x, dy = b->y - a->y;
	double dvx = b->vx - a->vx, dvy = b->vy - a->vy;
	double bb = dx * dvx + dy * dvy;		/* < 0: closing */
	double cc = dx * dx + dy * dy - d * d;
	double aa = dvx * dvx + dvy * dvy, disc;

	if (bb >= 0)
		return INFINITY;
	if (cc <= 0)
		return 0;
	disc = bb * bb - aa * cc;
	if (disc < 0)
		return INFINITY;
	/* the smaller root of aa t^2 + 2 bb t + cc, in its stable form */
	return cc / (-bb + sqrt(disc));
}

/* Equal masses, elastic: the velocity components along the line of
 * centres are exchanged, the tangential ones kept. */
static void
collide(balls_ball *a, balls_ball *b)
{
	double dx = b->x - a->x, dy = b->y - a->y, n = hypot(dx, dy), u;

	if (n == 0)
		return;
	dx /= n;
	dy /= n;
	u = (a->vx - b->vx) * dx + (a->vy - b->vy) * dy;
	a->vx -= u * dx;
	a->vy -= u * dy;
	b->vx += u * dx;
	b->vy += u * dy;
}

int
balls_step(balls_ball *b, const balls_params *p, double dt, kv_err *err)
{
	int n = p->nballs;
	double lo, hi, left = dt, d = 2 * p->radius;
	long events = 0, max_events = (long)BALLS_MAX_EVENTS * n;

	centre_range(p, &lo, &hi);
	while (left > 0) {
		/* the next event: ball i hits a wall (j = -1 for x, -2
		 * for y) or ball j */
		double t = INFINITY;
		int ei = -1, ej = 0;

		for (int i = 0; i < n; i++) {
			double tx = wall_time(b[i].x, b[i].vx, lo, hi);
			double ty = wall_time(b[i].y, b[i].vy, lo, hi);

			if (tx < t) {
				t = tx;
				ei = i;
				ej = -1;
			}
			if (ty < t) {
				t = ty;
				ei = i;
				ej = -2;
			}
			for (int j = i + 1; j < n; j++) {
				double tp = pair_time(&b[i], &b[j], d);

				if (tp < t) {
					t = tp;
					ei = i;
					ej = j;
				}
			}
		}
		if (t > left)
			t = left;
		for (int i = 0; i < n; i++) {
			b[i].x = clamp(b[i].x + b[i].vx * t, lo, hi);
			b[i].y = clamp(b[i].y + b[i].vy * t, lo, hi);
		}
		left -= t;
		if (ei < 0 || left <= 0)
			break;
		if (ej == -1) {
			b[ei].x = b[ei].vx > 0 ? hi : lo;
			b[ei].vx = -b[ei].vx;
		} else if (ej == -2) {
			b[ei].y = b[ei].vy > 0 ? hi : lo;
			b[ei].vy = -b[ei].vy;
		} else {
			collide(&b[ei], &b[ej]);
		}
		if (++events > max_events)
			return kv_errf(err, "more than %ld collisions in one "
			    "step of %g: the balls are jammed, or the step is "
			    "far too long for their speed", max_events, dt);
	}
	return 0;
}

/* The integral of sqrt(r^2 - x^2) from 0 to x, |x| <= r. */
static double
half_chord_integral(double x, double r)
{
	double u = clamp(x / r, -1, 1);

	x = u * r;
	return 0.5 * (x * sqrt(r * r - x * x) + r * r * asin(u));
}

/* The area of the disc of radius r centred at the origin where x <= a
 * and y <= b. With h(x) = sqrt(r^2 - x^2), it is the integral over
 * x in [-r, min(a, r)] of the length of [-h, min(b, h)]: 2h where
 * b >= h, b + h where -h < b < h, 0 where b <= -h; the cases change at
 * |x| = c = sqrt(r^2 - b^2). */
static double
quadrant_area(double a, double b, double r)
{
	double c, s, lo, hi, area = 0;

	if (a <= -r || b <= -r)
		return 0;
	a = a < r ? a : r;
	if (b >= r)
		return 2 * (half_chord_integral(a, r) -
		    half_chord_integral(-r, r));
	c = sqrt(r * r - b * b);
	/* |x| > c: the whole chord when b >= 0, nothing when b < 0 */
	if (b >= 0) {
		hi = a < -c ? a : -c;
		area += 2 * (half_chord_integral(hi, r) -
		    half_chord_integral(-r, r));
		if (a > c)
			area += 2 * (half_chord_integral(a, r) -
			    half_chord_integral(c, r));
	}
	/* |x| < c: from -h up to b */
	if (a > -c) {
		lo = -c;
		s = a < c ? a : c;
		area += b * (s - lo) + half_chord_integral(s, r) -
		    half_chord_integral(lo, r);
	}
	return area;
}

double
balls_disc_area(double cx, double cy, double r, double x0, double y0,
	double x1, double y1)
{
	double a0 = x0 - cx, a1 = x1 - cx, b0 = y0 - cy, b1 = y1 - cy;
	double area = quadrant_area(a1, b1, r) - quadrant_area(a0, b1, r) -
	    quadrant_area(a1, b0, r) + quadrant_area(a0, b0, r);
	double box = (x1 - x0) * (y1 - y0);

	return clamp(area, 0, box);
}

void
balls_coverage(double *out, const balls_ball *b, const balls_params *p)
{
	int size = p->size;
	double r = p->radius;

	memset(out, 0, (size_t)size * size * sizeof *out);
	for (int k = 0; k < p->nballs; k++) {
		int j0 = (int)floor(b[k].x - r), j1 = (int)ceil(b[k].x + r);
		int i0 = (int)floor(b[k].y - r), i1 = (int)ceil(b[k].y + r);

		j0 = j0 < 0 ? 0 : j0;
		i0 = i0 < 0 ? 0 : i0;
		j1 = j1 > size ? size : j1;
		i1 = i1 > size ? size : i1;
		for (int i = i0; i < i1; i++)
			for (int j = j0; j < j1; j++)
				out[(size_t)i * size + j] += balls_disc_area(
				    b[k].x, b[k].y, r, j, i, j + 1, i + 1);
	}
	for (size_t i = 0; i < (size_t)size * size; i++)
		out[i] = out[i] > 1 ? 1 : out[i];
}

void
balls_render(uint8_t *img, ptrdiff_t stride, double *work,
	const balls_ball *b, const balls_params *p)
{
	int size = p->size;

	balls_coverage(work, b, p);
	for (int i = 0; i < size; i++)
		for (int j = 0; j < size; j++)
			img[i * stride + j] = (uint8_t)lrint(255 *
			    work[(size_t)i * size + j]);
}
