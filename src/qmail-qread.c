/*
 * qmail-qread - lists the messages in the queue, as qmail's qmail-qread.
 *
 * For each preprocessed message (local/S/N and/or remote/S/N, or info/S/N
 * of the older layout; doc/INTERNALS.md) it prints
 *   26 Sep 1995 04:46:54 GMT  #N  SIZE  <sender>  [bouncing]
 * and one line per recipient, "\tlocal\t<rcpt>" or "\tremote\t<rcpt>",
 * prefixed with "  done" once delivered or bounced. The sender and the
 * date, the message's birth, come from the head of its channel file
 * (lib/queue.h; older layout: info/S/N and its mtime), the size from
 * mess/S/N.
 * Bytes outside printable ASCII are shown as '_', as qmail does. Messages
 * still in todo/ are not listed (qmail-qstat counts them).
 *
 * info/, local/ and remote/ belong to qmails, mode 0700: run as root (the
 * program then becomes qmails:qmail before reading anything) or as qmails.
 * Exit 0, or 111 when the queue cannot be read; a message that vanishes or
 * is unreadable while listed gives a warning on stderr and is skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "prot.h"
#include "queue.h"
#include "strbuf.h"

/* local/ and remote/ hold one line per recipient, so a limit only guards
 * against a corrupt file */
#define RCPTS_MAX  (256UL * 1024 * 1024)

static void
die_queue(const char *what)
{
	if (errno == EACCES || errno == EPERM)
		die_temp("cannot read %s: permission denied (run qmail-qread "
			 "as root or as %s)",
		    what, auto_users[AU_QMAILS]);
	die_temp_sys("cannot read %s", what);
}

/* out: prints S, with bytes outside printable ASCII as '_' */
static void
out(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		putchar(s[i] >= 32 && s[i] <= 126 ? s[i] : '_');
}

static int
cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* read_file: reads at most MAX bytes of PATH into OUT; false with errno
 * (EFBIG when larger) */
static bool
read_file(const char *path, struct strbuf *out, size_t max)
{
	char buf[8192];
	ssize_t r;
	int fd;

	out->len = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return false;
	for (;;) {
		r = read(fd, buf, sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		if (out->len + (size_t)r > max) {
			errno = EFBIG;
			goto fail;
		}
		if (!strbuf_append(out, buf, (size_t)r))
			die_nomem();
	}
	close(fd);
	xstrbuf_terminate(out);
	return true;
fail:
	close(fd);
	return false;
}

static void
trouble(unsigned long id, const char *what)
{
	warn_sys("trouble with #%lu: %s", id, what);
}

/* recipients: prints the lines of local/S/N or remote/S/N */
static void
recipients(unsigned long id, const char *dir, const char *channel)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	const char *p, *end, *nul;

	if (!queue_path(&path, dir, id))
		die_nomem();
	if (!read_file(path.data, &text, RCPTS_MAX)) {
		if (errno != ENOENT)
			trouble(id, path.data);
		goto done;
	}
	p = text.data;
	end = p + text.len;
	while (p < end && (nul = memchr(p, '\0', (size_t)(end - p)))) {
		if (*p == 'D' || *p == 'T') {
			if (*p == 'D')
				fputs("  done", stdout);
			printf("\t%s\t", channel);
			out(p + 1, (size_t)(nul - p - 1));
			putchar('\n');
		}
		p = nul + 1;
	}
done:
	strbuf_free(&path);
	strbuf_free(&text);
}

/* head: the sender (NUL-terminated) and birth of message ID; false
 * (reported) when they cannot be read */
static bool
head(unsigned long id, struct strbuf *sender, time_t *birth)
{
	struct strbuf path = STRBUF_INIT;
	bool ok = queue_sender_of(id, &path, sender, birth) == 1;

	if (!ok) {
		if (path.data == NULL)
			die_nomem();
		trouble(id, path.data);
	}
	strbuf_free(&path);
	return ok;
}

static void
message(unsigned long id)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct strbuf path = STRBUF_INIT, sender = STRBUF_INIT;
	struct stat st;
	struct tm tm;
	off_t size;
	bool bouncing;
	time_t birth;

	if (!queue_path(&path, "mess", id))
		die_nomem();
	if (stat(path.data, &st) == -1) {
		trouble(id, path.data);
		goto done;
	}
	size = st.st_size;
	if (!queue_path(&path, "bounce", id))
		die_nomem();
	bouncing = stat(path.data, &st) == 0;
	if (!head(id, &sender, &birth))
		goto done;
	if (gmtime_r(&birth, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	printf("%d %s %d %02d:%02d:%02d GMT  #%lu  %lld  <", tm.tm_mday,
	    months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, id, (long long)size);
	out(sender.data, sender.len);
	fputs("> ", stdout);
	if (bouncing)
		fputs(" bouncing", stdout);
	putchar('\n');
	recipients(id, "local", "local");
	recipients(id, "remote", "remote");
done:
	strbuf_free(&path);
	strbuf_free(&sender);
}

/* add_ids: appends the message ids in DIR/SPLIT to *IDS */
static void
add_ids(const char *dir, unsigned long split, unsigned long **ids,
	size_t *n, size_t *cap)
{
	struct strbuf path = STRBUF_INIT;
	unsigned long id;
	DIR *dp;

	xstrbuf_copys(&path, dir);
	xstrbuf_append(&path, "/", 1);
	xstrbuf_append_ulong(&path, split);
	if ((dp = opendir(path.data)) == NULL)
		die_queue(path.data);
	for (;;) {
		const struct dirent *d;

		errno = 0;
		if ((d = readdir(dp)) == NULL)
			break;
		if (!queue_parse_id(d->d_name, &id) || queue_split(id) != split)
			continue;
		if (*n == *cap) {
			size_t bytes;

			*cap = *cap ? *cap * 2 : 64;
			if (__builtin_mul_overflow(*cap, sizeof **ids, &bytes))
				die_nomem();
			*ids = xrealloc(*ids, bytes);
		}
		(*ids)[(*n)++] = id;
	}
	if (errno != 0)
		die_queue(path.data);
	closedir(dp);
	strbuf_free(&path);
}

/* list_split: the messages of split SPLIT, sorted, each once: those with
 * a channel file, and those of the older layout with info/S/N alone */
static size_t
list_split(unsigned long split, unsigned long **ids, size_t *cap)
{
	size_t i, n = 0, kept = 0;

	add_ids("local", split, ids, &n, cap);
	add_ids("remote", split, ids, &n, cap);
	add_ids("info", split, ids, &n, cap);
	if (n > 1)
		qsort(*ids, n, sizeof **ids, cmp_ulong);
	for (i = 0; i < n; i++)
		if (kept == 0 || (*ids)[kept - 1] != (*ids)[i])
			(*ids)[kept++] = (*ids)[i];
	return kept;
}

int
main(int argc, char **argv)
{
	unsigned long split, *ids = NULL;
	size_t i, cap = 0;

	die_init("qmail-qread");
	if (argc > 1)
		die_perm("usage: %s", argv[0] ? argv[0] : "qmail-qread");
	if (chdir(auto_queue) == -1)
		die_queue(auto_queue);
	if (geteuid() == 0 &&
	    !prot_drop_user(auto_users[AU_QMAILS], auto_groups[AG_QMAIL]))
		die_temp_sys("cannot become %s", auto_users[AU_QMAILS]);
	for (split = 0; split < auto_split; split++) {
		size_t n = list_split(split, &ids, &cap);

		for (i = 0; i < n; i++)
			message(ids[i]);
	}
	free(ids);
	if (fflush(stdout) == EOF || ferror(stdout))
		die_temp_sys("cannot write the listing");
	return 0;
}
