/* activation.c: element-wise activations, forward and backward. */
#include "nn/nn.h"

#include <math.h>
#include <stddef.h>

#define PAR_IF(n) if ((n) > 65536)

void
nn_relu_forward(float *out, const float *inp, size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		out[i] = inp[i] > 0 ? inp[i] : 0.0f;
}

void
nn_relu_backward(float *dinp, const float *dout, const float *inp, size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		if (inp[i] > 0)
			dinp[i] += dout[i];
}

void
nn_leaky_relu_forward(float *out, const float *inp, float slope, size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		out[i] = inp[i] > 0 ? inp[i] : slope * inp[i];
}

void
nn_leaky_relu_backward(float *dinp, const float *dout, const float *inp,
	float slope, size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		dinp[i] += inp[i] > 0 ? dout[i] : slope * dout[i];
}

void
nn_tanh_forward(float *out, const float *inp, size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(inp[i]);
}

void
nn_tanh_backward(float *dinp, const float *dout, const float *out, size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		dinp[i] += dout[i] * (1.0f - out[i] * out[i]);
}

void
nn_sigmoid_forward(float *out, const float *inp, size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		/* Both branches stay finite for any input. */
		out[i] = inp[i] >= 0 ? 1.0f / (1.0f + expf(-inp[i])) :
		    expf(inp[i]) / (1.0f + expf(inp[i]));
}

void
nn_sigmoid_backward(float *dinp, const float *dout, const float *out,
	size_t n)
{
	#pragma omp parallel for PAR_IF(n)
	for (size_t i = 0; i < n; i++)
		dinp[i] += dout[i] * out[i] * (1.0f - out[i]);
}
