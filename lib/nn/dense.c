/* dense.c: the fully connected layer, on oneDNN's sgemm, and its plain
 * reference twin. */
#include "nn/nn.h"

#include <stdlib.h>
#include <string.h>

#include "nn/dnnl_glue.h"

int
nn_dense_forward(float *out, const float *inp, const float *weight,
	const float *bias, int B, int C, int OC, kv_err *err)
{
	/* out (B, OC) = inp (B, C) weight^T (C, OC) */
	if (nn_dnnl_check(dnnl_sgemm('N', 'T', B, OC, C, 1.0f, inp, C, weight,
	    C, 0.0f, out, OC), "dense forward", err))
		return -1;
	if (bias != NULL) {
		#pragma omp parallel for if ((size_t)B * OC > 65536)
		for (int b = 0; b < B; b++)
			for (int o = 0; o < OC; o++)
				out[(size_t)b * OC + o] += bias[o];
	}
	return 0;
}

int
nn_dense_backward(float *dinp, float *dweight, float *dbias,
	const float *dout, const float *inp, const float *weight, int B, int C,
	int OC, kv_err *err)
{
	/* dinp (B, C) += dout (B, OC) weight (OC, C) */
	if (dinp != NULL && nn_dnnl_check(dnnl_sgemm('N', 'N', B, C, OC, 1.0f,
	    dout, OC, weight, C, 1.0f, dinp, C), "dense backward (data)", err))
		return -1;
	/* dweight (OC, C) += dout^T (OC, B) inp (B, C) */
	if (nn_dnnl_check(dnnl_sgemm('T', 'N', OC, C, B, 1.0f, dout, OC, inp,
	    C, 1.0f, dweight, C), "dense backward (weights)", err))
		return -1;
	if (dbias != NULL)
		for (int o = 0; o < OC; o++) {
			double s = 0;
			for (int b = 0; b < B; b++)
				s += dout[(size_t)b * OC + o];
			dbias[o] += (float)s;
		}
	return 0;
}

void
nn_dense_forward_ref(float *out, const float *inp, const float *weight,
	const float *bias, int B, int C, int OC)
{
	for (int b = 0; b < B; b++)
		for (int o = 0; o < OC; o++) {
			double s = bias != NULL ? bias[o] : 0.0;
			for (int c = 0; c < C; c++)
				s += (double)inp[(size_t)b * C + c] *
				    weight[(size_t)o * C + c];
			out[(size_t)b * OC + o] = (float)s;
		}
}

void
nn_dense_backward_ref(float *dinp, float *dweight, float *dbias,
	const float *dout, const float *inp, const float *weight, int B, int C,
	int OC)
{
	for (int b = 0; b < B; b++)
		for (int o = 0; o < OC; o++) {
			float g = dout[(size_t)b * OC + o];
			for (int c = 0; c < C; c++) {
				if (dinp != NULL)
					dinp[(size_t)b * C + c] +=
					    g * weight[(size_t)o * C + c];
				dweight[(size_t)o * C + c] +=
				    g * inp[(size_t)b * C + c];
			}
			if (dbias != NULL)
				dbias[o] += g;
		}
}
