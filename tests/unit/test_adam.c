/* test_adam: Adam's update against hand-computed steps, bias
 * correction, global-norm clipping, step decay, and convergence on a
 * quadratic. */
#include <math.h>
#include <stdio.h>

#include "nn/adam.h"
#include "check.h"

int
main(void)
{
	adam a;
	kv_err err;
	float p[2] = { 1.0f, -2.0f }, g[2];
	double norm;

	/* First step: m/c1 = g, v/c2 = g^2, so the move is lr g/(|g| + eps). */
	adam_init(&a, 2, &err);
	a.lr = 0.1;
	g[0] = 3.0f, g[1] = -0.5f;
	adam_step(&a, p, g, a.lr);
	CHECK_NEAR("step 1 moves p0 by -lr sign(g)", p[0], 1.0 - 0.1 * 3 /
	    (3 + 1e-8), 0, 1e-7);
	CHECK_NEAR("step 1 moves p1 by -lr sign(g)", p[1], -2.0 + 0.1 * 0.5 /
	    (0.5 + 1e-8), 0, 1e-7);
	/* Second step by hand. */
	{
		double m = 0.9 * (0.1 * 3) + 0.1 * 1.0;
		double v = 0.999 * (0.001 * 9) + 0.001 * 1.0;
		double want = p[0] - 0.1 * (m / (1 - 0.81)) /
		    (sqrt(v / (1 - 0.999 * 0.999)) + 1e-8);
		g[0] = 1.0f, g[1] = 0.0f;
		adam_step(&a, p, g, a.lr);
		CHECK_NEAR("step 2 with bias correction, by hand", p[0], want, 0,
		    1e-6);
	}
	adam_free(&a);

	g[0] = 3.0f, g[1] = 4.0f;
	norm = adam_clip(g, 2, 1.0);
	CHECK(norm == 5.0 && fabs(g[0] - 0.6f) < 1e-7 && fabs(g[1] - 0.8f) < 1e-7,
	    "clipping: norm %g reported, gradient scaled to norm 1 (%g, %g)",
	    norm, g[0], g[1]);
	norm = adam_clip(g, 2, 10.0);
	CHECK(fabs(g[0] - 0.6f) < 1e-7, "clipping leaves a small gradient alone");

	adam_init(&a, 1, &err);
	a.lr = 1e-3, a.decay = 0.5, a.decay_every = 10;
	CHECK(adam_lr(&a, 0) == 1e-3 && adam_lr(&a, 9) == 1e-3 &&
	    adam_lr(&a, 10) == 5e-4 && adam_lr(&a, 25) == 2.5e-4,
	    "step decay: lr halves every 10 epochs");
	adam_free(&a);

	/* Minimise (x - 3)^2 + 10 (y + 1)^2. */
	adam_init(&a, 2, &err);
	p[0] = 0, p[1] = 0;
	for (int s = 0; s < 2000; s++) {
		g[0] = 2 * (p[0] - 3);
		g[1] = 20 * (p[1] + 1);
		adam_step(&a, p, g, 0.05);
	}
	CHECK(fabs(p[0] - 3) < 1e-2 && fabs(p[1] + 1) < 1e-2,
	    "converges on a quadratic: (%g, %g), want (3, -1)", p[0], p[1]);
	adam_free(&a);
	return check_done();
}
