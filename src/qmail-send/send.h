/*
 * send.h - qmail-send's parts, shared by the files of src/qmail-send/.
 *
 * qmail-send runs as qmails in the queue directory, with its log on fd 0,
 * the spawners on fds 1-4, qmail-clean on 5/6 and qmail-todo on 7/8
 * (doc/INTERNALS.md). One struct send holds all of its state; main.c owns
 * it and passes it to the other parts:
 *   log.c      log lines in qmail's format, on fd 0
 *   conf.c     control files (start and HUP)
 *   deliver.c  the channels: spawner slots, jobs and passes over
 *              local/S/N and remote/S/N
 *   sched.c    the in-memory schedule: the priority queues, the start-up
 *              scan of local/ and remote/ (and info/ of the older
 *              layout), finishing messages, the periodic cleanup
 *   bounces.c  collecting failure reports and injecting bounces
 *   todo.c     the pipe to qmail-todo
 *   reqpipe.c  requests to a helper, answered in order, not waited for
 *   clean.c    the pipe to qmail-clean (mess/S/N removals, pipelined)
 *   remover.c  qmail-send's own unlinks, done by a child (qmail-remover)
 *   unsynced.c local successes that wait for a barrier on the queue's
 *              file system before they count; the syncer child
 * Memory: a channel keeps in memory only the messages due within
 * SCHED_HORIZON seconds, at most SCHED_CAP of them (a 16-byte heap entry
 * and an id-set slot each), plus those under way (a slot and a job
 * each). Every other queued message waits on disk, its next attempt the
 * mtime of its local/S/N or remote/S/N, until a pass over those
 * directories (every SCHED_RESCAN seconds, BATCH entries per loop) finds
 * it due: memory follows the deliveries, not the queue. Nothing
 * here exits except main(); on ENOMEM or I/O errors a part logs, backs off
 * (SLEEP_SYSFAIL) and tries again later.
 */
#ifndef SEND_H
#define SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <poll.h>
#include <sys/types.h>
#include <time.h>

#include "idset.h"
#include "iobuf.h"
#include "prioq.h"
#include "rewrite.h"
#include "strbuf.h"

#define CHANNELS    2
#define CHAN_LOCAL  0
#define CHAN_REMOTE 1

#define SLEEP_TODO    1500
#define SLEEP_FOREVER 86400
#define SLEEP_CLEANUP 76431
#define SLEEP_SYSFAIL 123
#define OSSIFIED      129600 /* 36 hours: longer than qmail-queue's 24 h */
#define REPORT_MAX    4000   /* delivery report text kept per delivery */
#define RECORD_MAX    1100   /* a record of local/ or remote/ (or info/) */
#define OUTBUF_MAX    65536  /* requests queued for one spawner */
#define SLOT_MAX      65535  /* the widened spawner protocol's slot limit */
#define SCHED_HORIZON 600    /* due later than this: the message waits on disk */
#define SCHED_CAP     50000  /* messages one channel keeps in memory */
#define SCHED_RESCAN  300    /* seconds between passes over the channel dirs */
#define UNSYNCED_MAX  1024   /* 'k' successes waiting for one barrier */
#define UNSYNCED_MS   500    /* ... at most this long after the first */
#define REQPIPE_MAX   1024   /* requests to a helper not yet answered */

struct conf {
	unsigned long lifetime;
	unsigned long concurrency[CHANNELS];
	unsigned long bouncemaxbytes; /* 0: no limit */
	struct strbuf bouncefrom;
	struct strbuf bouncehost;
	struct strbuf doublebounceto; /* full address; "" discards */
	struct rewrite rw;
};

struct del {
	bool used;
	size_t job;
	unsigned long delid;
	off_t mpos; /* where the record's T is, in the channel file */
	struct strbuf recip;
};

struct job {
	unsigned refs; /* 0: free */
	unsigned long id;
	int channel;
	time_t retry;
	bool dying;  /* past queuelifetime: a deferral is a failure */
	bool hiteof; /* the pass read the whole channel file */
	bool older;  /* the file has no head: sender and birth in info/ */
	size_t numtodo;
	struct strbuf sender;
};

struct unsynced {
	size_t job;   /* the delivery's job, still open */
	off_t mpos;   /* its record's T */
	long long at; /* monotonic ms: its 'k' came */
};

/* a helper's pipes and its requests not yet answered (reqpipe.c) */
struct reqpipe {
	int to, from; /* -1: closed */
	struct {
		unsigned long id;
		int what; /* the caller's kind of request */
	} q[REQPIPE_MAX]; /* a ring, oldest at head */
	size_t head, n;
};

struct pass {
	unsigned long id; /* 0: no pass */
	size_t job;
	int fd;
	off_t mpos;
	struct iobuf in;
	char buf[4096];
};

struct reply {
	unsigned char head[3]; /* slot (2 bytes) and status */
	size_t headlen;
	struct strbuf text;
	bool cut;
};

struct chan {
	int fdout, fdin;
	bool alive;
	unsigned long ceiling;
	unsigned long concurrency; /* min(ceiling, control file) */
	unsigned long used;
	struct del *d;
	size_t dcap;
	size_t hint; /* where to look for a free slot */
	struct strbuf out;
	size_t outpos;
	struct reply reply;
	struct prioq pq;
	struct idset mem; /* ids in pq or under way on this channel */
	struct idset fin; /* ids whose file here is all done, kept while it
			     may be the message's last (sched.c) */
	struct pass pass;
};

struct send {
	struct conf conf;
	struct chan chan[CHANNELS];
	struct job *jobs;
	size_t njobs;
	size_t *freejobs; /* stack of free job indexes */
	size_t nfree;
	struct prioq pqdone; /* messages whose channels may be finished */
	struct prioq pqfail; /* messages to look at again after an error */
	struct idset finishing; /* bounce injected, channel files going */
	struct idset older;	/* finishing ones with an info/ file */
	time_t now;
	bool flag_exit;
	unsigned long next_delid;
	/* qmail-todo */
	int todo_in, todo_out;
	bool todo_alive;
	struct strbuf todo_buf;
	/* qmail-clean: mess/S/N requests (clean.c); closed once it died */
	struct reqpipe clean;
	/* qmail-remover (remover.c); closed: qmail-send unlinks inline */
	struct reqpipe remover;
	pid_t remover_pid;
	/* cleanup of mess/ leftovers */
	time_t cleanup_time;
	bool cleanup_running;
	unsigned long cleanup_split;
	void *cleanup_dir;
	/* passes over local/ and remote/ for messages waiting on disk */
	time_t rescan_time;
	bool rescan_running;
	bool rescan_soon; /* a due message found no room: pass again soon */
	bool rescan_all;  /* ALRM: every message is due */
	bool rescan_skipped; /* a due message had a todo/ entry: pass again */
	time_t rescan_backoff; /* after such a pass: 1, 2, 4 ... SCHED_RESCAN s */
	int rescan_chan;
	unsigned long rescan_split;
	void *rescan_dir;
	/* successes waiting for a barrier (unsynced.c) */
	int queuefd;
	struct unsynced unsynced[UNSYNCED_MAX];
	size_t nunsynced;
	int syncer_to, syncer_from; /* the syncer child's pipes, or -1 */
	pid_t syncer_pid;
	bool sync_inflight;  /* a barrier asked for, not yet answered */
	size_t sync_covered; /* the first entries it counts for */
	unsigned long sync_fail_delid; /* a barrier failed: 'k' of an
					  earlier delivery is not done */
	/* scratch file names */
	struct strbuf fn, fn2;
};

/* main.c */
/* helper_fork: a child of qmail-send with a request pipe as its fd 0 and
 * a reply pipe as its fd 1, fd 2 shared, KEEP (if >= 3) kept, every other
 * descriptor closed, TERM, HUP, ALRM and INT ignored, and killed when
 * qmail-send dies (PR_SET_PDEATHSIG): returns 0 in the
 * child; in qmail-send its pid, with *TO and *FROM its pipes' other ends
 * (close-on-exec), or -1 */
pid_t helper_fork(int *to, int *from, int keep);

/* log.c */
void log_begin(void);
void log_add(const char *s);
void log_addsafe(const char *s);
void log_addnum(unsigned long n);
void log_end(void);
void log_str(const char *s);
void log_status(const struct send *st);

/* conf.c */
bool conf_load(struct conf *conf, bool initial);
void conf_reread(struct send *st);
void conf_free(struct conf *conf);

/* deliver.c */
bool deliver_init(struct send *st);
void deliver_apply_concurrency(struct send *st);
bool deliver_canexit(const struct send *st);
void deliver_pollfds(struct send *st, struct pollfd *p, size_t *n);
void deliver_io(struct send *st, const struct pollfd *p, size_t n);
void deliver_passes(struct send *st);
bool deliver_busy(const struct send *st);
void deliver_finish(struct send *st, size_t job, off_t mpos, bool done);
void deliver_wakeup(const struct send *st, time_t *wakeup);

/* sched.c */
void sched_add(struct send *st, unsigned long id);
void sched_start(struct send *st);
void sched_finish(struct send *st);
void sched_run_now(struct send *st);
void sched_insert(struct send *st, struct prioq *pq, unsigned long id,
		  time_t dt);
void sched_done_add(struct send *st, unsigned long id, time_t dt);
void sched_chan(struct send *st, int c, unsigned long id, time_t dt,
		bool on_disk);
void sched_chan_gone(struct send *st, int c, unsigned long id);
void sched_chan_done(struct send *st, int c, unsigned long id, bool older);
void sched_chan_removed(struct send *st, int c, unsigned long id);
void sched_do(struct send *st);
void sched_wakeup(const struct send *st, time_t *wakeup);

/* unsynced.c */
void unsynced_init(struct send *st);
void unsynced_pollfd(const struct send *st, struct pollfd *p, size_t *n);
void unsynced_io(struct send *st, const struct pollfd *p, size_t n);
void unsynced_add(struct send *st, size_t job, off_t mpos);
void unsynced_flush(struct send *st, bool now);
void unsynced_timeout(const struct send *st, struct timespec *ts);

/* bounces.c */
bool bounces_add(struct send *st, unsigned long id, const char *recip,
		 const char *report);
bool bounces_inject(struct send *st, unsigned long id);

/* reqpipe.c: answers are taken in order, each given to the caller's
 * reqpipe_answer_fn with its request's id and kind and whether it was
 * '+'. reqpipe_take reads what has come (WAIT: at least one answer) and
 * returns false when the helper is gone; reqpipe_room makes room for one
 * more request (false: gone); reqpipe_ask writes REQ[0..LEN) and
 * remembers it (false: not written, nothing remembered). */
typedef void reqpipe_answer_fn(struct send *st, unsigned long id, int what,
			       bool ok);
void reqpipe_init(struct reqpipe *rp, int to, int from);
void reqpipe_close(struct reqpipe *rp);
bool reqpipe_take(struct send *st, struct reqpipe *rp, bool wait,
		  reqpipe_answer_fn *fn);
bool reqpipe_room(struct send *st, struct reqpipe *rp, reqpipe_answer_fn *fn);
bool reqpipe_ask(struct reqpipe *rp, const char *req, size_t len,
		 unsigned long id, int what);
bool reqpipe_pop(struct reqpipe *rp, unsigned long *id, int *what);
bool reqpipe_has(const struct reqpipe *rp, unsigned long id);
void reqpipe_pollfd(const struct reqpipe *rp, struct pollfd *p, size_t *n);
bool reqpipe_ready(const struct reqpipe *rp, const struct pollfd *p,
		   size_t n);

/* clean.c */
void clean_init(struct send *st);
void clean_mess(struct send *st, unsigned long id);
void clean_pollfd(const struct send *st, struct pollfd *p, size_t *n);
void clean_io(struct send *st, const struct pollfd *p, size_t n);
void clean_drain(struct send *st);

/* remover.c */
void remover_init(struct send *st);
void remove_chan(struct send *st, int c, unsigned long id);
void remove_info(struct send *st, unsigned long id);
bool remove_pending(const struct send *st, unsigned long id);
void remover_pollfd(const struct send *st, struct pollfd *p, size_t *n);
void remover_io(struct send *st, const struct pollfd *p, size_t n);
void remover_drain(struct send *st);

/* todo.c */
void todo_init(struct send *st);
void todo_pollfd(struct send *st, struct pollfd *p, size_t *n);
void todo_io(struct send *st, const struct pollfd *p, size_t n);
void todo_tell(struct send *st, char c);

#endif
