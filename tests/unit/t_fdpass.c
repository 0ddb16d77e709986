/* t_fdpass.c - descriptors over a socket pair: two kept, a third closed
 * (counted in /proc/self/fd), a datagram longer than the buffer reported
 * as cut, bytes without descriptors, too many refused, end of file. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "tap.h"

static size_t
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static bool
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

int
main(void)
{
	int sv[2], fds[3], got[2] = { -1, -1 };
	size_t count, before;
	char buf[4];
	bool cut;
	ssize_t r;

	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	fds[0] = open("/dev/null", O_RDONLY);
	fds[1] = open("/dev/null", O_RDONLY);
	fds[2] = open("/dev/null", O_RDONLY);

	ok(fdpass_send(sv[0], "q", 1, fds, 2) == 1, "two sent");
	r = fdpass_recv(sv[1], buf, 1, got, 2, &count, &cut, 0);
	ok(r == 1 && count == 2 && !cut, "two received, nothing cut");
	ok(is_open(got[0]) && is_open(got[1]) &&
	       (fcntl(got[0], F_GETFD) & FD_CLOEXEC), "kept, close-on-exec");
	close(got[0]);
	close(got[1]);

	ok(fdpass_send(sv[0], "q", 1, fds, 3) == 1, "three sent");
	before = open_fds();
	r = fdpass_recv(sv[1], buf, 1, got, 2, &count, &cut, 0);
	ok(r == 1 && count == 3, "three counted");
	ok(open_fds() == before + 2, "two kept, the third closed");
	close(got[0]);
	close(got[1]);

	ok(fdpass_send(sv[0], "abcdef", 6, NULL, 0) == 6, "bytes only");
	r = fdpass_recv(sv[1], buf, 4, got, 2, &count, &cut, 0);
	ok(r == 4 && count == 0, "no descriptor");

	ok(fdpass_send(sv[0], "q", 1, fds, FDPASS_MAX + 1) == -1,
	   "more than FDPASS_MAX refused");
	close(sv[0]);
	close(sv[1]);

	ok(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "seqpacket");
	ok(fdpass_send(sv[0], "abcdef", 6, fds, 1) == 6, "a long datagram");
	r = fdpass_recv(sv[1], buf, 4, got, 1, &count, &cut, 0);
	ok(r == 4 && count == 1 && cut, "cut reported, descriptor kept");
	close(got[0]);
	close(sv[0]);
	r = fdpass_recv(sv[1], buf, 4, got, 1, &count, &cut, MSG_DONTWAIT);
	ok(r == 0 && count == 0, "end of file");
	return done_testing();
}
