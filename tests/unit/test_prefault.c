/* test_prefault: populating a buffer maps its pages (where the kernel can)
 * and never changes what it holds, here and on a second thread, for
 * ranges that do not start or end on a page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "core/prefault.h"

#define PAGES 64

/* Pages of [p, p + bytes) resident, of the whole pages inside it. */
static size_t
resident(void *p, size_t bytes, size_t *whole)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 0;
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t b = ((uintptr_t)p + bytes) & ~(uintptr_t)(page - 1);
	unsigned char vec[PAGES + 2];

	*whole = (b - a) / page;
	if (mincore((void *)a, b - a, vec) != 0)
		return 0;
	for (size_t i = 0; i < *whole; i++)
		n += vec[i] & 1;
	return n;
}

static void
check_kind(int background)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes = PAGES * page;
	unsigned char *map = mmap(NULL, bytes + 2 * page, PROT_READ |
	    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *p = map + 100;	/* neither end on a page */
	size_t len = bytes + page - 300, whole, got;
	int can = madvise(map, page, MADV_POPULATE_WRITE) == 0, same = 1;

	for (size_t i = 0; i < 3 * page; i++)	/* some pages written */
		p[i] = (unsigned char)(i * 7);
	prefault_finish(prefault_start(p, len, background));
	got = resident(p, len, &whole);
	/* a kernel without MADV_POPULATE_WRITE (before 5.14) maps nothing
	 * ahead; the first page was written by the probe itself */
	CHECK(got == (can ? whole : 3), "background %d: %zu of %zu whole "
	    "pages mapped (populate %s here)", background, got, whole,
	    can ? "works" : "unsupported");
	for (size_t i = 0; i < 3 * page; i++)
		same &= p[i] == (unsigned char)(i * 7);
	for (size_t i = 3 * page; i < len; i++)
		same &= p[i] == 0;
	CHECK(same, "background %d: the contents are untouched", background);
	munmap(map, bytes + 2 * page);
}

int
main(void)
{
	char small[10];

	check_kind(0);
	check_kind(1);
	CHECK(prefault_start(NULL, 1 << 20, 1) == NULL &&
	    prefault_start(small, sizeof small, 1) == NULL,
	    "nothing to do for NULL or for less than a page");
	prefault_finish(NULL);
	return check_done();
}
