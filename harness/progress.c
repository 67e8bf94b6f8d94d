/* progress.c — what `pitfalls run` says while it runs.  On a terminal: one
 * live line per variant, redrawn every second with the variant's elapsed time
 * and an estimate of the suite's remaining time (the previous run's durations
 * at the same scale, from <out>/latest; for variants it lacks, the mean of
 * those already run); each finished variant leaves its plain line.  Without a
 * terminal: the plain lines only.  The live line is drawn by a thread with
 * snprintf + write(2) (no stdio, no allocation), so a fork of the runner never
 * inherits a held stdio lock. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_S 1	/* live line redraw interval */

struct pf_progress {
	FILE *out;
	int fd;
	bool live, quiet;
	int total, k;
	double *est;		/* previous duration of job i, NAN: unknown */
	double done_s;		/* durations of the jobs run so far */
	int ndone;
	double t0;		/* start of the running job */
	char label[256];	/* "[ 3/14] case/variant (role)" */
	bool running, stop;
	pthread_t thread;
	bool have_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fmt_dur(char *out, size_t len, double s)
{
	if (s < 10)
		snprintf(out, len, "%.1f s", s);
	else if (s < 60)
		snprintf(out, len, "%.0f s", s);
	else if (s < 3600)
		snprintf(out, len, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(out, len, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

/* Seconds the suite still needs after the running job's `elapsed`. */
static bool remaining(const struct pf_progress *p, double elapsed, double *left)
{
	double mean = p->ndone ? p->done_s / p->ndone : NAN, sum = 0;
	bool any = false;

	for (int i = p->k - 1; i < p->total; i++) {
		double e = isfinite(p->est[i]) ? p->est[i] : mean;

		if (!isfinite(e))
			continue;
		any = true;
		sum += i == p->k - 1 ? fmax(0, e - elapsed) : e;
	}
	*left = sum;
	return any;
}

static void draw_live(struct pf_progress *p)
{
	char line[512], el[32], left[32];
	double e = now_s() - p->t0, l;

	fmt_dur(el, sizeof(el), e);
	if (remaining(p, e, &l)) {
		fmt_dur(left, sizeof(left), l);
		snprintf(line, sizeof(line), "\r\033[K%s … %s  (suite: ≈ %s left)", p->label, el, left);
	} else {
		snprintf(line, sizeof(line), "\r\033[K%s … %s  (no earlier run to estimate from)", p->label, el);
	}
	if (write(p->fd, line, strlen(line)) < 0) {
		/* a terminal that went away: nothing to tell */
	}
}

static void *ticker(void *arg)
{
	struct pf_progress *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		if (p->running)
			draw_live(p);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += TICK_S;
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* The previous run's wall time of each job, when it ran at this scale. */
static void load_estimates(struct pf_progress *p, const char *outdir, enum pf_scale scale,
			   const struct pf_case *const *cs, const struct pf_variant *const *vs)
{
	char *path = pf_xasprintf("%s/latest/machine.json", outdir), err[256];
	struct pf_json *m = pf_json_load(path, err, sizeof(err));
	const char *sc = m ? pf_json_get_str(m, "scale") : NULL;

	free(path);
	for (int i = 0; i < p->total; i++)
		p->est[i] = NAN;
	if (!sc || strcmp(sc, pf_scale_name(scale))) {
		pf_json_free(m);
		return;
	}
	pf_json_free(m);
	for (int i = 0; i < p->total; i++) {
		struct pf_json *j;

		path = pf_xasprintf("%s/latest/%s/%s.json", outdir, cs[i]->name, vs[i]->name);
		j = access(path, F_OK) == 0 ? pf_json_load(path, err, sizeof(err)) : NULL;
		if (j) {
			const char *oc = pf_json_get_str(j, "outcome");
			double w = pf_json_get_num(pf_json_get(pf_json_get(j, "metrics"), "wall_s"), "value", NAN);

			if (oc && strcmp(oc, "skipped") && isfinite(w))
				p->est[i] = w;
			else if (oc && !strcmp(oc, "skipped"))
				p->est[i] = 0;
		}
		pf_json_free(j);
		free(path);
	}
}

struct pf_progress *pf_progress_new(FILE *out, bool quiet, const char *outdir, enum pf_scale scale,
				    int total, const struct pf_case *const *cs,
				    const struct pf_variant *const *vs)
{
	struct pf_progress *p = pf_xcalloc(1, sizeof(*p));

	p->out = out;
	p->fd = fileno(out);
	p->quiet = quiet;
	p->live = !quiet && isatty(p->fd);
	p->total = total;
	p->est = pf_xcalloc((size_t)total + 1, sizeof(double));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (p->live) {
		sigset_t all, old;

		load_estimates(p, outdir, scale, cs, vs);
		/* signals (SIGINT, SIGCHLD) stay with the runner's thread */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		p->have_thread = pthread_create(&p->thread, NULL, ticker, p) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	return p;
}

void pf_progress_start(struct pf_progress *p, int k, const struct pf_case *c, const struct pf_variant *v)
{
	if (p->quiet)
		return;
	pthread_mutex_lock(&p->mu);
	p->k = k;
	p->t0 = now_s();
	snprintf(p->label, sizeof(p->label), "[%2d/%2d] %s/%s (%s)", k, p->total, c->name, v->name,
		 pf_role_name(v->role));
	p->running = p->live;
	if (p->live)
		draw_live(p);
	pthread_mutex_unlock(&p->mu);
}

/* The plain line of a finished variant (replacing the live one). */
void pf_progress_done(struct pf_progress *p, const struct pf_result *r)
{
	char peak[32] = "", line[1024];
	double x;

	if (p->quiet)
		return;
	pthread_mutex_lock(&p->mu);
	p->running = false;
	p->done_s += now_s() - p->t0;
	p->ndone++;
	if (pf_get(r, "peak_rss", &x))
		pf_fmt_bytes(peak, sizeof(peak), x);
	snprintf(line, sizeof(line), "%s %s", p->label, pf_outcome_name(r->outcome));
	if (r->outcome != PF_OUT_SKIPPED && pf_get(r, "wall_s", &x))
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "  %.2f s", x);
	if (peak[0] && r->outcome != PF_OUT_SKIPPED)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "  peak RSS %s", peak);
	if (r->reason[0])
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "  — %.200s", r->reason);
	fprintf(p->out, "%s%s\n", p->live ? "\r\033[K" : "", line);
	fflush(p->out);
	pthread_mutex_unlock(&p->mu);
}

void pf_progress_free(struct pf_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->have_thread)
		pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->est);
	free(p);
}

void pf_print_run_summary(const char *rundir, int exit_status)
{
	struct pf_json *j = pf_json_obj(), *cases;
	char *real = realpath(rundir, NULL), *s, err[600];

	pf_json_set_str(j, "run_dir", real ? real : rundir);
	s = pf_xasprintf("%s/report.html", real ? real : rundir);
	pf_json_set_str(j, "report", s);
	free(s);
	free(real);
	pf_json_set_num(j, "exit_status", exit_status);
	cases = pf_json_add(j, "cases", pf_json_arr());
	for (size_t i = 0; i < pf_ncases; i++) {
		struct pf_verdict v;
		char scale[32], st[700];
		struct pf_json *o;
		int n[PF_INCONCLUSIVE + 1] = { 0 };

		if (pf_load_verdict(rundir, pf_cases[i]->name, &v, scale, sizeof(scale), err, sizeof(err)) <= 0)
			continue;
		o = pf_json_add(cases, NULL, pf_json_obj());
		pf_json_set_str(o, "case", pf_cases[i]->name);
		pf_json_set_str(o, "verdict", pf_status_name(v.status));
		pf_verdict_summary(&v, st, sizeof(st));
		pf_json_set_str(o, "summary", st);
		pf_json_set_str(o, "measured", v.measured);
		pf_json_set_str(o, "scale", scale);
		for (int k = 0; k < v.nchecks; k++)
			n[v.checks[k].state]++;
		for (int k = 0; k <= PF_INCONCLUSIVE; k++)
			pf_json_set_num(pf_json_get(o, "checks") ? pf_json_get(o, "checks") :
					pf_json_add(o, "checks", pf_json_obj()),
					pf_check_state_name((enum pf_check_state)k), n[k]);
		pf_verdict_free(&v);
	}
	s = pf_json_dump(j);
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(s);
	pf_json_free(j);
}
