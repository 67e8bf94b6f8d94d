/* detect_files.c — detectors over files: joblib memmaps in /dev/shm
 * (slice_memmap) and major faults on a file mapping (page_cache). */
#define _GNU_SOURCE
#include "watch.h"

#include <math.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- slice_memmap ----
 * joblib dumps one file per distinct array object it sends; slicing per task
 * makes a new object per task.  Fix variants of the case make 8 files (the
 * reused slices) or 1; its pathology 8 × repeats (40 at smoke scale). */
#define SLICE_MIN_FILES 12		/* memmap files made during the run (fixes: 8 or 1; smoke pathology: 40) */
#define SLICE_ONCE_SHARE 0.75		/* share of them never mapped by 2 processes at once */
#define SLICE_SOON_S 600.0		/* ENOSPC projected sooner than this: high severity */

static int detect_slice_memmap(const struct pf_watch *w, struct pf_finding *f)
{
	int files = 0, once = 0;
	double bytes = 0, t_first = -1, t_last = 0, t_nth = 0, rate, eta;
	double firsts[4096];

	for (size_t i = 0; i < w->nfiles; i++) {
		const struct pf_wfile *x = &w->files[i];

		if (!x->joblib)
			continue;
		if (files < 4096)
			firsts[files] = x->first;
		files++;
		once += x->max_mappers <= 1;
		bytes += x->size;
		if (t_first < 0 || x->first < t_first)
			t_first = x->first;
		t_last = fmax(t_last, x->first);
	}
	if (files < SLICE_MIN_FILES || once < SLICE_ONCE_SHARE * files)
		return 0;
	/* when the SLICE_MIN_FILES-th file appeared: the plot's marker */
	for (int k = 0; k < SLICE_MIN_FILES; k++) {
		int m = k;

		for (int j = k + 1; j < files && j < 4096; j++)
			if (firsts[j] < firsts[m])
				m = j;
		t_nth = firsts[m];
		firsts[m] = firsts[k];
		firsts[k] = t_nth;
	}
	rate = t_last > t_first ? bytes / (t_last - t_first) : 0;
	eta = rate > 0 && w->shm_free >= 0 ? w->shm_free / rate : -1;
	f->t = t_nth;
	f->severity = eta >= 0 && eta < SLICE_SOON_S ? PF_SEV_HIGH : PF_SEV_MEDIUM;
	pf_finding_ev(f, "files", files, "1");
	pf_finding_ev(f, "files_mapped_once", once, "1");
	pf_finding_ev(f, "bytes", bytes, "B");
	pf_finding_ev(f, "growth_bytes_per_s", rate, "B/s");
	if (eta >= 0) {
		pf_finding_ev(f, "fs_free_bytes", w->shm_free, "B");	/* when the first file was seen */
		pf_finding_ev(f, "s_to_enospc", eta, "s");
	}
	{
		char b[32], r[32];

		pf_fmt_bytes(b, sizeof(b), bytes);
		pf_fmt_bytes(r, sizeof(r), rate);
		if (eta >= 0)
			pf_finding_summary(f, "%d joblib memmap files (%s), %d mapped by one process at a time; "
					   "%s/s: ENOSPC in %.0f s at this rate", files, b, once, r, eta);
		else
			pf_finding_summary(f, "%d joblib memmap files (%s), %d mapped by one process at a time; %s/s",
					   files, b, once, r);
	}
	return 1;
}

const struct pf_detector pf_detect_slice_memmap = {
	.name = "shm_memmap_growth",
	.case_name = "slice_memmap",
	.rule = ">= " STR(SLICE_MIN_FILES) " joblib memmap files created (/dev/shm or the joblib temp folder), "
		">= " STR(SLICE_ONCE_SHARE) " of them never mapped by two processes at once",
	.fix = "pass the same slice objects (or the whole array / one explicit memmap) to every task; "
	       "see `pitfalls run slice_memmap`",
	.detect = detect_slice_memmap,
};

/* ---- page_cache ----
 * A file mapping whose pages were evicted is read from the disk again on
 * the next access: a few major faults (readahead turns the rest into minor
 * ones) and the bytes in /proc/<pid>/io read_bytes.  The case's disk
 * variants read the re-read half (32 MiB at smoke) from storage; on tmpfs
 * nothing is read.  A cold start of a big program (libraries not yet
 * cached) is the same mechanism and is reported the same way. */
#define PAGE_MIN_MAJOR 1		/* major faults of the whole tree (readahead: the case's smoke disk variant takes 2) */
#define PAGE_MIN_READ_MIB 16		/* bytes read from storage by the tree */

static int detect_page_cache(const struct pf_watch *w, struct pf_finding *f)
{
	double major = 0, bytes = 0, t = 0;

	for (size_t i = 0; i < w->nprocs; i++) {
		if (!pf_watch_last(w, i))
			continue;
		major += w->procs[i].majflt;
		bytes += w->procs[i].read_bytes > 0 ? w->procs[i].read_bytes : 0;
	}
	if (w->supported[PF_C_FAULTS_MAJOR])
		major = fmax(major, w->counters[PF_C_FAULTS_MAJOR]);
	/* processes that exited between samples: the reaped tree's rusage */
	major = fmax(major, w->ru_majflt);
	bytes = fmax(bytes, w->ru_inblock_bytes);
	if (major < PAGE_MIN_MAJOR || bytes < PAGE_MIN_READ_MIB * 1048576.0)
		return 0;
	for (size_t i = 0; i < w->nsamples; i++)
		if (w->samples[i].faults_major >= PAGE_MIN_MAJOR) {
			t = w->samples[i].s.t;
			break;
		}
	f->t = t;
	f->severity = PF_SEV_MEDIUM;
	pf_finding_ev(f, "major_faults", major, "1");
	pf_finding_ev(f, "read_from_storage", bytes, "B");
	{
		char b[32];

		pf_fmt_bytes(b, sizeof(b), bytes);
		pf_finding_summary(f, "%s read from storage with %.0f major page faults: file pages not in the page "
				   "cache (evicted, or never cached) read from disk again", b, major);
	}
	return 1;
}

const struct pf_detector pf_detect_page_cache = {
	.name = "disk_reread",
	.case_name = "page_cache",
	.rule = ">= " STR(PAGE_MIN_MAJOR) " major page faults and >= " STR(PAGE_MIN_READ_MIB)
		" MiB read from storage (/proc/<pid>/io, wait4's ru_inblock) by the process tree",
	.fix = "keep the file on a RAM disk (tmpfs cannot be evicted) or leave RAM for the page cache; "
	       "see `pitfalls run page_cache`",
	.detect = detect_page_cache,
};
