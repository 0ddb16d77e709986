/*
 * prot.h - user lookups and privilege drops.
 *
 * Users and groups are looked up by name at run time (conf-users and
 * conf-groups give the names). prot_drop does the steps in a fixed order:
 * setgroups, setresgid, setresuid, then verifies with getresuid/getresgid
 * that nothing of the old identity is left. Every function returns false
 * with errno set on failure; the caller fails temporarily. Not for use in
 * signal handlers.
 */
#ifndef PROT_H
#define PROT_H

#include <stdbool.h>
#include <sys/types.h>

/* prot_user: looks up NAME; false (errno ENOENT if unknown) on failure */
bool prot_user(const char *name, uid_t *uid, gid_t *gid);
/* prot_group: looks up group NAME */
bool prot_group(const char *name, gid_t *gid);
/* prot_drop: becomes UID:GID with the single supplementary group GID */
bool prot_drop(uid_t uid, gid_t gid);
/* prot_drop_user: prot_drop to qmail user NAME (conf-users) with group
 * GROUP (conf-groups) */
bool prot_drop_user(const char *name, const char *group);

#endif
