/*
 * auto.h - build-time settings, generated from the conf-* files.
 *
 * The values live in build/auto/auto_*.c, written by scripts/auto-str. They
 * are read-only strings owned by the program image. auto_users and
 * auto_groups are NULL-terminated name lists in the order of conf-users and
 * conf-groups; use the AU_ and AG_ indexes. Names are looked up at run time.
 */
#ifndef AUTO_H
#define AUTO_H

extern const char auto_qmail[];
extern const char auto_queue[];
extern const unsigned long auto_split;
extern const char *const auto_users[];
extern const char *const auto_groups[];
extern const char auto_defaultdelivery[];

enum {
	AU_ALIAS,
	AU_QMAILD,
	AU_QMAILL,
	AU_ROOT,
	AU_QMAILP,
	AU_QMAILQ,
	AU_QMAILR,
	AU_QMAILS,
	AU_COUNT
};
enum { AG_QMAIL, AG_NOFILES };

#endif
