/* test_bench.c — pf_bench_group's sequential rounds: blocks of
 * `repetitions` rounds, and more blocks only while a timing claim of the case
 * on two of the group's arms is undecided, up to max_repetitions; the arms
 * report how many looks were planned.  The arms return fixed seconds (manual
 * time): the decision is the data's, not this machine's speed. */
#include "pf_test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static const struct pf_claim claims[] = {
	{ .name = "slow beats fast", .kind = PF_K_TIMING, .a = "v/slow.time", .over = "v/fast.time",
	  .op = PF_OP_GE, .lo = 1.2, .bound = "test" },
	{ .name = NULL },
};
static const struct pf_variant variants[] = { { .name = "v", .role = PF_PATHOLOGY }, { .name = NULL } };
static const struct pf_case the_case = { .name = "seq", .variants = variants, .claims = claims };

struct arm {
	int calls;
	double base, alt;	/* seconds returned: base, or alt every other call (0: never) */
};

static double run_arm(void *p)
{
	struct arm *a = p;

	return a->calls++ % 2 && a->alt > 0 ? a->alt : a->base;
}

/* The arms' calls after one group of 10-round blocks, up to 30 rounds. */
static void group(struct pf_ctx *ctx, struct arm *slow, struct arm *fast)
{
	struct pf_bench_arm arms[2] = { { "slow", run_arm, slow }, { "fast", run_arm, fast } };
	struct pf_bench_opts o = { .iterations = 1, .manual_time = true, .skip_warmup = true,
				   .repetitions = 10, .max_repetitions = 30 };

	CHECK(pf_bench_group(ctx, arms, 2, &o, NULL) == 0);
}

int main(void)
{
	char dir[] = "/tmp/pf-test-bench-XXXXXX";
	struct pf_ctx ctx = { .c = &the_case, .v = &variants[0], .scale = PF_QUICK, .reps = 10 };
	struct arm slow = { .base = 2.0 }, fast = { .base = 1.0 };

	CHECK(mkdtemp(dir) != NULL);
	snprintf(ctx.outdir, sizeof(ctx.outdir), "%s", dir);
	ctx.fd = open("/dev/null", O_WRONLY);

	/* 2x, every round: decided at the first look, 10 rounds */
	group(&ctx, &slow, &fast);
	CHECK(slow.calls == 10 && fast.calls == 10);

	/* 1.05x and 1.35x by turns against a 1.2 bound: undecided, every block */
	slow = (struct arm){ .base = 1.05, .alt = 1.35 };
	fast = (struct arm){ .base = 1.0 };
	group(&ctx, &slow, &fast);
	CHECK(slow.calls == 30 && fast.calls == 30);

	/* at smoke scale timing is not judged: one block */
	ctx.scale = PF_SMOKE;
	slow = (struct arm){ .base = 1.05, .alt = 1.35 };
	fast = (struct arm){ .base = 1.0 };
	group(&ctx, &slow, &fast);
	CHECK(slow.calls == 10);

	close(ctx.fd);
	CHECK(pf_rm_rf(dir) == 0);
	return TEST_DONE();
}
