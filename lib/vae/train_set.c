/* train_set.c: kvae-train's operands into training and validation sets. */
#include "vae/train_set.h"

#include <string.h>

#include "media/frame_source.h"
#include "stream/seq.h"
#include "vae/frame_clips.h"

int
train_source_open(train_source *s, const char *const *paths, size_t n,
	kv_err *err)
{
	int media;

	memset(s, 0, sizeof *s);
	s->paths = paths;
	s->n = n;
	if (n == 0)
		return kv_errf(err, "no training data");
	if (input_path_once(paths[0]) &&
	    (s->first = input_open(paths[0], err)) == NULL)
		return -1;
	if ((media = frame_input_is_media(paths[0], s->first, err)) < 0) {
		train_source_close(s);
		return -1;
	}
	s->input = media ? VAE_IMAGE : VAE_VECTOR;
	return 0;
}

void
train_source_close(train_source *s)
{
	input_close(s->first);
	s->first = NULL;
}

int
train_source_frames(train_source *s, const vae *v, const train_windows *w,
	kvae_data *train, kvae_data *val, train_frames_info *info,
	kv_err *err)
{
	const vae_config *cfg = &v->cfg;
	size_t D = (size_t)cfg->input_dim;
	frame_clips c;
	int rc;

	rc = frame_clips_load(&c, s->paths, s->n, s->first, cfg->conv.size,
	    cfg->conv.channels, w->max_bytes, err);
	s->first = NULL;		/* taken over, closed */
	if (rc)
		return -1;
	*info = (train_frames_info){ .frames = c.bytes / (D * sizeof(float)),
	    .clips = c.n, .bytes = c.bytes, .fps_num = c.fps_num,
	    .fps_den = c.fps_den };
	rc = kvae_data_windows(c.clip, c.n, D, w->length, w->period,
	    w->val_fraction, w->seed, train, val, err);
	frame_clips_free(&c);
	return rc;
}

int
train_source_vectors(train_source *s, seq_set *out, kv_err *err)
{
	seq_reader *r = NULL;
	int rc;

	if (s->first != NULL) {
		size_t len;
		const uint8_t *head = input_head(s->first, &len);
		r = seq_reader_open_fd(input_fd(s->first),
		    input_name(s->first), head, len, err);
		if (r == NULL) {
			train_source_close(s);
			return -1;
		}
	}
	rc = seq_load_all_from(out, r, s->paths, s->n, 0, err);
	train_source_close(s);
	return rc;
}
