"""qmail-smtpd's plain build and its hand-off to qmail-smtpd-tls
(src/qmail-smtpd/handoff.c, doc/PERFORMANCE.md).

tcpserver runs bin/qmail-smtpd; when musl-gcc was there, that is the
plain build (static musl, no OpenSSL, no libidn2), and the same process
becomes bin/qmail-smtpd-tls (exec, same pid) at STARTTLS, or at once for
SMTPS and the DNS checks. Observed from /proc as root: which program the
session's process runs, before and after.
"""
import os
import socket
import time
import unittest

from test_smtpd import TlsBase, lines_done, recv_until


def is_plain_build(path):
    """True when PATH is a static binary (no ELF interpreter)."""
    with open(path, "rb") as f:
        data = f.read()
    return b"ld-linux" not in data and b"ld-musl" not in data


class HandoffTest(TlsBase):

    def setUp(self):
        super().setUp()
        self.plain = os.path.realpath(self.inst.bin("qmail-smtpd"))
        self.full = os.path.realpath(self.inst.bin("qmail-smtpd-tls"))
        if not is_plain_build(self.plain):
            self.skipTest("qmail-smtpd is the full build (no musl-gcc)")

    def session_pid(self, srv):
        """The pid of the qmail-smtpd that tcpserver started."""
        for _ in range(200):
            for d in os.listdir("/proc"):
                if not d.isdigit():
                    continue
                try:
                    with open("/proc/%s/stat" % d) as f:
                        stat = f.read()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == srv.p.pid:
                    return int(d)
            time.sleep(0.05)
        self.fail("no qmail-smtpd child of tcpserver")

    def exe(self, pid):
        return os.readlink("/proc/%d/exe" % pid)

    def test_plain_until_starttls_then_full_same_process(self):
        srv = self.server()
        s = socket.create_connection(("127.0.0.1", srv.port))
        recv_until(s, lines_done(1))
        pid = self.session_pid(srv)
        s.sendall(b"EHLO x\r\nMAIL FROM:<a@b.example>\r\n"
                  b"RCPT TO:<u@example.com>\r\nRSET\r\n")
        r = recv_until(s, lines_done(4)).decode()
        self.assertIn("STARTTLS", r)
        self.assertEqual(self.exe(pid), self.plain)
        # three protocol errors before TLS count after it, too
        s.sendall(b"BOGUS\r\nBOGUS\r\nBOGUS\r\n")
        recv_until(s, lines_done(3))
        s.sendall(b"STARTTLS\r\n")
        r = b""
        while not r.endswith(b"\r\n"):
            r += s.recv(1)
        self.assertTrue(r.startswith(b"220 "), r)
        t = self.ctx.wrap_socket(s, server_hostname="mx.example.test")
        t.sendall(b"EHLO x\r\n")
        r = recv_until(t, lines_done(1)).decode()
        self.assertNotIn("STARTTLS", r)
        self.assertEqual(self.exe(pid), self.full)
        # the session goes on in the full build: a message, and the
        # error budget left over from before TLS
        t.sendall(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<u@example.com>\r\n"
                  b"DATA\r\n")
        recv_until(t, lines_done(3))
        t.sendall(b"\r\nover TLS\r\n.\r\n")
        r = recv_until(t, lines_done(1)).decode()
        self.assertTrue(r.startswith("250 "), r)
        t.sendall(b"BOGUS\r\n" * 7)
        r = recv_until(t, lines_done(7)).decode()
        self.assertIn("421 too many errors", r)
        t.close()
        msg = self.queued()[0][0]
        self.assertIn(b"with ESMTPS", msg)
        self.assertIn(b"over TLS", msg)

    def test_plain_session_never_runs_the_full_build(self):
        srv = self.server()
        s = socket.create_connection(("127.0.0.1", srv.port))
        recv_until(s, lines_done(1))
        pid = self.session_pid(srv)
        s.sendall(b"EHLO x\r\nMAIL FROM:<a@b.example>\r\n"
                  b"RCPT TO:<u@example.com>\r\nDATA\r\n")
        recv_until(s, lines_done(4))
        s.sendall(b"\r\nplain\r\n.\r\n")
        r = recv_until(s, lines_done(1)).decode()
        self.assertTrue(r.startswith("250 "), r)
        self.assertEqual(self.exe(pid), self.plain)
        s.close()

    def test_smtps_and_dns_checks_start_in_the_full_build(self):
        for env in ({"SMTPS": "1"}, {"MFDNSCHECK": "1"}):
            srv = self.server(**env)
            s = socket.create_connection(("127.0.0.1", srv.port))
            pid = self.session_pid(srv)
            for _ in range(100):
                if self.exe(pid) == self.full:
                    break
                time.sleep(0.05)
            self.assertEqual(self.exe(pid), self.full, env)
            s.close()

    def test_idn_domains_through_the_helper(self):
        # libidn2's verdict reaches the plain build: a valid U-label is
        # only not ours (rcpthosts), one with a soft hyphen is invalid
        srv = self.server()
        cmds = ["EHLO x", "MAIL FROM:<a@b\u00fccher.example> SMTPUTF8",
                "RCPT TO:<u@b\u00fccher.example>",
                "RCPT TO:<u@a\u00adb.example>", "QUIT"]
        r = self.raw(srv, "".join(c + "\r\n" for c in cmds).encode(), 15)
        lines = [l for l in r.split("\r\n") if l[3:4] == " "]
        self.assertEqual([l[:3] for l in lines],
                         ["250", "250", "553", "553", "221"], r)
        self.assertNotIn("internationalized", lines[1] + lines[2])
        self.assertIn("invalid internationalized domain", lines[3])

if __name__ == "__main__":
    unittest.main()
