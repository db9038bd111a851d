/* image_file.c: one image in and out of a file; see image_file.h. */
#include "media/image_file.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "core/outfile.h"
#include "media/planes.h"
#include "media/pnm.h"
#include "media/video.h"

int
image_file_pnm_name(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	return path_is_std(path) || (dot && (strcasecmp(dot, ".pgm") == 0 ||
	    strcasecmp(dot, ".ppm") == 0 || strcasecmp(dot, ".pnm") == 0));
}

int
image_file_parse_pnm(media_image *im, const uint8_t *buf, size_t len,
	const char *name, kv_err *err)
{
	if (pnm_parse(im, buf, len, err) != 0)
		return kv_err_prefix(err, "%s", name);
	return 0;
}

/* A buffer in memory as a media_read_fn source. */
struct membuf {
	const uint8_t *p;
	size_t len, pos;
};

static long
mem_read(void *ctx, uint8_t *buf, size_t n)
{
	struct membuf *m = ctx;
	size_t take = m->len - m->pos < n ? m->len - m->pos : n;

	memcpy(buf, m->p + m->pos, take);
	m->pos += take;
	return (long)take;
}

/* The first frame of r as an image; refuses a second one. Closes r. */
int
image_file_refuse_alpha(const media_format *f, const char *name,
	kv_err *err)
{
	if (!f->has_alpha)
		return 0;
	return kv_errf(err, "%s: has an alpha channel, which would be dropped "
	    "(flatten it first, e.g. ffmpeg -i %s -pix_fmt %s out.png)", name,
	    name, f->nplanes == 1 ? "gray" : "rgb24");
}

static int
first_frame(media_image *im, media_reader *r, kv_err *err)
{
	media_frame fr;
	int rc;

	if (media_read(r, &fr, err) != 1 ||
	    image_file_refuse_alpha(media_reader_format(r),
	    media_reader_name(r), err) != 0 ||
	    media_image_from_frame(im, media_reader_format(r), &fr,
	    media_reader_name(r), err) != 0) {
		media_close(r);
		return -1;
	}
	rc = media_read(r, &fr, err);
	if (rc != 0) {
		if (rc > 0)
			kv_errf(err, "%s: holds more than one frame; --compress "
			    "takes one image", media_reader_name(r));
		media_close(r);
		free(im->pix);
		im->pix = NULL;
		return -1;
	}
	media_close(r);
	return 0;
}

int
image_file_read(media_image *im, kv_input *in, kv_err *err)
{
	const char *name = input_name(in);
	const uint8_t *head;
	uint8_t *buf;
	size_t len;
	media_reader *r;
	int rc;

	if (input_peek(in, 3, err) < 0)
		return -1;
	head = input_head(in, &len);
	if (!pnm_is_pnm(head, len) && input_reopenable(in)) {
		if ((r = media_open(input_path(in), 0, err)) == NULL)
			return -1;
		return first_frame(im, r, err);
	}
	if (input_readall(in, IMAGE_FILE_MAX_BYTES, &buf, &len, err) != 0)
		return -1;
	if (pnm_is_pnm(buf, len)) {
		rc = image_file_parse_pnm(im, buf, len, name, err);
		free(buf);
		return rc;
	}
	struct membuf m = { buf, len, 0 };
	kv_err why;
	if ((r = media_open_io(name, mem_read, &m, 0, &why)) == NULL) {
		size_t skip = strlen(name);
		const char *msg = strncmp(why.msg, name, skip) == 0 &&
		    strncmp(why.msg + skip, ": ", 2) == 0 ? why.msg + skip + 2 :
		    why.msg;
		kv_errf(err, "%s: not a binary PGM/PPM image (P5/P6), nor an "
		    "image ffmpeg reads (%s)", name, msg);
		free(buf);
		return -1;
	}
	rc = first_frame(im, r, err);
	free(buf);
	return rc;
}

static int
write_pnm(const char *path, const media_image *im, kv_err *err)
{
	outfile *out = outfile_open(path, err);

	if (out == NULL)
		return -1;
	if (pnm_write(outfile_stream(out), im, err) != 0) {
		kv_err_prefix(err, "%s", outfile_name(out));	/* before the free */
		outfile_abort(out);
		return -1;
	}
	return outfile_commit(out, err);
}

static int
write_media(const char *path, const media_image *im, kv_err *err)
{
	media_format f;
	media_frame fr;
	media_writer *w;
	void *buf;

	if (media_format_for_image(&f, im, err) != 0)
		return kv_err_prefix(err, "%s", path);
	buf = malloc((size_t)im->width * im->height * im->channels * 2);
	if (buf == NULL)
		return kv_errf(err, "%s: out of memory", path);
	media_frame_for_image(&fr, buf, &f, im);
	w = media_writer_open(path, &f, NULL, NULL, err);
	if (w == NULL || media_write(w, &fr, err) != 0) {
		media_writer_abort(w);
		free(buf);
		return -1;
	}
	int rc = media_writer_close(w, err);
	free(buf);
	return rc;
}

const char *
image_file_lossy_codec(const char *path)
{
	const AVOutputFormat *of;
	const AVCodecDescriptor *d;

	if (image_file_pnm_name(path) ||
	    (of = av_guess_format(NULL, path, NULL)) == NULL)
		return NULL;
	d = avcodec_descriptor_get(av_guess_codec(of, NULL, path, NULL,
	    AVMEDIA_TYPE_VIDEO));
	if (d == NULL || !(d->props & AV_CODEC_PROP_LOSSY) ||
	    (d->props & AV_CODEC_PROP_LOSSLESS))
		return NULL;
	return d->long_name ? d->long_name : d->name;
}

int
image_file_write(const char *path, const media_image *im, kv_err *err)
{
	if (image_file_pnm_name(path))
		return write_pnm(path, im, err);
	return write_media(path, im, err);
}
