/*
 * fdpass.c - see fdpass.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fdpass.h"

union control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
};

ssize_t
fdpass_sendf(int sock, const void *p, size_t n, const int *fds, size_t nfds,
	     int flags)
{
	union control cm;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t r;

	if (nfds > FDPASS_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&mh, 0, sizeof mh);
	memset(&cm, 0, sizeof cm);
	iov.iov_base = (void *)p;
	iov.iov_len = n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	while (r == -1 && errno == EINTR);
	return r;
}

ssize_t
fdpass_recv(int sock, void *p, size_t n, int *fds, size_t want,
    size_t *count, bool *cut, int flags)
{
	union control cm;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t r;

	*count = 0;
	*cut = false;
	memset(&mh, 0, sizeof mh);
	iov.iov_base = p;
	iov.iov_len = n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof cm.buf;
	do
		r = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		size_t i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (*count < want)
				fds[*count] = fd;
			else
				close(fd);
			++*count;
		}
	}
	*cut = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
	return r;
}

ssize_t
fdpass_send(int sock, const void *p, size_t n, const int *fds, size_t nfds)
{
	return fdpass_sendf(sock, p, n, fds, nfds, 0);
}
