/*
 * test_constants.c - every protocol constant of codec.h has libmilter's
 * value (ref_constants.c reads them from libmilter-dev's headers).
 */
#include "codec.h"

#include "constants.h"
#include "tap.h"

/* codec.h's names for two of libmilter's. */
#define SMFI_PROT_VERSION MILTER_VERSION_MAX
#define MILTER_MAX_DATA_SIZE MILTER_DATA_MAX

extern const long milter_ref_values[];

static const long ours[] = {
#define X(name) (long)(name),
	MILTER_CONSTANTS
#undef X
};

static const char *const names[] = {
#define X(name) #name,
	MILTER_CONSTANTS
#undef X
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof ours / sizeof ours[0]; i++) {
		if (ours[i] != milter_ref_values[i])
			fprintf(stderr, "%s: 0x%lx, libmilter 0x%lx\n",
				names[i], ours[i], milter_ref_values[i]);
		CHECK(ours[i] == milter_ref_values[i]);
	}
	return DONE();
}
