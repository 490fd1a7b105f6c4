/*
 * codec.h - the Sendmail milter protocol as pure functions on buffers.
 *
 * What it is for: turning the bytes an MTA (Postfix, Sendmail) sends into
 * typed commands, and our replies and actions into bytes.  It knows
 * nothing of sockets, SPF or the configuration; session.h puts the
 * commands in order.
 *
 * The wire format (libmilter comm.c): every packet is a 4-byte length in
 * network order, then one command byte, then length - 1 bytes of payload.
 * Strings in a payload are NUL-terminated; numbers are big-endian.
 *
 * How it fails: every limit is a named constant below.  A packet whose
 * length is 0 or whose payload is over MILTER_DATA_MAX makes the decoder
 * fail for good (the connection is to be dropped); a payload that does
 * not parse (a string without its NUL, a short number, too many macros or
 * arguments, an address that is not one) is refused by milter_parse()
 * with a MILTER_E_* code.  Nothing is read outside a packet, and memory is
 * bounded by MILTER_DATA_MAX per decoder whatever is sent.
 */
#ifndef SPFC_MILTER_CODEC_H
#define SPFC_MILTER_CODEC_H

#include <spfc/buf.h>

#include <stddef.h>
#include <stdint.h>

/* Protocol versions: libmilter speaks 6 and accepts an MTA from 2 on. */
#define MILTER_VERSION_MIN 2
#define MILTER_VERSION_MAX 6

/* Limits. */
#define MILTER_LEN_BYTES 4		/* the length prefix */
#define MILTER_DATA_MAX 65535		/* payload bytes (MILTER_MAX_DATA_SIZE) */
#define MILTER_MACROS_MAX 128		/* name/value pairs per SMFIC_MACRO */
#define MILTER_ARGS_MAX 64		/* strings per MAIL or RCPT, <addr> too */
#define MILTER_REPLY_TEXT_MAX 980	/* bytes of reply text (MAXREPLYLEN) */
#define MILTER_ADDR_TEXT_MAX 63		/* bytes of an inet or inet6 address */

/*
 * Commands from the MTA (mfdef.h SMFIC_*).  DATA and UNKNOWN came with
 * protocol version 3 and 4, QUIT_NC with 6.
 */
#define SMFIC_ABORT	'A'	/* the transaction ends (RSET, or our reply) */
#define SMFIC_BODY	'B'	/* a body chunk */
#define SMFIC_CONNECT	'C'	/* host name, family, port, address */
#define SMFIC_MACRO	'D'	/* stage command, then name/value pairs */
#define SMFIC_BODYEOB	'E'	/* end of message (maybe a last chunk) */
#define SMFIC_HELO	'H'	/* the HELO/EHLO name */
#define SMFIC_QUIT_NC	'K'	/* quit, a new connection follows */
#define SMFIC_HEADER	'L'	/* a header: name, value */
#define SMFIC_MAIL	'M'	/* MAIL: <addr>, then ESMTP arguments */
#define SMFIC_EOH	'N'	/* end of headers */
#define SMFIC_OPTNEG	'O'	/* option negotiation */
#define SMFIC_QUIT	'Q'	/* quit: the connection ends */
#define SMFIC_RCPT	'R'	/* RCPT: <addr>, then ESMTP arguments */
#define SMFIC_DATA	'T'	/* DATA */
#define SMFIC_UNKNOWN	'U'	/* an SMTP command the MTA does not know */

/* Replies and actions to the MTA (mfdef.h SMFIR_*). */
#define SMFIR_ACCEPT	'a'	/* accept: no more callbacks for it */
#define SMFIR_CONTINUE	'c'	/* go on */
#define SMFIR_DISCARD	'd'	/* accept the message and drop it */
#define SMFIR_INSHEADER	'i'	/* insert a header: index, name, value */
#define SMFIR_SETSYMLIST 'l'	/* macros wanted (carried in the OPTNEG
				   reply, see milter_put_optneg) */
#define SMFIR_CHGHEADER	'm'	/* change a header: index, name, value */
#define SMFIR_PROGRESS	'p'	/* still working (EOM only) */
#define SMFIR_REJECT	'r'	/* 5xx with the MTA's text */
#define SMFIR_TEMPFAIL	't'	/* 4xx with the MTA's text */
#define SMFIR_REPLYCODE	'y'	/* "550 5.7.23 text", NUL-terminated */

/* Address families of SMFIC_CONNECT (mfdef.h SMFIA_*). */
#define SMFIA_UNKNOWN	'U'	/* nothing follows the family */
#define SMFIA_UNIX	'L'	/* a socket path */
#define SMFIA_INET	'4'
#define SMFIA_INET6	'6'

/* Actions a milter may take at end of message (mfapi.h SMFIF_*). */
#define SMFIF_ADDHDRS	0x00000001u	/* add and insert headers */
#define SMFIF_CHGBODY	0x00000002u	/* replace the body */
#define SMFIF_ADDRCPT	0x00000004u	/* add recipients */
#define SMFIF_DELRCPT	0x00000008u	/* remove recipients */
#define SMFIF_CHGHDRS	0x00000010u	/* change and delete headers */
#define SMFIF_QUARANTINE 0x00000020u	/* quarantine the message */
#define SMFIF_CHGFROM	0x00000040u	/* change the envelope sender */
#define SMFIF_ADDRCPT_PAR 0x00000080u	/* add recipients with ESMTP args */
#define SMFIF_SETSYMLIST 0x00000100u	/* ask for macros per stage (v6) */
#define SMFI_V1_ACTS	0x0000000fu	/* what an MTA offering 0 means */

/*
 * Protocol flags (mfdef.h SMFIP_*), three kinds: NO* asks the MTA not to
 * send a step; NR_* promises we never reply to a step (version 6, except
 * NR_HDR which older MTAs knew as NOHREPL); the rest are extensions.
 */
#define SMFIP_NOCONNECT	0x00000001u
#define SMFIP_NOHELO	0x00000002u
#define SMFIP_NOMAIL	0x00000004u
#define SMFIP_NORCPT	0x00000008u
#define SMFIP_NOBODY	0x00000010u
#define SMFIP_NOHDRS	0x00000020u
#define SMFIP_NOEOH	0x00000040u
#define SMFIP_NR_HDR	0x00000080u	/* also known as SMFIP_NOHREPL */
#define SMFIP_NOUNKNOWN	0x00000100u
#define SMFIP_NODATA	0x00000200u
#define SMFIP_SKIP	0x00000400u	/* the MTA understands SMFIR_SKIP */
#define SMFIP_RCPT_REJ	0x00000800u	/* send rejected RCPTs too */
#define SMFIP_NR_CONN	0x00001000u
#define SMFIP_NR_HELO	0x00002000u
#define SMFIP_NR_MAIL	0x00004000u
#define SMFIP_NR_RCPT	0x00008000u
#define SMFIP_NR_DATA	0x00010000u
#define SMFIP_NR_UNKN	0x00020000u
#define SMFIP_NR_EOH	0x00040000u
#define SMFIP_NR_BODY	0x00080000u
#define SMFIP_HDR_LEADSPC 0x00100000u	/* header values keep their space */
#define SMFIP_MDS_256K	0x10000000u	/* bigger packets (never asked) */
#define SMFIP_MDS_1M	0x20000000u
#define SMFI_V1_PROT	0x0000003fu	/* what an MTA offering 0 means */
#define SMFIP_NR_MASK	(SMFIP_NR_HDR | SMFIP_NR_CONN | SMFIP_NR_HELO | \
			 SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | \
			 SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY)

/* Macro stages of SMFIR_SETSYMLIST (mfapi.h SMFIM_*). */
#define SMFIM_CONNECT	0
#define SMFIM_HELO	1
#define SMFIM_ENVFROM	2
#define SMFIM_ENVRCPT	3
#define SMFIM_DATA	4
#define SMFIM_EOM	5
#define SMFIM_EOH	6
#define MILTER_SYMLISTS	7

/* Errors (negative, so a count or 0 can share a return value). */
enum milter_err {
	MILTER_OK = 0,
	MILTER_E_LENGTH = -1,	/* a packet of length 0 (no command) */
	MILTER_E_TOOBIG = -2,	/* a payload over MILTER_DATA_MAX */
	MILTER_E_NOMEM = -3,
	MILTER_E_SHORT = -4,	/* a number or field cut off */
	MILTER_E_STRING = -5,	/* a string without its NUL */
	MILTER_E_MACROS = -6,	/* over MILTER_MACROS_MAX, or a lone name */
	MILTER_E_ARGS = -7,	/* no <addr>, or over MILTER_ARGS_MAX */
	MILTER_E_FAMILY = -8,	/* an unknown address family */
	MILTER_E_ADDRESS = -9,	/* an inet/inet6 address that is not one */
	MILTER_E_COMMAND = -10,	/* an unknown command byte */
	MILTER_E_VERSION = -11,	/* the MTA speaks a version below 2 */
	MILTER_E_ACTIONS = -12,	/* the MTA cannot grant the actions needed */
	MILTER_E_ORDER = -13,	/* a command before option negotiation */
	MILTER_E_REPLY = -14,	/* a reply or action not allowed here */
	MILTER_E_OUTPUT = -15,	/* the output buffer is full */
};

/* A short English text for a MILTER_E_* code. */
const char *milter_strerror(int err);

/*
 * The decoder: bytes in any pieces, complete packets out.
 */
struct milter_packet {
	char cmd;
	const unsigned char *data;	/* len bytes, then a NUL not counted */
	size_t len;
};

struct milter_decoder {
	/* private */
	unsigned char head[MILTER_LEN_BYTES + 1];
	size_t head_len;
	unsigned char *buf;	/* the payload being assembled */
	size_t cap;
	size_t need;		/* payload bytes of the current packet */
	size_t have;
	int err;		/* sticky MILTER_E_* once failed */
};

void milter_decoder_init(struct milter_decoder *d);
void milter_decoder_free(struct milter_decoder *d);

/* Consume bytes from *p (*n of them) until a packet is complete or the
 * input is used up; *p and *n are advanced past what was consumed.
 * Returns 1 with *pkt set when a packet is complete (borrowed until the
 * next call), 0 when all input was consumed without completing one, or a
 * MILTER_E_* code, for good: the connection is to be dropped. */
int milter_decoder_feed(struct milter_decoder *d, const unsigned char **p,
			size_t *n, struct milter_packet *pkt);

/* 1 when bytes of an incomplete packet are held. */
int milter_decoder_partial(const struct milter_decoder *d);

/*
 * Parsed commands.  Every pointer points into the packet, so a command
 * lives as long as its packet.
 */
struct milter_optneg {
	uint32_t version;
	uint32_t actions;	/* SMFIF_* the MTA offers */
	uint32_t protocol;	/* SMFIP_* the MTA offers */
};

struct milter_macro {
	const char *name;	/* "{auth_authen}", or one letter: "i" */
	const char *value;
};

struct milter_macros {
	char stage;		/* the command they are for: 'C', 'M', ... */
	size_t count;
	struct milter_macro list[MILTER_MACROS_MAX];
};

struct milter_connect {
	const char *hostname;	/* the client's name, or "[192.0.2.1]" */
	char family;		/* SMFIA_* */
	uint16_t port;		/* host order; 0 for SMFIA_UNKNOWN */
	const char *address;	/* as sent, Sendmail's "IPv6:" removed;
				   "" for SMFIA_UNKNOWN */
	unsigned char addr[16];	/* inet: 4 bytes, inet6: 16, network order */
	int v4mapped;		/* inet6 ::ffff:a.b.c.d: addr[12..15] is it */
};

struct milter_args {
	size_t argc;		/* >= 1 */
	const char *argv[MILTER_ARGS_MAX];	/* "<addr>", then "SIZE=10" ... */
};

struct milter_header {
	const char *name;
	const char *value;
};

struct milter_body {
	const unsigned char *data;
	size_t len;
};

struct milter_cmd {
	char cmd;		/* SMFIC_* */
	union {
		struct milter_optneg optneg;	/* 'O' */
		struct milter_macros macros;	/* 'D' */
		struct milter_connect connect;	/* 'C' */
		const char *helo;		/* 'H' */
		struct milter_args args;	/* 'M', 'R' */
		struct milter_header header;	/* 'L' */
		struct milter_body body;	/* 'B', 'E' */
		const char *unknown;		/* 'U' */
	} u;			/* nothing for 'A' 'K' 'N' 'Q' 'T' */
};

/* Parse a packet.  Returns 0, or a MILTER_E_* code.  Payload bytes after
 * the fields of 'O', and any payload of 'A' 'K' 'N' 'Q' 'T', are ignored
 * as libmilter does. */
int milter_parse(const struct milter_packet *pkt, struct milter_cmd *c);

/*
 * Option negotiation.
 */
struct milter_want {
	uint32_t actions;	/* SMFIF_* we cannot do without */
	int headers;		/* we need the headers (to delete some) */
	uint32_t noreply;	/* SMFIP_NR_* we would rather not answer */
	int symlist;		/* we send per-stage macro lists if we can */
};

struct milter_negotiated {
	uint32_t version;	/* min(MTA's, 6) */
	uint32_t actions;	/* what we send: the wanted actions, plus
				   SMFIF_SETSYMLIST when granted */
	uint32_t protocol;	/* the SMFIP_* we send */
	int symlist;		/* we may (and so will) send macro lists */
	uint32_t mta_actions;	/* the MTA's offer, 0 read as the v1 set */
	uint32_t mta_protocol;
};

/* Compute our answer to the MTA's offer, as libmilter's st_optionneg
 * does.  Returns 0, MILTER_E_VERSION (below 2) or MILTER_E_ACTIONS (an
 * action in want->actions not offered).  Steps we do not need are asked
 * away when the MTA knows the flag (SMFIP_NOBODY, NOEOH, NODATA,
 * NOUNKNOWN, and NOHDRS unless want->headers), NOHELO never; NR_* only
 * the wanted ones the MTA offers, and only with version 6 (NR_HDR with
 * any). */
int milter_negotiate(const struct milter_optneg *mta,
		     const struct milter_want *want,
		     struct milter_negotiated *out);

/*
 * The encoder: each function appends one packet to out and returns 0, or
 * -1 when out's sticky error is set (it fills up or memory runs out).
 */

/* A reply without payload: SMFIR_CONTINUE, ACCEPT, REJECT, TEMPFAIL,
 * DISCARD, PROGRESS. */
int milter_put_simple(spfc_buf *out, char reply);

/* SMFIR_REPLYCODE with text (see milter_reply_text) and its NUL. */
int milter_put_replycode(spfc_buf *out, const char *text);

/* The OPTNEG reply.  symlist, when not NULL, holds MILTER_SYMLISTS
 * entries (SMFIM_* order), each NULL or a space-separated list of macro
 * names; they follow the three numbers as libmilter sends them (only for
 * a version 6 MTA that granted SMFIF_SETSYMLIST). */
int milter_put_optneg(spfc_buf *out, const struct milter_negotiated *neg,
		      const char *const *symlist);

/* SMFIR_INSHEADER: the header at position idx (0: the top). */
int milter_put_insheader(spfc_buf *out, uint32_t idx, const char *name,
			 const char *value);

/* SMFIR_CHGHEADER: the idx-th (from 1) header called name; an empty or
 * NULL value deletes it. */
int milter_put_chgheader(spfc_buf *out, uint32_t idx, const char *name,
			 const char *value);

/*
 * The reply-text builder: "CODE X.Y.Z text" for SMFIR_REPLYCODE, made
 * safe for both MTAs.  verdict is SMFIR_REJECT or SMFIR_TEMPFAIL; rcode
 * three digits whose first is 5 or 4 to match; xcode an enhanced code of
 * the same class ("5.7.23"), or NULL for 5.7.1 / 4.7.1 (Postfix refuses a
 * REPLYCODE without one).  The text (len bytes, any bytes) is rewritten:
 * '%' doubled (libmilter texts are formats), CR, LF, NUL and other
 * control bytes become spaces, bytes over 0x7e become '?', and it is cut
 * to MILTER_REPLY_TEXT_MAX bytes, never in the middle of a "%%".  The
 * result replaces out's contents.  Returns 0, or MILTER_E_REPLY for a
 * verdict, code or enhanced code that does not fit.
 */
int milter_reply_text(spfc_buf *out, char verdict, const char *rcode,
		      const char *xcode, const char *text, size_t len);

#endif
