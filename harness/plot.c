/* plot.c — draw a case's plots with gnuplot: plots/common.gp (one style) and
 * plots/<case>.gp, reading only the run's files, PNG and SVG side by side. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool have_gnuplot(void)
{
	return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

int pf_plot_case(const char *rundir, const char *casename, char *err, size_t len)
{
	char *script = pf_xasprintf("%s/plots/%s.gp", pf_home(), casename);
	char *plots = pf_xasprintf("%s/plots", rundir);
	char *log = pf_xasprintf("%s/%s.gnuplot.log", plots, casename);
	static const char *const terms[] = { "png", "svg" };
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
	(void)pf_mkdir_p(plots);
	for (int t = 0; t < 2 && rc == 0; t++) {
		char *vars = pf_xasprintf("casedir='%s/%s'; outbase='%s/%s'; term='%s'; common='%s/plots/common.gp'",
					  rundir, casename, plots, casename, terms[t], pf_home());
		pid_t pid;
		int status = 0;

		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execlp("gnuplot", "gnuplot", "-e", vars, script, (char *)NULL);
			_exit(127);
		}
		free(vars);
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			char *msg = pf_read_file(log, NULL);

			if (msg) {
				/* gnuplot's own message: its last non-empty line */
				size_t l = strlen(msg);

				while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
					msg[--l] = 0;
				snprintf(err, len, "gnuplot %s (%s): %s", script, terms[t],
					 strrchr(msg, '\n') ? strrchr(msg, '\n') + 1 : msg);
				free(msg);
			} else {
				snprintf(err, len, "gnuplot %s failed", script);
			}
			rc = -1;
		}
	}
	if (rc == 0)
		(void)unlink(log);
out:
	free(script);
	free(plots);
	free(log);
	return rc;
}
