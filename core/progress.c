/* SPDX-License-Identifier: Apache-2.0 */
#include "progress.h"

static int enabled = -1; /* decided on first use */
static bool shown;

static bool progress_enabled(void)
{
	if (enabled < 0)
		enabled = isatty(STDERR_FILENO) == 1;
	return enabled == 1;
}

void progress_show(const char *fmt, ...)
{
	if (!progress_enabled())
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *text = xvasprintf(fmt, ap);
	va_end(ap);
	/* One line: never wider than a small terminal, so that '\r' can rewrite it. */
	fprintf(stderr, "\r\033[Knestcheck: %.70s", text);
	fflush(stderr);
	shown = true;
}

void progress_clear(void)
{
	if (!shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	shown = false;
}
