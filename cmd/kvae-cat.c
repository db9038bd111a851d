/* kvae-cat: concatenate, convert, inspect and cut kvae-seq(5) streams. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "common/cli.h"
#include "core/outfile.h"
#include "stream/seq.h"
#include "stream/select.h"
#include "stream/stats.h"

static const char usage[] =
"Usage: kvae-cat [OPTION]... [FILE]...\n"
"Concatenate kvae-seq(5) streams (CSV or binary, detected), convert them,\n"
"show what they hold, choose records and columns, and mark records missing\n"
"for imputation experiments. With no FILE, or FILE -, read stdin.\n"
"\n"
"Output:\n"
"  -o, --output=FILE          write FILE atomically (default stdout)\n"
"  -f, --output-format=FMT    csv or bin (default: the input's)\n"
"      --float32              write 32-bit floats (binary) / float digits (CSV)\n"
"      --float64              write 64-bit floats (default for CSV input)\n"
"  -i, --info                 print sequences, lengths, dimension, column\n"
"                             names, missing values and per-column\n"
"                             mean/min/max instead\n"
"Choosing (each sequence on its own, in this order):\n"
"  -s, --sequence=N           only the N-th sequence of the stream (from 1)\n"
"  -r, --range=A:B            records A to B-1 (from 0; negative counts\n"
"                             from the end; an end may be empty)\n"
"      --head=N               the first N records\n"
"      --tail=N               the last N records\n"
"  -c, --columns=LIST         columns by name or number, in the order given,\n"
"                             e.g. realgdp,unemp or 1,3-5 or 2- (from 1);\n"
"                             columns left out are never parsed\n"
"Marking records missing (NaN), counted within the chosen records:\n"
"      --keep-every=K         keep records 0, K, 2K, ...; mark the rest\n"
"      --drop-last=N          mark the last N (for extrapolation)\n"
"      --drop=LIST            mark these: ranges A:B and records N, e.g.\n"
"                             12,40:45,-3: (from 0; negative from the end)\n"
"      --drop-random=P        mark each record with probability P\n"
"      --seed=S               seed for --drop-random (default 1)\n"
"Other:\n"
"      --threads=N            taken for scripts that give it to every\n"
"                             program: kvae-cat runs on one thread\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Example:\n"
"  kvae-cat --keep-every 5 clean.csv | kf-smooth --preset local-level \\\n"
"      --obs-noise 0.1 | kvae-cat --info\n"
"\n"
"Exit status: 0 success, 1 bad input or failure, 2 usage error.\n";

enum {
	OPT_FLOAT32 = 256, OPT_FLOAT64, OPT_HEAD, OPT_TAIL, OPT_KEEP_EVERY,
	OPT_DROP_LAST, OPT_DROP, OPT_DROP_RANDOM, OPT_SEED, OPT_THREADS
};

static const struct option options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "output-format", required_argument, NULL, 'f' },
	{ "float32", no_argument, NULL, OPT_FLOAT32 },
	{ "float64", no_argument, NULL, OPT_FLOAT64 },
	{ "info", no_argument, NULL, 'i' },
	{ "sequence", required_argument, NULL, 's' },
	{ "range", required_argument, NULL, 'r' },
	{ "head", required_argument, NULL, OPT_HEAD },
	{ "tail", required_argument, NULL, OPT_TAIL },
	{ "columns", required_argument, NULL, 'c' },
	{ "keep-every", required_argument, NULL, OPT_KEEP_EVERY },
	{ "drop-last", required_argument, NULL, OPT_DROP_LAST },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "drop-random", required_argument, NULL, OPT_DROP_RANDOM },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct settings {
	const char *output;
	int format, scalar;
	int info;
	size_t sequence;	/* 1-based; 0: all */
	seqcols cols;		/* no items: all */
	seqsel sel;
	optarg_range *drop;	/* sel.drop's ranges */
	unsigned long seed;
};

/* Where records go: a writer, or the --info counters. */
struct sink {
	seq_writer *w;
	seqstat stat;
	size_t dim;		/* output columns */
	char **names;		/* their names (the first input's), or NULL */
	double *x, *var;	/* dim each: the record after column choice */
};

struct job {
	struct settings *set;
	struct sink sink;
	size_t seq_seen;	/* sequences read so far, all files */
	size_t in_dim;
	int in_has_var;
};

static void
parse_options(int argc, char **argv, struct settings *s)
{
	kv_err err;
	int c;

	while ((c = getopt_long(argc, argv, "o:f:is:r:c:hV", options,
	    NULL)) != -1) {
		switch (c) {
		case 'o':
			s->output = optarg;
			break;
		case 'f':
			s->format = cli_parse_format(optarg);
			break;
		case OPT_FLOAT32:
			s->scalar = SEQ_F32;
			break;
		case OPT_FLOAT64:
			s->scalar = SEQ_F64;
			break;
		case 'i':
			s->info = 1;
			break;
		case 's':
			s->sequence = (size_t)cli_parse_int("--sequence", optarg,
			    1, 1LL << 62);
			break;
		case 'r':
			if (optarg_range_parse("--range", optarg, &s->sel.range,
			    &err) != 0)
				cli_usage_error("%s", err.msg);
			break;
		case OPT_HEAD:
			s->sel.head = (size_t)cli_parse_int("--head", optarg, 1,
			    1LL << 62);
			break;
		case OPT_TAIL:
			s->sel.tail = (size_t)cli_parse_int("--tail", optarg, 1,
			    1LL << 62);
			break;
		case 'c':
			seqcols_free(&s->cols);
			if (seqcols_parse(&s->cols, optarg, &err) != 0)
				cli_usage_error("--columns: %s", err.msg);
			break;
		case OPT_KEEP_EVERY:
			s->sel.keep_every = (size_t)cli_parse_int("--keep-every",
			    optarg, 1, 1LL << 62);
			break;
		case OPT_DROP_LAST:
			s->sel.drop_last = (size_t)cli_parse_int("--drop-last",
			    optarg, 1, 1LL << 62);
			break;
		case OPT_DROP:
			free(s->drop);
			if (optarg_range_list_parse("--drop", optarg, &s->drop,
			    &s->sel.ndrop, &err) != 0)
				cli_usage_error("%s", err.msg);
			s->sel.drop = s->drop;
			break;
		case OPT_DROP_RANDOM:
			s->sel.drop_random = cli_parse_double("--drop-random",
			    optarg, 0, 1);
			break;
		case OPT_SEED:
			s->seed = (unsigned long)cli_parse_int("--seed", optarg,
			    0, 4294967295LL);
			break;
		case OPT_THREADS:
			cli_threads(optarg);
			break;
		default:
			cli_standard_option(c, usage);
		}
	}
}

/* Set up the sink for the first input's layout. */
static int
sink_open(struct job *j, const seq_layout *in, FILE *fp, const char *name,
	kv_err *err)
{
	struct settings *s = j->set;
	struct sink *k = &j->sink;
	seq_layout out;

	k->dim = in->dim;
	k->x = malloc(k->dim * sizeof *k->x);
	k->var = malloc(k->dim * sizeof *k->var);
	if (k->x == NULL || k->var == NULL)
		return kv_errf(err, "out of memory");
	if (in->names != NULL) {
		k->names = calloc(k->dim, sizeof *k->names);
		if (k->names == NULL)
			return kv_errf(err, "out of memory");
		for (size_t i = 0; i < k->dim; i++)
			if ((k->names[i] = strdup(in->names[i])) == NULL)
				return kv_errf(err, "out of memory");
	}
	if (s->info)
		return seqstat_init(&k->stat, k->dim, err);
	out = seq_layout_output(in, s->format, s->scalar);
	k->w = seq_writer_open(fp, name, &out, err);
	return k->w == NULL ? -1 : 0;
}

/* One record chosen by seqsel (its columns chosen by the reader): mask,
 * pass on. */
static int
sink_record(struct job *j, const double *x, const double *var, int mask,
	kv_err *err)
{
	struct sink *k = &j->sink;

	for (size_t i = 0; i < k->dim; i++) {
		k->x[i] = mask ? NAN : x[i];
		k->var[i] = mask || var == NULL ? NAN : var[i];
	}
	if (j->set->info) {
		seqstat_record(&k->stat, k->x);
		return 0;
	}
	return seq_write(k->w, k->x, k->var, err);
}

static int
sink_break(struct job *j, kv_err *err)
{
	if (j->set->info)
		return seqstat_break(&j->sink.stat, err);
	return seq_write_break(j->sink.w, err);
}

static int
wanted(const struct job *j)
{
	return j->set->sequence == 0 || j->set->sequence == j->seq_seen + 1;
}

/* Whole sequences in memory: for options that need the length. */
static int
copy_buffered(struct job *j, seq_reader *r, kv_err *err)
{
	seq_buf b = { 0 };
	int rc;

	while ((rc = seq_read_sequence(r, &b, err)) == 1) {
		for (size_t i = 0; wanted(j) && i < b.T; i++) {
			int d = seqsel_decide(&j->set->sel, i, b.T);
			double *var = b.var ? b.var + i * b.dim : NULL;
			if (d != SEQSEL_SKIP && sink_record(j, b.x + i * b.dim,
			    var, d == SEQSEL_MASK, err) != 0) {
				rc = -1;
				break;
			}
		}
		if (rc < 0 || (wanted(j) && sink_break(j, err) != 0)) {
			rc = -1;
			break;
		}
		j->seq_seen++;
	}
	seq_buf_free(&b);
	return rc;
}

/* Record by record: everything else. */
static int
copy_streaming(struct job *j, seq_reader *r, double *x, double *var,
	kv_err *err)
{
	size_t i = 0;
	int rc;

	while ((rc = seq_read(r, x, var, err)) > 0) {
		if (rc == SEQ_BREAK) {
			if (wanted(j) && sink_break(j, err) != 0)
				return -1;
			j->seq_seen++;
			i = 0;
			continue;
		}
		if (wanted(j)) {
			int d = seqsel_decide(&j->set->sel, i, SEQSEL_UNKNOWN);
			if (d != SEQSEL_SKIP && sink_record(j, x, var,
			    d == SEQSEL_MASK, err) != 0)
				return -1;
		}
		i++;
	}
	return rc;
}

static int
copy_file(struct job *j, const char *path, FILE *out, const char *outname,
	kv_err *err)
{
	seq_reader *r = seq_reader_open_columns(path, j->set->cols.n > 0 ?
	    &j->set->cols : NULL, err);
	const seq_layout *l;
	double *x = NULL, *var = NULL;
	int rc = -1;

	if (r == NULL)
		return -1;
	l = seq_reader_layout(r);
	if (j->in_dim == 0) {
		j->in_dim = l->dim;
		j->in_has_var = l->has_var;
		if (sink_open(j, l, out, outname, err) != 0)
			goto done;
	} else if (l->dim != j->in_dim) {
		kv_errf(err, "%s: dim %zu, the first input has dim %zu",
		    infile_name(path), l->dim, j->in_dim);
		goto done;
	}
	if (!j->set->info)
		seq_reader_flush_on_wait(r, out);
	x = malloc(l->dim * sizeof *x);
	var = malloc(l->dim * sizeof *var);
	if (x == NULL || var == NULL) {
		kv_errf(err, "out of memory");
		goto done;
	}
	rc = seqsel_needs_length(&j->set->sel) ? copy_buffered(j, r, err) :
	    copy_streaming(j, r, x, var, err);
done:
	free(x);
	free(var);
	seq_reader_close(r);
	return rc;
}

static void
print_info(const struct job *j, FILE *fp)
{
	const seqstat *s = &j->sink.stat;
	size_t records = 0, missing = 0;

	for (size_t i = 0; i < s->nseq; i++) {
		records += s->len[i];
		missing += s->missing[i];
	}
	fprintf(fp, "dim: %zu\nvariances: %s\nsequences: %zu\nrecords: %zu\n"
	    "missing values: %zu\n", s->dim, j->in_has_var ? "yes" : "no", s->nseq,
	    records, missing);
	if (j->sink.names != NULL) {
		fputs("names:", fp);
		for (size_t i = 0; i < s->dim; i++)
			fprintf(fp, "%s%s", i > 0 ? "," : " ", j->sink.names[i]);
		fputc('\n', fp);
	}
	for (size_t i = 0; i < s->nseq; i++)
		fprintf(fp, "sequence %zu: %zu records, %zu missing\n", i + 1,
		    s->len[i], s->missing[i]);
	for (size_t i = 0; i < s->dim; i++) {
		const seqstat_column *c = &s->col[i];
		double mean = c->present ? c->sum / (double)c->present : NAN;
		fprintf(fp, "column %zu: mean %.10g, min %.10g, max %.10g, "
		    "missing %zu\n", i + 1, mean, c->present ? c->min : NAN,
		    c->present ? c->max : NAN, c->missing);
	}
}

int
main(int argc, char **argv)
{
	struct settings set = { .seed = 1 };
	struct job job = { .set = &set };
	outfile *out;
	gsl_rng *rng = NULL;
	kv_err err;
	int nfiles;

	cli_init("kvae-cat");
	parse_options(argc, argv, &set);
	nfiles = argc - optind;
	if (set.sel.drop_random > 0) {
		rng = gsl_rng_alloc(gsl_rng_mt19937);
		if (rng == NULL)
			cli_die("out of memory");
		gsl_rng_set(rng, set.seed);
		set.sel.rng = rng;
	}
	if ((out = outfile_open(set.output, &err)) == NULL)
		cli_fail(&err);
	for (int i = 0; i < (nfiles > 0 ? nfiles : 1); i++) {
		const char *path = nfiles > 0 ? argv[optind + i] : "-";
		if (copy_file(&job, path, outfile_stream(out),
		    outfile_name(out), &err) != 0) {
			outfile_abort(out);
			cli_fail(&err);
		}
	}
	if (set.sequence > job.seq_seen) {
		outfile_abort(out);
		cli_die("--sequence %zu: the input has %zu sequence%s",
		    set.sequence, job.seq_seen, job.seq_seen == 1 ? "" : "s");
	}
	if (set.info) {
		if (seqstat_break(&job.sink.stat, &err) == 0)
			print_info(&job, outfile_stream(out));
		seqstat_free(&job.sink.stat);
	} else if (seq_writer_close(job.sink.w, &err) != 0) {
		outfile_abort(out);
		cli_fail(&err);
	}
	if (outfile_commit(out, &err) != 0)
		cli_fail(&err);
	free(job.sink.x);
	free(job.sink.var);
	for (size_t i = 0; job.sink.names != NULL && i < job.sink.dim; i++)
		free(job.sink.names[i]);
	free(job.sink.names);
	seqcols_free(&set.cols);
	free(set.drop);
	gsl_rng_free(rng);
	return 0;
}
