/* batch_cache.c — a long-running loader written the usual way: each batch
 * of documents is read into fresh buffers (sizes vary, 512 KiB to 16 MiB),
 * a small index entry per document is kept in a cache for the life of the
 * process, and the buffers are freed when the batch is done.  glibc's
 * dynamic mmap threshold moves such buffers onto the heap after the first
 * frees, the index entries pin it, and RSS stays far above what is live:
 * `pitfalls watch` must find the heap kept free.  With "reuse" each slot's
 * buffer is kept and grown when too small (what out= does in NumPy): watch
 * must stay silent.
 *
 * usage: batch_cache [reuse]   (exit 0, 1 when out of memory, 2 bad usage) */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCHES 200
#define DOCS 8			/* documents of a batch, alive together */
#define DOC_MIN (512u << 10)
#define DOC_MAX (16u << 20)

struct entry {			/* the index: kept for the life of the process */
	struct entry *next;
	uint64_t sum;
	size_t len;
	char name[40];
};

/* xorshift64: the same sizes every run */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	int reuse = argc > 1 && !strcmp(argv[1], "reuse"), rc = 0;
	unsigned char *buf[DOCS] = { 0 };
	size_t cap[DOCS] = { 0 };
	struct entry *index = NULL;
	uint64_t seed = 0x9e3779b97f4a7c15ull, total = 0;
	long entries = 0;

	if (argc > 2 || (argc == 2 && !reuse)) {
		fprintf(stderr, "usage: batch_cache [reuse]\n");
		return 2;
	}
	for (int b = 0; b < BATCHES && !rc; b++) {
		for (int d = 0; d < DOCS; d++) {
			double u = (double)(rnd(&seed) % 1000000) / 1e6;
			size_t len = (size_t)exp(log(DOC_MIN) + (log(DOC_MAX) - log(DOC_MIN)) * u);
			struct entry *e;

			if (!reuse || cap[d] < len) {
				free(buf[d]);
				buf[d] = malloc(len);
				cap[d] = buf[d] ? len : 0;
			}
			e = malloc(sizeof(*e));
			if (!buf[d] || !e) {
				fprintf(stderr, "batch_cache: malloc: %s\n", strerror(errno));
				free(e);
				rc = 1;
				break;
			}
			/* "read" the document, and index it */
			for (size_t i = 0; i < len; i += 4096)
				buf[d][i] = (unsigned char)(rnd(&seed) >> 56);
			e->sum = 0;
			for (size_t i = 0; i < len; i += 4096)
				e->sum += buf[d][i];
			e->len = len;
			snprintf(e->name, sizeof(e->name), "batch%03d/doc%d", b, d);
			e->next = index;
			index = e;
			entries++;
			total += e->sum;
		}
		if (!reuse)	/* the batch is done: its buffers go */
			for (int d = 0; d < DOCS; d++) {
				free(buf[d]);
				buf[d] = NULL;
				cap[d] = 0;
			}
	}
	for (int d = 0; d < DOCS; d++)
		free(buf[d]);
	while (index) {
		struct entry *n = index->next;

		free(index);
		index = n;
	}
	if (printf("%ld documents indexed, checksum %llu\n", entries, (unsigned long long)total) < 0)
		rc = 1;
	return rc;
}
