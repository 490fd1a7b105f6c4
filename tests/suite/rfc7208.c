/*
 * rfc7208.c - runs the openspf RFC 7208 conformance suite in-process.
 *
 * What it is for: reading tests/rfc7208-tests.yml (a stream of YAML
 * documents, each with `description`, `tests` and `zonedata`), loading each
 * document's zonedata into a fresh in-memory zone (zone.h) and running
 * every test through spfc_check_run() with scope MAIL FROM and the default
 * explanation "DEFAULT".  A test passes when its result is one of the
 * allowed results and, when the test gives an `explanation`, the check's
 * explanation equals it exactly.
 *
 * The zonedata is read as the suite's reference driver (pyspf's
 * testspf.py) reads it: an `SPF` entry is also served as TXT unless the
 * name has a `TXT` entry of its own (`TXT: NONE` counts as one and adds no
 * record); the bare entry `TIMEOUT` makes lookups of the types the name has
 * no data for time out.  YAML "\xNN" escapes stand for raw bytes, but
 * libyaml decodes them into code points (U+0080..U+00FF, two bytes of
 * UTF-8 each); TXT data is turned back into the single bytes meant.
 * A TXT record of no strings at all (`SPF: [ ]`) is added as such; if the
 * zone refuses it, as one empty string (the same joined text, "").
 *
 * Usage: rfc7208 [-f FILE] [TEST]  -- with TEST, only that test runs and its
 * evaluation trace is printed.
 *
 * How it fails: one line per failing test (name, got/expected, the check's
 * problem string), then "rfc7208: PASSED/TOTAL" and "N passed, M failed";
 * exit status 1 when any test failed, 2 when the file cannot be read or
 * parsed, or TEST names no test.  A document whose zonedata cannot be
 * loaded fails all its tests with the reason.
 */
#include <spfc/buf.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include <yaml.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SPFC_RFC7208_YML
#define SPFC_RFC7208_YML "tests/rfc7208-tests.yml"
#endif

/* A DNS character-string holds at most 255 bytes (RFC 1035 §3.3). */
#define TXT_STRING_MAX 255
/* Bound on one message built by this program (setup errors, labels). */
#define MSG_MAX 4096

struct tally {
	unsigned passed;
	unsigned failed;
	unsigned matched;	/* tests that matched the name filter */
};

/* ---- Printing ------------------------------------------------------ */

/* Print n bytes with everything outside printable ASCII as \xNN escapes
 * (and, when quoting, '"' and '\' as \" and \\), so raw DNS text never
 * reaches the terminal as is. */
static void put_escaped(FILE *f, const char *s, size_t n, int quoting)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (quoting && (ch == '"' || ch == '\\')) {
			fputc('\\', f);
			fputc(ch, f);
		} else if (ch >= 0x20 && ch < 0x7f) {
			fputc(ch, f);
		} else {
			fputs("\\x", f);
			fputc(hex[ch >> 4], f);
			fputc(hex[ch & 15], f);
		}
	}
}

static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	put_escaped(f, s, strlen(s), 1);
	fputc('"', f);
}

/* ---- YAML access --------------------------------------------------- */

static yaml_node_t *node_at(yaml_document_t *d, yaml_node_item_t i)
{
	return yaml_document_get_node(d, i);
}

static int is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int scalar_is(const yaml_node_t *n, const char *s)
{
	size_t len = strlen(s);

	return is_scalar(n) && n->data.scalar.length == len &&
	       memcmp(n->data.scalar.value, s, len) == 0;
}

/* The value of `key` in mapping `map`, or NULL. */
static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map,
			    const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++)
		if (scalar_is(node_at(d, p->key), key))
			return node_at(d, p->value);
	return NULL;
}

/* Turn libyaml's UTF-8 back into the bytes the suite means: the code
 * points U+0080..U+00FF (which "\xNN" escapes produce, encoded as C2/C3
 * plus one continuation byte) become the single byte NN; everything else is
 * copied unchanged. */
static void yaml_bytes(const unsigned char *s, size_t n, spfc_buf *out)
{
	size_t i = 0;

	while (i < n) {
		if ((s[i] == 0xc2 || s[i] == 0xc3) && i + 1 < n &&
		    (s[i + 1] & 0xc0) == 0x80) {
			unsigned cp = ((s[i] & 0x1fu) << 6) | (s[i + 1] & 0x3fu);

			spfc_buf_addc(out, (char)(unsigned char)cp);
			i += 2;
		} else {
			spfc_buf_addc(out, (char)s[i]);
			i++;
		}
	}
}

/* Strict decimal (no sign, no junk); -1 when not a number or too big. */
static long parse_uint(const char *s, unsigned long max)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	return (long)v;
}

/* ---- Loading zonedata ---------------------------------------------- */

/* Add one TXT record built from a scalar (one string) or a sequence of
 * scalars (that many strings, possibly none). */
static spfc_status add_txt(yaml_document_t *d, spfc_zone *z, const char *name,
			   yaml_node_t *v, spfc_buf *err)
{
	spfc_buf *bufs = NULL;
	const char **strs = NULL;
	size_t *lens = NULL;
	size_t n = 0, i;
	spfc_status st = SPFC_OK;

	if (is_scalar(v)) {
		n = 1;
	} else if (v && v->type == YAML_SEQUENCE_NODE) {
		n = (size_t)(v->data.sequence.items.top -
			     v->data.sequence.items.start);
	} else {
		spfc_buf_adds(err, "TXT/SPF data is neither text nor a list");
		return SPFC_ESYNTAX;
	}
	bufs = calloc(n ? n : 1, sizeof *bufs);
	strs = calloc(n ? n : 1, sizeof *strs);
	lens = calloc(n ? n : 1, sizeof *lens);
	if (!bufs || !strs || !lens) {
		st = SPFC_ENOMEM;
		goto done;
	}
	for (i = 0; i < n; i++) {
		yaml_node_t *s = is_scalar(v) ? v
				 : node_at(d, v->data.sequence.items.start[i]);

		spfc_buf_init(&bufs[i], TXT_STRING_MAX);
		if (!is_scalar(s)) {
			spfc_buf_adds(err, "a TXT string is not text");
			st = SPFC_ESYNTAX;
			goto done;
		}
		yaml_bytes(s->data.scalar.value, s->data.scalar.length,
			   &bufs[i]);
		if (bufs[i].err) {
			spfc_buf_adds(err, "a TXT string is longer than 255 "
					   "bytes");
			st = SPFC_ELIMIT;
			goto done;
		}
		strs[i] = spfc_buf_str(&bufs[i]);
		lens[i] = bufs[i].len;
	}
	st = spfc_zone_add_txt(z, name, strs, lens, n);
	if (st == SPFC_EINVAL && n == 0) {
		/* A record of no strings at all (null-text's `SPF: [ ]`):
		 * when the zone will not hold one, the nearest record it
		 * will is one empty string -- the same joined text, "". */
		strs[0] = "";
		lens[0] = 0;
		st = spfc_zone_add_txt(z, name, strs, lens, 1);
	}
	if (st != SPFC_OK)
		spfc_buf_adds(err, "spfc_zone_add_txt");
done:
	if (bufs)
		for (i = 0; i < n; i++)
			spfc_buf_free(&bufs[i]);
	free(bufs);
	free(strs);
	free(lens);
	return st;
}

/* Add one non-TXT entry (type key, value node) of `name`. */
static spfc_status add_other(yaml_document_t *d, spfc_zone *z,
			     const char *name, yaml_node_t *k, yaml_node_t *v,
			     spfc_buf *err)
{
	spfc_addr a;
	spfc_status st;

	if (scalar_is(k, "A") || scalar_is(k, "AAAA")) {
		if (!is_scalar(v) || spfc_addr_parse(scalar(v), &a) != SPFC_OK ||
		    a.family != (scalar_is(k, "A") ? 4 : 6)) {
			spfc_buf_adds(err, "bad address");
			return SPFC_ESYNTAX;
		}
		st = spfc_zone_add_addr(z, name, &a);
		if (st != SPFC_OK)
			spfc_buf_adds(err, "spfc_zone_add_addr");
		return st;
	}
	if (scalar_is(k, "MX")) {
		yaml_node_t *pref, *host;
		long p;

		if (!v || v->type != YAML_SEQUENCE_NODE ||
		    v->data.sequence.items.top - v->data.sequence.items.start !=
			    2) {
			spfc_buf_adds(err, "MX is not [pref, name]");
			return SPFC_ESYNTAX;
		}
		pref = node_at(d, v->data.sequence.items.start[0]);
		host = node_at(d, v->data.sequence.items.start[1]);
		if (!is_scalar(pref) || !is_scalar(host) ||
		    (p = parse_uint(scalar(pref), 65535)) < 0) {
			spfc_buf_adds(err, "MX is not [pref, name]");
			return SPFC_ESYNTAX;
		}
		st = spfc_zone_add_mx(z, name, (unsigned)p, scalar(host));
		if (st != SPFC_OK)
			spfc_buf_adds(err, "spfc_zone_add_mx");
		return st;
	}
	if (scalar_is(k, "PTR") || scalar_is(k, "CNAME")) {
		if (!is_scalar(v)) {
			spfc_buf_adds(err, "PTR/CNAME target is not text");
			return SPFC_ESYNTAX;
		}
		if (scalar_is(k, "PTR"))
			st = spfc_zone_add_ptr(z, name, scalar(v));
		else
			st = spfc_zone_add_cname(z, name, scalar(v));
		if (st != SPFC_OK)
			spfc_buf_adds(err, scalar_is(k, "PTR")
						   ? "spfc_zone_add_ptr"
						   : "spfc_zone_add_cname");
		return st;
	}
	spfc_buf_adds(err, "unknown record type ");
	spfc_buf_adds(err, is_scalar(k) ? scalar(k) : "(not text)");
	return SPFC_ESYNTAX;
}

/* Load the entries of one name.  Two passes: the first finds whether the
 * name has a TXT entry of its own (then its SPF entries are not served as
 * TXT), the second adds the records. */
static spfc_status load_name(yaml_document_t *d, spfc_zone *z,
			     const char *name, yaml_node_t *list,
			     spfc_buf *err)
{
	yaml_node_item_t *it;
	int has_txt = 0, timeout = 0, added = 0;
	spfc_status st = SPFC_OK;

	if (!list || list->type != YAML_SEQUENCE_NODE) {
		spfc_buf_adds(err, "entries are not a list");
		return SPFC_ESYNTAX;
	}
	for (it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++)
		if (map_get(d, node_at(d, *it), "TXT"))
			has_txt = 1;
	for (it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top && st == SPFC_OK; it++) {
		yaml_node_t *e = node_at(d, *it);
		yaml_node_pair_t *p;

		if (scalar_is(e, "TIMEOUT")) {
			timeout = 1;
			continue;
		}
		if (!e || e->type != YAML_MAPPING_NODE) {
			spfc_buf_adds(err, "an entry is neither TIMEOUT nor "
					   "a map");
			return SPFC_ESYNTAX;
		}
		for (p = e->data.mapping.pairs.start;
		     p < e->data.mapping.pairs.top && st == SPFC_OK; p++) {
			yaml_node_t *k = node_at(d, p->key);
			yaml_node_t *v = node_at(d, p->value);

			if (scalar_is(v, "NONE"))
				continue; /* "no record of this type" */
			if (scalar_is(k, "SPF")) {
				/* RFC 7208 §3.1: type SPF is no longer
				 * used; the suite's data is served as TXT. */
				if (has_txt)
					continue;
				st = add_txt(d, z, name, v, err);
			} else if (scalar_is(k, "TXT")) {
				st = add_txt(d, z, name, v, err);
			} else {
				st = add_other(d, z, name, k, v, err);
			}
			added++;
		}
	}
	if (st == SPFC_OK && !added && !timeout) {
		st = spfc_zone_add_empty(z, name);
		if (st != SPFC_OK)
			spfc_buf_adds(err, "spfc_zone_add_empty");
	}
	if (st == SPFC_OK && timeout) {
		st = spfc_zone_mark(z, name, SPFC_ZONE_TIMEOUT);
		if (st != SPFC_OK)
			spfc_buf_adds(err, "spfc_zone_mark");
	}
	return st;
}

/* Load a document's zonedata into z; on failure err says where. */
static spfc_status load_zone(yaml_document_t *d, yaml_node_t *zd, spfc_zone *z,
			     spfc_buf *err)
{
	yaml_node_pair_t *p;
	spfc_status st;

	if (!zd)
		return SPFC_OK;
	if (zd->type != YAML_MAPPING_NODE) {
		spfc_buf_adds(err, "zonedata is not a map");
		return SPFC_ESYNTAX;
	}
	for (p = zd->data.mapping.pairs.start; p < zd->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node_at(d, p->key);

		if (!is_scalar(k)) {
			spfc_buf_adds(err, "a zonedata name is not text");
			return SPFC_ESYNTAX;
		}
		st = load_name(d, z, scalar(k), node_at(d, p->value), err);
		if (st != SPFC_OK) {
			spfc_buf_adds(err, " (at ");
			spfc_buf_adds(err, scalar(k));
			spfc_buf_adds(err, ": ");
			spfc_buf_adds(err, spfc_strerror(st));
			spfc_buf_adds(err, ")");
			return st;
		}
	}
	return SPFC_OK;
}

/* ---- Running tests ------------------------------------------------- */

/* The test's text field `key`, "" when absent or not text. */
static const char *field(yaml_document_t *d, yaml_node_t *t, const char *key)
{
	yaml_node_t *n = map_get(d, t, key);

	return is_scalar(n) ? scalar(n) : "";
}

/* 1 when `got` is the test's result or one of its list of results. */
static int result_allowed(yaml_document_t *d, yaml_node_t *want,
			  const char *got)
{
	yaml_node_item_t *it;

	if (is_scalar(want))
		return scalar_is(want, got);
	if (!want || want->type != YAML_SEQUENCE_NODE)
		return 0;
	for (it = want->data.sequence.items.start;
	     it < want->data.sequence.items.top; it++)
		if (scalar_is(node_at(d, *it), got))
			return 1;
	return 0;
}

static void put_allowed(FILE *f, yaml_document_t *d, yaml_node_t *want)
{
	yaml_node_item_t *it;

	if (is_scalar(want)) {
		fputs(scalar(want), f);
		return;
	}
	if (!want || want->type != YAML_SEQUENCE_NODE) {
		fputs("(no result given)", f);
		return;
	}
	for (it = want->data.sequence.items.start;
	     it < want->data.sequence.items.top; it++) {
		yaml_node_t *n = node_at(d, *it);

		if (it != want->data.sequence.items.start)
			fputc('|', f);
		fputs(is_scalar(n) ? scalar(n) : "?", f);
	}
}

static void put_trace(const char *trace)
{
	const char *p = trace, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fputs("  | ", stdout);
		put_escaped(stdout, p, (size_t)(nl - p), 0);
		fputc('\n', stdout);
		p = *nl ? nl + 1 : nl;
	}
}

/* Run one test against zone z (NULL when the zone could not be loaded:
 * then the test fails with zerr). */
static void run_test(yaml_document_t *d, const char *scenario,
		     const char *tname, yaml_node_t *t, spfc_zone *z,
		     const char *zerr, int verbose, struct tally *tl)
{
	spfc_options o;
	spfc_request req;
	spfc_resolver *r = NULL;
	spfc_check *c = NULL;
	spfc_status st;
	yaml_node_t *want = map_get(d, t, "result");
	yaml_node_t *wexp = map_get(d, t, "explanation");
	const char *got, *exp, *why = NULL;
	int ok;

	spfc_options_init(&o);
	o.default_exp = "DEFAULT";
	o.receiver = NULL;
	o.trace = verbose ? 1u : 0u;
	memset(&req, 0, sizeof req);
	req.scope = SPFC_SCOPE_MFROM;
	req.sender = field(d, t, "mailfrom");
	req.helo = field(d, t, "helo");
	if (!z) {
		why = zerr;
	} else if (spfc_addr_parse(field(d, t, "host"), &req.ip) != SPFC_OK) {
		why = "the test's host is not an address";
	} else if ((st = spfc_zone_resolver_new(z, &r)) != SPFC_OK) {
		why = spfc_strerror(st);
	} else if ((st = spfc_check_run(r, &o, &req, &c)) != SPFC_OK || !c) {
		why = spfc_strerror(st);
	} else if (!spfc_check_done(c)) {
		why = "spfc_check_run returned before the check was done";
	}
	if (why) {
		tl->failed++;
		printf("FAIL %s [%s]: not run: %s\n", tname, scenario, why);
		goto done;
	}
	got = spfc_result_name(spfc_check_result(c));
	exp = spfc_check_explanation(c);
	ok = result_allowed(d, want, got);
	if (wexp && (!is_scalar(wexp) || strcmp(exp, scalar(wexp)) != 0))
		ok = 0;
	if (ok)
		tl->passed++;
	else
		tl->failed++;
	if (!ok || verbose) {
		printf("%s %s [%s]: got %s", ok ? "PASS" : "FAIL", tname,
		       scenario, got);
		if (*exp || wexp) {
			fputs(" explanation ", stdout);
			put_quoted(stdout, exp);
		}
		fputs(", expected ", stdout);
		put_allowed(stdout, d, want);
		if (wexp) {
			fputs(" explanation ", stdout);
			put_quoted(stdout, is_scalar(wexp) ? scalar(wexp) : "?");
		}
		fputs("; problem ", stdout);
		put_quoted(stdout, spfc_check_problem(c));
		fputc('\n', stdout);
	}
	if (verbose) {
		printf("  mechanism \"%s\", lookups %u, voids %u, queries %u\n",
		       spfc_check_mechanism(c), spfc_check_lookups(c),
		       spfc_check_voids(c), spfc_check_queries(c));
		put_trace(spfc_check_trace(c));
	}
done:
	spfc_check_free(c);
	spfc_resolver_free(r);
}

/* Run the tests of one document (only `only` when not NULL). */
static void run_document(yaml_document_t *d, const char *only,
			 struct tally *tl)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	yaml_node_t *tests = map_get(d, root, "tests");
	yaml_node_t *desc = map_get(d, root, "description");
	const char *scenario = is_scalar(desc) ? scalar(desc) : "?";
	spfc_zone *z = NULL;
	spfc_buf err;
	yaml_node_pair_t *p;
	spfc_status st;
	int wanted = 0;

	if (!tests || tests->type != YAML_MAPPING_NODE)
		return;
	for (p = tests->data.mapping.pairs.start;
	     p < tests->data.mapping.pairs.top; p++)
		if (!only || scalar_is(node_at(d, p->key), only))
			wanted = 1;
	if (!wanted)
		return;
	spfc_buf_init(&err, MSG_MAX);
	spfc_buf_adds(&err, "zonedata: ");
	st = spfc_zone_new(&z);
	if (st != SPFC_OK) {
		spfc_buf_adds(&err, spfc_strerror(st));
		z = NULL;
	} else if (load_zone(d, map_get(d, root, "zonedata"), z, &err) !=
		   SPFC_OK) {
		spfc_zone_free(z);
		z = NULL;
	}
	for (p = tests->data.mapping.pairs.start;
	     p < tests->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(d, p->key);

		if (!is_scalar(k) || (only && !scalar_is(k, only)))
			continue;
		tl->matched++;
		run_test(d, scenario, scalar(k), node_at(d, p->value), z,
			 spfc_buf_str(&err), only != NULL, tl);
	}
	spfc_zone_free(z);
	spfc_buf_free(&err);
}

static int usage(void)
{
	fprintf(stderr, "usage: rfc7208 [-f FILE] [TEST]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *path = SPFC_RFC7208_YML, *only = NULL;
	struct tally tl = {0, 0, 0};
	yaml_parser_t parser;
	FILE *f;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (argv[i][0] == '-' || only)
			return usage();
		else
			only = argv[i];
	}
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "rfc7208: cannot open %s\n", path);
		return 2;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		fprintf(stderr, "rfc7208: out of memory\n");
		return 2;
	}
	yaml_parser_set_input_file(&parser, f);
	for (;;) {
		yaml_document_t doc;

		if (!yaml_parser_load(&parser, &doc)) {
			fprintf(stderr, "rfc7208: %s: YAML error: %s (line %lu)\n",
				path, parser.problem ? parser.problem : "?",
				(unsigned long)parser.problem_mark.line + 1);
			rc = 2;
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break; /* end of the stream */
		}
		run_document(&doc, only, &tl);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	if (rc)
		return rc;
	if (only && !tl.matched) {
		fprintf(stderr, "rfc7208: no test named %s\n", only);
		return 2;
	}
	printf("rfc7208: %u/%u\n", tl.passed, tl.passed + tl.failed);
	printf("%u passed, %u failed\n", tl.passed, tl.failed);
	return tl.failed ? 1 : 0;
}
