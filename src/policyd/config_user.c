/*
 * config_user.c - Per_User: the per-recipient overrides of the file named
 * by Per_User (config_per_user, read at every request), the check of
 * that file at start and reload (config_check_per_user), and the check of
 * --check-config that the daemon's user can read the files
 * (config_check_user).
 *
 * How it fails: config_per_user returns -1 when the file cannot be read
 * (the main settings are used).  The checks only add problems; the user
 * check forks a child that takes the daemon's user, and a child that
 * cannot is a warning, never a wrong answer about a file.
 */
#include "config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* config_check_user: the files tried (main, Per_User) and the exit
 * status of a child that could not become the user. */
#define CHECK_FILES_MAX 2
#define CHECK_CHILD_FAILED 111

/* ---- Per_User -------------------------------------------------------- */

/* Apply one per-user line's "Key=Value|Key=Value" settings to out; its
 * problems start with `where`. */
static void apply_settings(struct config *out, const char *where, const char *s,
			   size_t n, unsigned line)
{
	if (n == 0)
		cf_problem_q(out, line, 0, where, NULL, "no settings", NULL, 0,
			     NULL);
	while (n) {
		const char *bar = memchr(s, '|', n);
		size_t k = bar ? (size_t)(bar - s) : n;
		const char *e = s;
		size_t en = k;

		cf_strip(&e, &en);
		if (en)
			cf_apply_pair(out, e, en, line, where, 1, NULL);
		else
			cf_problem_q(out, line, 0, where, NULL,
				     "an empty setting (a doubled or trailing "
				     "'|')",
				     NULL, 0, NULL);
		if (!bar)
			break;
		s = bar + 1;
		n -= k + 1;
		if (n == 0)
			cf_problem_q(out, line, 0, where, NULL,
				     "an empty setting (a doubled or trailing "
				     "'|')",
				     NULL, 0, NULL);
	}
}

/* The same, the problems naming the file and the recipient. */
static void apply_per_user(struct config *out, const char *path,
			   const char *recipient, const char *s, size_t n,
			   unsigned line)
{
	spfc_buf w;

	spfc_buf_init(&w, 0);
	spfc_buf_adds(&w, "Per_User file ");
	cf_quote_s(&w, path);
	spfc_buf_adds(&w, ", recipient ");
	cf_quote_s(&w, recipient);
	spfc_buf_adds(&w, ": ");
	apply_settings(out, w.err ? "Per_User: " : spfc_buf_str(&w), s, n,
		       line);
	spfc_buf_free(&w);
}

/* A Per_User line without its comment, "recipient,settings": the
 * recipient and the settings, each stripped (no comma: no settings). */
static void split_user_line(const char *s, size_t n, const char **user,
			    size_t *ulen, const char **rest, size_t *rlen)
{
	const char *comma = memchr(s, ',', n);

	*user = s;
	*ulen = comma ? (size_t)(comma - s) : n;
	cf_strip(user, ulen);
	*rest = comma ? comma + 1 : s + n;
	*rlen = (size_t)(s + n - *rest);
	cf_strip(rest, rlen);
}

int config_per_user(const struct config *base, const char *recipient,
		    struct config *out)
{
	struct cf_line_iter it;
	enum cf_read_status rs;
	spfc_buf data;
	const char *s;
	size_t n, rlen;
	int err = 0, found = 0;

	if (!base->per_user_path || !recipient)
		return 0;
	rs = cf_read_file(base->per_user_path, &data, &err);
	if (rs != RF_OK) {
		errno = cf_read_errno(rs, err);
		return -1;
	}
	rlen = strlen(recipient);
	cf_lines_start(&it, &data);
	while (!found && cf_next_line(&it, &s, &n)) {
		const char *user, *rest;
		size_t ulen, restlen;

		if (cf_bad_line(NULL, s, n, it.no, NULL))
			continue;
		cf_uncomment(&s, &n);
		if (!n)
			continue;
		split_user_line(s, n, &user, &ulen, &rest, &restlen);
		if (ulen != rlen || memcmp(user, recipient, rlen) != 0)
			continue;
		found = 1;
		if (config_copy(out, base) < 0) {
			spfc_buf_free(&data);
			errno = ENOMEM;
			return -1;
		}
		/* only this line's problems: base's were reported already */
		cf_problems_clear(out);
		apply_per_user(out, base->per_user_path, recipient, rest,
			       restlen, it.no);
	}
	spfc_buf_free(&data);
	return found;
}

/* ---- checks: the Per_User file, the daemon's user ------------------- */

/* A recipient of the Per_User file and the line it is on. */
struct rcpt_line {
	const char *s;
	size_t n;
	unsigned line;
};

static int rcpt_cmp(const void *a, const void *b)
{
	const struct rcpt_line *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int d = memcmp(x->s, y->s, n);

	if (d)
		return d;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The first line of recipient (s, n) in the sorted v (it is there). */
static unsigned first_line(const struct rcpt_line *v, size_t nv, const char *s,
			   size_t n)
{
	struct rcpt_line key = {s, n, 0};
	size_t lo = 0, hi = nv;

	while (lo < hi) { /* the first entry not below (s, n, 0) */
		size_t mid = lo + (hi - lo) / 2;

		if (rcpt_cmp(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nv ? v[lo].line : 0;
}

/* Move the problems of `from` to the end of c, as problems of `file`. */
static int move_problems(struct config *c, struct config *from,
			 const char *file)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < from->nproblems; i++) {
		spfc_buf m;

		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, from->problems[i].text);
		if (cf_problem_in(c, file, from->problems[i].line,
				  from->problems[i].error, &m) < 0)
			rc = -1;
	}
	return rc;
}

/* The recipients of the file's lines, sorted; NULL (and *nv 0) when there
 * is none or no memory (then no line is said to be never used). */
static struct rcpt_line *collect_recipients(const spfc_buf *data, size_t *nv)
{
	struct rcpt_line *v = NULL;
	struct cf_line_iter it;
	const char *s, *user, *rest;
	size_t n, ulen, rlen, cap = 0;

	*nv = 0;
	cf_lines_start(&it, data);
	while (cf_next_line(&it, &s, &n)) {
		if (cf_bad_line(NULL, s, n, it.no, NULL))
			continue;
		cf_uncomment(&s, &n);
		if (!n)
			continue;
		split_user_line(s, n, &user, &ulen, &rest, &rlen);
		if (!ulen)
			continue;
		if (*nv == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct rcpt_line *w = realloc(v, ncap * sizeof *w);

			if (!w) {
				free(v);
				*nv = 0;
				return NULL;
			}
			v = w;
			cap = ncap;
		}
		v[*nv].s = user;
		v[*nv].n = ulen;
		v[*nv].line = it.no;
		(*nv)++;
	}
	if (v)
		qsort(v, *nv, sizeof *v, rcpt_cmp);
	return v;
}

int config_check_per_user(struct config *c)
{
	struct config scratch;
	struct rcpt_line *rv;
	struct cf_line_iter it;
	enum cf_read_status rs;
	spfc_buf data;
	const char *s, *user, *rest;
	size_t n, ulen, rlen, nrv;
	int err = 0, rc;

	if (!c->per_user_path)
		return 0;
	rs = cf_read_file(c->per_user_path, &data, &err);
	if (rs != RF_OK) {
		cf_file_problem(c, c->per_user_path, rs, err, c->per_user_line,
				"Per_User: ",
				"; the main settings are used for every "
				"recipient");
		return -1;
	}
	/* The lines' values are checked by applying them to a copy. */
	if (config_copy(&scratch, c) < 0) {
		spfc_buf_free(&data);
		return cf_oom(c, c->per_user_line, "Per_User: ", NULL);
	}
	cf_problems_clear(&scratch);
	rv = collect_recipients(&data, &nrv);
	cf_lines_start(&it, &data);
	while (cf_next_line(&it, &s, &n)) {
		unsigned first;
		spfc_buf w;

		if (cf_bad_line(&scratch, s, n, it.no, NULL))
			continue;
		cf_uncomment(&s, &n);
		if (!n)
			continue;
		split_user_line(s, n, &user, &ulen, &rest, &rlen);
		if (!ulen) {
			cf_problem_q(&scratch, it.no, 0, NULL, NULL,
				     "no recipient before the first ',' in ", s,
				     n, "; the line is never used");
			continue;
		}
		spfc_buf_init(&w, 0);
		spfc_buf_adds(&w, "recipient ");
		cf_quote(&w, user, ulen);
		first = rv ? first_line(rv, nrv, user, ulen) : 0;
		if (first && first != it.no) {
			spfc_buf_adds(&w, " was given before (line ");
			spfc_buf_addu(&w, first);
			spfc_buf_adds(&w, "), which is the line used; "
					  "this one never is");
			cf_problem(&scratch, it.no, 0, &w);
			continue;
		}
		spfc_buf_adds(&w, ": ");
		apply_settings(&scratch, w.err ? "" : spfc_buf_str(&w), rest,
			       rlen, it.no);
		spfc_buf_free(&w);
	}
	free(rv);
	spfc_buf_free(&data);
	rc = scratch.nerrors ? -1 : 0;
	if (move_problems(c, &scratch, c->per_user_path) < 0)
		rc = -1;
	config_free(&scratch);
	return rc;
}

/* Can the process open path for reading?  0, or the errno why not
 * (EINVAL: not a regular file). */
static int try_open(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int e = 0;

	if (fd < 0)
		return errno ? errno : EACCES;
	if (fstat(fd, &st) != 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	close(fd);
	return e;
}

/* In a child process: become uid/gid with name's groups, try the paths,
 * and write the errno of each (0: readable) to fd.  Never returns. */
static void check_as(const char *name, uid_t uid, gid_t gid,
		     const char *const *paths, size_t np, int fd)
{
	int errs[CHECK_FILES_MAX];
	size_t i, off = 0;

	if (initgroups(name, gid) != 0 || setgid(gid) != 0 ||
	    setuid(uid) != 0 || (uid != 0 && setuid(0) == 0))
		_exit(CHECK_CHILD_FAILED);
	for (i = 0; i < np; i++)
		errs[i] = paths[i] ? try_open(paths[i]) : 0;
	while (off < np * sizeof errs[0]) {
		ssize_t k =
		    write(fd, (char *)errs + off, np * sizeof errs[0] - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(CHECK_CHILD_FAILED);
		off += (size_t)k;
	}
	_exit(0);
}

/* Run check_as in a child and collect its answers into errs.  0, or -1
 * with errno when the check could not be made. */
static int check_in_child(const char *name, uid_t uid, gid_t gid,
			  const char *const *paths, size_t np, int *errs)
{
	int fds[2], status, e = 0;
	size_t off = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		check_as(name, uid, gid, paths, np, fds[1]);
	}
	close(fds[1]);
	while (off < np * sizeof errs[0]) {
		ssize_t k =
		    read(fds[0], (char *)errs + off, np * sizeof errs[0] - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (off < np * sizeof errs[0]) {
		errno = EPERM; /* the child could not become the user */
		return -1;
	}
	return 0;
}

int config_check_user(struct config *c, const char *user)
{
	const char *paths[CHECK_FILES_MAX];
	int errs[CHECK_FILES_MAX];
	struct passwd *pw;
	spfc_buf m;
	char *name;
	uid_t uid;
	gid_t gid;
	size_t i;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		cf_msg_start(&m, NULL, NULL);
		spfc_buf_adds(&m, "the daemon's user ");
		cf_quote_s(&m, user);
		spfc_buf_adds(&m, errno ? " cannot be looked up: "
					: " does not exist");
		if (errno)
			spfc_buf_adds(&m, strerror(errno));
		return cf_problem(c, 0, 1, &m);
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (geteuid() != 0 && uid != geteuid())
		return 1;
	paths[0] = c->path;
	paths[1] = c->per_user_path;
	if (geteuid() != 0) {
		for (i = 0; i < CHECK_FILES_MAX; i++)
			errs[i] = paths[i] ? try_open(paths[i]) : 0;
	} else {
		name = cf_dups(pw->pw_name);
		if (!name)
			return cf_oom(c, 0, NULL, NULL);
		if (check_in_child(name, uid, gid, paths, CHECK_FILES_MAX,
				   errs) < 0) {
			int e = errno;

			free(name);
			cf_msg_start(&m, NULL, NULL);
			spfc_buf_adds(&m, "cannot check the files as user ");
			cf_quote_s(&m, user);
			spfc_buf_adds(&m, ": ");
			spfc_buf_adds(&m, strerror(e));
			cf_problem(c, 0, 0, &m);
			return 0;
		}
		free(name);
	}
	for (i = 0; i < CHECK_FILES_MAX; i++) {
		if (!paths[i] || !errs[i])
			continue;
		cf_msg_start(&m, i ? "Per_User: " : NULL, NULL);
		spfc_buf_adds(&m, "user ");
		cf_quote_s(&m, user);
		spfc_buf_adds(&m, " cannot read ");
		cf_quote_s(&m, paths[i]);
		spfc_buf_adds(&m, " (");
		spfc_buf_adds(&m, errs[i] == EINVAL ? "not a regular file"
						    : strerror(errs[i]));
		spfc_buf_adds(&m, i ? "): run as that user, policyd-spf uses "
				      "the main settings for every recipient"
				    : "): run as that user, policyd-spf "
				      "refuses to start");
		cf_problem(c, i ? c->per_user_line : 0, 0, &m);
	}
	return 0;
}
