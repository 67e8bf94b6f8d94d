/* test_pool.c — the worker pool: every worker runs with its index, is bound to
 * one core of the allowed set, its exit status is kept, and every worker is
 * reaped on every path (all done, one failed, a timeout that kills the rest). */
#include "pf_test.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int exit_with_index(struct pf_ctx *ctx, int worker, void *arg)
{
	(void)ctx;
	(void)arg;
	return 10 + worker;
}

/* exits 0 when bound to exactly one PU of the allowed set */
static int check_bound(struct pf_ctx *ctx, int worker, void *arg)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	int ok;

	(void)arg;
	ok = hwloc_get_cpubind(pf_topo(), set, HWLOC_CPUBIND_PROCESS) == 0 && hwloc_bitmap_weight(set) == 1 &&
	     hwloc_bitmap_isincluded(set, ctx->cpus);
	hwloc_bitmap_free(set);
	return ok ? 0 : 1;
}

static int hang_unless_first(struct pf_ctx *ctx, int worker, void *arg)
{
	(void)ctx;
	(void)arg;
	if (worker == 0)
		return 0;
	for (;;)
		pause();
}

static bool no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

int main(void)
{
	struct pf_ctx ctx = { .fd = -1 };
	struct pf_pool p;
	double t0;

	if (pf_topo_init() < 0)
		return 1;
	ctx.cpus = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(pf_topo()));

	/* every worker ran with its own index; statuses kept; none left */
	CHECK(pf_pool_start(&p, &ctx, 5, exit_with_index, NULL, 0) == 0);
	CHECK(p.started == 5);
	CHECK(pf_pool_wait(&p, 0) == -1);	/* non-zero exits: the pool says so */
	for (int i = 0; i < 5; i++)
		CHECK(WIFEXITED(p.status[i]) && WEXITSTATUS(p.status[i]) == 10 + i && p.pid[i] == 0);
	pf_pool_free(&p);
	CHECK(no_children());

	/* bound: each worker on one PU of the allowed set (more workers than cores wrap) */
	CHECK(pf_pool_run(&ctx, 2 * pf_ncores(&ctx) + 1, check_bound, NULL, PF_POOL_BIND, 10) == 0);
	CHECK(no_children());

	/* a timeout kills and reaps the hung ones, promptly */
	t0 = pf_now();
	CHECK(pf_pool_start(&p, &ctx, 4, hang_unless_first, NULL, 0) == 0);
	CHECK(pf_pool_wait(&p, 0.2) == -1 && errno == ETIMEDOUT && p.timed_out);
	CHECK(pf_now() - t0 < 5);
	for (int i = 0; i < 4; i++)
		CHECK(p.pid[i] == 0);
	CHECK(WIFEXITED(p.status[0]) && WEXITSTATUS(p.status[0]) == 0);
	for (int i = 1; i < 4; i++)
		CHECK(WIFSIGNALED(p.status[i]) && WTERMSIG(p.status[i]) == SIGKILL);
	pf_pool_free(&p);
	CHECK(no_children());

	/* freed before waiting (an early return in a case): still all reaped */
	CHECK(pf_pool_start(&p, &ctx, 3, hang_unless_first, NULL, 0) == 0);
	pf_pool_free(&p);
	CHECK(no_children());

	hwloc_bitmap_free(ctx.cpus);
	return TEST_DONE();
}
