/*
 * tap.h - a minimal TAP producer for table-driven unit tests.
 *
 * ok(cond, name...) prints "ok N - name" or "not ok N - name"; is_str and
 * is_num also print what was got and wanted on failure, as TAP comments.
 * done_testing() prints the plan and returns the exit status for main.
 * Header-only; each test program includes it once.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed;

static int __attribute__((format(printf, 2, 3), unused))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return cond;
}

static int __attribute__((unused))
is_str(const char *got, const char *want, const char *name)
{
	int cond = (got == NULL && want == NULL) ||
	    (got && want && strcmp(got, want) == 0);

	if (!ok(cond, "%s", name))
		printf("#   got: '%s'\n#  want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return cond;
}

static int __attribute__((unused))
is_num(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name)) {
		printf("#   got: %lld\n#  want: %lld\n", got, want);
		return 0;
	}
	return 1;
}

static int __attribute__((unused))
done_testing(void)
{
	printf("1..%d\n", tap_run);
	return tap_failed ? 1 : 0;
}

#endif
