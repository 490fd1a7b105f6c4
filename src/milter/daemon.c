/*
 * daemon.c - the process side of a daemon started by hand or by an init
 * system (daemon.h): into the background, the PID file.
 */
#include "daemon.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

/* The PID file pyspf-milter's PidFile names: our process id and a line
 * end.  0, or -1 with errno. */
int daemon_write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

/* Into the background, after the socket is made (its errors reach who
 * started us); the loop's kernel state is made again in the child. */
int daemon_background(uv_loop_t *loop)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return uv_loop_fork(loop) == 0 ? 0 : -1;
}
