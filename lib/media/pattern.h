/* pattern.h: file names holding a printf integer pattern ("f%04d.png",
 * "out-%d.mkv"), as ffmpeg's image2 muxer and demuxer take them, read
 * and expanded without ever handing the user's text to printf. */
#ifndef KVAE_PATTERN_H
#define KVAE_PATTERN_H

#include <stddef.h>

/* Where the first integer conversion ("%d", "%4d", "%04d") of name
 * starts, with *end just past its 'd'; NULL when there is none. "%%" is
 * a literal percent sign. */
const char *pattern_find(const char *name, const char **end);

/* name with its conversion replaced by n (zero-padded or space-padded to
 * the width it gives) and "%%" by "%", into out (size bytes). 0, or -1
 * when it does not fit. */
int pattern_expand(const char *name, long n, char *out, size_t size);

/* Whether name ends in a still-image suffix (.png, .pgm, .ppm, .pnm,
 * .bmp, .tif, .tiff, .jpg, .jpeg), case aside. */
int pattern_is_image_name(const char *name);

#endif
