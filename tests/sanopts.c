/*
 * sanopts.c - compiled into every program of a sanitizer build (SAN=1).
 *
 * A program installed mode 0711 that runs as a qmail user is not
 * "dumpable", so the sanitizer runtime cannot read /proc/self/environ and
 * never sees ASAN_OPTIONS. These defaults are compiled in instead: no leak
 * checking (short-lived programs exit without freeing by design), and every
 * report goes to a file under SAN_LOG_DIR, where the test runner finds it
 * and counts it as a failure whichever process wrote it.
 */
#define SAN_LOG_DIR "/tmp/qmtest-san"

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0:log_path=" SAN_LOG_DIR "/asan";
}

const char *
__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1:log_path=" SAN_LOG_DIR
	       "/ubsan";
}
