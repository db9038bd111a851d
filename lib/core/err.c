/* err.c: formatting of kv_err messages. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
kv_errf(kv_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
kv_err_prefix(kv_err *err, const char *fmt, ...)
{
	char prefix[KV_ERR_MSG_MAX], old[KV_ERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* Both halves fit in the message; truncation only cuts the tail. */
	snprintf(err->msg, sizeof err->msg, "%.*s: %.*s", 500, prefix, 500,
	    old);
	return -1;
}
