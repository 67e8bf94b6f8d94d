/* test_json.c — the results writer's JSON: round trips, strict rejection of
 * corrupt text, atomic saves that leave no temp file. */
#include "pf_test.h"
#include "json.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static bool rejected(const char *text)
{
	char err[256];
	struct pf_json *j = pf_json_parse(text, err, sizeof(err));

	pf_json_free(j);
	return j == NULL && err[0];
}

int main(void)
{
	char err[256], dir[] = "/tmp/pf-test-json-XXXXXX";
	struct pf_json *o = pf_json_obj(), *a, *back;
	char *text, *path;

	pf_json_set_str(o, "name", "quote \" backslash \\ tab \t newline \n é");
	pf_json_set_num(o, "third", 1.0 / 3);
	pf_json_set_num(o, "big", 8e12);
	pf_json_set_num(o, "inf", 1.0 / 0.0);	/* not JSON: written as null */
	a = pf_json_add(o, "list", pf_json_arr());
	pf_json_add(a, NULL, pf_json_bool(true));
	pf_json_add(a, NULL, pf_json_null());
	pf_json_add(a, NULL, pf_json_obj());
	text = pf_json_dump(o);
	back = pf_json_parse(text, err, sizeof(err));
	CHECK(back != NULL);
	CHECK(!strcmp(pf_json_get_str(back, "name"), "quote \" backslash \\ tab \t newline \n é"));
	CHECK(pf_json_get_num(back, "third", 0) == 1.0 / 3);	/* shortest form reads back exactly */
	CHECK(pf_json_get_num(back, "big", 0) == 8e12);
	CHECK(pf_json_get(back, "inf")->type == PF_JNULL);
	CHECK(pf_json_get(back, "list")->n == 3);
	free(text);
	pf_json_free(back);

	/* corrupt files are rejected with a position, never half-read */
	CHECK(rejected(""));
	CHECK(rejected("{"));
	CHECK(rejected("{\"a\": 1,}"));
	CHECK(rejected("{\"a\" 1}"));
	CHECK(rejected("[1 2]"));
	CHECK(rejected("{\"a\": \"unterminated}"));
	CHECK(rejected("{\"a\": NaN}"));
	CHECK(rejected("{\"a\": 1} trailing"));
	CHECK(rejected("{\"a\": tru}"));
	CHECK(rejected("\"bad \\x escape\""));
	CHECK(rejected("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"));
	{
		struct pf_json *u = pf_json_parse("\"\\u00e9\\u0041\"", err, sizeof(err));

		CHECK(u && !strcmp(u->str, "éA"));
		pf_json_free(u);
	}

	/* atomic save: the file is complete, and no temp file is left beside it */
	CHECK(mkdtemp(dir) != NULL);
	path = pf_xasprintf("%s/x.json", dir);
	CHECK(pf_json_save(path, o) == 0);
	back = pf_json_load(path, err, sizeof(err));
	CHECK(back && pf_json_get(back, "list"));
	pf_json_free(back);
	{
		DIR *d = opendir(dir);
		struct dirent *e;
		int files = 0;

		while (d && (e = readdir(d)))
			files += e->d_name[0] != '.';
		if (d)
			closedir(d);
		CHECK(files == 1);
	}
	/* a save into a missing directory fails and leaves nothing */
	{
		char *bad = pf_xasprintf("%s/missing/x.json", dir);

		CHECK(pf_json_save(bad, o) < 0);
		free(bad);
	}
	/* a truncated file is corrupt */
	{
		FILE *f = fopen(path, "w");

		fputs("{\"variant\": \"loop\", \"metrics\": {", f);
		fclose(f);
		CHECK(pf_json_load(path, err, sizeof(err)) == NULL && strstr(err, "at byte"));
	}
	unlink(path);
	rmdir(dir);
	free(path);
	pf_json_free(o);
	/* numbers beyond long long (type_casting's 1e40): no cast before the range
	 * check (UBSan's float-cast-overflow aborts the asan preset otherwise) */
	{
		static const double big[] = { 1e40, -1e40, 1e300, 9.3e18, -9.3e18, 1e15 };
		char out[64];

		for (size_t i = 0; i < sizeof(big) / sizeof(*big); i++) {
			pf_fmt_double(out, sizeof(out), big[i]);
			CHECK(strtod(out, NULL) == big[i]);
		}
		pf_fmt_double(out, sizeof(out), 12345);
		CHECK(!strcmp(out, "12345"));
	}
	return TEST_DONE();
}
