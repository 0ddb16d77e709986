/*
 * connect.c - a TCP connection with a timeout and a chosen source address.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "remote.h"

int
net_connect(const struct ipaddr *peer, unsigned port,
    const struct ipaddr *local, int timeout)
{
	struct sockaddr_storage ss;
	struct pollfd p;
	socklen_t sslen, errlen;
	int fd, err, r, flags;

	fd = socket(peer->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd == -1)
		return -1;
	if (local) {
		sslen = ipaddr_sockaddr(local, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
			err = errno;
			close(fd);
			errno = err;
			return -2;
		}
	}
	sslen = ipaddr_sockaddr(peer, port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sslen) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		p.fd = fd;
		p.events = POLLOUT;
		do
			r = poll(&p, 1, timeout > 0 ? timeout * 1000 : -1);
		while (r == -1 && errno == EINTR);
		if (r == 0)
			errno = ETIMEDOUT;
		if (r <= 0)
			goto fail;
		errlen = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
			goto fail;
		if (err != 0) {
			errno = err;
			goto fail;
		}
	}
	/* the iobufs poll before every read and write */
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}
