/* verdict_slice_memmap.c — the verdict of slice_memmap on synthetic runs: the
 * article's behaviour (a file per task until ENOSPC; 8 / 1 / 1 files for the
 * fixes) passes; numbers that refute it fail; skipped variants leave it open. */
#include "pf_test.h"

extern const struct pf_case pf_case_slice_memmap;

static const char *const pathologies[] = { "per_task_views", "py_per_task_views_loky",
					   "py_per_task_views_mp" };
static const char *const fixes[] = { "reused_slices", "whole_array", "explicit_memmap",
				     "py_reused_slices", "py_whole_array", "py_explicit_memmap" };

/* Forget what `var` measured: it ran ok and measured nothing yet. */
static void reset(struct pf_fake *f, const char *var)
{
	struct pf_result *r = fake_variant(f, var);
	const struct pf_variant *keep = r->variant;

	pf_result_free(r);
	r->variant = keep;
	r->outcome = PF_OUT_OK;
}

/* A pathology that dumped `files` complete slice files; capped: ENOSPC at the cap. */
static void pathology(struct pf_fake *f, const char *var, double files, bool capped)
{
	double array = f->params[pf_param_index(f->run.c, "array")];
	double cap = f->params[pf_param_index(f->run.c, "tmpfs")];
	double slice = array / f->params[pf_param_index(f->run.c, "slices")];

	fake_metric(f, var, "files_created", files + (capped ? 1 : 0));
	fake_metric(f, var, "files_complete", files);
	fake_metric(f, var, "bytes_complete", files * slice);
	fake_metric(f, var, "shm_max", capped ? cap : files * slice);
	fake_metric(f, var, "enospc", capped);
	if (capped) {
		fake_metric(f, var, "shm_at_error", cap);
		fake_outcome(f, var, PF_OUT_FAILED, "OSError: [Errno 28] No space left on device");
	}
}

/* A fix with `files` files and /dev/shm peaking at `shm_x` × the array. */
static void fix(struct pf_fake *f, const char *var, double files, double shm_x)
{
	double array = f->params[pf_param_index(f->run.c, "array")];

	fake_metric(f, var, "array_bytes", array);
	fake_metric(f, var, "files_created", files);
	fake_metric(f, var, "shm_max", shm_x * array);
	if (!strncmp(var, "py_", 3))
		fake_metric(f, var, "files_seen_by_tasks", files);
	if (strstr(var, "explicit"))
		fake_metric(f, var, "freed_bytes", array);
}

/* The article's behaviour at scale s (quick: capped tmpfs; smoke: uncapped). */
static void article(struct pf_fake *f, enum pf_scale s)
{
	double slices, tasks, cap_files;

	fake_init(f, &pf_case_slice_memmap, s);
	slices = f->params[pf_param_index(f->run.c, "slices")];
	tasks = slices * f->params[pf_param_index(f->run.c, "repeats")];
	cap_files = f->params[pf_param_index(f->run.c, "tmpfs")] /
		    (f->params[pf_param_index(f->run.c, "array")] / slices);
	for (int k = 0; k < 3; k++)
		pathology(f, pathologies[k], s == PF_SMOKE ? tasks : cap_files - (k ? 1 : 0), s != PF_SMOKE);
	fix(f, "reused_slices", slices, 1.0);
	fix(f, "py_reused_slices", slices, 1.01);
	for (int k = 1; k < 6; k++)
		if (k != 3)
			fix(f, fixes[k], 1, 1.0);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	/* quick: the article's numbers reproduce it */
	article(&f, PF_QUICK);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "per_task_views: ENOSPC at the /dev/shm cap") == PF_PASS);
	CHECK(check_state_of(&v, "py_whole_array: /dev/shm peak / array") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* smoke: no cap, a file per task, all 160 tasks done */
	article(&f, PF_SMOKE);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "py_per_task_views_mp: files = tasks (no cap)") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* refuted: joblib reuses a file per slice (8 files) and never hits the cap */
	article(&f, PF_QUICK);
	for (int k = 0; k < 3; k++) {
		reset(&f, pathologies[k]);
		fake_metric(&f, pathologies[k], "files_created", 8);
		fake_metric(&f, pathologies[k], "files_complete", 8);
		fake_metric(&f, pathologies[k], "bytes_complete", f.params[pf_param_index(f.run.c, "array")]);
		fake_metric(&f, pathologies[k], "enospc", 0);
		fake_metric(&f, pathologies[k], "shm_at_error", 0);
	}
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "per_task_views: files until the cap, not 8") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* refuted: a fix that still fills /dev/shm (15 × the array) */
	article(&f, PF_QUICK);
	reset(&f, "whole_array");
	fix(&f, "whole_array", 1, 15.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "whole_array: /dev/shm peak / array") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* refuted at smoke: the per-task views share files (20 instead of 40 tasks) */
	article(&f, PF_SMOKE);
	reset(&f, "per_task_views");
	pathology(&f, "per_task_views", 20, false);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* refuted: joblib's dump count disagrees with the files the tasks mapped */
	article(&f, PF_QUICK);
	reset(&f, "py_whole_array");
	fake_metric(&f, "py_whole_array", "files_created", 1);
	fake_metric(&f, "py_whole_array", "files_seen_by_tasks", 3);
	fake_metric(&f, "py_whole_array", "array_bytes", f.params[pf_param_index(f.run.c, "array")]);
	fake_metric(&f, "py_whole_array", "shm_max", f.params[pf_param_index(f.run.c, "array")]);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "py_whole_array: files the tasks mapped = files dumped") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a fix that crashed without measuring refutes it too */
	article(&f, PF_QUICK);
	reset(&f, "py_reused_slices");
	fake_outcome(&f, "py_reused_slices", PF_OUT_FAILED, "Traceback: something else");
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	pf_verdict_free(&v);
	fake_free(&f);

	/* joblib missing: the Python variants skipped, the C ones still decide */
	article(&f, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++) {
		if (!strncmp(f.results[i].variant->name, "py_", 3)) {
			reset(&f, f.results[i].variant->name);
			fake_outcome(&f, f.results[i].variant->name, PF_OUT_SKIPPED, "joblib not importable");
		}
	}
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "py_whole_array: /dev/shm peak / array") == PF_MISSING);
	pf_verdict_free(&v);
	fake_free(&f);

	/* reused_slices made one file per task: the per-slice count fails */
	article(&f, PF_QUICK);
	reset(&f, "reused_slices");
	fix(&f, "reused_slices", 160, 1.0);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "reused_slices: one file per slice object") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* everything skipped (no private /dev/shm): SKIPPED */
	fake_init(&f, &pf_case_slice_memmap, PF_QUICK);
	for (size_t i = 0; i < f.run.nresults; i++)
		fake_outcome(&f, f.run.c->variants[i].name, PF_OUT_SKIPPED, "not root");
	CHECK(fake_verdict(&f, &v) == PF_STATUS_SKIPPED);
	pf_verdict_free(&v);
	fake_free(&f);

	return TEST_DONE();
}
