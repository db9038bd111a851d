/* err.c: formatting of kv_err messages. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
kv_err_set(kv_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

void
kv_err_set_prefix(kv_err *err, const char *fmt, ...)
{
	char prefix[KV_ERR_MSG_MAX], old[KV_ERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* Both halves fit in the message; truncation only cuts the tail. */
	snprintf(err->msg, sizeof err->msg, "%.*s: %.*s", 500, prefix, 500,
	    old);
}

const char *
kv_quote(char *buf, size_t size, const char *s, size_t max)
{
	size_t o = 0, i;

	for (i = 0; s[i] != '\0' && i < max && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	if (s[i] != '\0' && o + 4 <= size)
		o += (size_t)snprintf(buf + o, size - o, "...");
	buf[o < size ? o : size - 1] = '\0';
	return buf;
}
