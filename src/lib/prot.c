/*
 * prot.c - user lookups and privilege drops. See prot.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "prot.h"

bool
prot_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return false;
	}
	*uid = pw->pw_uid;
	if (gid)
		*gid = pw->pw_gid;
	return true;
}

bool
prot_group(const char *name, gid_t *gid)
{
	struct group *gr;

	errno = 0;
	gr = getgrnam(name);
	if (gr == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return false;
	}
	*gid = gr->gr_gid;
	return true;
}

bool
prot_drop(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setgroups(1, &gid) == -1)
		return false;
	if (setresgid(gid, gid, gid) == -1)
		return false;
	if (setresuid(uid, uid, uid) == -1)
		return false;
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return false;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid) {
		errno = EPERM;
		return false;
	}
	return true;
}

bool
prot_drop_user(const char *name, const char *group)
{
	uid_t uid;
	gid_t gid, pwgid;

	if (!prot_user(name, &uid, &pwgid))
		return false;
	if (group == NULL)
		gid = pwgid;
	else if (!prot_group(group, &gid))
		return false;
	return prot_drop(uid, gid);
}
