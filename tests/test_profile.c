/* test_profile.c — folded stacks parsed and merged on synthetic input, shares
 * under named frames, the flame graph's SVG (self-contained: no script, no
 * external reference), and a real profile of a child process (SKIPPED, with
 * the reason, where perf sampling is not allowed). */
#define _GNU_SOURCE
#include "pf_test.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* No way for the page to reach the network or run code: no script element,
 * no href/src, no url(); "http" only in the xmlns namespace name. */
static bool svg_self_contained(const char *svg)
{
	const char *ns = "xmlns=\"http://www.w3.org/2000/svg\"";
	char *copy = pf_xstrdup(svg), *p;
	bool ok;

	while ((p = strstr(copy, ns)))
		memset(p, ' ', strlen(ns));
	ok = !strstr(copy, "http") && !strstr(copy, "<script") && !strstr(copy, "href") &&
	     !strstr(copy, "src=") && !strstr(copy, "url(") && !strstr(copy, "@import") &&
	     !strstr(copy, "<foreignObject");
	free(copy);
	return ok;
}

static void test_parse_merge(void)
{
	struct pf_folded f = { 0 };
	struct pf_buf out = { 0 };
	char err[256];
	static const char *const fault[] = { "exc_page_fault", NULL };
	static const char *const madv[] = { "*madvise*", NULL };
	static const char *const user_b[] = { "b", NULL };

	CHECK(pf_folded_parse(&f, "exe;main;memcpy;exc_page_fault_[k];clear_page_[k] 3\n"
				  "exe;main;b 2\n"
				  "exe;main;memcpy;exc_page_fault_[k];clear_page_[k] 2\r\n"
				  "\n"
				  "exe;main;__madvise;do_madvise_[k] 3\n", err, sizeof(err)) == 0);
	CHECK(f.n == 3);		/* the two memcpy lines merged */
	CHECK(f.total == 10);
	CHECK(fabs(pf_folded_share(&f, fault, true) - 0.5) < 1e-12);
	CHECK(fabs(pf_folded_share(&f, madv, true) - 0.3) < 1e-12);
	CHECK(pf_folded_share(&f, user_b, true) == 0);	/* b is a user frame */
	CHECK(fabs(pf_folded_share(&f, user_b, false) - 0.2) < 1e-12);
	CHECK(fabs(pf_folded_kernel_share(&f) - 0.8) < 1e-12);
	pf_folded_text(&f, &out);
	CHECK(out.data && !strcmp(out.data, "exe;main;__madvise;do_madvise_[k] 3\n"
					   "exe;main;b 2\n"
					   "exe;main;memcpy;exc_page_fault_[k];clear_page_[k] 5\n"));
	/* merging a second profile adds counts */
	CHECK(pf_folded_parse(&f, "exe;main;b 8\n", err, sizeof(err)) == 0);
	CHECK(f.n == 3 && f.total == 18);
	free(out.data);
	pf_folded_free(&f);

	/* bad input: one reason, nothing half-merged */
	CHECK(pf_folded_parse(&f, "exe;main 3\nexe;main x\n", err, sizeof(err)) < 0);
	CHECK(strstr(err, "line 2") != NULL);
	CHECK(pf_folded_parse(&f, "nocount\n", err, sizeof(err)) < 0);
	CHECK(pf_folded_parse(&f, "a;b -1\n", err, sizeof(err)) < 0);
	pf_folded_free(&f);
	CHECK(isnan(pf_folded_kernel_share(&f)));	/* empty */
}

static void test_svg(void)
{
	struct pf_folded f = { 0 }, g = { 0 };
	const struct pf_folded *both[2] = { &f, &g };
	const char *titles[2] = { "case/eager", "case/fix" };
	struct pf_buf svg = { 0 }, grid = { 0 };
	char err[256];

	CHECK(pf_folded_parse(&f, "exe;main;memcpy;exc_page_fault_[k] 1\nexe;main;a<b>&\"c\" 1\n", err, sizeof(err)) == 0);
	CHECK(pf_folded_parse(&g, "exe;main;memcpy 4\n", err, sizeof(err)) == 0);
	pf_flame_svg(&f, "case/eager <t>", "cpu-clock 999 Hz", &svg);
	CHECK(svg.data && strstr(svg.data, "<svg") && strstr(svg.data, "</svg>"));
	CHECK(strstr(svg.data, "case/eager &lt;t&gt; — 2 samples") != NULL);	/* title: name and total */
	CHECK(strstr(svg.data, "<title>exc_page_fault_[k] (1 samples, 50.00%)</title>") != NULL);
	CHECK(strstr(svg.data, "a&lt;b&gt;&amp;&quot;c&quot;") != NULL);	/* names escaped */
	CHECK(strstr(svg.data, "<title>all (2 samples, 100.00%)</title>") != NULL);
	CHECK(strstr(svg.data, "rgb(2") != NULL);	/* kernel: orange (red channel 225..255) */
	CHECK(svg_self_contained(svg.data));
	CHECK(!svg_self_contained("<svg xmlns=\"http://www.w3.org/2000/svg\"><image href=\"http://x/y.png\"/></svg>"));
	CHECK(!svg_self_contained("<svg><script src=\"a.js\"></script></svg>"));
	pf_flame_svg_grid(both, titles, 2, 3, "side by side", &grid);
	CHECK(grid.data && strstr(grid.data, "case/fix — 4 samples") && strstr(grid.data, "case/eager — 2 samples"));
	CHECK(svg_self_contained(grid.data));
	free(svg.data);
	free(grid.data);
	pf_folded_free(&f);
	pf_folded_free(&g);
}

/* This process's CPU time: a loaded machine stretches wall time, not this. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A user function that keeps a CPU busy for 0.4 s of CPU, a syscall in the loop. */
static __attribute__((noinline)) void busy_child(void)
{
	double t0 = cpu_now(), x = 1;

	while (cpu_now() - t0 < 0.4) {
		for (int i = 0; i < 100000; i++)
			x = x * 1.0000001 + 1e-9;
		/* a share of the time in the kernel for the "_[k]" frames: one
		 * getppid() here was ~0.1% of it, so 400 samples often had none
		 * (an ASan run of .ci/run failed so) */
		for (int i = 0; i < 500; i++)
			(void)getppid();
	}
	_exit(x > 0 ? 0 : 1);
}

static int test_real_profile(void)
{
	char dir[] = "/tmp/pf-test-profile-XXXXXX", why[512], *path, *svg, *folded;
	struct pf_profile *p;
	struct pf_result r = { 0 };
	int go[2], st = 0;
	double samples = -1, phase = -1;
	bool marked = false;
	pid_t pid;

	if (!mkdtemp(dir) || pipe(go) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		busy_child();
	}
	close(go[0]);
	p = pf_profile_start(pid, PF_PROFILE_HZ, why, sizeof(why));
	if (!p) {
		printf("SKIPPED: perf sampling not allowed here: %s\n", why);
		close(go[1]);
		waitpid(pid, &st, 0);
		pf_rm_rf(dir);
		return 77;
	}
	CHECK(write(go[1], "g", 1) == 1);
	close(go[1]);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		/* a phase from a quarter of the child's CPU on (its samples are
		 * counted apart: profile_phase_*) */
		if (!marked && pf_proc_cpu_s(pid) >= 0.1) {
			pf_profile_phase(p, "second part");
			marked = true;
		}
		pf_profile_poll(p);
		usleep(10000);
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(pf_profile_stop(p, dir, "smoke", "test/smoke", &r) == 0);
	/* 0.4 s of CPU at 999 Hz: ~400 samples; a quarter of them at least */
	CHECK(pf_get(&r, "profile_samples", &samples) && samples >= 100);
	/* the phase has the samples after its mark: some, not all */
	CHECK(marked && pf_get_text(&r, "profile_phase") && !strcmp(pf_get_text(&r, "profile_phase"), "second part"));
	CHECK(pf_get(&r, "profile_phase_samples", &phase) && phase >= 1 && phase < samples);
	if (strstr(pf_get_text(&r, "profile"), "user + kernel"))
		CHECK(pf_get(&r, "profile_phase_fault_share", &phase));
	printf("profile: %s; %.0f samples\n", pf_get_text(&r, "profile"), samples);
	path = pf_xasprintf("%s/smoke.folded", dir);
	folded = pf_read_file(path, NULL);
	free(path);
	CHECK(folded && strstr(folded, "busy_child"));	/* our own symbol, from the ELF symtab */
	if (strstr(pf_get_text(&r, "profile"), "user + kernel"))
		CHECK(folded && strstr(folded, "_[k]"));	/* getppid's kernel frames */
	path = pf_xasprintf("%s/smoke.flame.svg", dir);
	svg = pf_read_file(path, NULL);
	free(path);
	CHECK(svg && strstr(svg, "test/smoke — ") && svg_self_contained(svg));
	free(svg);
	free(folded);
	pf_result_free(&r);
	pf_rm_rf(dir);
	return 0;
}

int main(void)
{
	int rc;

	test_parse_merge();
	test_svg();
	rc = test_real_profile();
	if (rc == 77 && !pf_test_failures)
		return 77;
	return TEST_DONE();
}
