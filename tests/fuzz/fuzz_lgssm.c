/* fuzz_lgssm: libFuzzer harness for the LGSSM spec loader
 * (lgssm_load_buffer: JSON specs, and safetensors files with lgssm.*
 * tensors, told apart by content). Any input must load or be refused
 * with a message; a loaded model must have consistent shapes, finite
 * numbers and positive-definite noise (checked here independently), and
 * its JSON spec must read back bit for bit. */
#include <stdint.h>
#include <stdlib.h>

#include "lgssm_check.h"

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
	lgssm_free(&m);
	return 0;
}
