/* test_ahead: items computed on a second thread arrive in order, each
 * once, whatever the ring depth; a producer's failure reaches the taker
 * at its item; stopping early (or at once) neither hangs nor leaks. */
#include <stdlib.h>
#include <unistd.h>

#include "core/ahead_thread.h"
#include "check.h"

struct ctx {
	size_t fail_at;		/* return 5 at this item */
	int slow;		/* sleep now and then: the taker waits */
	size_t made;		/* items computed (by the producer) */
};

static int
square(void *arg, size_t k, void *buf)
{
	struct ctx *c = arg;

	if (c->slow && k % 7 == 0)
		usleep(200);
	*(size_t *)buf = k * k;
	c->made++;
	return k == c->fail_at ? 5 : 0;
}

/* Take all count items through a ring of `depth`; 1 if all came right. */
static int
run(size_t count, size_t depth, int slow, int slow_taker)
{
	struct ctx c = { (size_t)-1, slow, 0 };
	ahead *a = ahead_start(count, depth, sizeof(size_t), square, &c, NULL);
	int ok = a != NULL, rc;

	for (size_t k = 0; ok && k < count; k++) {
		size_t *v = ahead_take(a, k, &rc);
		ok = rc == 0 && *v == k * k;
		if (slow_taker && k % 5 == 0)
			usleep(300);
		ahead_release(a, k);
	}
	ahead_stop(a);
	return ok;
}

int
main(void)
{
	struct ctx c = { 40, 0, 0 };
	ahead *a;
	int rc;

	CHECK(run(1000, 4, 0, 0), "1000 items through a ring of 4");
	CHECK(run(200, 2, 1, 0), "a slow producer: the taker waits");
	CHECK(run(200, 3, 0, 1), "a slow taker: the producer waits");
	CHECK(run(1, 16, 0, 0), "one item, a ring larger than the count");
	CHECK(run(0, 2, 0, 0), "no items");
	a = ahead_start(100, 4, sizeof(size_t), square, &c, NULL);
	for (size_t k = 0; k < 40; k++) {
		ahead_take(a, k, &rc);
		ahead_release(a, k);
	}
	ahead_take(a, 40, &rc);
	CHECK(rc == 5, "the producer's failure arrives with its item (%d)",
	    rc);
	ahead_stop(a);
	CHECK(c.made == 41, "and the producer stops there (%zu made)",
	    c.made);
	c.fail_at = (size_t)-1;
	c.made = 0;
	a = ahead_start(1000000, 4, sizeof(size_t), square, &c, NULL);
	ahead_stop(a);
	CHECK(c.made <= 4, "stopped before anything was taken: at most a "
	    "ring's worth made (%zu)", c.made);
	return check_done();
}
