/* test_parse.c — the user's words: sizes, counts, durations, cpu lists, scales,
 * close matches. Strict: a value parses whole or is rejected. */
#include "pf_test.h"

static bool parses(const char *s, enum pf_unit u, double want)
{
	char err[256];
	double v = -1;

	return pf_parse_value(s, u, &v, err, sizeof(err)) == 0 && v == want;
}

static bool rejects(const char *s, enum pf_unit u, const char *in_message)
{
	char err[256] = "";
	double v;

	return pf_parse_value(s, u, &v, err, sizeof(err)) < 0 && strstr(err, in_message);
}

int main(void)
{
	char err[256], m[256];
	unsigned char set[64];
	int n;
	enum pf_scale sc;

	/* sizes: the three must parse, 8XB must not */
	CHECK(parses("8GiB", PF_BYTES, 8 * PF_GiB));
	CHECK(parses("1e9", PF_BYTES, 1e9));
	CHECK(parses("512M", PF_BYTES, 512 * PF_MiB));
	CHECK(rejects("8XB", PF_BYTES, "unknown unit 'XB'"));
	CHECK(parses("1GB", PF_BYTES, 1e9));
	CHECK(parses("1.5K", PF_BYTES, 1536));
	CHECK(parses("4096", PF_BYTES, 4096));
	CHECK(parses("2TiB", PF_BYTES, 2 * 1024 * PF_GiB));
	CHECK(rejects("", PF_BYTES, "empty"));
	CHECK(rejects("GiB", PF_BYTES, "not a number"));
	CHECK(rejects("-1G", PF_BYTES, "negative"));
	CHECK(rejects("0x10", PF_BYTES, "not a number"));
	CHECK(rejects("8 GiB", PF_BYTES, "unknown unit"));
	CHECK(rejects("1e999", PF_BYTES, "not a number"));
	CHECK(rejects("nan", PF_BYTES, "not a number"));
	CHECK(rejects("inf", PF_COUNT, "not a number"));
	/* counts: decimal suffixes, whole numbers only */
	CHECK(parses("1e9", PF_COUNT, 1e9));
	CHECK(parses("10k", PF_COUNT, 1e4));
	CHECK(parses("5M", PF_COUNT, 5e6));
	CHECK(rejects("1.5", PF_COUNT, "whole"));
	CHECK(rejects("3GiB", PF_COUNT, "unknown unit"));
	/* durations */
	CHECK(parses("300ms", PF_SECONDS, 0.3));
	CHECK(parses("2", PF_SECONDS, 2));
	CHECK(parses("1m", PF_SECONDS, 60));
	CHECK(rejects("2days", PF_SECONDS, "unknown unit"));

	/* cpu lists */
	CHECK(pf_parse_cpulist("0-1", 1, set, &n, err, sizeof(err)) == 0 && n == 2 && set[0] && set[1]);
	CHECK(pf_parse_cpulist("0,2-3", 3, set, &n, err, sizeof(err)) == 0 && n == 3 && !set[1] && set[3]);
	CHECK(pf_parse_cpulist("1,1", 3, set, &n, err, sizeof(err)) == 0 && n == 1);
	CHECK(pf_parse_cpulist("5", 1, set, &n, err, sizeof(err)) < 0 && strstr(err, "cpu 5 does not exist"));
	CHECK(pf_parse_cpulist("1-0", 3, set, &n, err, sizeof(err)) < 0 && strstr(err, "backwards"));
	CHECK(pf_parse_cpulist("a", 3, set, &n, err, sizeof(err)) < 0 && strstr(err, "bad cpu list 'a'"));
	CHECK(pf_parse_cpulist("0,", 3, set, &n, err, sizeof(err)) < 0);
	CHECK(pf_parse_cpulist("0-", 3, set, &n, err, sizeof(err)) < 0);
	CHECK(pf_parse_cpulist("", 3, set, &n, err, sizeof(err)) < 0);
	CHECK(pf_parse_cpulist("-1", 3, set, &n, err, sizeof(err)) < 0);
	CHECK(pf_parse_cpulist("0;1", 3, set, &n, err, sizeof(err)) < 0);

	/* scales */
	CHECK(pf_parse_scale("smoke", &sc) == 0 && sc == PF_SMOKE);
	CHECK(pf_parse_scale("paper", &sc) == 0 && sc == PF_PAPER);
	CHECK(pf_parse_scale("huge", &sc) < 0);

	/* close matches for "unknown case" messages */
	{
		const char *names[] = { "basel", "broadcast", "slice_memmap", "page_cache" };

		CHECK(pf_edit_distance("basle", "basel") == 2);
		CHECK(pf_edit_distance("", "abc") == 3);
		pf_close_matches("basle", names, 4, m, sizeof(m));
		CHECK(strstr(m, "basel") && !strstr(m, "page_cache"));
		pf_close_matches("slice", names, 4, m, sizeof(m));
		CHECK(strstr(m, "slice_memmap"));
		pf_close_matches("zzzzzz", names, 4, m, sizeof(m));
		CHECK(m[0] == 0);
	}
	/* values print back in the units they were given */
	pf_fmt_value(m, sizeof(m), 8 * PF_GiB, PF_BYTES);
	CHECK(!strcmp(m, "8GiB"));
	pf_fmt_value(m, sizeof(m), 1e9, PF_COUNT);
	CHECK(!strcmp(m, "1e9"));
	return TEST_DONE();
}
