/* audio.c: sound files through libsndfile; see audio.h. */
#include "media/audio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sndfile.h>
#include <sys/stat.h>

#include "core/outfile.h"

/* Read the frames of an open file into a; closes sf. */
static int
read_open(audio_signal *a, SNDFILE *sf, const SF_INFO *info,
	const char *name, kv_err *err)
{
	int rc = 0;

	memset(a, 0, sizeof *a);
	if (info->frames < 1 || info->channels < 1 ||
	    (double)info->frames * info->channels > (double)AUDIO_MAX_SAMPLES) {
		rc = kv_errf(err, "%s: %lld frames of %d channels: empty, or "
		    "more than %zu samples", name, (long long)info->frames,
		    info->channels, AUDIO_MAX_SAMPLES);
		goto done;
	}
	a->frames = (size_t)info->frames;
	a->channels = (size_t)info->channels;
	a->samplerate = info->samplerate;
	a->format = info->format;
	a->x = malloc(a->frames * a->channels * sizeof *a->x);
	if (a->x == NULL) {
		rc = kv_errf(err, "%s: out of memory", name);
		goto done;
	}
	if (sf_readf_double(sf, a->x, (sf_count_t)a->frames) !=
	    (sf_count_t)a->frames) {
		rc = kv_errf(err, "%s: read error: %s", name, sf_strerror(sf));
		audio_free(a);
	}
done:
	sf_close(sf);
	return rc;
}

int
audio_read_path(audio_signal *a, const char *path, kv_err *err)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);

	if (sf == NULL)
		return kv_errf(err, "%s: %s", path, sf_strerror(NULL));
	return read_open(a, sf, &info, path, err);
}

/* libsndfile's virtual I/O over a buffer in memory. */
struct membuf {
	const uint8_t *p;
	sf_count_t len, pos;
};

static sf_count_t
mem_len(void *user)
{
	return ((struct membuf *)user)->len;
}

static sf_count_t
mem_seek(sf_count_t off, int whence, void *user)
{
	struct membuf *m = user;
	sf_count_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ?
	    m->pos + off : m->len + off;

	if (to < 0 || to > m->len)
		return -1;
	return m->pos = to;
}

static sf_count_t
mem_read(void *ptr, sf_count_t count, void *user)
{
	struct membuf *m = user;
	sf_count_t n = m->len - m->pos < count ? m->len - m->pos : count;

	if (n <= 0)
		return 0;
	memcpy(ptr, m->p + m->pos, (size_t)n);
	m->pos += n;
	return n;
}

static sf_count_t
mem_write(const void *ptr, sf_count_t count, void *user)
{
	(void)ptr;
	(void)count;
	(void)user;
	return 0;
}

static sf_count_t
mem_tell(void *user)
{
	return ((struct membuf *)user)->pos;
}

int
audio_read_mem(audio_signal *a, const uint8_t *buf, size_t len,
	const char *name, kv_err *err)
{
	SF_VIRTUAL_IO io = { mem_len, mem_seek, mem_read, mem_write,
	    mem_tell };
	struct membuf m = { buf, (sf_count_t)len, 0 };
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open_virtual(&io, SFM_READ, &info, &m);

	if (sf == NULL)
		return kv_errf(err, "%s: %s", name, sf_strerror(NULL));
	return read_open(a, sf, &info, name, err);
}

int
audio_read_input(audio_signal *a, kv_input *in, size_t max, kv_err *err)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (input_reopenable(in))
		return audio_read_path(a, input_path(in), err);
	if (input_readall(in, max, &buf, &len, err) != 0)
		return -1;
	rc = audio_read_mem(a, buf, len, input_name(in), err);
	free(buf);
	return rc;
}

/* The containers by suffix, each with its usual sample encoding. */
static const struct { const char *ext; int major, sub; } formats[] = {
	{ "wav", SF_FORMAT_WAV, SF_FORMAT_PCM_16 },
	{ "flac", SF_FORMAT_FLAC, SF_FORMAT_PCM_16 },
	{ "ogg", SF_FORMAT_OGG, SF_FORMAT_VORBIS },
	{ "oga", SF_FORMAT_OGG, SF_FORMAT_VORBIS },
	{ "opus", SF_FORMAT_OGG, SF_FORMAT_OPUS },
	{ "aiff", SF_FORMAT_AIFF, SF_FORMAT_PCM_16 },
	{ "aif", SF_FORMAT_AIFF, SF_FORMAT_PCM_16 },
	{ "au", SF_FORMAT_AU, SF_FORMAT_PCM_16 },
	{ "caf", SF_FORMAT_CAF, SF_FORMAT_PCM_16 },
	{ "w64", SF_FORMAT_W64, SF_FORMAT_PCM_16 },
	{ "mp3", SF_FORMAT_MPEG, SF_FORMAT_MPEG_LAYER_III },
};
#define NFORMATS (sizeof formats / sizeof formats[0])

/* Whether this libsndfile can write format (checked for mono and
 * stereo at 48 kHz, which every container here takes). */
static int
writable(int format)
{
	SF_INFO probe = { .channels = 1, .samplerate = 48000,
	    .format = format };
	return sf_format_check(&probe);
}

/* The entry of formats[] for path's suffix, -1 when it has none (no
 * dot after the last slash), -2 when the suffix is not one this
 * libsndfile writes. */
static int
format_index(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (dot == NULL || (slash && slash > dot) || dot[1] == '\0')
		return -1;
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcasecmp(dot + 1, formats[i].ext) == 0)
			return writable(formats[i].major | formats[i].sub) ?
			    (int)i : -2;
	return -2;
}

int
audio_format_for(const char *path, int in_format)
{
	int i = format_index(path);

	if (i == -1)
		return in_format;
	if (i < 0)
		return 0;
	if ((in_format & SF_FORMAT_TYPEMASK) == formats[i].major &&
	    formats[i].sub != SF_FORMAT_OPUS &&
	    (in_format & SF_FORMAT_SUBMASK) != SF_FORMAT_OPUS)
		return in_format;
	int f = formats[i].major | (in_format & SF_FORMAT_SUBMASK);
	if (formats[i].major == SF_FORMAT_OGG)	/* the suffix names the codec */
		f = formats[i].major | formats[i].sub;
	return writable(f) ? f : formats[i].major | formats[i].sub;
}

int
audio_check_output(const char *path, kv_err *err)
{
	char list[128] = "";
	size_t len = 0;
	struct stat st;

	/* libsndfile finishes a container by seeking back to its header:
	 * a pipe or a device would fail after all the work */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return kv_errf(err, "%s: not a regular file: a sound file is "
		    "finished by seeking back to its header, so write it to a "
		    "file", path);
	if (format_index(path) != -2)
		return 0;
	for (size_t i = 0; i < NFORMATS; i++)
		if (writable(formats[i].major | formats[i].sub) &&
		    len < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len,
			    "%s.%s", len ? ", " : "", formats[i].ext);
	return kv_errf(err, "%s: cannot write sound as '%s' (this build "
	    "writes %s)", path, strrchr(path, '.'), list);
}

int
audio_write(const char *path, const audio_signal *a, kv_err *err)
{
	if (audio_check_output(path, err) != 0)
		return -1;
	outfile *out = outfile_open(path, err);
	SF_INFO info = { 0 };

	if (out == NULL)
		return -1;
	info.frames = (sf_count_t)a->frames;
	info.channels = (int)a->channels;
	info.samplerate = a->samplerate;
	info.format = audio_format_for(path, a->format);
	SNDFILE *sf = sf_open_fd(fileno(outfile_stream(out)), SFM_WRITE, &info,
	    0);
	if (sf == NULL) {
		kv_errf(err, "%s: %s", outfile_name(out), sf_strerror(NULL));
		outfile_abort(out);
		return -1;
	}
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	/* No PEAK chunk: it holds the time of writing, and the same sound
	 * must be the same bytes (make, cmp, caches). */
	sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	sf_count_t wrote = sf_writef_double(sf, a->x, (sf_count_t)a->frames);
	int e = errno;
	sf_close(sf);
	if (wrote != (sf_count_t)a->frames) {
		kv_errf(err, "%s: %s", outfile_name(out), strerror(e));
		outfile_abort(out);
		return -1;
	}
	return outfile_commit(out, err);
}

void
audio_free(audio_signal *a)
{
	free(a->x);
	a->x = NULL;
}
