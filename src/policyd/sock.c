/*
 * sock.c - the listening socket of listen mode (sock.h): users and
 * groups, the unix socket made in a private directory and renamed into
 * place, the inet: socket bound before libuv sees it, and Listen_Allow.
 *
 * How it fails: one message (log_fatal) and -1, with nothing left behind
 * that the caller's sock_close and sock_release do not take away.
 */
#include "sock.h"

#include "listen.h"
#include "log.h"

#include "common/number.h"

#include <spfc/spfc.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_TMP_NAME "/.policyd-spf-XXXXXX"	/* private directory */
#define LISTEN_TMP_SOCK "s"			/* ... and the socket in it */

void sock_init(struct sock *k)
{
	memset(k, 0, sizeof *k);
	k->dirfd = -1;
}

/* ---- Listen_Allow --------------------------------------------------------- */

static const spfc_addr loopback4 = {4, {127}};
static const spfc_addr loopback6 = {6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

int sock_peer_allowed(uv_tcp_t *tcp, const struct config *cfg, char *text,
		      size_t size)
{
	struct sockaddr_storage ss;
	int len = (int)sizeof ss;
	char tmp[64];
	spfc_addr a;

	text[0] = '\0';
	if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		uv_ip4_name((struct sockaddr_in *)&ss, tmp, sizeof tmp);
	else if (ss.ss_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)&ss, tmp, sizeof tmp);
	else
		return 0;
	if (spfc_addr_parse(tmp, &a) != SPFC_OK)
		return 0;
	spfc_addr_unmap(&a);
	spfc_addr_format(&a, text, size);
	if (cfg->listen_allow.n)
		return policy_net_match(&cfg->listen_allow, &a);
	return a.family == 4 ? spfc_addr_match(&a, &loopback4, 8)
			     : spfc_addr_match(&a, &loopback6, 128);
}

/* ---- users and groups ----------------------------------------------------- */

int sock_lookup_owner(const char *spec, uid_t *uid, gid_t *gid, int user_gid)
{
	char name[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (n >= sizeof name)
		return -1;
	if (n) {
		struct passwd *pw;
		memcpy(name, spec, n);
		name[n] = '\0';
		pw = getpwnam(name);
		if (!pw)
			return -1;
		*uid = pw->pw_uid;
		if (user_gid)
			*gid = pw->pw_gid;
	}
	if (colon) {
		struct group *gr = getgrnam(colon + 1);
		if (!gr)
			return -1;
		*gid = gr->gr_gid;
	}
	return 0;
}

int sock_drop_privileges(const char *user)
{
	uid_t uid;
	gid_t gid;
	struct passwd *pw;

	if (sock_lookup_owner(user, &uid, &gid, 1) < 0)
		return -1;
	pw = getpwuid(uid);
	if (setgroups(0, NULL) != 0 && errno != EPERM)
		return -1;
	if (pw && initgroups(pw->pw_name, gid) != 0 && errno != EPERM)
		return -1;
	if (setgid(gid) != 0 || setuid(uid) != 0)
		return -1;
	if (setuid(0) == 0 && uid != 0)	/* must not be able to regain root */
		return -1;
	return 0;
}

/* The owner and group the unix socket gets (-1: left as created). */
static int socket_ids(const struct config *cfg, uid_t *uid, gid_t *gid)
{
	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (cfg->socket_owner) {
		if (sock_lookup_owner(cfg->socket_owner, uid, gid, 0) < 0) {
			log_fatal("Socket_Owner ", cfg->socket_owner,
				      ": no such user or group", NULL);
			return -1;
		}
	}
	if (cfg->socket_group) {
		struct group *gr = getgrnam(cfg->socket_group);
		if (!gr) {
			log_fatal("Socket_Group ", cfg->socket_group,
				      ": no such group", NULL);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

/* ---- binding -------------------------------------------------------------- */

/* listen() on the bound handle's descriptor and watch it (on_ready);
 * 0, or -1 with errno. */
static int start_listening(struct sock *k, uv_loop_t *loop, uv_poll_cb on_ready,
			   void *data)
{
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&k->h, &fd) != 0) {
		errno = EBADF;
		return -1;
	}
	k->lfd = fd;
	if (listen(fd, LISTEN_BACKLOG) != 0)
		return -1;
	if (uv_poll_init_socket(loop, &k->lpoll, fd) != 0) {
		errno = ENOMEM;
		return -1;
	}
	k->lpoll.data = data;
	k->polling = 1;
	if (uv_poll_start(&k->lpoll, UV_READABLE, on_ready) != 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Something answers on the unix socket at path (a running server). */
static int answers(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	rc = rc == 0 || errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return rc;
}

/* The unix socket, made where nobody else can reach it first: bound in
 * a new private directory beside its final place, with its mode from
 * the umask and its owner set there, then renamed into place -- so no
 * chmod or chown ever goes through a path somebody else can change, and
 * a stale socket is replaced without an unlink.  Anything else at the
 * path (a file, a link, a directory) is left alone, and a socket that
 * still answers belongs to another server.  Returns 0, or -1 after a
 * message. */
int sock_bind_unix(struct sock *k, uv_loop_t *loop, const struct config *cfg,
		   const char *path, uv_poll_cb on_ready, void *data)
{
	size_t plen = strlen(path), dlen;
	const char *slash = strrchr(path, '/');
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *tmpname = NULL;
	int tmpfd = -1, rc = -1, locked = 0;
	uid_t uid;
	gid_t gid;
	struct stat st;
	mode_t old;

	if (socket_ids(cfg, &uid, &gid) < 0)
		return -1;
	dlen = slash ? (size_t)(slash - path) : 0;
	k->sock_dir = slash ? strndup(path, dlen ? dlen : 1) : strdup(".");
	k->sock_name = strdup(slash ? slash + 1 : path);
	if (!k->sock_dir || !k->sock_name) {
		log_fatal("out of memory", NULL, NULL);
		return -1;
	}
	if (!*k->sock_name || strcmp(k->sock_name, ".") == 0 ||
	    strcmp(k->sock_name, "..") == 0) {
		log_fatal(path, ": not a socket path", NULL);
		return -1;
	}
	if (strlen(k->sock_dir) + sizeof LISTEN_TMP_NAME + 1 + sizeof LISTEN_TMP_SOCK >
		    sizeof tmp || plen >= sizeof tmp) {
		log_fatal(path, ": the socket path is too long", NULL);
		return -1;
	}
	k->dirfd = open(k->sock_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (k->dirfd < 0) {
		log_fatal(k->sock_dir, ": ", strerror(errno), NULL);
		return -1;
	}
	/* two servers starting at once: one checks and renames at a time */
	locked = flock(k->dirfd, LOCK_EX) == 0;
	if (fstatat(k->dirfd, k->sock_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_fatal(path, " exists and is not a socket; it is "
				      "left alone", NULL);
			goto done;
		}
		if (answers(path)) {
			log_fatal("another server already answers on ", path,
				      "; not taken over", NULL);
			goto done;
		}
	} else if (errno != ENOENT) {
		log_fatal(path, ": ", strerror(errno), NULL);
		goto done;
	}
	memcpy(tmp, k->sock_dir, strlen(k->sock_dir));
	memcpy(tmp + strlen(k->sock_dir), LISTEN_TMP_NAME, sizeof LISTEN_TMP_NAME);
	if (!mkdtemp(tmp)) {
		log_fatal(k->sock_dir, ": cannot make a directory: ",
			      strerror(errno), NULL);
		goto done;
	}
	tmpname = strdup(tmp + strlen(k->sock_dir) + 1);
	tmpfd = tmpname ? openat(k->dirfd, tmpname, O_RDONLY | O_DIRECTORY |
					    O_NOFOLLOW | O_CLOEXEC) : -1;
	if (tmpfd < 0 || fstat(tmpfd, &st) != 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		log_fatal(tmp, ": not the private directory just made", NULL);
		goto done;
	}
	memcpy(tmp + strlen(tmp), "/" LISTEN_TMP_SOCK, sizeof "/" LISTEN_TMP_SOCK);
	uv_pipe_init(loop, &k->h.pipe, 0);
	k->h.pipe.data = data;
	k->bound = 1;
	old = umask((mode_t)(0777 & ~cfg->socket_mode));
	rc = uv_pipe_bind(&k->h.pipe, tmp);
	umask(old);
	if (rc != 0) {
		log_fatal("cannot bind ", path, ": ", uv_strerror(rc), NULL);
		rc = -1;
		goto done;
	}
	rc = -1;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(tmpfd, LISTEN_TMP_SOCK, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
		log_fatal("cannot set the owner of ", path, ": ",
			      strerror(errno), NULL);
		goto done;
	}
	if (fstatat(tmpfd, LISTEN_TMP_SOCK, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISSOCK(st.st_mode)) {
		log_fatal(tmp, ": the socket just bound is gone", NULL);
		goto done;
	}
	if (start_listening(k, loop, on_ready, data) != 0) {
		log_fatal("cannot listen on ", path, ": ", strerror(errno), NULL);
		goto done;
	}
	if (renameat(tmpfd, LISTEN_TMP_SOCK, k->dirfd, k->sock_name) != 0) {
		log_fatal("cannot put the socket in place at ", path, ": ",
			      strerror(errno), NULL);
		goto done;
	}
	k->sock_dev = st.st_dev;
	k->sock_ino = st.st_ino;
	k->sock_made = 1;
	rc = 0;
done:
	if (tmpfd >= 0) {
		unlinkat(tmpfd, LISTEN_TMP_SOCK, 0);	/* when not renamed */
		close(tmpfd);
	}
	if (tmpname) {
		unlinkat(k->dirfd, tmpname, AT_REMOVEDIR);
		free(tmpname);
	}
	if (locked)
		flock(k->dirfd, LOCK_UN);
	return rc;
}

/* Remove the socket at exit -- only if it is still the one we made. */
static void unlink_unix(struct sock *k)
{
	struct stat st;

	if (!k->sock_made)
		return;
	if (fstatat(k->dirfd, k->sock_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == k->sock_dev && st.st_ino == k->sock_ino) {
		if (unlinkat(k->dirfd, k->sock_name, 0) != 0)
			log_msg2(2, "cannot remove the socket: ",
				 strerror(errno));
	} else {
		log_msg3(2, "the socket path ", k->sock_name,
			 " holds another socket now: left alone");
	}
	k->sock_made = 0;
}

int sock_bind_inet(struct sock *k, uv_loop_t *loop, const struct config *cfg,
		   const char *spec, uv_poll_cb on_ready, void *data)
{
	const char *hp = spec, *colon = strrchr(hp, ':');
	char host[256];
	struct sockaddr_storage ss;
	unsigned long long port;
	size_t hl;
	int rc, fd, one = 1;

	if (!colon)
		return 2;
	hl = (size_t)(colon - hp);
	if (hl >= sizeof host)
		return 2;
	memcpy(host, hp, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if (sc_parse_uint(colon + 1, strlen(colon + 1), 1, SOCK_PORT_MAX,
			  &port) < 0)
		return 2;
	memset(&ss, 0, sizeof ss);
	if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)&ss) != 0 &&
	    uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)&ss) != 0)
		return 2;
	/* bound here, not by libuv, whose bind errors wait for uv_listen() */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss,
		 ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
					 : sizeof(struct sockaddr_in6)) != 0) {
		log_fatal("cannot listen on inet:", spec, ": ", strerror(errno),
			      NULL);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	uv_tcp_init(loop, &k->h.tcp);
	k->h.tcp.data = data;
	k->bound = 1;
	rc = uv_tcp_open(&k->h.tcp, fd);
	if (rc != 0) {
		close(fd);
		log_fatal("cannot listen on inet:", spec, ": ", uv_strerror(rc),
			      NULL);
		return -1;
	}
	if (start_listening(k, loop, on_ready, data) != 0) {
		log_fatal("cannot listen on inet:", spec, ": ", strerror(errno),
			      NULL);
		return -1;
	}
	if ((ss.ss_family == AF_INET &&
	     ((struct sockaddr_in *)&ss)->sin_addr.s_addr == 0) ||
	    (ss.ss_family == AF_INET6 &&
	     memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, &in6addr_any,
		    sizeof in6addr_any) == 0))
		log_msg3(0, "WARNING: listening on a wildcard address (", host,
			 cfg->listen_allow.n
			 ? "): clients outside Listen_Allow are closed"
			 : "): only loopback clients are served; set "
			   "Listen_Allow to name the others");
	return 0;
}

/* Stop accepting: the poll handle goes before the descriptor. */
void sock_close(struct sock *k)
{
	if (k->polling)
		uv_close((uv_handle_t *)&k->lpoll, NULL);
	k->polling = 0;
	if (k->bound)
		uv_close((uv_handle_t *)&k->h, NULL);
	k->bound = 0;
}

void sock_release(struct sock *k)
{
	unlink_unix(k);
	if (k->dirfd >= 0)
		close(k->dirfd);
	k->dirfd = -1;
	free(k->sock_dir);
	free(k->sock_name);
	k->sock_dir = k->sock_name = NULL;
}
