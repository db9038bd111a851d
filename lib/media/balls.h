/* balls.h: the bouncing-ball videos of the KVAE paper (Fraccaro et al.
 * 2017, "A Disentangled Recognition and Nonlinear Dynamics Model for
 * Unsupervised Learning", its "box" data): discs moving at constant
 * speed in a square box, bouncing elastically off its walls and off
 * each other,
 * drawn white on black with exact area coverage (anti-aliased, so that
 * sub-pixel motion is smooth).
 *
 * The defaults are those of the authors' generator (kvae/datasets/box.py
 * in github.com/simonkamronn/kvae, pymunk physics) at 32x32, scaled by
 * size/32 for other sizes: walls 2 px inside the image, radius 3, time
 * step 0.2 per frame, speed uniform in [10, 15] px per unit time in a
 * direction uniform in [0, 360) degrees, start at the centre plus
 * N(0, 10^2) per axis, clipped to [wall + r + 1, size - wall - r - 1].
 *
 * Coordinates are in pixels, continuous: x to the right, y down, the
 * image's top-left corner at (0, 0), so pixel (row i, column j) covers
 * [j, j+1] x [i, i+1] and its centre is (j + 0.5, i + 0.5).
 *
 * Pure functions: no I/O; randomness only from the caller's GSL
 * generator, so a seed gives the same balls everywhere. */
#ifndef KVAE_BALLS_H
#define KVAE_BALLS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "core/err.h"

/* One ball: centre and velocity (pixels, pixels per unit time). */
typedef struct balls_ball {
	double x, y, vx, vy;
} balls_ball;

/* The simulation's settings. */
typedef struct balls_params {
	int size;			/* image width = height, pixels */
	int nballs;			/* balls in the box, >= 1 */
	double radius;			/* of every ball, pixels */
	double wall;			/* the walls' distance from the image
					   edges, pixels */
	double dt;			/* time from one frame to the next */
	double speed_min, speed_max;	/* speeds drawn uniformly between */
	double start_sd;		/* start: centre + start_sd N(0,1) */
} balls_params;

/* The reference's settings for a size x size image, one ball. */
void balls_params_default(balls_params *p, int size);

/* Whether the settings make sense: size >= 4, nballs >= 1, radius > 0
 * and small enough that a start range is left (radius <= size/2 -
 * wall - 1), wall >= 0, dt > 0, 0 <= speed_min <= speed_max, all
 * finite. 0, or -1 with a message naming the setting. */
int balls_params_check(const balls_params *p, kv_err *err);

/* Draw a start for p->nballs balls into b[0..nballs-1]: for each ball, a
 * direction, a speed, then a position; a position closer than 2 radii
 * to an earlier ball is drawn again. -1 with a message when the balls
 * do not fit after many tries. Uses only `rng`. */
int balls_start(balls_ball *b, const balls_params *p, gsl_rng *rng,
	kv_err *err);

/* Move the balls on by time `dt`, exactly: from one collision to the
 * next (a wall: the velocity's normal component changes sign; two balls:
 * equal masses, perfectly elastic, the velocities' components along the
 * line of centres swap). Speeds, and the total kinetic energy, are kept
 * up to rounding. -1 with a message when a step holds an absurd number
 * of collisions (over 10000 per ball: balls jammed together, or a step
 * many thousand box widths long). */
int balls_step(balls_ball *b, const balls_params *p, double dt, kv_err *err);

/* The area of the disc of centre (cx, cy) and radius r inside the
 * rectangle [x0, x1] x [y0, y1] (x0 <= x1, y0 <= y1), computed in closed
 * form. */
double balls_disc_area(double cx, double cy, double r, double x0, double y0,
	double x1, double y1);

/* The image's coverage: out[i * size + j] (size x size, row by row) is
 * the fraction of pixel (i, j) the balls cover, summed over the balls
 * and capped at 1. */
void balls_coverage(double *out, const balls_ball *b, const balls_params *p);

/* The 8-bit frame: round(255 * coverage), size x size row by row, rows
 * `stride` bytes apart. `work` holds size * size doubles. */
void balls_render(uint8_t *img, ptrdiff_t stride, double *work,
	const balls_ball *b, const balls_params *p);

#endif
