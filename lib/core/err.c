/* err.c: formatting of kv_err messages. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
kv_err_vset(kv_err *err, const char *fmt, va_list ap)
{
	if (err != NULL)
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

void
kv_err_vprefix(kv_err *err, const char *fmt, va_list ap)
{
	char prefix[KV_ERR_MSG_MAX], old[KV_ERR_MSG_MAX];

	if (err == NULL)
		return;
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	memcpy(old, err->msg, sizeof old);
	/* Both halves fit in the message; truncation only cuts the tail. */
	snprintf(err->msg, sizeof err->msg, "%.*s: %.*s", 500, prefix, 500,
	    old);
}
