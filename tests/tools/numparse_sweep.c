/* numparse_sweep: numparse_double against strtod on N random inputs of
 * every kind in tests/unit/numparse_cases.h (make check-numbers runs it
 * by the hundred million; the unit test takes a sample).
 *
 *   numparse_sweep N [--seed S]
 *
 * Input i is made from (S, i) alone, and its kind from i, so a mismatch
 * is reproduced by its index whatever the number of threads. Prints one
 * TAP line (and the count per kind and the time as comments); on a
 * mismatch the line names the first input that differed: its index, its
 * kind, its text, both values and both end pointers.
 * Exit 0 all agree, 1 a mismatch, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/numparse_cases.h"

static const char usage[] = "usage: numparse_sweep N [--seed S]\n";

/* Kinds per 64 inputs: the cheap, common forms most, the exact ties
 * (a 900-digit printf and strtod on the result) least. */
static const struct {
	int kind, per64;
} weights[] = {
	{ NPC_G17, 8 }, { NPC_G16, 5 }, { NPC_G15, 5 }, { NPC_E20, 4 },
	{ NPC_E30, 3 }, { NPC_NORMAL, 6 }, { NPC_FLOAT, 4 }, { NPC_INT, 3 },
	{ NPC_TINY, 5 }, { NPC_DIGITS, 12 }, { NPC_LONG, 3 },
	{ NPC_HALFWAY, 2 }, { NPC_SYNTAX, 4 },
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char first_msg[8 * NPC_BUFSIZE + 256];
	int sched[64], k = 0, ch;
	uint64_t n, seed = 1, first = UINT64_MAX;
	unsigned long long count[NPC_NKINDS] = { 0 };
	double t0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (parse_u64(optarg, &seed) != 0)
				goto bad;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (argc - optind != 1 || parse_u64(argv[optind], &n) != 0)
		goto bad;

	for (size_t w = 0; w < sizeof weights / sizeof *weights; w++)
		for (int j = 0; j < weights[w].per64; j++)
			sched[k++] = weights[w].kind;
	if (k != 64)
		abort();

	t0 = now();
	#pragma omp parallel for schedule(dynamic, 4096) \
	    reduction(+:count[:NPC_NKINDS])
	for (uint64_t i = 0; i < n; i++) {
		char text[NPC_BUFSIZE], msg[8 * NPC_BUFSIZE];
		uint64_t s = seed ^ (i * 0xd1b54a32d192ed03u), stop;
		int kind = sched[i % 64];

		/* after a mismatch, finish only the inputs before it */
		#pragma omp atomic read
		stop = first;
		if (i > stop)
			continue;
		s = npc_u64(&s);
		npc_make(kind, &s, text);
		count[kind]++;
		if (npc_compare(text, msg, sizeof msg))
			continue;
		#pragma omp critical(numparse_sweep_first)
		if (i < first) {
			snprintf(first_msg, sizeof first_msg, "input %llu "
			    "(seed %llu, %s): %s", (unsigned long long)i,
			    (unsigned long long)seed, npc_kind_name[kind], msg);
			#pragma omp atomic write
			first = i;
		}
	}

	puts("1..1");
	if (first != UINT64_MAX) {
		printf("not ok 1 - numparse_sweep: %s\n", first_msg);
		return 1;
	}
	printf("ok 1 - numparse_sweep: %llu inputs (seed %llu): value bits "
	    "and end pointer equal strtod's\n", (unsigned long long)n,
	    (unsigned long long)seed);
	for (int j = 0; j < NPC_NKINDS; j++)
		printf("# %12llu %s\n", count[j], npc_kind_name[j]);
	printf("# %.1f s\n", now() - t0);
	return 0;
bad:
	fputs(usage, stderr);
	return 2;
}
