/*
 * config_file.c - reading policyd-spf.conf: the whole file read into a
 * bounded buffer, cut into lines, comments dropped, each "Name = value"
 * split on its first '=' and handed to the option table
 * (config_load, config_load_default).  The Per_User reader uses the same
 * pieces.
 *
 * How it fails: a file that cannot be opened, is not a regular file or is
 * over CONFIG_FILE_MAX is an error and nothing of it is applied
 * (config_load returns -1 with errno).  A line that is too long, holds a
 * NUL or is not a setting is a problem of its own and the next line is
 * read.
 */
#include "config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes read from the file per read(2) call (a stack buffer). */
#define READ_CHUNK 8192

/* Read a whole regular file of at most CONFIG_FILE_MAX bytes into out
 * (initialised here; the caller frees it when RF_OK).  *err is the errno
 * of RF_OPEN and RF_READ. */
enum cf_read_status cf_read_file(const char *path, spfc_buf *out, int *err)
{
	char chunk[READ_CHUNK];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*err = errno;
		return RF_OPEN;
	}
	if (fstat(fd, &st) != 0) {
		*err = errno;
		close(fd);
		return RF_OPEN;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return RF_NOTREG;
	}
	spfc_buf_init(out, CONFIG_FILE_MAX);
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof chunk);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			*err = errno;
			close(fd);
			spfc_buf_free(out);
			return RF_READ;
		}
		if (k == 0)
			break;
		if (spfc_buf_add(out, chunk, (size_t)k) < 0) {
			int big = out->err == SPFC_ELIMIT;

			close(fd);
			spfc_buf_free(out);
			return big ? RF_BIG : RF_NOMEM;
		}
	}
	close(fd);
	return RF_OK;
}

void cf_lines_start(struct cf_line_iter *it, const spfc_buf *data)
{
	it->p = spfc_buf_str(data);
	it->end = it->p + data->len;
	it->no = 0;
}

int cf_next_line(struct cf_line_iter *it, const char **s, size_t *n)
{
	const char *q = it->p;

	if (it->p >= it->end)
		return 0;
	while (q < it->end && *q != '\n' && *q != '\r')
		q++;
	*s = it->p;
	*n = (size_t)(q - it->p);
	it->no++;
	if (q < it->end && *q == '\r' && q + 1 < it->end && q[1] == '\n')
		q++;
	it->p = q < it->end ? q + 1 : q;
	return 1;
}

/* A line that cannot be read at all: over CONFIG_LINE_MAX or with a NUL
 * byte.  Records the error when c is not NULL; 1 when the line is bad. */
int cf_bad_line(struct config *c, const char *s, size_t n, unsigned line,
		const char *where)
{
	spfc_buf m;

	if (n > CONFIG_LINE_MAX) {
		if (c) {
			cf_msg_start(&m, where, NULL);
			spfc_buf_adds(&m, "the line is longer than ");
			spfc_buf_addu(&m, CONFIG_LINE_MAX);
			spfc_buf_adds(&m, " bytes; ignored");
			cf_problem(c, line, 1, &m);
		}
		return 1;
	}
	if (memchr(s, '\0', n)) {
		if (c) {
			cf_msg_start(&m, where, NULL);
			spfc_buf_adds(&m, "the line holds a NUL byte; ignored");
			cf_problem(c, line, 1, &m);
		}
		return 1;
	}
	return 0;
}

/* Drop the comment (everything from the first '#') and white space. */
void cf_uncomment(const char **s, size_t *n)
{
	const char *hash = memchr(*s, '#', *n);

	if (hash)
		*n = (size_t)(hash - *s);
	cf_strip(s, n);
}

/* Split "name = value" on the first '=' and apply it.  Returns -1 after
 * an error or when nothing was applied. */
int cf_apply_pair(struct config *c, const char *s, size_t n, unsigned line,
		  const char *where, int per_user, unsigned *seen)
{
	const char *eq = memchr(s, '=', n);
	const char *name = s, *value;
	size_t nlen, vlen;
	char *nm, *val;
	int rc;

	if (!eq) {
		cf_problem_q(c, line, 0, where, NULL, NULL, s, n,
			     per_user ? " is not a Name=Value setting; ignored"
				      : " is not a \"Name = value\" setting; "
					"ignored");
		return -1;
	}
	nlen = (size_t)(eq - s);
	cf_strip(&name, &nlen);
	value = eq + 1;
	vlen = n - (size_t)(value - s);
	cf_strip(&value, &vlen);
	if (nlen == 0) {
		cf_problem_q(c, line, 0, where, NULL,
			     "no name before \"=\" in ", s, n, "; ignored");
		return -1;
	}
	nm = cf_dupn(name, nlen);
	val = cf_dupn(value, vlen);
	if (!nm || !val) {
		free(nm);
		free(val);
		return cf_oom(c, line, where, NULL);
	}
	rc = cf_set_named(c, nm, val, line, where, per_user, seen);
	free(nm);
	free(val);
	return rc;
}

/* The errno that goes with a cf_read_status (config_load's promise). */
int cf_read_errno(enum cf_read_status rs, int err)
{
	switch (rs) {
	case RF_OPEN:
	case RF_READ:
		return err;
	case RF_NOTREG:
		return EINVAL;
	case RF_BIG:
		return EFBIG;
	case RF_NOMEM:
	case RF_OK:
		break;
	}
	return ENOMEM;
}

/* Record why a file could not be read, as an error on `line` of the main
 * file (0: not tied to a line), the message starting with `where`. */
void cf_file_problem(struct config *c, const char *path, enum cf_read_status rs,
		     int err, unsigned line, const char *where,
		     const char *after)
{
	spfc_buf m;

	cf_msg_start(&m, where, NULL);
	switch (rs) {
	case RF_OPEN:
	case RF_READ:
		spfc_buf_adds(&m,
			      rs == RF_OPEN ? "cannot open " : "cannot read ");
		cf_quote_s(&m, path);
		spfc_buf_adds(&m, ": ");
		spfc_buf_adds(&m, strerror(err));
		break;
	case RF_NOTREG:
		cf_quote_s(&m, path);
		spfc_buf_adds(&m, " is not a regular file");
		break;
	case RF_BIG:
		cf_quote_s(&m, path);
		spfc_buf_adds(&m, " is larger than ");
		spfc_buf_addu(&m, CONFIG_FILE_MAX);
		spfc_buf_adds(&m, " bytes; not read");
		break;
	case RF_NOMEM:
	case RF_OK:
		spfc_buf_adds(&m, "out of memory reading ");
		cf_quote_s(&m, path);
		break;
	}
	if (after)
		spfc_buf_adds(&m, after);
	cf_problem(c, line, 1, &m);
}

static int load(struct config *c, const char *path, int missing_ok)
{
	unsigned seen[CF_NOPTIONS];
	struct cf_line_iter it;
	enum cf_read_status rs;
	spfc_buf data;
	const char *s;
	size_t n;
	char *p;
	int err = 0;

	rs = cf_read_file(path, &data, &err);
	if (rs == RF_OPEN && err == ENOENT && missing_ok) {
		struct stat st;

		if (lstat(path, &st) != 0) /* not a dangling link */
			return 1;
	}
	if (rs != RF_OK) {
		cf_file_problem(c, path, rs, err, 0, NULL, NULL);
		errno = cf_read_errno(rs, err);
		return -1;
	}
	p = cf_dups(path);
	if (!p) {
		spfc_buf_free(&data);
		cf_file_problem(c, path, RF_NOMEM, 0, 0, NULL, NULL);
		errno = ENOMEM;
		return -1;
	}
	free(c->path);
	c->path = p;
	memset(seen, 0, sizeof seen);
	cf_lines_start(&it, &data);
	while (cf_next_line(&it, &s, &n)) {
		if (cf_bad_line(c, s, n, it.no, NULL))
			continue;
		cf_uncomment(&s, &n);
		if (n)
			cf_apply_pair(c, s, n, it.no, NULL, 0, seen);
	}
	spfc_buf_free(&data);
	return 0;
}

int config_load(struct config *c, const char *path) { return load(c, path, 0); }

int config_load_default(struct config *c, const char *path)
{
	return load(c, path, 1);
}
