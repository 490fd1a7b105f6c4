/*
 * ref_constants.c - libmilter's values of the constants in constants.h,
 * from its installed headers (libmilter-dev); nothing of libmilter is
 * linked.
 */
#include <libmilter/mfapi.h>

#include "constants.h"

extern const long milter_ref_values[];
const long milter_ref_values[] = {
#define X(name) (long)(name),
	MILTER_CONSTANTS
#undef X
};
