/*
 * log.h - policyd-spf's log: syslog, facility mail, ident policyd-spf,
 * filtered by spf-engine's debugLevel.
 *
 * What it is for: one place that writes log lines, so every line is
 * clipped to LOG_LINE_MAX bytes and sanitized (no CR, LF or other control
 * bytes, nothing used as a format string).  Optionally copies lines to
 * stderr (for --check-config, tests and running by hand).
 */
#ifndef POLICYD_LOG_H
#define POLICYD_LOG_H

#define LOG_LINE_MAX 2000	/* bytes of one log line */

void log_open(const char *ident, int to_stderr);
#define LOG_FLUSH_MS 50	/* longest a line waits in batch mode */

/* Batch mode on (the event loop runs): lines are queued and sent together
 * when the queue is full or when the loop calls log_flush(); arm_flush()
 * is called when a first line is queued, and the loop must then call
 * log_flush() within LOG_FLUSH_MS.  The queue also goes out at exit.
 * Off: flush, then send each line at once. */
void log_batch(int on, void (*arm_flush)(void));
void log_flush(void);
/* The level in force (debugLevel, -1..5). */
void log_set_level(int level);
int log_level(void);
/* Log msg when debugLevel >= level.  err: at LOG_ERR, else LOG_INFO. */
void log_msg(int level, const char *msg);
void log_err(int level, const char *msg);
/* The same with a prefix and a piece of outside text (sanitized). */
void log_msg2(int level, const char *prefix, const char *text);
/* Three pieces, each sanitized, as one line. */
void log_msg3(int level, const char *a, const char *b, const char *c);
/* A reason not to start: the texts given, up to a NULL, as one line at
 * LOG_ERR and on stderr (once, when lines are copied there anyway). */
void log_fatal(const char *first, ...);

#endif
