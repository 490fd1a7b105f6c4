/*
 * config_str.c - options whose value is a name, an address or a path:
 * restriction classes, Prospective, Authserv_Id, Per_User's
 * "text,/path", Listen, and the user and group names of listen mode;
 * the options read for spf-engine's milter only.
 *
 * How it fails: a value of the wrong shape is an error and the previous
 * value stays; a relative path is a warning.  gethostname() failing for
 * Authserv_Id = HOSTNAME is a warning and "localhost" is used.
 */
#include "config_int.h"

#include "common/number.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/* gethostname() buffer: POSIX HOST_NAME_MAX (255 on Linux) + NUL. */
#define HOSTNAME_MAX 256
/* Used when gethostname() fails or gives an unusable name. */
#define FALLBACK_HOSTNAME "localhost"
/* A unix socket path must fit sockaddr_un.sun_path with its NUL. */
#define UNIX_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
/* TCP ports (RFC 793): 1..65535; 0 is not a port to listen on. */
#define PORT_MAX 65535

/* The host name for Authserv_Id = HOSTNAME; caller frees.  Falls back to
 * FALLBACK_HOSTNAME (with a warning) when gethostname() fails. */
char *cf_hostname_dup(struct config *c, unsigned line, const char *where)
{
	char h[HOSTNAME_MAX];
	size_t i, n;

	if (gethostname(h, sizeof h) != 0) {
		spfc_buf m;

		cf_msg_start(&m, where, "Authserv_Id");
		spfc_buf_adds(&m, "gethostname: ");
		spfc_buf_adds(&m, strerror(errno));
		spfc_buf_adds(&m, "; \"" FALLBACK_HOSTNAME "\" is used");
		cf_problem(c, line, 0, &m);
		return cf_dups(FALLBACK_HOSTNAME);
	}
	h[sizeof h - 1] = '\0';
	n = strlen(h);
	for (i = 0; i < n; i++)
		if (!sc_is_graph(h[i]))
			break;
	if (n == 0 || i < n) {
		cf_problem_q(
		    c, line, 0, where, "Authserv_Id", "the host name ", h, n,
		    " is not usable; \"" FALLBACK_HOSTNAME "\" is used");
		return cf_dups(FALLBACK_HOSTNAME);
	}
	return cf_dupn(h, n);
}

/* Replace the string at *dst with a copy of v (NULL when v is NULL). */
int cf_replace_str(struct config *c, char **dst, const char *v, unsigned line,
		   const char *where, const char *name)
{
	char *n = NULL;

	if (v && !(n = cf_dups(v)))
		return cf_oom(c, line, where, name);
	free(*dst);
	*dst = n;
	return 0;
}

int cf_set_class(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where)
{
	const char *p;

	for (p = v; *p; p++)
		if (*p == ' ')
			return cf_bad_value(c, line, where, o->name, v,
					    " is not a restriction class name "
					    "(it holds a space)");
	return cf_replace_str(c, CF_FIELD(c, o, char *), *v ? v : NULL, line,
			      where, o->name);
}

int cf_set_ip(struct config *c, const struct cf_option *o, const char *v,
	      unsigned line, const char *where)
{
	spfc_addr a;

	if (!*v) {
		memset(&c->prospective_addr, 0, sizeof c->prospective_addr);
		return cf_replace_str(c, &c->prospective, NULL, line, where,
				      o->name);
	}
	if (spfc_addr_parse(v, &a) != SPFC_OK)
		return cf_bad_value(c, line, where, o->name, v,
				    " is not an IP address");
	if (cf_replace_str(c, &c->prospective, v, line, where, o->name) < 0)
		return -1;
	c->prospective_addr = a;
	return 0;
}

int cf_set_authserv(struct config *c, const struct cf_option *o, const char *v,
		    unsigned line, const char *where)
{
	const char *p;
	char *n;

	if (!*v) {
		spfc_buf m;

		cf_msg_start(&m, where, o->name);
		spfc_buf_adds(&m, "must not be empty");
		return cf_problem(c, line, 1, &m);
	}
	for (p = v; *p; p++)
		if (*p == ' ')
			return cf_bad_value(c, line, where, o->name, v,
					    " holds a space");
	if (strcmp(v, CF_DEFAULT_AUTHSERV_ID) == 0)
		n = cf_hostname_dup(c, line, where);
	else
		n = cf_dups(v);
	if (!n)
		return cf_oom(c, line, where, o->name);
	free(c->authserv_id);
	c->authserv_id = n;
	return 0;
}

int cf_set_per_user(struct config *c, const struct cf_option *o, const char *v,
		    unsigned line, const char *where)
{
	const char *comma = strchr(v, ',');
	const char *t = v, *p;
	size_t tn, pn;
	char *whole, *path;

	if (!*v) {
		free(c->per_user);
		free(c->per_user_path);
		c->per_user = c->per_user_path = NULL;
		c->per_user_line = 0;
		return 0;
	}
	if (!comma)
		return cf_bad_value(c, line, where, o->name, v,
				    " is not \"text,/path/to/file\"");
	tn = (size_t)(comma - v);
	cf_strip(&t, &tn);
	if (!sc_eq_nocase(t, tn, "text", 4))
		return cf_problem_q(c, line, 1, where, o->name,
				    "the only type is \"text\", not ", t, tn,
				    NULL);
	p = comma + 1;
	pn = strlen(p);
	cf_strip(&p, &pn);
	if (pn == 0)
		return cf_bad_value(c, line, where, o->name, v,
				    " names no file");
	if (p[0] != '/')
		cf_problem_q(c, line, 0, where, o->name, "the path ", p, pn,
			     " is relative to the daemon's working directory");
	whole = cf_dups(v);
	path = cf_dupn(p, pn);
	if (!whole || !path) {
		free(whole);
		free(path);
		return cf_oom(c, line, where, o->name);
	}
	free(c->per_user);
	free(c->per_user_path);
	c->per_user = whole;
	c->per_user_path = path;
	c->per_user_line = line;
	return 0;
}

/* Listen: "unix:PATH", a bare "/PATH" (unix too), or "inet:HOST:PORT"
 * with HOST an address literal ("[v6]" allowed), as listen.c binds. */
int cf_set_listen(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where)
{
	const char *path = NULL;

	if (!*v)
		return cf_replace_str(c, CF_FIELD(c, o, char *), NULL, line,
				      where, o->name);
	if (strncmp(v, "unix:", 5) == 0)
		path = v + 5;
	else if (v[0] == '/')
		path = v;
	if (path) {
		if (!*path)
			return cf_bad_value(c, line, where, o->name, v,
					    " names no socket path");
		if (strlen(path) > UNIX_PATH_MAX)
			return cf_bad_value(
			    c, line, where, o->name, v,
			    ": the socket path is too long for a "
			    "unix socket");
		if (path[0] != '/')
			cf_problem_q(c, line, 0, where, o->name, "the path ",
				     path, strlen(path),
				     " is relative to the daemon's working "
				     "directory");
	} else if (strncmp(v, "inet:", 5) == 0) {
		const char *hp = v + 5, *colon = strrchr(hp, ':');
		char host[SPFC_ADDR_TEXT_MAX];
		size_t hl;
		unsigned long long port;
		spfc_addr a;

		if (!colon)
			return cf_bad_value(c, line, where, o->name, v,
					    " is not inet:HOST:PORT");
		hl = (size_t)(colon - hp);
		if (hl >= 2 && hp[0] == '[' && hp[hl - 1] == ']') {
			hp++;
			hl -= 2;
		}
		if (hl == 0 || hl >= sizeof host)
			return cf_bad_value(c, line, where, o->name, v,
					    ": the host is not an IP address");
		memcpy(host, hp, hl);
		host[hl] = '\0';
		if (spfc_addr_parse(host, &a) != SPFC_OK)
			return cf_bad_value(c, line, where, o->name, v,
					    ": the host is not an IP address");
		if (sc_parse_uint(colon + 1, strlen(colon + 1), 1, PORT_MAX,
				  &port) < 0)
			return cf_bad_value(c, line, where, o->name, v,
					    ": the port is not 1..65535");
	} else {
		return cf_bad_value(c, line, where, o->name, v,
				    " is not unix:PATH or inet:HOST:PORT");
	}
	return cf_replace_str(c, CF_FIELD(c, o, char *), v, line, where,
			      o->name);
}

/* User, Socket_Owner and Socket_Group: "user", (owner only)
 * "user:group", (group only) "group"; hint is the error for a colon
 * where none is allowed. */
static int set_name(struct config *c, const struct cf_option *o, const char *v,
		    unsigned line, const char *where, int owner,
		    const char *hint)
{
	const char *colon = strchr(v, ':'), *p;

	if (!*v)
		return cf_replace_str(c, CF_FIELD(c, o, char *), NULL, line,
				      where, o->name);
	for (p = v; *p; p++)
		if (*p == ' ')
			return cf_bad_value(c, line, where, o->name, v,
					    " holds a space");
	if (colon &&
	    (!owner || colon == v || !colon[1] || strchr(colon + 1, ':')))
		return cf_bad_value(c, line, where, o->name, v, hint);
	return cf_replace_str(c, CF_FIELD(c, o, char *), v, line, where,
			      o->name);
}

int cf_set_owner(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where)
{
	return set_name(c, o, v, line, where, 1, " is not user[:group]");
}

int cf_set_user(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where)
{
	return set_name(c, o, v, line, where, 0, " is not a user name");
}

int cf_set_group(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where)
{
	return set_name(c, o, v, line, where, 0, " is not a group name");
}

/* A free text (a path, a socket address, a user name), checked where
 * it is used; an empty value unsets it. */
int cf_set_text(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where)
{
	char **f = CF_FIELD(c, o, char *);
	char *n = NULL;

	(void)line;
	(void)where;
	if (*v && !(n = cf_dups(v)))
		return -1;
	free(*f);
	*f = n;
	return 0;
}

/* A name spf-engine reads for its milter front end only: a warning,
 * whatever the value. */
int cf_set_ignored(struct config *c, const struct cf_option *o, const char *v,
		   unsigned line, const char *where)
{
	spfc_buf m;

	(void)v;
	cf_msg_start(&m, where, NULL);
	spfc_buf_adds(&m, o->name);
	spfc_buf_adds(&m, " is only used by the milter; ignored");
	cf_problem(c, line, 0, &m);
	return 0;
}
