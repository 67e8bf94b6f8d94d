/* verdict_allocator_madvise.c — the allocator_madvise verdict on synthetic
 * measurements: article-like numbers pass, numbers that refute the claim fail,
 * and a skipped jemalloc leaves the verdict SKIPPED (never REPRODUCED). */
#include "pf_test.h"

extern const struct pf_case pf_case_allocator_madvise;

/* The article's picture: eager purging faults every page of every buffer,
 * glibc reuses its heap; eager spends a fifth of its CPU in the kernel. */
static void article_like(struct pf_fake *f)
{
	fake_init(f, &pf_case_allocator_madvise, PF_QUICK);
	fake_metric(f, "jemalloc_eager", "faults_per_gib", 262144);
	fake_metric(f, "jemalloc_eager", "sys_share", 0.20);
	fake_metric(f, "jemalloc_eager", "copy_loop.time_median", 1.10);
	fake_metric(f, "jemalloc_eager", "madvise_dontneed_per_buffer", 1.0);
	fake_metric(f, "jemalloc_eager", "je_opt_dirty_decay_ms", 0);
	fake_metric(f, "jemalloc_default", "faults_per_gib", 262144);
	fake_metric(f, "glibc", "faults_per_gib", 2);
	fake_metric(f, "glibc", "copy_loop.time_median", 1.0);
	fake_metric(f, "jemalloc_decay", "faults_per_gib", 3);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	article_like(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	fake_free(&f);

	/* eager purging costs no more faults than glibc: refuted */
	article_like(&f);
	fake_metric(&f, "glibc", "faults_per_gib", 100000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "eager faults / glibc faults") == PF_FAIL);
	fake_free(&f);

	/* the faults are cheap: 1% of CPU in the kernel, and no win for glibc */
	article_like(&f);
	fake_metric(&f, "jemalloc_eager", "sys_share", 0.01);
	fake_metric(&f, "jemalloc_eager", "copy_loop.time_median", 1.01);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "eager sys share of CPU") == PF_FAIL);
	CHECK(check_state_of(&v, "glibc win over eager") == PF_FAIL);
	fake_free(&f);

	/* the decay setting did not take: the eager run is not what it claims */
	article_like(&f);
	fake_metric(&f, "jemalloc_eager", "je_opt_dirty_decay_ms", 10000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	fake_free(&f);

	/* sane decay still faults like eager: "removes most of it" refuted */
	article_like(&f);
	fake_metric(&f, "jemalloc_decay", "faults_per_gib", 200000);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "sane decay faults / eager") == PF_FAIL);
	fake_free(&f);

	/* no jemalloc on the machine: every jemalloc variant skipped → SKIPPED */
	fake_init(&f, &pf_case_allocator_madvise, PF_QUICK);
	fake_metric(&f, "glibc", "faults_per_gib", 2);
	fake_metric(&f, "glibc", "copy_loop.time_median", 1.0);
	fake_outcome(&f, "jemalloc_eager", PF_OUT_SKIPPED, "jemalloc not found");
	fake_outcome(&f, "jemalloc_default", PF_OUT_SKIPPED, "jemalloc not found");
	fake_outcome(&f, "jemalloc_decay", PF_OUT_SKIPPED, "jemalloc not found");
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	CHECK(check_state_of(&v, "eager faults / glibc faults") == PF_MISSING);
	fake_free(&f);

	return TEST_DONE();
}
