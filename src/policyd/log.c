/*
 * log.c - syslog output of policyd-spf (log.h).
 *
 * Cannot fail: a line that cannot be built is dropped.
 */
#include "log.h"

#include <spfc/buf.h>

#include <stdio.h>
#include <string.h>
#include <syslog.h>

static int level = 1;
static int to_stderr;

void log_open(const char *ident, int stderr_too)
{
	openlog(ident, LOG_PID, LOG_MAIL);
	to_stderr = stderr_too;
}

void log_set_level(int l)
{
	level = l;
}

int log_level(void)
{
	return level;
}

static void add_clean(spfc_buf *b, const char *s)
{
	for (; s && *s && b->len < LOG_LINE_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		spfc_buf_addc(b, (c >= 0x20 && c < 0x7f) ? (char)c : '?');
	}
}

static void emit(int prio, int need, const char *a, const char *b)
{
	spfc_buf line;

	if (level < need)
		return;
	spfc_buf_init(&line, LOG_LINE_MAX + 8);
	add_clean(&line, a);
	add_clean(&line, b);
	syslog(prio, "%s", spfc_buf_str(&line));
	if (to_stderr)
		fprintf(stderr, "policyd-spf: %s\n", spfc_buf_str(&line));
	spfc_buf_free(&line);
}

void log_msg(int need, const char *msg)
{
	emit(LOG_INFO, need, msg, NULL);
}

void log_err(int need, const char *msg)
{
	emit(LOG_ERR, need, msg, NULL);
}

void log_msg2(int need, const char *prefix, const char *text)
{
	emit(LOG_INFO, need, prefix, text);
}
