/* image.h: an image in memory, the pixel buffer that PNM files, the
 * frame converters and the image codec share. */
#ifndef KVAE_IMAGE_H
#define KVAE_IMAGE_H

#include <stdint.h>

/* Samples interleaved (height, width, channels), each in 0..maxval;
 * pix is malloc'd and owned by whoever filled it. */
typedef struct media_image {
	uint32_t width, height, channels;
	uint32_t maxval;
	uint16_t *pix;
} media_image;

/* The most samples (pixels times channels) an image may hold. */
#define MEDIA_IMAGE_MAX_SAMPLES (1u << 30)

#endif
