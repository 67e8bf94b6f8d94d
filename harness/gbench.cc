// gbench.cc — the C shim over Google Benchmark: the only C++ in the suite.
// A case calls pf_bench(); we register one benchmark "<case>/<variant>/<name>",
// run it with repetitions, let Google Benchmark write its own JSON (merged per
// case by the harness) and hand the per-repetition times back to C.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <cerrno>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cstdlib>
#include <vector>

extern "C" {
#include "pitfalls.h"

extern "C" void pf_report_write_failure(struct pf_ctx *ctx, const char *path, int err);
extern "C" int pf_bench_undecided(const struct pf_ctx *ctx, const char *const *names, const double *const *secs,
				  int narms, int n, int looks, const char *figure);
extern "C" int pf_bench_min_block(int looks);
}

namespace {

thread_local benchmark::State *current;

// Per benchmark (by its full name): the seconds per iteration of each
// repetition, in the order they were run.
class Capture : public benchmark::BenchmarkReporter {
public:
	std::vector<std::string> names;
	std::vector<std::vector<double>> seconds;
	std::vector<int64_t> iterations;
	std::string error;

	bool ReportContext(const Context &) override { return true; }
	void ReportRuns(const std::vector<Run> &runs) override
	{
		for (const Run &r : runs) {
			if (r.error_occurred)
				error = r.error_message;
			if (r.run_type != Run::RT_Iteration || r.iterations == 0)
				continue;
			size_t i = 0;
			std::string n = r.run_name.function_name;
			while (i < names.size() && names[i] != n)
				i++;
			if (i == names.size()) {
				names.push_back(n);
				seconds.emplace_back();
				iterations.push_back(0);
			}
			seconds[i].push_back(r.real_accumulated_time / (double)r.iterations);
			iterations[i] = r.iterations;
		}
	}
};

int seq;

struct pf_bench_stats stats_of(const std::vector<double> &v, int64_t iterations)
{
	std::vector<double> s = v;
	std::sort(s.begin(), s.end());
	double sum = 0, sq = 0;
	for (double x : s)
		sum += x;
	double mean = sum / (double)s.size();
	for (double x : s)
		sq += (x - mean) * (x - mean);
	struct pf_bench_stats st;
	st.mean = mean;
	st.median = s.size() % 2 ? s[s.size() / 2] : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2;
	st.stddev = s.size() > 1 ? std::sqrt(sq / (double)(s.size() - 1)) : 0;
	st.min = s.front();
	st.max = s.back();
	st.reps = (int)s.size();
	st.iterations = iterations;
	return st;
}

void report(struct pf_ctx *ctx, const std::string &k, const std::vector<double> &v,
	    const struct pf_bench_stats &st)
{
	pf_series(ctx, (k + ".time").c_str(), v.data(), (int)v.size(), "s");
	pf_metric(ctx, (k + ".time_median").c_str(), st.median, "s");
	pf_metric(ctx, (k + ".time_min").c_str(), st.min, "s");
	pf_metric(ctx, (k + ".time_mean").c_str(), st.mean, "s");
	pf_metric(ctx, (k + ".time_stddev").c_str(), st.stddev, "s");
}

} // namespace

extern "C" void pf_bench_counter(const char *name, double value)
{
	if (current)
		current->counters[name] = value;
}

// One call of Google Benchmark over the arms in the order of `order` (NULL:
// as given), each with `reps` repetitions, its JSON to a file of its own in
// <outdir>/.gbench (merged per case); the runs land in cap.  Google
// Benchmark's own random interleaving stays off (also against its
// environment variable): the order is the caller's.
static void run_round(struct pf_ctx *ctx, const struct pf_bench_arm *arms, const int *order, int narms,
		      const struct pf_bench_opts &o, int reps, const std::string &prefix, Capture &cap,
		      std::vector<std::vector<double>> &figs)
{
	std::string dir = std::string(pf_outdir(ctx)) + "/.gbench";
	char file[64];

	(void)mkdir(dir.c_str(), 0755);
	snprintf(file, sizeof(file), "/%s.%03d.json", pf_variant_name(ctx), seq++);
	std::string outflag = "--benchmark_out=" + dir + file;
	std::string fmtflag = "--benchmark_out_format=json";
	std::string ilflag = "--benchmark_enable_random_interleaving=false";
	char *argv[] = { (char *)"pitfalls", (char *)outflag.c_str(), (char *)fmtflag.c_str(),
			 (char *)ilflag.c_str(), nullptr };
	int argc = 4;
	benchmark::Initialize(&argc, argv);

	benchmark::ClearRegisteredBenchmarks();
	bool manual = o.manual_time;
	for (int k = 0; k < narms; k++) {
		int a = order ? order[k] : k;
		pf_bench_fn fn = arms[a].fn;
		void *arg = arms[a].arg;
		double (*figure_of)(void *) = o.figure ? o.figure_of : nullptr;
		std::vector<double> *fig = &figs[(size_t)a];
		benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
			(prefix + arms[a].name).c_str(), [fn, arg, manual, figure_of, fig](benchmark::State &st) {
				current = &st;
				for (auto _ : st) {
					double t = fn(arg);
					if (manual)
						st.SetIterationTime(t);
					if (figure_of)
						fig->push_back(figure_of(arg));
				}
				current = nullptr;
			});
		b->Repetitions(reps)->Unit(benchmark::kMillisecond);
		if (o.iterations > 0)
			b->Iterations(o.iterations);
		else if (o.min_time > 0)
			b->MinTime(o.min_time);
		if (manual)
			b->UseManualTime();
	}
	benchmark::RunSpecifiedBenchmarks(&cap);
	benchmark::ClearRegisteredBenchmarks();
	{
		// Google Benchmark does not say when it could not write its file: look
		struct stat st;
		struct statvfs fs;
		std::string path = dir + file;

		if (stat(path.c_str(), &st) < 0 || st.st_size == 0)
			pf_report_write_failure(ctx, path.c_str(),
						statvfs(dir.c_str(), &fs) == 0 && fs.f_bavail == 0 ? ENOSPC : EIO);
	}
}

// Does a timing claim on these arms stay undecided after n rounds? (the
// case's claim table, judged as the verdict will: pf_bench_undecided)
static bool undecided(struct pf_ctx *ctx, const struct pf_bench_arm *arms, int narms, const std::string &prefix,
		      const Capture &cap, const std::vector<std::vector<double>> &figs, const char *figure, int n,
		      int looks)
{
	std::vector<const char *> names;
	std::vector<const double *> secs, fsecs;

	for (int a = 0; a < narms; a++) {
		std::string full = prefix + arms[a].name;
		size_t i = 0;
		while (i < cap.names.size() && cap.names[i] != full)
			i++;
		if (i == cap.names.size() || cap.seconds[i].size() != (size_t)n)
			return false;	// not every arm has every round: nothing to judge
		names.push_back(arms[a].name);
		secs.push_back(cap.seconds[i].data());
		if (figure && figs[(size_t)a].size() != (size_t)n)
			return false;
		fsecs.push_back(figure ? figs[(size_t)a].data() : nullptr);
	}
	return pf_bench_undecided(ctx, names.data(), secs.data(), narms, n, looks, "time") > 0 ||
	       (figure && pf_bench_undecided(ctx, names.data(), fsecs.data(), narms, n, looks, figure) > 0);
}

extern "C" int pf_bench_group(struct pf_ctx *ctx, const struct pf_bench_arm *arms, int narms,
			      const struct pf_bench_opts *opts, struct pf_bench_stats *out)
{
	struct pf_bench_opts o = {};
	if (opts)
		o = *opts;
	int reps = o.repetitions > 0 ? o.repetitions : pf_reps(ctx);
	std::string prefix = std::string(pf_case_name(ctx)) + "/" + pf_variant_name(ctx) + "/";
	Capture cap;
	std::vector<std::vector<double>> figs((size_t)narms);
	const char *figure = o.figure && o.figure_of ? o.figure : nullptr;

	if (figure && o.iterations != 1) {
		pf_fail(ctx, "pf_bench_group: a second figure (%s) needs one iteration a repetition", figure);
		return -1;
	}

	if (!o.skip_warmup)
		for (int a = 0; a < narms; a++)
			(void)arms[a].fn(arms[a].arg);	// warm-up: page in, train predictors (STREAM)
	// sequential rounds: blocks of `reps`, planned looks, stop once decided
	int maxr = o.max_repetitions > reps && pf_scale(ctx) >= PF_QUICK && narms > 1 ? o.max_repetitions : reps;
	int looks = (maxr + reps - 1) / reps;
	if (looks > 1) {
		// a block must be able to decide at its look's α
		int need = pf_bench_min_block(looks);
		if (reps < need) {
			reps = need;
			maxr = std::max(maxr, reps);
			looks = (maxr + reps - 1) / reps;
		}
	}
	if (narms == 1) {
		run_round(ctx, arms, nullptr, narms, o, reps, prefix, cap, figs);
	} else {
		// Balanced blocks: every round runs each arm once, in a random order
		// (A B, B A, B A, A B, ...).  Google Benchmark's own interleaving
		// shuffles all repetitions at once, so one arm's repetitions can
		// bunch at one end of the run: a quick run's sampler_cost had 13 of
		// its 18 unsampled ones in the first half while the host slowed by
		// 15%, and measured a 10% "cost" (CI 1.03-1.17).  In blocks a drift
		// slower than a round falls on both arms alike.  The order within a
		// round is ours (Fisher-Yates), not Google Benchmark's shuffle.
		std::vector<int> order((size_t)narms);
		unsigned seed = (unsigned)getpid() ^ (unsigned)(unsigned long long)(pf_now() * 1e6);	// truncated on purpose

		for (int r = 0; r < maxr && cap.error.empty(); r++) {
			for (int k = 0; k < narms; k++)
				order[(size_t)k] = k;
			for (int k = narms - 1; k > 0; k--)
				std::swap(order[(size_t)k], order[(size_t)(rand_r(&seed) % (unsigned)(k + 1))]);
			run_round(ctx, arms, order.data(), narms, o, 1, prefix, cap, figs);
			if (looks > 1 && (r + 1) % reps == 0 && r + 1 < maxr && cap.error.empty() &&
			    !undecided(ctx, arms, narms, prefix, cap, figs, figure, r + 1, looks))
				break;
		}
	}
	if (!cap.error.empty()) {
		pf_fail(ctx, "benchmark %s: %s", (prefix + arms[0].name).c_str(), cap.error.c_str());
		return -1;
	}
	// arms measured round by round carry the id of their round set: the
	// verdict pairs their repetitions by round (pf_check_timing_paired)
	static int group_seq;
	int group = narms > 1 ? ++group_seq : 0;
	for (int a = 0; a < narms; a++) {
		std::string full = prefix + arms[a].name;
		size_t i = 0;
		while (i < cap.names.size() && cap.names[i] != full)
			i++;
		if (i == cap.names.size() || cap.seconds[i].empty())
			return -1;
		struct pf_bench_stats st = stats_of(cap.seconds[i], cap.iterations[i]);
		if (out)
			out[a] = st;
		report(ctx, arms[a].name, cap.seconds[i], st);
		if (figure) {
			if (figs[(size_t)a].size() != cap.seconds[i].size()) {
				pf_fail(ctx, "benchmark %s: %zu figures for %zu repetitions", full.c_str(),
					figs[(size_t)a].size(), cap.seconds[i].size());
				return -1;
			}
			pf_series(ctx, (std::string(arms[a].name) + "." + figure).c_str(), figs[(size_t)a].data(),
				  (int)figs[(size_t)a].size(), "1");
		}
		if (group)
			pf_metric(ctx, (std::string(arms[a].name) + ".rounds").c_str(), group, "1");
		if (looks > 1)
			pf_metric(ctx, (std::string(arms[a].name) + ".looks").c_str(), looks, "1");
	}
	return 0;
}

extern "C" int pf_bench(struct pf_ctx *ctx, const char *name, pf_bench_fn fn, void *arg,
			const struct pf_bench_opts *opts, struct pf_bench_stats *out)
{
	struct pf_bench_arm arm = { name, fn, arg };

	return pf_bench_group(ctx, &arm, 1, opts, out);
}
