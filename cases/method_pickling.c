/* method_pickling.c — placeholder until the case is written: every variant is SKIPPED
 * with the reason below, never faked. */
#include "pitfalls.h"

#include <stdio.h>

static int supported(char *why, size_t len)
{
	snprintf(why, len, "case not implemented yet");
	return -1;
}

static const struct pf_variant variants[] = {
	{ .name = "pending", .role = PF_BASELINE, .summary = "not implemented yet" },
	{ .name = NULL },
};

const struct pf_case pf_case_method_pickling = {
	.name = "method_pickling",
	.title = "not implemented yet",
	.source = "",
	.claim = "",
	.seed_figure = "",
	.variants = variants,
	.supported = supported,
};
