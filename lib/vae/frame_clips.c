/* frame_clips.c: training frames in memory. */
#include "vae/frame_clips.h"

#include <stdlib.h>
#include <string.h>

#include "media/frame_source.h"

/* Every frame of s into *buf (grown by doubling), counting against the
 * budget in *left. */
static int
read_clip(frame_source *s, size_t D, float **buf, size_t *nframes,
	size_t *left, size_t max_bytes, kv_err *err)
{
	size_t cap = 0, frame = D * sizeof **buf;
	int rc;

	*buf = NULL;
	*nframes = 0;
	for (;;) {
		if (*nframes == cap) {
			size_t want = cap ? 2 * cap : 64;
			float *t;
			if (want * frame > *left + cap * frame)
				want = (*left + cap * frame) / frame + 1;
			if ((t = realloc(*buf, want * frame)) == NULL)
				return kv_errf(err, "out of memory");
			*buf = t;
			cap = want;
		}
		rc = frame_source_read(s, *buf + *nframes * D, err);
		if (rc <= 0)
			return rc;
		if (*left < frame)
			return kv_errf(err, "%s: frame %zu: the training frames "
			    "would take more than the %zu MiB allowed (see "
			    "--max-memory)", frame_source_name(s), *nframes + 1,
			    max_bytes >> 20);
		*left -= frame;
		(*nframes)++;
	}
}

int
frame_clips_load(frame_clips *c, const char *const *paths, size_t n,
	kv_input *first, int size, int channels, size_t max_bytes,
	kv_err *err)
{
	size_t D = (size_t)channels * size * size, left = max_bytes;

	memset(c, 0, sizeof *c);
	c->clip = calloc(n + 1, sizeof *c->clip);
	c->buf = calloc(n + 1, sizeof *c->buf);
	if (c->clip == NULL || c->buf == NULL) {
		input_close(first);
		frame_clips_free(c);
		return kv_errf(err, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		frame_source *s = frame_source_open(paths[i], i == 0 ? first :
		    NULL, size, size, channels, err);
		int rc;
		if (s == NULL) {
			frame_clips_free(c);
			return -1;
		}
		if (i == 0)
			frame_source_rate(s, &c->fps_num, &c->fps_den);
		c->n = i + 1;
		rc = read_clip(s, D, &c->buf[i], &c->clip[i].n, &left,
		    max_bytes, err);
		c->clip[i].frames = c->buf[i];
		if (rc == 0 && c->clip[i].n == 0)
			rc = kv_errf(err, "%s: no frames", frame_source_name(s));
		frame_source_close(s);
		if (rc != 0) {
			frame_clips_free(c);
			return -1;
		}
	}
	c->bytes = max_bytes - left;
	return 0;
}

void
frame_clips_free(frame_clips *c)
{
	for (size_t i = 0; c->buf != NULL && i < c->n; i++)
		free(c->buf[i]);
	free(c->buf);
	free(c->clip);
	memset(c, 0, sizeof *c);
}
