/* fuzz_lgssm: libFuzzer harness for the LGSSM spec loader
 * (lgssm_load_buffer: JSON specs, and safetensors files with lgssm.*
 * tensors, told apart by content). Any input must load or be refused
 * with a message; a loaded model must have consistent shapes, finite
 * numbers, positive semi-definite Q and R and positive definite P0
 * (checked here independently),
 * hold exactly the numbers of the JSON it came from (read here with
 * jansson directly), and its JSON spec must read back bit for bit. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "fuzz_init.h"
#include "lgssm_check.h"

/* Entry (i, j) of a (rows, cols) parameter as the JSON gives it: a number
 * is every diagonal entry (and the whole of mu0), a vector the diagonal
 * (or mu0 itself), a matrix itself. Off-diagonal entries of a widened
 * number or vector are 0. */
static double
json_entry(json_t *v, int k, size_t i, size_t j)
{
	if (json_is_number(v))
		return k == LGSSM_MU0 || i == j ? json_number_value(v) : 0;
	if (json_is_number(json_array_get(v, 0))) {
		if (k == LGSSM_MU0)	/* (n, 1) */
			return json_number_value(json_array_get(v, i));
		return i == j ? json_number_value(json_array_get(v, i)) : 0;
	}
	return json_number_value(json_array_get(json_array_get(v, i), j));
}

/* A model loaded from JSON holds exactly the JSON's numbers, widened;
 * P0's rows and columns of a diffuse state (Pinf's diagonal 1) are 0,
 * and "P0": "diffuse" is every state's. */
static void
check_against_json(const lgssm *m, const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES, NULL);
	size_t rows, cols;

	if (root == NULL)
		return;		/* it was the safetensors path */
	for (int k = 0; k < LGSSM_NPARAM; k++) {
		const double *p = lgssm_param(m, k, &rows, &cols);
		json_t *v = json_object_get(root, lgssm_param_name[k]);
		for (size_t i = 0; i < rows; i++)
			for (size_t j = 0; j < cols; j++) {
				double want = k == LGSSM_P0 && (json_is_string(v) ||
				    m->Pinf[i * m->n + i] != 0 ||
				    m->Pinf[j * m->n + j] != 0) ? 0 :
				    json_entry(v, k, i, j);
				if (p[i * cols + j] != want)
					abort();
			}
	}
	json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lgssm m;
	kv_err err;

	err.msg[0] = 0;
	if (lgssm_load_buffer(&m, data, size, "fuzz", &err) != 0) {
		if (err.msg[0] == 0)
			abort();	/* refused without saying why */
		return 0;
	}
	check_lgssm(&m);
	check_against_json(&m, data, size);
	lgssm_free(&m);
	return 0;
}
