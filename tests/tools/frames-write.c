/* frames-write: N deterministic synthetic frames written through
 * frame_sink, for tests/frame-sink.bats.
 *
 *   frames-write [options] W H C N OUT
 *     --fps A/B          frame rate (default: frame_sink's, 25/1)
 *     --size WxH         output size (scaled up for viewing)
 *     --raw FILE         also write the bytes the frames should come back
 *                        as: N frames of H x W gray or rgb24 (packed), as
 *                        `ffmpeg -i OUT -f rawvideo -pix_fmt gray|rgb24 -`
 *                        gives them for a lossless OUT
 *     --abort-after K    write K frames, then abort the sink and fail
 *                        (a failure mid-way: nothing may be left at OUT)
 *
 * Frame f, channel c, pixel (x, y) holds the level
 *   L = (x + W y + 37 f + 85 c) % 256, and a 4x4 square moving one
 * pixel per frame holds 255 - L; the float given is (L + d) / 127.5 - 1
 * with d in [-0.45, 0.45] (so rounding must find L again), pushed to
 * +-1.5 where L is 255 or 0 and d says so (so clipping must too).
 * Exit 0, or 1 with "frames-write: message" on stderr (2 for usage). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/frame_sink.h"

static const char usage[] = "usage: frames-write [--fps A/B] [--size WxH] "
	"[--raw FILE] [--abort-after K] W H C N OUT\n";

static int
level(int f, int c, int x, int y, int w)
{
	int l = (x + w * y + 37 * f + 85 * c) % 256;
	int sx = f % (w > 4 ? w - 4 : 1), sy = f % 8;

	if (x >= sx && x < sx + 4 && y >= sy && y < sy + 4)
		l = 255 - l;
	return l;
}

static float
value(int l, int x, int y)
{
	double d = ((x * 3 + y) % 7 - 3) * 0.15;

	if ((l == 255 && d > 0) || (l == 0 && d < 0))
		return (float)(l == 255 ? 1.5 : -1.5);
	return (float)((l + d) / 127.5 - 1);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fps", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' },
		{ "raw", required_argument, NULL, 'w' },
		{ "abort-after", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	frame_sink_opts o = { 0 };
	const char *raw = NULL;
	long abort_after = -1;
	FILE *rf = NULL;
	frame_sink *s;
	float *frame = NULL;
	kv_err err;
	int ch, n;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (sscanf(optarg, "%d/%d", &o.fps_num, &o.fps_den) != 2)
				goto bad;
			break;
		case 's':
			if (sscanf(optarg, "%dx%d", &o.out_width,
			    &o.out_height) != 2)
				goto bad;
			break;
		case 'w':
			raw = optarg;
			break;
		case 'a':
			abort_after = atol(optarg);
			break;
		default:
			goto bad;
		}
	}
	if (argc - optind != 5)
		goto bad;
	o.width = atoi(argv[optind]);
	o.height = atoi(argv[optind + 1]);
	o.channels = atoi(argv[optind + 2]);
	n = atoi(argv[optind + 3]);
	if (o.width <= 0 || o.height <= 0 || n < 0 || o.width > 4096 ||
	    o.height > 4096)
		goto bad;
	if (!frame_sink_name_ok(argv[optind + 4], &err) ||
	    (s = frame_sink_open(argv[optind + 4], &o, &err)) == NULL)
		goto fail;
	frame = malloc(sizeof *frame * o.width * o.height *
	    (o.channels == 3 ? 3 : 1));
	if (frame == NULL || (raw && (rf = fopen(raw, "wb")) == NULL)) {
		frame_sink_abort(s);
		snprintf(err.msg, sizeof err.msg, "%s: cannot open",
		    raw ? raw : "memory");
		goto fail;
	}
	for (int f = 0; f < n; f++) {
		if (f == abort_after) {
			frame_sink_abort(s);
			snprintf(err.msg, sizeof err.msg, "aborted after %d "
			    "frames", f);
			goto fail;
		}
		for (int c = 0; c < o.channels; c++)
			for (int y = 0; y < o.height; y++)
				for (int x = 0; x < o.width; x++)
					frame[((size_t)c * o.height + y) *
					    o.width + x] = value(level(f, c, x,
					    y, o.width), x, y);
		for (int y = 0; rf && y < o.height; y++)
			for (int x = 0; x < o.width; x++)
				for (int c = 0; c < o.channels; c++)
					putc(level(f, c, x, y, o.width), rf);
		if (frame_sink_write(s, frame, &err) != 0) {
			frame_sink_abort(s);
			goto fail;
		}
	}
	free(frame);
	frame = NULL;
	if (rf != NULL && fclose(rf) != 0) {
		rf = NULL;
		frame_sink_abort(s);
		snprintf(err.msg, sizeof err.msg, "%s: write error", raw);
		goto fail;
	}
	if (frame_sink_close(s, &err) != 0)
		goto fail;
	return 0;
bad:
	fputs(usage, stderr);
	return 2;
fail:
	fprintf(stderr, "frames-write: %s\n", err.msg);
	free(frame);
	if (rf != NULL)
		fclose(rf);
	return 1;
}
