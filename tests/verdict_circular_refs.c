/* verdict_circular_refs.c — the circular_refs verdict on synthetic runs:
 * article-like numbers pass, numbers that refute the claim fail, a skipped
 * variant leaves its checks missing. */
#include "pf_test.h"

extern const struct pf_case pf_case_circular_refs;

#define MiB (1024.0 * 1024.0)

/* fill: a quick-scale run like this machine's (threading OOM at the 2 GiB limit) */
static void fill_loky(struct pf_fake *f, bool loky)
{
	fake_init(f, &pf_case_circular_refs, PF_QUICK);
	fake_outcome(f, "py_threading", PF_OUT_OOM, "killed by the OOM killer in its memory cgroup: Killed");
	fake_metric(f, "py_threading", "oom_kills", 1);
	fake_metric(f, "py_threading", "peak_rss", 2040 * MiB);
	fake_metric(f, "py_threading", "peak_cg", 2048 * MiB);
	fake_metric(f, "py_threading", "rss_before_tasks", 100 * MiB);
	fake_metric(f, "py_threading", "held_peak", 1900 * MiB);
	fake_metric(f, "py_threading_gc", "peak_rss", 160 * MiB);
	fake_metric(f, "py_threading_gc", "peak_cg", 150 * MiB);
	fake_metric(f, "py_threading_gc", "rss_before_tasks", 100 * MiB);
	if (!loky) {
		fake_outcome(f, "py_loky", PF_OUT_SKIPPED, "psutil not importable");
	} else {
		fake_metric(f, "py_loky", "loky_held_at_collect_min", 302e6);
		fake_metric(f, "py_loky", "loky_held_at_collect_max", 436e6);
		fake_metric(f, "py_loky", "loky_bound_held", 500e6);
		fake_metric(f, "py_loky", "loky_tasks_per_collection", 21);
		fake_metric(f, "py_loky", "loky_collections", 6);
		fake_metric(f, "py_loky", "held_peak_per_worker", 436e6);
	}
	fake_metric(f, "model_cycles", "held_peak", 233 * 2 * MiB);
	fake_metric(f, "model_cycles", "tasks_per_collection", 233);
	fake_metric(f, "model_collect_per_task", "held_peak", 2 * MiB);
	fake_metric(f, "model_collect_per_task", "array_bytes", 2 * MiB);
	fake_metric(f, "model_weakref", "held_peak", 2 * MiB);
	fake_metric(f, "model_weakref", "array_bytes", 2 * MiB);
}

/* XGBoost as measured here (python3-xgboost 1.7.4): the article's refcounts,
 * threading OOM-killed at its 128 MiB limit, the fixes complete, and the
 * multiprocessing backend timed out after two OOM kills of its workers. */
static void fill_xgb(struct pf_fake *f)
{
	static const char *const keys[] = { "qdm_data_delta", "qdm_label_delta", "qdm_data_delta_gc",
					    "qdm_label_delta_gc", "dmatrix_data_delta", "dmatrix_label_delta" };
	static const double vals[] = { 1, 1, 0, 0, 0, 0 };
	struct pf_result *mp;

	for (int i = 0; i < 6; i++)
		fake_metric(f, "py_xgb_refcount", keys[i], vals[i]);
	fake_outcome(f, "py_xgb_threading", PF_OUT_OOM, "killed by the OOM killer in its memory cgroup: Killed");
	fake_metric(f, "py_xgb_threading", "oom_kills", 1);
	fake_metric(f, "py_xgb_threading", "tasks_done", 33);
	fake_metric(f, "py_xgb_threading_gc", "oom_kills", 0);
	fake_metric(f, "py_xgb_loky", "oom_kills", 0);
	fake_outcome(f, "py_xgb_multiprocessing", PF_OUT_TIMEOUT, "no exit after 30 s: a hang; process group killed");
	fake_metric(f, "py_xgb_multiprocessing", "oom_kills", 2);
	mp = fake_variant(f, "py_xgb_multiprocessing");
	pf_result_add_text(mp, "hang_wchan", "100 python3: futex_do_wait anon_pipe_read; 101 python3: anon_pipe_read");
}

static void fill(struct pf_fake *f)
{
	fill_loky(f, true);
	fill_xgb(f);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	/* the article's picture: reproduced */
	fill(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "py_threading oom-killed under the limit") == PF_PASS);
	CHECK(check_state_of(&v, "loky collects only past 300 MB") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the pathology completed under the limit: not reproduced */
	fill(&f);
	fake_outcome(&f, "py_threading", PF_OUT_OK, "");
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "py_threading oom-killed under the limit") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the fix grew as much as the pathology: not reproduced */
	fill(&f);
	fake_metric(&f, "py_threading_gc", "peak_rss", 1500 * MiB);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "peak growth pathology / fix") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* loky collecting below its threshold (say after every task): the rule is refuted */
	fill(&f);
	fake_metric(&f, "py_loky", "loky_held_at_collect_min", 16 * MiB);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "loky collects only past 300 MB") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* loky holding far more than 300 MB + one check interval */
	fill(&f);
	fake_metric(&f, "py_loky", "loky_held_at_collect_max", 1500e6);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "loky held <= rule's bound") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* loky OOM-killed */
	fill(&f);
	fake_outcome(&f, "py_loky", PF_OUT_OOM, "a process was OOM-killed in its cgroup");
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the model collecting at a period that does not follow the threshold */
	fill(&f);
	fake_metric(&f, "model_cycles", "tasks_per_collection", 40);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "model tasks per collection") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* loky skipped (no psutil): its checks are missing, the rest still decides */
	fill_loky(&f, false);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "loky collects only past 300 MB") == PF_MISSING);
	CHECK(check_state_of(&v, "py_loky completes under the limit") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* XGBoost's cycle gone (a fixed release): the refcount claim fails */
	fill(&f);
	fake_metric(&f, "py_xgb_refcount", "qdm_data_delta", 0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "QuantileDMatrix: data +1 reference") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the XGBoost program completed on threading: refuted */
	fill(&f);
	fake_outcome(&f, "py_xgb_threading", PF_OUT_OK, "");
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "py_xgb_threading oom-killed under the limit") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the hang is reported, not judged: its wait channels are in the check */
	fill(&f);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "py_xgb_multiprocessing: how it ends") == PF_INFO);
	for (int i = 0; i < v.nchecks; i++)
		if (!strcmp(v.checks[i].name, "py_xgb_multiprocessing: how it ends"))
			CHECK(strstr(v.checks[i].detail, "anon_pipe_read") != NULL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* no memory cgroup (non-root): a variant that ended without oom_kills
	 * leaves "oom-killed" missing, never failed */
	fill_loky(&f, true);
	fill_xgb(&f);
	for (size_t i = 0; i < f.run.nresults; i++) {
		struct pf_result *r = &f.results[i];

		for (size_t k = 0; k < r->nmetrics; k++)
			if (!strcmp(r->metrics[k].key, "oom_kills"))
				r->metrics[k].key[0] = '_';	/* as if never measured */
	}
	fake_outcome(&f, "py_xgb_threading", PF_OUT_FAILED, "MemoryError");
	pf_result_add_text(fake_variant(&f, "py_xgb_threading"), "containment", "cgroup v1 needs root");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "py_xgb_threading oom-killed under the limit") == PF_MISSING);
	CHECK(check_state_of(&v, "py_threading oom-killed under the limit") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* xgboost missing: its variants SKIPPED with the reason, their checks missing */
	fill_loky(&f, true);
	for (size_t i = 0; i < f.run.nresults; i++)
		if (!strncmp(f.results[i].variant->name, "py_xgb_", 7))
			fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED,
				     "xgboost not importable; install python3-xgboost");
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "QuantileDMatrix: data +1 reference") == PF_MISSING);
	CHECK(check_state_of(&v, "py_xgb_multiprocessing: how it ends") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* everything skipped (no python3): SKIPPED */
	fake_init(&f, &pf_case_circular_refs, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "not here");
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);

	return TEST_DONE();
}
