/* verdict_overhead.c — the instruments' cost verdict on synthetic
 * measurements: costs inside the bounds are REPRODUCED, a clear 5% refutes
 * either bound, noisy repetitions are INCONCLUSIVE (never a refutation), a
 * wrong answer from the timed kernel is a failure, the costs are judged from
 * full scale on (recorded at quick and smoke: their effects sit closer to
 * the bounds than quick's rounds resolve), and the idle variant's figures
 * are reported, not judged.  The sampler is judged on the kernel's stretch;
 * its raw wall time, too noisy to decide, can only refute it. */
#include "pf_test.h"

extern const struct pf_case pf_case_overhead;

#define REPS 18
#define series(f, v, key, center, spread) fake_spread(f, v, key, center, spread, 0.0001, REPS)

/* sampled: the sampled arm's stretch (the unsampled one's is 1.03), and its
 * wall time as much above 0.150 s, unless wall_sampled is given */
static void measured_wall(struct pf_fake *f, enum pf_scale scale, double sampled, double wall_sampled, double watched,
			  double spread, double wall_spread)
{
	fake_init(f, &pf_case_overhead, scale);
	series(f, "sampler_cost", "sampled.stretch", sampled * 1.03, spread);
	series(f, "sampler_cost", "unsampled.stretch", 1.03, spread);
	series(f, "sampler_cost", "sampled.core_stretch", sampled * 1.04, spread);
	series(f, "sampler_cost", "unsampled.core_stretch", 1.04, spread);
	series(f, "sampler_cost", "sampled.time", wall_sampled, wall_spread);
	series(f, "sampler_cost", "unsampled.time", 0.150, wall_spread);
	series(f, "watch_cost", "watched.time", watched, spread);
	series(f, "watch_cost", "bare.time", 0.300, spread);
	fake_metric(f, "sampler_cost", "rel_error", 2e-16);
	fake_metric(f, "watch_cost", "rel_error", 2e-16);
	fake_metric(f, "watch_cost", "watcher_cpu_share", 0.025);
	fake_metric(f, "watch_cost", "watcher_machine_share", 0.0125);
	fake_metric(f, "idle", "sampler_s", 0.012);
	fake_metric(f, "idle", "wall_s", 1.0);
	fake_metric(f, "idle", "wakeup_cpu", 60e-6);
	fake_metric(f, "idle", "wakeup_share", 0.006);
	fake_metric(f, "idle", "wakeup_interval", 0.01);
}

static void measured(struct pf_fake *f, enum pf_scale scale, double sampled, double watched, double spread)
{
	measured_wall(f, scale, sampled, 0.150 * sampled, watched, spread, spread);
}

int main(void)
{
	struct pf_fake f;
	struct pf_verdict v;

	/* 0.2% and 0.5%, tight: both bounds hold */
	measured(&f, PF_FULL, 1.002, 0.3015, 0.001);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "the sampler costs ≤ 1%") == PF_PASS);
	CHECK(check_state_of(&v, "`pitfalls watch` costs ≤ 2%") == PF_PASS);
	CHECK(check_state_of(&v, "the sampler's own CPU") == PF_INFO);
	CHECK(check_state_of(&v, "a bare wake-up at the interval") == PF_INFO);
	CHECK(check_state_of(&v, "`pitfalls watch`'s own CPU") == PF_INFO);
	CHECK(check_state_of(&v, "the sampler's share of the core it runs on") == PF_INFO);
	CHECK(check_state_of(&v, "the kernel's wall time, sampler on / off") == PF_INFO);
	pf_verdict_free(&v);
	fake_free(&f);

	/* the wall time too noisy to decide (10%): the stretch decides */
	measured_wall(&f, PF_FULL, 1.002, 0.1503, 0.3015, 0.001, 0.10);
	CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
	CHECK(check_state_of(&v, "the sampler costs ≤ 1%") == PF_PASS);
	CHECK(check_state_of(&v, "the kernel's wall time, sampler on / off") == PF_INFO);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a wall time clearly 5% slower refutes it, whatever the stretch says */
	measured_wall(&f, PF_FULL, 1.002, 0.1575, 0.3015, 0.001, 0.001);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "the sampler costs ≤ 1%") == PF_PASS);
	CHECK(check_state_of(&v, "the kernel's wall time does not refute it") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a sampler that costs 5% refutes "≤ 1%" */
	measured(&f, PF_FULL, 1.05, 0.3015, 0.001);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "the sampler costs ≤ 1%") == PF_FAIL);
	CHECK(check_state_of(&v, "`pitfalls watch` costs ≤ 2%") == PF_PASS);
	pf_verdict_free(&v);
	fake_free(&f);

	/* a watcher that slows the program by 5% refutes "≤ 2%" */
	measured(&f, PF_FULL, 1.002, 0.315, 0.001);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "`pitfalls watch` costs ≤ 2%") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);

	/* 1% with a 10% spread: the data cannot decide, never a refutation */
	measured(&f, PF_FULL, 1.01, 0.3015, 0.10);
	CHECK(fake_verdict(&f, &v) == PF_STATUS_INCONCLUSIVE);
	CHECK(check_state_of(&v, "the sampler costs ≤ 1%") == PF_INCONCLUSIVE);
	pf_verdict_free(&v);
	fake_free(&f);

	/* at smoke and quick a 5% cost is recorded, not judged */
	for (enum pf_scale sc = PF_SMOKE; sc <= PF_QUICK; sc++) {
		measured(&f, sc, 1.05, 0.315, 0.001);
		CHECK(fake_verdict(&f, &v) == PF_REPRODUCED);
		CHECK(check_state_of(&v, "the sampler costs ≤ 1%") == PF_INFO);
		CHECK(check_state_of(&v, "`pitfalls watch` costs ≤ 2%") == PF_INFO);
		pf_verdict_free(&v);
		fake_free(&f);
	}

	/* a kernel whose sum is wrong timed nothing worth comparing */
	measured(&f, PF_QUICK, 1.002, 0.3015, 0.001);
	fake_metric(&f, "watch_cost", "rel_error", 1e-3);
	CHECK(fake_verdict(&f, &v) == PF_NOT_REPRODUCED);
	CHECK(check_state_of(&v, "the kernel's answer (watched)") == PF_FAIL);
	pf_verdict_free(&v);
	fake_free(&f);
	return TEST_DONE();
}
