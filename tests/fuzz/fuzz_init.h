/* fuzz_init.h: LLVMFuzzerInitialize for a harness that needs only what
 * every program gets from cli_init: GSL reports failures through return
 * codes, which the library checks, instead of aborting. Include it once,
 * in the harness's own .c file. */
#ifndef KVAE_FUZZ_INIT_H
#define KVAE_FUZZ_INIT_H

#include <gsl/gsl_errno.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gsl_set_error_handler_off();
	return 0;
}

#endif
