/* pixel_shuffle.c: x r sub-pixel upsampling (PyTorch's PixelShuffle),
 * forward and backward. */
#include "nn/nn.h"

#include <stddef.h>

/* The one loop of both directions: forward copies in -> out, backward
 * adds dout back into dinp at the same places. */
static void
pixel_shuffle(float *shuffled, float *plain, int N, int C, int H, int W,
	int r, int backward)
{
	size_t OH = (size_t)H * r, OW = (size_t)W * r;

	#pragma omp parallel for collapse(2) if ((size_t)N * C * OH * OW > 65536)
	for (int n = 0; n < N; n++)
		for (int c = 0; c < C; c++)
			for (size_t oh = 0; oh < OH; oh++)
				for (size_t ow = 0; ow < OW; ow++) {
					size_t ic = (size_t)c * r * r + (oh % r) * r +
					    ow % r;
					size_t o = (((size_t)n * C + c) * OH + oh) * OW +
					    ow;
					size_t i = (((size_t)n * C * r * r + ic) * H +
					    oh / r) * W + ow / r;
					if (backward)
						plain[i] += shuffled[o];
					else
						shuffled[o] = plain[i];
				}
}

void
nn_pixel_shuffle_forward(float *out, const float *inp, int N, int C, int H,
	int W, int r)
{
	pixel_shuffle(out, (float *)inp, N, C, H, W, r, 0);
}

void
nn_pixel_shuffle_backward(float *dinp, const float *dout, int N, int C,
	int H, int W, int r)
{
	pixel_shuffle((float *)dout, dinp, N, C, H, W, r, 1);
}
