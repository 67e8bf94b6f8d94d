/* task_pipe.c — a worker pool written by hand, the way a C program ships
 * tasks to forked workers: one message per task over a pipe, the task's
 * context first.  As written, the context is the whole model (its weights,
 * 8 MiB) in every task's message, as pickling a bound method ships `self`;
 * `pitfalls watch` must find the same payload sent again and again.  With
 * "once" each worker is sent the model once, and tasks carry their index
 * only: watch must stay silent.
 *
 * usage: task_pipe [once]   (exit 0, 1 when a worker fails, 2 bad usage) */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 2
#define TASKS 24
#define MODEL_BYTES (8u << 20)

struct header {
	uint64_t task;
	uint64_t model_len;	/* the model's bytes that follow (0: the worker's copy) */
};

/* write(2) the whole buffer (a pipe write blocks until all of it is in) */
static int send_all(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

/* A worker: the model (sent with each task, or once), a task, an answer. */
static int worker(int in_fd, int out_fd)
{
	unsigned char *model = malloc(MODEL_BYTES);
	FILE *in = fdopen(in_fd, "r"), *out = fdopen(out_fd, "w");
	struct header h;

	if (!model || !in || !out)
		return 1;
	while (fread(&h, sizeof(h), 1, in) == 1) {
		double score;

		if (h.model_len > MODEL_BYTES || (h.model_len && fread(model, h.model_len, 1, in) != 1))
			return 1;
		score = model[h.task % MODEL_BYTES] + (double)h.task;
		if (fwrite(&score, sizeof(score), 1, out) != 1 || fflush(out) != 0)
			return 1;
	}
	free(model);
	return ferror(in) ? 1 : 0;
}

int main(int argc, char **argv)
{
	int once = argc > 1 && !strcmp(argv[1], "once"), to[WORKERS], back[2], rc = 0;
	unsigned char *model;
	FILE *answers;
	pid_t pid[WORKERS];
	double sum = 0;

	if (argc > 2 || (argc == 2 && !once)) {
		fprintf(stderr, "usage: task_pipe [once]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(back) < 0) {
		fprintf(stderr, "task_pipe: pipe: %s\n", strerror(errno));
		return 1;
	}
	for (int w = 0; w < WORKERS; w++) {
		int fd[2];

		if (pipe(fd) < 0 || (pid[w] = fork()) < 0) {
			fprintf(stderr, "task_pipe: pipe/fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid[w] == 0) {
			close(fd[1]);
			close(back[0]);
			for (int k = 0; k < w; k++)
				close(to[k]);
			_exit(worker(fd[0], back[1]));
		}
		close(fd[0]);
		to[w] = fd[1];
	}
	close(back[1]);
	answers = fdopen(back[0], "r");
	model = malloc(MODEL_BYTES);
	if (!answers || !model) {
		fprintf(stderr, "task_pipe: fdopen / malloc %u bytes: %s\n", MODEL_BYTES, strerror(errno));
		return 1;
	}
	for (uint32_t i = 0; i < MODEL_BYTES; i++)
		model[i] = (unsigned char)(i * 2654435761u >> 24);
	for (uint64_t t = 0; t < TASKS && !rc; t++) {
		int w = (int)(t % WORKERS);
		/* the context: the whole model with every task, or once per worker */
		struct header h = { .task = t, .model_len = !once || t < WORKERS ? MODEL_BYTES : 0 };
		double score = 0;

		if (send_all(to[w], &h, sizeof(h)) < 0 || (h.model_len && send_all(to[w], model, h.model_len) < 0) ||
		    fread(&score, sizeof(score), 1, answers) != 1) {
			fprintf(stderr, "task_pipe: task %llu: a worker failed\n", (unsigned long long)t);
			rc = 1;
		}
		sum += score;
	}
	for (int w = 0; w < WORKERS; w++) {
		int status;

		close(to[w]);
		if (waitpid(pid[w], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			rc = 1;
	}
	free(model);
	if (printf("%d tasks, score %.0f\n", TASKS, sum) < 0)
		rc = 1;
	return rc;
}
