/* verdict_page_cache.c — the page_cache verdict on synthetic measurements:
 * REPRODUCED on article-like numbers, NOT REPRODUCED when eviction does not
 * drop the disk file or when the re-read is not slower, SKIPPED without data. */
#include "pf_test.h"

extern const struct pf_case pf_case_page_cache;

/* One (disk, tmpfs) pair as the article saw it (times scaled from 10.99 s / 3.83 s). */
static void pair(struct pf_fake *f, const char *disk, const char *tmpfs, double disk_evict,
		 double disk_t, double tmpfs_t)
{
	fake_metric(f, disk, "file_bytes", 512 * PF_MiB);
	fake_metric(f, disk, "read_ahead", 8 * PF_MiB);
	fake_metric(f, disk, "reread_bytes", 256 * PF_MiB);
	fake_metric(f, disk, "resident_after_write", 1.0);
	fake_metric(f, disk, "resident_after_evict", disk_evict);
	fake_metric(f, disk, "resident_after_reread", disk_evict > 0.5 ? 1.0 : 0.51);
	fake_metric(f, tmpfs, "resident_after_write", 1.0);
	fake_metric(f, tmpfs, "resident_after_evict", 1.0);
	/* the timing evidence: interleaved in one process (C, and the Python original) */
	fake_reps(f, strstr(disk, "_py") ? "interleaved_py" : "interleaved", "disk.time", disk_t, 9);
	fake_reps(f, strstr(disk, "_py") ? "interleaved_py" : "interleaved", "tmpfs.time", tmpfs_t, 9);
	fake_reps(f, strstr(disk, "_py") ? "interleaved_py" : "interleaved", "disk_warm.time", 0.20, 9);
}

static void article_c(struct pf_fake *f)
{
	fake_init(f, &pf_case_page_cache, PF_QUICK);
	pair(f, "disk", "tmpfs", 0.0, 0.69, 0.24);
}

static void article(struct pf_fake *f)
{
	article_c(f);
	pair(f, "disk_py", "tmpfs_py", 0.0, 0.70, 0.25);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	/* the article's numbers */
	article(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* fadvise did not drop the disk file (some filesystems): NOT REPRODUCED, said with numbers */
	article(&f);
	fake_metric(&f, "disk", "resident_after_evict", 0.97);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "disk: eviction drops the file's cache") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the evicted disk file re-reads as fast as tmpfs: NOT REPRODUCED at quick */
	article(&f);
	fake_reps(&f, "interleaved", "disk.time", 0.25, 9);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "re-read: evicted disk file / tmpfs file") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the same at smoke: timing recorded, not judged; the rest decides */
	article(&f);
	f.run.scale = PF_SMOKE;
	fake_reps(&f, "interleaved", "disk.time", 0.25, 9);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "re-read: evicted disk file / tmpfs file") == PF_INFO);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a slowdown near the bound with a wide spread cannot decide: INCONCLUSIVE */
	article(&f);
	{
		/* around 1.3× the tmpfs re-read's 0.24 s, spread ±40% */
		static const double d[9] = { 0.20, 0.45, 0.25, 0.42, 0.30, 0.40, 0.35, 0.33, 0.28 };
		struct pf_series *se = (struct pf_series *)pf_get_series(fake_variant(&f, "interleaved"), "disk.time");

		memcpy(se->v, d, sizeof(d));
	}
	CHECK(fake_verdict(&f, &v) == PF_STATUS_INCONCLUSIVE);
	CHECK(check_state_of(&v, "re-read: evicted disk file / tmpfs file") == PF_INCONCLUSIVE);
	pf_verdict_free(&v);
	fake_free(&f);

	/* tmpfs lost its pages: NOT REPRODUCED */
	article(&f);
	fake_metric(&f, "tmpfs_py", "resident_after_evict", 0.3);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the re-read cached far more than it read (no eviction really happened) */
	article(&f);
	fake_metric(&f, "disk", "resident_after_reread", 1.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* Python originals skipped: still decided on the C pair */
	article_c(&f);
	fake_outcome(&f, "disk_py", PF_OUT_SKIPPED, "numpy not importable");
	fake_outcome(&f, "tmpfs_py", PF_OUT_SKIPPED, "numpy not importable");
	fake_outcome(&f, "interleaved_py", PF_OUT_SKIPPED, "numpy not importable");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "Python re-read: evicted disk file / tmpfs file") == PF_MISSING);
	CHECK(check_state_of(&v, "disk_py: eviction drops the file's cache") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* every variant skipped: SKIPPED */
	fake_init(&f, &pf_case_page_cache, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "no private /dev/shm");
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
