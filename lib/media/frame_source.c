/* frame_source.c: frames of a video, an image, a pattern, a directory,
 * a glob or stdin, converted by frame_scale.c; see frame_source.h. */
#include "media/frame_source.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/frame.h>

#include "core/outfile.h"
#include "media/frame_scale.h"
#include "media/pattern.h"
#include "media/sniff.h"
#include "media/video.h"

struct frame_source {
	char *name;
	kv_input *in;		/* stdin or a pipe: read through media_open_io */
	char **files;		/* a directory's or a glob's, in order */
	size_t nfiles, next;
	media_reader *r;	/* the input, or the file being read */
	frame_scale *scale;
	int channels, width, height;
	int fps_num, fps_den;
	int src_w, src_h;
	long count;
};

/* ---- what the name says ---- */

/* Whether p holds a printf integer conversion ("%d", "%04d"), as the
 * image2 demuxer takes. */
static int
has_printf_pattern(const char *p)
{
	const char *end;

	return pattern_find(p, &end) != NULL;
}

static int
has_glob_chars(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

int
frame_input_is_media(const char *path, kv_input *in, kv_err *err)
{
	struct stat st;
	kv_input *own = NULL;
	int kind;

	if (!path_is_std(path)) {
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return 1;
		if (stat(path, &st) != 0 && (has_printf_pattern(path) ||
		    has_glob_chars(path)))
			return 1;
	}
	if (in == NULL && (own = in = input_open(path, err)) == NULL)
		return -1;
	kind = sniff_input(in, NULL, err);
	if (kind == SNIFF_AUDIO)
		kind = kv_errf(err, "%s: a sound file, not pictures",
		    input_name(in));
	input_close(own);
	if (kind < 0)
		return -1;
	return kind == SNIFF_PNM || kind == SNIFF_Y4M || kind == SNIFF_MEDIA;
}

/* ---- lists of images ---- */

static int
by_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a directory entry's name is that of an image ffmpeg reads. */
static int
image_name(const char *name)
{
	static const char *const sfx[] = { "png", "jpg", "jpeg", "pgm", "ppm",
	    "pbm", "pnm", "pam", "bmp", "tif", "tiff", "webp", "tga", "gif",
	    "jxl", "jp2", "exr", "dpx", "sgi", "xbm", "xwd", "pcx", "qoi" };
	const char *dot = strrchr(name, '.');

	if (name[0] == '.' || dot == NULL)
		return 0;
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (strcasecmp(dot + 1, sfx[i]) == 0)
			return 1;
	return 0;
}

static int
add_file(frame_source *s, size_t *cap, const char *dir, const char *name)
{
	char *p;

	if (s->nfiles == *cap) {
		size_t n = *cap ? 2 * *cap : 64;
		char **f = realloc(s->files, n * sizeof *f);
		if (f == NULL)
			return -1;
		s->files = f;
		*cap = n;
	}
	if (dir != NULL) {
		size_t len = strlen(dir);
		if ((p = malloc(len + strlen(name) + 2)) == NULL)
			return -1;
		sprintf(p, "%s%s%s", dir, len && dir[len - 1] == '/' ? "" : "/",
		    name);
	} else if ((p = strdup(name)) == NULL) {
		return -1;
	}
	s->files[s->nfiles++] = p;
	return 0;
}

/* The images of a directory, sorted by name. */
static int
list_dir(frame_source *s, const char *path, kv_err *err)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t cap = 0;

	if (d == NULL)
		return kv_errf(err, "%s: %s", path, strerror(errno));
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (image_name(e->d_name) && add_file(s, &cap, path,
		    e->d_name) != 0) {
			closedir(d);
			return kv_errf(err, "out of memory");
		}
		errno = 0;
	}
	if (errno != 0) {
		int e2 = errno;
		closedir(d);
		return kv_errf(err, "%s: %s", path, strerror(e2));
	}
	closedir(d);
	if (s->nfiles == 0)
		return kv_errf(err, "%s: no images (.png, .jpg, .pgm, .ppm, "
		    ".bmp, .tif, ...) in the directory", path);
	qsort(s->files, s->nfiles, sizeof *s->files, by_version);
	return 0;
}

/* The files a glob matches, sorted by name. */
static int
list_glob(frame_source *s, const char *pattern, kv_err *err)
{
	glob_t g;
	size_t cap = 0;
	int rc = glob(pattern, GLOB_NOSORT, NULL, &g);

	if (rc == GLOB_NOMATCH)
		return kv_errf(err, "%s: no files match", pattern);
	if (rc != 0) {
		if (rc != GLOB_NOSPACE)
			globfree(&g);
		return kv_errf(err, "%s: %s", pattern, rc == GLOB_NOSPACE ?
		    "out of memory" : "cannot read a directory it names");
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;
		if (stat(g.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (add_file(s, &cap, NULL, g.gl_pathv[i]) != 0) {
			globfree(&g);
			return kv_errf(err, "out of memory");
		}
	}
	globfree(&g);
	if (s->nfiles == 0)
		return kv_errf(err, "%s: matches only directories", pattern);
	qsort(s->files, s->nfiles, sizeof *s->files, by_version);
	return 0;
}

/* Whether a file for one of the image2 demuxer's first numbers exists
 * (it looks for the first one from 0 to 4), so that a pattern naming
 * nothing gets a message that says so. */
static int
pattern_matches(const char *pattern)
{
	char name[4096];
	struct stat st;

	for (int i = 0; i <= 4; i++) {
		int n = snprintf(name, sizeof name, pattern, i);
		if (n > 0 && (size_t)n < sizeof name && stat(name, &st) == 0)
			return 1;
	}
	return 0;
}

/* ---- the source ---- */

static long
input_source(void *ctx, uint8_t *buf, size_t n)
{
	return input_read(ctx, buf, n, NULL);
}

/* The reader of the next file of the list. */
static int
open_next(frame_source *s, kv_err *err)
{
	media_close(s->r);
	s->r = media_open(s->files[s->next], 0, err);
	if (s->r == NULL)
		return -1;
	s->next++;
	return 0;
}

/* The reader of a single input: a file, a pattern or s->in. */
static int
open_single(frame_source *s, const char *path, kv_err *err)
{
	const media_format *f;

	if (s->in != NULL)
		s->r = media_open_io(s->name, input_source, s->in, 0, err);
	else if (has_printf_pattern(path) && access(path, F_OK) != 0 &&
	    !pattern_matches(path))
		return kv_errf(err, "%s: no files match the pattern (the "
		    "first number tried: 0 to 4)", path);
	else
		s->r = media_open(path, 0, err);
	if (s->r == NULL)
		return -1;
	f = media_reader_format(s->r);
	s->fps_num = f->fps_num;
	s->fps_den = f->fps_den;
	return 0;
}

frame_source *
frame_source_open(const char *path, kv_input *in, int width, int height,
	int channels, kv_err *err)
{
	frame_source *s = calloc(1, sizeof *s);
	const char *name = in != NULL ? input_name(in) : infile_name(path);
	struct stat st;
	int rc, exists;

	if (s == NULL || (s->name = strdup(name)) == NULL) {
		free(s);
		input_close(in);
		kv_errf(err, "out of memory");
		return NULL;
	}
	s->channels = channels;
	s->width = width;
	s->height = height;
	s->fps_num = 25;
	s->fps_den = 1;
	if ((s->scale = frame_scale_new(width, height, channels, err)) ==
	    NULL) {
		input_close(in);
		kv_err_prefix(err, "%s", s->name);
		goto fail;
	}
	/* a regular file is opened again by its path (libavformat may seek
	 * in it), a directory is listed */
	if (in != NULL && (input_reopenable(in) || (!path_is_std(path) &&
	    stat(path, &st) == 0 && S_ISDIR(st.st_mode)))) {
		input_close(in);
		in = NULL;
	}
	if (in == NULL && path_is_std(path) &&
	    (in = input_open(path, err)) == NULL)
		goto fail;
	s->in = in;
	if (s->in != NULL)
		rc = open_single(s, NULL, err);
	else if ((exists = stat(path, &st) == 0) && S_ISDIR(st.st_mode))
		rc = list_dir(s, path, err) != 0 ? -1 : open_next(s, err);
	else if (!exists && !has_printf_pattern(path) && has_glob_chars(path))
		rc = list_glob(s, path, err) != 0 ? -1 : open_next(s, err);
	else
		rc = open_single(s, path, err);
	if (rc != 0)
		goto fail;
	s->src_w = media_reader_format(s->r)->width;
	s->src_h = media_reader_format(s->r)->height;
	return s;
fail:
	frame_source_close(s);
	return NULL;
}

int
frame_source_read(frame_source *s, float *out, kv_err *err)
{
	media_frame fr;
	int rc;

	for (;;) {
		if (s->r == NULL) {
			if (s->next >= s->nfiles)
				return 0;
			if (open_next(s, err) != 0)
				return -1;
		}
		rc = media_read(s->r, &fr, err);
		if (rc < 0)
			return -1;
		/* a damaged or cut input is an error, as soon as it shows */
		if (media_reader_damage(s->r, err))
			return -1;
		if (rc == 1)
			break;
		if (s->nfiles == 0)
			return 0;
		media_close(s->r);
		s->r = NULL;
	}
	const AVFrame *f = media_reader_avframe(s->r);
	if (frame_scale_run(s->scale, f, out, err) != 0)
		return kv_err_prefix(err, "%s: frame %ld",
		    media_reader_name(s->r), s->count + 1);
	s->src_w = f->width;
	s->src_h = f->height;
	s->count++;
	return 1;
}

void
frame_source_rate(const frame_source *s, int *num, int *den)
{
	*num = s->fps_num;
	*den = s->fps_den;
}

void
frame_source_size(const frame_source *s, int *width, int *height)
{
	*width = s->src_w;
	*height = s->src_h;
}

const char *
frame_source_name(const frame_source *s)
{
	return s->name;
}

long
frame_source_count(const frame_source *s)
{
	return s->count;
}

void
frame_source_close(frame_source *s)
{
	if (s == NULL)
		return;
	media_close(s->r);
	input_close(s->in);
	frame_scale_free(s->scale);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	free(s->name);
	free(s);
}
