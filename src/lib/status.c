/*
 * status.c - names of statuses, results, record types and DNS outcomes.
 *
 * Pure lookup tables; cannot fail (unknown values get a fixed string).
 */
#include <spfc/resolver.h>
#include <spfc/spfc.h>

const char *spfc_strerror(spfc_status st)
{
	switch (st) {
	case SPFC_OK: return "success";
	case SPFC_ENOMEM: return "out of memory";
	case SPFC_EINVAL: return "invalid argument";
	case SPFC_ESYNTAX: return "syntax error";
	case SPFC_ELIMIT: return "limit exceeded";
	case SPFC_EIO: return "input/output error";
	case SPFC_ERESOLVER: return "resolver error";
	}
	return "unknown error";
}

const char *spfc_result_name(spfc_result r)
{
	switch (r) {
	case SPFC_NONE: return "none";
	case SPFC_NEUTRAL: return "neutral";
	case SPFC_PASS: return "pass";
	case SPFC_FAIL: return "fail";
	case SPFC_SOFTFAIL: return "softfail";
	case SPFC_TEMPERROR: return "temperror";
	case SPFC_PERMERROR: return "permerror";
	}
	return "none";
}

const char *spfc_result_title(spfc_result r)
{
	switch (r) {
	case SPFC_NONE: return "None";
	case SPFC_NEUTRAL: return "Neutral";
	case SPFC_PASS: return "Pass";
	case SPFC_FAIL: return "Fail";
	case SPFC_SOFTFAIL: return "SoftFail";
	case SPFC_TEMPERROR: return "TempError";
	case SPFC_PERMERROR: return "PermError";
	}
	return "None";
}

const char *spfc_rrtype_name(spfc_rrtype t)
{
	switch (t) {
	case SPFC_RR_A: return "A";
	case SPFC_RR_CNAME: return "CNAME";
	case SPFC_RR_PTR: return "PTR";
	case SPFC_RR_MX: return "MX";
	case SPFC_RR_TXT: return "TXT";
	case SPFC_RR_AAAA: return "AAAA";
	}
	return "TYPE?";
}

const char *spfc_dns_rcode_name(spfc_dns_rcode rc)
{
	switch (rc) {
	case SPFC_DNS_OK: return "ok";
	case SPFC_DNS_NODATA: return "no data";
	case SPFC_DNS_NXDOMAIN: return "NXDOMAIN";
	case SPFC_DNS_SERVFAIL: return "server failure";
	case SPFC_DNS_TIMEOUT: return "time-out";
	}
	return "unknown";
}
