/*
 * daemon.h - into the background and the PID file, for spfc-milter.
 */
#ifndef MILTER_DAEMON_H
#define MILTER_DAEMON_H

#include <uv.h>

/* Write our process id to path.  0, or -1 with errno. */
int daemon_write_pidfile(const char *path);

/* Fork into the background (the parent exits 0), a new session, fds 0-2
 * on /dev/null, the loop's kernel state made again.  0, or -1. */
int daemon_background(uv_loop_t *loop);

#endif
