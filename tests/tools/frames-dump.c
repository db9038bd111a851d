/* frames-dump: the frames of an input as lib/media/frame_source.h gives
 * them, written back as 8-bit values round((v + 1) * 127.5) to stdout:
 * GRAY8, or packed RGB24 for 3 channels, as ffmpeg's -f rawvideo does,
 * so that tests can cmp the two.
 *
 *   frames-dump W H C INPUT      (INPUT "-" is stdin)
 *
 * On stderr at a successful end: "N frames, RATE fps, source WxH". An input
 * that is not pictures (a kvae-seq stream) is an error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input.h"
#include "media/frame_source.h"

int
main(int argc, char **argv)
{
	kv_err err;
	kv_input *in = NULL;
	frame_source *s;
	float *frame;
	unsigned char *row;
	int w, h, c, rc, num, den, sw, sh;

	if (argc != 5) {
		fprintf(stderr, "usage: frames-dump W H C INPUT\n");
		return 2;
	}
	w = atoi(argv[1]);
	h = atoi(argv[2]);
	c = atoi(argv[3]);
	/* stdin is peeked once, and the source reads on from there */
	if (strcmp(argv[4], "-") == 0 && (in = input_open(argv[4], &err)) ==
	    NULL)
		goto fail;
	if ((rc = frame_input_is_media(argv[4], in, &err)) < 0) {
		input_close(in);
		goto fail;
	}
	if (rc == 0) {
		fprintf(stderr, "frames-dump: %s: not pictures\n", argv[4]);
		input_close(in);
		return 1;
	}
	if ((s = frame_source_open(argv[4], in, w, h, c, &err)) == NULL)
		goto fail;
	frame = malloc((size_t)w * h * c * sizeof *frame);
	row = malloc((size_t)w * c);
	if (frame == NULL || row == NULL) {
		fprintf(stderr, "frames-dump: out of memory\n");
		return 1;
	}
	while ((rc = frame_source_read(s, frame, &err)) == 1) {
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++)
				for (int k = 0; k < c; k++) {
					float v = frame[((size_t)k * h + y) * w + x];
					row[x * c + k] = (unsigned char)
					    lrintf((v + 1) * 127.5f);
				}
			fwrite(row, 1, (size_t)w * c, stdout);
		}
	}
	free(frame);
	free(row);
	if (rc < 0) {
		frame_source_close(s);
		goto fail;
	}
	frame_source_rate(s, &num, &den);
	frame_source_size(s, &sw, &sh);
	fprintf(stderr, "%ld frames, %d/%d fps, source %dx%d\n",
	    frame_source_count(s), num, den, sw, sh);
	frame_source_close(s);
	return fflush(stdout) == 0 ? 0 : 1;
fail:
	fprintf(stderr, "frames-dump: %s\n", err.msg);
	return 1;
}
