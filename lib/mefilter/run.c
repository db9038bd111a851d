/* run.c: the ME filter over whole inputs; see run.h. */
#include "mefilter/run.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/outfile.h"
#include "core/progress.h"
#include "media/audio.h"
#include "media/image_file.h"
#include "media/planes.h"
#include "media/sniff.h"
#include "media/video.h"
#include "stream/seq.h"

/* What denoise.h's report callback gets as `user`: the job and where the
 * filter is. */
struct place {
	const mekf_job *job;
	mekf_where where;
};

static void
report(const mekf_model *m, const char *pass, size_t block, size_t first,
	size_t count, void *user)
{
	struct place *p = user;

	if (p->job->report != NULL)
		p->job->report(&p->where, m, pass, block, first, count,
		    p->job->user);
}

/* ---- kvae-seq streams: each column of each sequence on its own ---- */
static int
run_stream(kv_input *in, const mekf_job *j, kv_err *err)
{
	size_t hlen;
	const uint8_t *head = input_head(in, &hlen);
	const char *name = input_name(in);
	seq_reader *r = seq_reader_open_fd(input_fd(in), name, head, hlen, err);
	outfile *out = NULL;
	seq_writer *w = NULL;
	seq_buf b = { 0 };
	struct place pl = { j, { name, "column", "sequence", 0, 0 } };
	int got;

	if (r == NULL)
		return -1;
	seq_layout lay = seq_layout_output(seq_reader_layout(r), j->format, 0);
	lay.has_var = 0;
	if (j->write) {
		if ((out = outfile_open(j->output, err)) == NULL)
			goto fail;
		if ((w = seq_writer_open(outfile_stream(out), outfile_name(out),
		    &lay, err)) == NULL)
			goto fail;
	}
	while ((got = seq_read_sequence(r, &b, err)) == 1) {
		pl.where.outer_index++;
		for (size_t c = 0; c < b.dim; c++) {
			pl.where.index = c + 1;
			if (mekf_denoise_signal(b.x + c, b.T, b.dim, &j->f,
			    report, &pl, err) != 0) {
				kv_err_prefix(err, "%s: sequence %zu, column %zu",
				    name, pl.where.outer_index, c + 1);
				goto fail;
			}
		}
		for (size_t t = 0; w && t < b.T; t++)
			if (seq_write(w, b.x + t * b.dim, NULL, err) != 0)
				goto fail;
		if (w && seq_write_break(w, err) != 0)
			goto fail;
	}
	if (got < 0)
		goto fail;
	seq_buf_free(&b);
	seq_reader_close(r);
	r = NULL;
	if (w) {
		int rc = seq_writer_close(w, err);
		w = NULL;
		if (rc != 0)
			goto fail;
	}
	return out ? outfile_commit(out, err) : 0;
fail:
	seq_buf_free(&b);
	seq_reader_close(r);
	seq_writer_close(w, NULL);
	outfile_abort(out);
	return -1;
}

/* ---- sound files: each channel on its own ---- */
static int
run_audio(kv_input *in, const mekf_job *j, kv_err *err)
{
	audio_signal a;
	const char *name = input_name(in);
	struct place pl = { j, { name, "channel", NULL, 0, 0 } };
	int rc = 0;

	if (audio_read_input(&a, in, MEKF_RUN_MAX_BYTES, err) != 0)
		return -1;
	for (size_t c = 0; c < a.channels && rc == 0; c++) {
		pl.where.index = c + 1;
		if ((rc = mekf_denoise_signal(a.x + c, a.frames, a.channels,
		    &j->f, report, &pl, err)) != 0)
			kv_err_prefix(err, "%s: channel %zu", name, c + 1);
	}
	if (rc == 0 && j->write)
		rc = audio_write(j->output, &a, err);
	audio_free(&a);
	return rc;
}

/* ---- PGM/PPM: each channel as a plane, exact maxval kept ---- */
static int
run_pnm(kv_input *in, const mekf_job *j, kv_err *err)
{
	media_image im;
	const char *name = input_name(in);
	struct place pl = { j, { name, "channel", NULL, 0, 0 } };
	int rc = 0;

	if (image_file_read(&im, in, err) != 0)
		return -1;
	size_t w = im.width, h = im.height, C = im.channels, n = w * h;
	double *plane = malloc(n * sizeof *plane);
	if (plane == NULL) {
		free(im.pix);
		return kv_errf(err, "%s: out of memory", name);
	}
	for (size_t c = 0; c < C && rc == 0; c++) {
		for (size_t i = 0; i < n; i++)
			plane[i] = im.pix[i * C + c];
		pl.where.index = c + 1;
		if ((rc = mekf_denoise_plane(plane, w, h, &j->f, report, &pl,
		    err)) != 0) {
			kv_err_prefix(err, "%s: channel %zu", name, c + 1);
			break;
		}
		for (size_t i = 0; i < n; i++) {
			double v = nearbyint(plane[i]);
			im.pix[i * C + c] = (uint16_t)(v < 0 ? 0 :
			    v > im.maxval ? im.maxval : v);
		}
	}
	free(plane);
	if (rc == 0 && j->write)
		rc = image_file_write(j->output, &im, err);
	free(im.pix);
	return rc;
}

/* ---- images and video through video.h: each plane of each frame ---- */
static long
input_source(void *ctx, uint8_t *buf, size_t n)
{
	return input_read(ctx, buf, n, NULL);
}

static int
run_media(kv_input *in, const mekf_job *j, kv_err *err)
{
	media_reader *r = input_reopenable(in) ?
	    media_open(input_path(in), 0, err) :
	    media_open_io(input_name(in), input_source, in, 0, err);
	media_writer *w = NULL;
	media_frame fr, of = { 0 };
	progress pr;
	int got;

	if (r == NULL)
		return -1;
	const media_format *f = media_reader_format(r);
	const char *name = media_reader_name(r);
	if (image_file_refuse_alpha(f, name, err) != 0) {
		media_close(r);
		return -1;
	}
	size_t bps = f->sample == MEDIA_U8 ? 1 : f->sample == MEDIA_U16 ? 2 : 4;
	size_t n0 = (size_t)f->plane_w[0] * (size_t)f->plane_h[0];
	double *plane = malloc(n0 * sizeof *plane);
	uint8_t *out = malloc(n0 * bps * MEDIA_MAX_PLANES);
	struct place pl = { j, { name, "channel", "frame", 0, 0 } };
	if (plane == NULL || out == NULL) {
		kv_errf(err, "%s: out of memory", name);
		goto fail;
	}
	if (j->write && (w = media_writer_open(j->output, f, NULL, NULL,
	    err)) == NULL)
		goto fail;
	if (w && j->warn != NULL && media_reader_dropped(r, j->output, err))
		j->warn(j->user, err->msg);
	progress_start(&pr, "frames", 0, j->quiet);
	while ((got = media_read(r, &fr, err)) == 1) {
		pl.where.outer_index++;
		for (int c = 0; c < f->nplanes; c++) {
			size_t pw = (size_t)f->plane_w[c], ph = (size_t)f->plane_h[c];
			uint8_t *dst = out + (size_t)c * n0 * bps;
			media_plane_get(plane, f, &fr, c);
			pl.where.index = (size_t)c + 1;
			if (mekf_denoise_plane(plane, pw, ph, &j->f, report, &pl,
			    err) != 0) {
				kv_err_prefix(err, "%s: frame %zu, plane %d", name,
				    pl.where.outer_index, c + 1);
				goto fail;
			}
			media_plane_put(dst, (ptrdiff_t)(pw * bps), plane, f, c);
			of.plane[c] = dst;
			of.stride[c] = (ptrdiff_t)(pw * bps);
		}
		of.index = fr.index;
		of.timed = fr.timed;	/* the input's timestamps, kept */
		of.pts = fr.pts;
		of.duration = fr.duration;
		if (w && media_write(w, &of, err) != 0)
			goto fail;
		progress_update(&pr, pl.where.outer_index);
	}
	if (got < 0)
		goto fail;
	progress_end(&pr);
	if (media_reader_damage(r, err)) {
		if (j->strict)
			goto fail;
		if (j->warn != NULL)
			j->warn(j->user, err->msg);
	}
	media_close(r);
	free(plane);
	free(out);
	return w ? media_writer_close(w, err) : 0;
fail:
	media_writer_abort(w);
	media_close(r);
	free(plane);
	free(out);
	return -1;
}

int
mekf_run_input(kv_input *in, int kind, const mekf_job *job, kv_err *err)
{
	switch (kind) {
	case SNIFF_SEQ_TEXT:
	case SNIFF_SEQ_BIN:
		return run_stream(in, job, err);
	case SNIFF_AUDIO:
		return run_audio(in, job, err);
	case SNIFF_PNM:
		if (image_file_pnm_name(job->output))
			return run_pnm(in, job, err);
		return run_media(in, job, err);
	case SNIFF_Y4M:
	case SNIFF_MEDIA:
		return run_media(in, job, err);
	default:
		return kv_errf(err, "%s: not a stream, sound file, image or "
		    "video", input_name(in));
	}
}
