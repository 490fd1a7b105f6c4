/*
 * buf.c - the growing, bounded byte buffer of buf.h.
 *
 * Fails by setting the sticky error (SPFC_ENOMEM, SPFC_ELIMIT) and
 * keeping the contents it had; never writes past its allocation.
 */
#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stdlib.h>
#include <string.h>

void spfc_buf_init(spfc_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SPFC_BUF_DEFAULT_MAX;
	b->err = 0;
}

void spfc_buf_free(spfc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = 0;
}

void spfc_buf_reset(spfc_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

void spfc_buf_truncate(spfc_buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

static int grow(spfc_buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->err = SPFC_ENOMEM;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int spfc_buf_add(spfc_buf *b, const void *p, size_t n)
{
	if (b->err)
		return -1;
	if (n > b->max - b->len) {
		b->err = SPFC_ELIMIT;
		return -1;
	}
	if (grow(b, b->len + n + 1) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int spfc_buf_adds(spfc_buf *b, const char *s)
{
	return spfc_buf_add(b, s, strlen(s));
}

int spfc_buf_addc(spfc_buf *b, char c)
{
	/* the common case: room for the byte and the terminator */
	if (!b->err && b->len + 1 < b->cap && b->len < b->max) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return spfc_buf_add(b, &c, 1);
}

int spfc_buf_addu(spfc_buf *b, unsigned long long v)
{
	char tmp[24];
	size_t i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return spfc_buf_add(b, tmp + i, sizeof tmp - i);
}

const char *spfc_buf_str(const spfc_buf *b)
{
	return b->data ? b->data : "";
}

char *spfc_buf_take(spfc_buf *b)
{
	char *p;

	if (b->err)
		return NULL;
	if (!b->data && grow(b, 1) < 0)
		return NULL;
	if (!b->len)
		b->data[0] = '\0';
	p = b->data;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
