/* aeq: are two kvae-seq streams equal within a tolerance?
 *
 *   aeq [-a ATOL] [-r RTOL] EXPECTED ACTUAL
 *
 * Compares dimension, sequence boundaries, record counts and every value
 * (variances too): |got - want| <= ATOL + RTOL |want|, NaN equals only
 * NaN. Prints the first difference (sequence, record, column, both
 * values) and exits 1; exits 0 when equal. The tests' replacement for
 * byte comparison of floating-point text, like SPTK's aeq. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cli.h"
#include "stream/seq.h"

static int
same(double got, double want, double atol, double rtol)
{
	if (isnan(got) || isnan(want))
		return isnan(got) && isnan(want);
	return fabs(got - want) <= atol + rtol * fabs(want);
}

int
main(int argc, char **argv)
{
	double atol = 1e-12, rtol = 1e-12;
	seq_reader *r[2];
	double *v[2][2];
	size_t seqno = 1, recno = 0, dim;
	kv_err err;
	int c;

	cli_init("aeq");
	while ((c = getopt(argc, argv, "a:r:")) != -1) {
		if (c == 'a')
			atol = cli_parse_double("-a", optarg, 0, INFINITY);
		else if (c == 'r')
			rtol = cli_parse_double("-r", optarg, 0, INFINITY);
		else
			cli_usage_error("usage: aeq [-a ATOL] [-r RTOL] "
			    "EXPECTED ACTUAL");
	}
	if (argc - optind != 2)
		cli_usage_error("usage: aeq [-a ATOL] [-r RTOL] EXPECTED ACTUAL");
	for (int k = 0; k < 2; k++)
		if ((r[k] = seq_reader_open(argv[optind + k], &err)) == NULL)
			cli_fail(&err);
	dim = seq_reader_layout(r[0])->dim;
	if (seq_reader_layout(r[1])->dim != dim)
		cli_die("dim differs: expected %zu, got %zu", dim,
		    seq_reader_layout(r[1])->dim);
	for (int k = 0; k < 2; k++)
		for (int j = 0; j < 2; j++)
			v[k][j] = malloc(dim * sizeof(double));
	for (;;) {
		int e0 = seq_read(r[0], v[0][0], v[0][1], &err), e1;
		if (e0 < 0)
			cli_fail(&err);
		if ((e1 = seq_read(r[1], v[1][0], v[1][1], &err)) < 0)
			cli_fail(&err);
		if (e0 != e1)
			cli_die("sequence %zu record %zu: expected %s, got %s",
			    seqno, recno + 1,
			    e0 == SEQ_RECORD ? "a record" : "the end",
			    e1 == SEQ_RECORD ? "a record" : "the end");
		if (e0 == SEQ_EOF)
			break;
		if (e0 == SEQ_BREAK) {
			seqno++;
			recno = 0;
			continue;
		}
		recno++;
		for (int j = 0; j < 2; j++)
			for (size_t i = 0; i < dim; i++)
				if (!same(v[1][j][i], v[0][j][i], atol, rtol))
					cli_die("sequence %zu record %zu %s %zu: "
					    "expected %.17g, got %.17g (|diff| "
					    "%.3g > %g + %g |expected|)", seqno,
					    recno, j ? "variance" : "column",
					    i + 1, v[0][j][i], v[1][j][i],
					    fabs(v[1][j][i] - v[0][j][i]), atol,
					    rtol);
	}
	for (int k = 0; k < 2; k++) {
		seq_reader_close(r[k]);
		free(v[k][0]);
		free(v[k][1]);
	}
	return 0;
}
