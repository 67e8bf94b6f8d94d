/* plot.c — draw a case's plots with gnuplot: plots/common.gp (one style) and
 * plots/<case>.gp, reading only the run's files, PNG and SVG side by side.
 *
 * No path is spliced into gnuplot's commands (a quote in --out would break or
 * inject them): gnuplot runs in the case's directory with fixed relative names,
 * finds common.gp through GNUPLOT_LIB, and gets the script as an argument.  It
 * draws into a temporary directory; each file is checked non-empty and then
 * renamed into plots/, so that a full disk leaves no empty plot behind. */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

static bool have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* Start gnuplot (one terminal) in casedir, its output to log: its pid, or -1. */
static pid_t gnuplot_start(const char *casedir, const char *casename, const char *script, const char *tmpname,
			   const char *term, const char *log)
{
	/* only the case's name (a registry identifier) and fixed words */
	char *vars = pf_xasprintf("casedir='.'; outbase='../plots/%s/%s'; term='%s'; common='common.gp'",
				  tmpname, casename, term);
	char *lib = pf_xasprintf("%s/plots", pf_home());
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		pf_child_default_signals();	/* SIGPIPE was ignored by the harness */
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir(casedir) < 0)
			_exit(126);
		setenv("GNUPLOT_LIB", lib, 1);
		execlp("gnuplot", "gnuplot", "-e", vars, script, (char *)NULL);
		_exit(127);
	}
	free(vars);
	free(lib);
	return pid;
}

/* Wait for a gnuplot started by gnuplot_start: 0, or -1 with its last message
 * in err (unless err already holds one: the first failure is the one told). */
static int gnuplot_wait(pid_t pid, const char *script, const char *term, const char *log, char *err, size_t len)
{
	int status = 0;

	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!err[0]) {
		char *msg = pf_read_file(log, NULL);

		if (msg) {
			/* gnuplot's own message: its last non-empty line */
			size_t l = strlen(msg);

			while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
				msg[--l] = 0;
			snprintf(err, len, "gnuplot %s (%s): %s", script, term,
				 strrchr(msg, '\n') ? strrchr(msg, '\n') + 1 : msg);
			free(msg);
		} else {
			snprintf(err, len, "gnuplot %s (%s) failed", script, term);
		}
	}
	return -1;
}

/* Why a plot file came out empty, said honestly: a full file system is a
 * write failure (the run stops, exit 3); with room left, the script had
 * nothing to draw (a run of some variants only): that plot is dropped, with a
 * warning, never published empty.  Returns -1 for a write failure. */
static int note_empty(const char *final, const char *dir)
{
	struct statvfs fs;

	if (statvfs(dir, &fs) == 0 && fs.f_bavail == 0) {
		pf_note_write_error(final, ENOSPC);
		return -1;
	}
	fprintf(stderr, "pitfalls: warning: %s: nothing drawn (no data for it in this run); not kept\n", final);
	return 0;
}

/* Move every non-empty drawing from tmp into plots; -1 (noted) on an empty one. */
static int publish(const char *tmp, const char *plots)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *from, *to;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		from = pf_xasprintf("%s/%s", tmp, e->d_name);
		to = pf_xasprintf("%s/%s", plots, e->d_name);
		if (stat(from, &st) < 0 || st.st_size == 0) {
			if (note_empty(to, plots) < 0)
				rc = -1;
		} else if (rc == 0 && rename(from, to) < 0) {
			pf_note_write_error(to, errno);
			rc = -1;
		}
		free(from);
		free(to);
	}
	closedir(d);
	return rc;
}

int pf_plot_case(const char *rundir, const char *casename, char *err, size_t len)
{
	char *script = pf_xasprintf("%s/plots/%s.gp", pf_home(), casename);
	char *plots = pf_xasprintf("%s/plots", rundir);
	char *casedir = pf_xasprintf("%s/%s", rundir, casename);
	char *tmpname = pf_xasprintf(".tmp-%s-%d", casename, (int)getpid());
	char *tmp = pf_xasprintf("%s/%s", plots, tmpname);
	static const char *const terms[] = { "png", "svg" };
	char *log[2] = { pf_xasprintf("%s/%s.png.gnuplot.log", plots, casename),
			 pf_xasprintf("%s/%s.svg.gnuplot.log", plots, casename) };
	pid_t pid[2];
	const struct pf_case *c = pf_find_case(casename);
	int rc = 0;

	/* flame graphs of the profiled variants (no gnuplot needed) */
	if (c && pf_flame_plots(rundir, c, err, len) < 0)
		rc = -1;
	if (access(script, R_OK) != 0)
		goto out;	/* a case without plots */
	if (!have_gnuplot()) {
		snprintf(err, len, "gnuplot not found (scripts/setup installs gnuplot-nox)");
		rc = -1;
		goto out;
	}
	if (pf_mkdir_p(plots) < 0 || (mkdir(tmp, 0755) < 0 && errno != EEXIST)) {
		pf_note_write_error(tmp, errno);
		snprintf(err, len, "mkdir %s: %s", tmp, strerror(errno));
		rc = -1;
		goto out;
	}
	/* both terminals at once: each gnuplot is one thread, and drawing is a
	 * good share of a smoke run's time */
	if (rc == 0) {
		err[0] = 0;
		for (int t = 0; t < 2; t++)
			pid[t] = gnuplot_start(casedir, casename, script, tmpname, terms[t], log[t]);
		for (int t = 0; t < 2; t++)
			if (gnuplot_wait(pid[t], script, terms[t], log[t], err, len) < 0)
				rc = -1;
	}
	if (rc == 0 && publish(tmp, plots) < 0) {
		(void)pf_write_error(err, len);
		rc = -1;
	} else if (rc < 0) {
		/* a failed drawing on a full disk is a write failure, not a script error */
		struct statvfs fs;

		if (statvfs(plots, &fs) == 0 && fs.f_bavail == 0)
			pf_note_write_error(log[0], ENOSPC);
	}
	for (int t = 0; t < 2 && rc == 0; t++)
		(void)unlink(log[t]);	/* a failure's logs stay, beside the plots */
	(void)pf_rm_rf(tmp);
out:
	free(script);
	free(plots);
	free(casedir);
	free(tmpname);
	free(tmp);
	free(log[0]);
	free(log[1]);
	return rc;
}
