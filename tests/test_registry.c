/* test_registry.c — the registry's self-test: every case's declarations are
 * valid (claims name variants that exist, bounds say where they come from,
 * needs name parameters), and a typo'd claim is caught. */
#include "pf_test.h"

int main(void)
{
	char err[512];

	CHECK(pf_ncases > 0);
	for (size_t i = 0; i < pf_ncases; i++) {
		int rc = pf_case_validate(pf_cases[i], err, sizeof(err));

		if (rc)
			fprintf(stderr, "%s\n", err);
		CHECK(rc == 0);
	}
	{
		static const struct pf_variant vars[] = {
			{ .name = "a", .role = PF_PATHOLOGY, .summary = "s", .run = (int (*)(struct pf_ctx *))1 },
			{ .name = NULL },
		};
		static const struct pf_claim typo[] = {
			{ .name = "x", .kind = PF_K_COUNT, .a = "b/key", .op = PF_OP_GE, .bound = "b" },
			{ .name = NULL },
		};
		static const struct pf_claim nobound[] = {
			{ .name = "x", .kind = PF_K_COUNT, .a = "a/key", .op = PF_OP_GE },
			{ .name = NULL },
		};
		struct pf_case c = { .name = "t", .title = "t", .claim = "c", .variants = vars, .claims = typo };

		CHECK(pf_case_validate(&c, err, sizeof(err)) < 0 && strstr(err, "no variant 'b'"));
		c.claims = nobound;
		CHECK(pf_case_validate(&c, err, sizeof(err)) < 0 && strstr(err, "bound"));
	}
	return TEST_DONE();
}
