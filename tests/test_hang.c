/* test_hang.c — a variant that hangs (a parent and its child both blocked in
 * read(2) of a pipe nobody writes) is ended at its timeout as `timeout`, and
 * the harness recorded, before the kill, the wait channel of both processes
 * (text hang_wchan) and the per-thread record <variant>.hang.txt.  The stall
 * rule (pf_variant.stall_s): the same hang with a stall_s is ended by it long
 * before its timeout, and says so; a child that spins is never "stalled", only
 * timed out. */
#define _GNU_SOURCE
#include "pf_test.h"

#include <stdlib.h>
#include <unistd.h>

/* Both processes block reading a pipe whose write end they also hold open. */
static int hang(struct pf_ctx *ctx)
{
	int p[2];
	char c;

	(void)ctx;
	if (pipe(p) < 0)
		return PF_FAILED;
	(void)fork();
	(void)read(p[0], &c, 1);
	return PF_FAILED;
}

/* Busy until killed: it makes progress, so it is never stalled. */
static int spin(struct pf_ctx *ctx)
{
	volatile unsigned long x = 0;

	(void)ctx;
	for (;;)
		x++;
	return PF_FAILED;
}

static const struct pf_variant variants[] = {
	{ .name = "hang", .role = PF_PATHOLOGY, .run = hang, .summary = "blocks in read(2)",
	  .flags = PF_V_NO_COUNTERS | PF_V_NO_PIN },
	{ .name = "stall", .role = PF_PATHOLOGY, .run = hang, .summary = "blocks in read(2), with a stall rule",
	  .flags = PF_V_NO_COUNTERS | PF_V_NO_PIN, .stall_s = 0.3 },
	{ .name = "spin", .role = PF_PATHOLOGY, .run = spin, .summary = "spins, with a stall rule",
	  .flags = PF_V_NO_COUNTERS | PF_V_NO_PIN, .stall_s = 0.3 },
	{ .name = NULL },
};
static const struct pf_param params[] = { { .name = NULL } };
static const struct pf_case hang_case = {
	.name = "test_hang", .title = "hang", .claim = "-", .params = params, .variants = variants,
};

int main(void)
{
	char dir[] = "/tmp/pf-test-hang-XXXXXX", *file;
	struct pf_result r;
	struct pf_job job = {
		.c = &hang_case, .v = &variants[0], .scale = PF_SMOKE, .reps = 1, .params = NULL,
		.timeout = 1.0, .interval = 0.05, .casedir = dir, .shm_size = 16 * PF_MiB,
	};
	const char *w;

	if (!mkdtemp(dir))
		return 77;
	job.cpus = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(pf_topo()));
	pf_run_variant(&job, &r);
	CHECK(r.outcome == PF_OUT_TIMEOUT);
	w = pf_get_text(&r, "hang_wchan");
	CHECK(w != NULL);
	/* two processes, each named with its wait channel: "pid comm: wchan; pid comm: wchan" */
	CHECK(w && strchr(w, ';') != NULL);
	CHECK(w && strstr(w, "pipe_read") != NULL);	/* pipe_read / anon_pipe_read, by kernel */
	file = pf_xasprintf("%s/hang.hang.txt", dir);
	CHECK(access(file, R_OK) == 0);
	free(file);
	pf_result_free(&r);

	/* the stall rule ends the hang, though its timeout is a minute away */
	job.v = &variants[1];
	job.timeout = 60;
	pf_run_variant(&job, &r);
	CHECK(r.outcome == PF_OUT_TIMEOUT);
	CHECK(strstr(r.reason, "no progress") != NULL);
	CHECK(pf_get_text(&r, "hang_wchan") != NULL);	/* the hang's record, as at a timeout */
	pf_result_free(&r);

	/* a busy child makes progress: its timeout ends it, not the stall rule */
	job.v = &variants[2];
	job.timeout = 1.0;
	pf_run_variant(&job, &r);
	CHECK(r.outcome == PF_OUT_TIMEOUT);
	CHECK(strstr(r.reason, "no exit after") != NULL);
	pf_result_free(&r);
	hwloc_bitmap_free(job.cpus);
	(void)pf_rm_rf(dir);
	return TEST_DONE();
}
