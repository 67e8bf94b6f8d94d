/* test_results.c — results files: a variant's result survives the round trip
 * to JSON and back; a corrupt file is refused; report.md gathers verdicts;
 * unsupported counters are written as "unsupported", never 0. */
#include "pf_test.h"
#include "json.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

extern const struct pf_case pf_case_basel;

int main(void)
{
	const struct pf_case *c = &pf_case_basel;
	char dir[] = "/tmp/pf-test-results-XXXXXX", err[512];
	struct pf_fake f;
	struct pf_run run;
	double params[64];
	char *path, *text;
	double x;

	CHECK(mkdtemp(dir) != NULL);
	fake_init(&f, c, PF_QUICK);
	fake_metric(&f, "loop", "time", 0.25);
	fake_metric(&f, "loop", "page_faults_minor", 123);
	pf_result_add_text(fake_variant(&f, "loop"), "note", "tab\tand \"quotes\"");
	{
		struct pf_result *r = fake_variant(&f, "loop");

		r->unsupported = pf_xcalloc(1, sizeof(char *));
		r->unsupported[0] = pf_xstrdup("cycles");
		r->nunsupported = 1;
	}
	{	/* a series sent again replaces the first (as a metric does), continuations append */
		struct pf_result *r = fake_variant(&f, "loop");
		const double one[2] = { 1, 2 }, two[3] = { 3, 4, 5 };
		const struct pf_series *se;

		pf_result_add_series(r, "dup.time", one, 2, "s");
		pf_result_clear_series(r, "dup.time");
		pf_result_add_series(r, "dup.time", two, 3, "s");
		pf_result_add_series(r, "dup.time", one, 1, "s");
		se = pf_get_series(r, "dup.time");
		CHECK(se && se->n == 4 && se->v[0] == 3 && se->v[3] == 1);
	}
	fake_outcome(&f, "materialized", PF_OUT_SKIPPED, "N=1e10: needs 298 GiB");
	fake_outcome(&f, "broadcast", PF_OUT_OOM, "killed by the OOM killer");
	CHECK(pf_write_result(dir, c, PF_QUICK, f.params, fake_variant(&f, "loop")) == 0);
	CHECK(pf_write_result(dir, c, PF_QUICK, f.params, fake_variant(&f, "materialized")) == 0);
	CHECK(pf_write_result(dir, c, PF_QUICK, f.params, fake_variant(&f, "broadcast")) == 0);

	/* unsupported counters say so */
	path = pf_xasprintf("%s/loop.json", dir);
	text = pf_read_file(path, NULL);
	CHECK(text && strstr(text, "\"cycles\": \"unsupported\""));
	CHECK(text && strstr(text, "\"page_faults_minor\": 123"));
	free(text);

	/* round trip */
	CHECK(pf_load_case_run(dir, c, &run, params, err, sizeof(err)) == 0);
	CHECK(run.nresults == 3);
	CHECK(pf_get(pf_result(&run, "loop"), "time", &x) && x == 0.25);
	CHECK(!strcmp(pf_get_text(pf_result(&run, "loop"), "note"), "tab\tand \"quotes\""));
	CHECK(pf_result(&run, "materialized")->outcome == PF_OUT_SKIPPED);
	CHECK(!strcmp(pf_result(&run, "materialized")->reason, "N=1e10: needs 298 GiB"));
	CHECK(pf_result(&run, "broadcast")->outcome == PF_OUT_OOM);
	CHECK(pf_result(&run, "loop")->nunsupported == 1);
	CHECK(params[pf_param_index(c, "n")] == c->params[pf_param_index(c, "n")].value[PF_QUICK]);
	CHECK(run.scale == PF_QUICK);
	pf_run_free(&run);

	/* corrupt: truncated JSON, unknown variant, bad outcome */
	{
		FILE *fp = fopen(path, "w");

		fputs("{\"variant\": \"loop\", \"outcome\": \"ok\", \"metrics\": {\"time\": {\"value\": 0.2", fp);
		fclose(fp);
		CHECK(pf_load_case_run(dir, c, &run, params, err, sizeof(err)) < 0);
		CHECK(strstr(err, "corrupt results file") && strstr(err, "loop.json"));
		fp = fopen(path, "w");
		fputs("{\"variant\": \"loop\", \"outcome\": \"fine\", \"metrics\": {}}", fp);
		fclose(fp);
		CHECK(pf_load_case_run(dir, c, &run, params, err, sizeof(err)) < 0 && strstr(err, "bad outcome"));
		fp = fopen(path, "w");
		fputs("{\"variant\": \"nonesuch\", \"outcome\": \"ok\", \"metrics\": {}}", fp);
		fclose(fp);
		CHECK(pf_load_case_run(dir, c, &run, params, err, sizeof(err)) < 0 && strstr(err, "unknown or missing variant"));
		fp = fopen(path, "w");
		fputs("{\"variant\": \"loop\", \"outcome\": \"ok\", \"metrics\": {\"t\": {\"value\": \"x\"}}}", fp);
		fclose(fp);
		CHECK(pf_load_case_run(dir, c, &run, params, err, sizeof(err)) < 0 && strstr(err, "has no value"));
	}
	free(path);

	/* verdict.json round trip and report.md */
	{
		struct pf_verdict v = { 0 }, back;
		struct pf_json *j;
		char *casedir = pf_xasprintf("%s/run/basel", dir), *report;

		pf_check(&v, PF_K_COUNT, "speed-up", 3.1, PF_OP_GE, 1.2, 0, "chunked / broadcast >= %.1f", 1.2);
		pf_check_missing(&v, "crossover", "py_multiprocessing skipped: numpy missing");
		pf_measured(&v, "chunked 3.1x | faster");
		pf_verdict_finish(&v);
		CHECK(v.status == PF_REPRODUCED);
		j = pf_verdict_json(c, &v);
		CHECK(pf_verdict_from_json(j, &back, err, sizeof(err)) == 0);
		CHECK(back.status == PF_REPRODUCED && back.nchecks == 2 && back.checks[1].state == PF_MISSING);
		CHECK(back.checks[0].measured == 3.1);
		pf_verdict_free(&back);
		pf_verdict_free(&v);
		CHECK(pf_mkdir_p(casedir) == 0);
		path = pf_xasprintf("%s/verdict.json", casedir);
		CHECK(pf_json_save(path, j) == 0);
		pf_json_free(j);
		free(path);
		path = pf_xasprintf("%s/run", dir);
		CHECK(pf_write_report(path, err, sizeof(err)) == 0);
		report = pf_xasprintf("%s/report.md", path);
		text = pf_read_file(report, NULL);
		CHECK(text && strstr(text, "| basel |") && strstr(text, "REPRODUCED (1 of 2 checks; 1 could not be made)"));
		CHECK(text && strstr(text, "chunked 3.1x \\| faster"));	/* pipes escaped */
		free(text);
		free(report);
		/* a corrupt verdict.json makes the report fail, not lie */
		{
			char *vp = pf_xasprintf("%s/verdict.json", casedir);
			FILE *fp = fopen(vp, "w");

			fputs("{\"status\": \"MAYBE\", \"checks\": []}", fp);
			fclose(fp);
			CHECK(pf_write_report(path, err, sizeof(err)) < 0 && strstr(err, "bad status"));
			free(vp);
		}
		free(path);
		free(casedir);
		pf_verdict_free(&v);
		pf_verdict_free(&back);
	}
	/* Google Benchmark files cut short: the merge refuses one of a variant
	 * that ended well (a write failure), and drops one of a variant killed at
	 * its timeout (it ended mid-write; its outcome says so) */
	{
		char *gdir = pf_xasprintf("%s/gbcase", dir), *gb = pf_xasprintf("%s/gbcase/.gbench", dir);
		char *cut = pf_xasprintf("%s/loop.003.json", gb);
		struct pf_result *r = fake_variant(&f, "loop");

		CHECK(mkdir(gdir, 0755) == 0 && mkdir(gb, 0755) == 0);
		CHECK(pf_write_atomic(cut, "{\"context\": {\"x\": ", 18) == 0);
		r->outcome = PF_OUT_OK;
		pf_write_error_reset();
		CHECK(pf_merge_gbench(gdir, &f.run, false) < 0 && pf_write_error(NULL, 0));
		pf_write_error_reset();
		r->outcome = PF_OUT_TIMEOUT;
		CHECK(pf_merge_gbench(gdir, &f.run, false) == 0 && !pf_write_error(NULL, 0));
		free(cut);
		free(gb);
		free(gdir);
	}
	fake_free(&f);
	{
		char *cmd = pf_xasprintf("rm -rf '%s'", dir);

		CHECK(system(cmd) == 0);
		free(cmd);
	}
	return TEST_DONE();
}
