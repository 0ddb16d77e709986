"""qmail-queued: qmail-queue's work done by workers that keep running.

qmail-start starts it as qmailq; every program that queues mail (here
qmail-inject, qmail-smtpd under real tcpserver, and a Python client that
speaks the socket protocol of src/qmail-queued.c) hands its message to a
worker through queue/qq.sock, and falls back to bin/qmail-queue when no
worker answers. Checked: uids and modes, the caller's uid in the Received
line, the fallback, a worker killed in the middle of a message (a
temporary failure, nothing queued), hostile clients, and the stop. Test
users start with "qmtw".
"""
import os
import pwd
import re
import signal
import socket
import stat
import struct
import subprocess
import time
import unittest

from harness import Instance, maildir_messages, needs_root, wait_for
from test_smtpd import Server, lines_done, recv_until

RECEIVED = re.compile(rb"Received: \(qmail (\d+) invoked by uid (\d+)\)")


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f
                    if ":\t" in line)


def comm_pids(name, pgid):
    """Live (not zombie) processes called NAME in process group PGID."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % d) as f:
                if (f.read().strip() == name and
                        os.getpgid(int(d)) == pgid and
                        proc_status(int(d))["State"][0] != "Z"):
                    pids.append(int(d))
        except OSError:
            continue
    return pids


@needs_root
class QueuedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = Instance.shared()

    def setUp(self):
        self.inst.reset()
        md = self.inst.path("alias", "Maildir")
        for sub in ("new", "cur", "tmp"):
            for f in os.listdir(os.path.join(md, sub)):
                os.unlink(os.path.join(md, sub, f))
        self.inst.write_control("locals", "testhost.example\n")
        self.inst.write_control("rcpthosts", "testhost.example\n")
        self.inst.start()
        self.sock = self.inst.path("queue", "qq.sock")
        wait_for(lambda: len(self.workers()) >= 2, 10, what="2 workers")
        self.stopped = []

    def tearDown(self):
        for pid in self.stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self.inst.stop()

    def master(self):
        send = self.inst.send.pid
        found = [p for p in comm_pids("qmail-queued", send)
                 if int(proc_status(p)["PPid"]) == send]
        self.assertEqual(len(found), 1, found)
        return found[0]

    def workers(self):
        try:
            master = self.master()
        except (AssertionError, OSError):
            return []
        out = []
        for p in comm_pids("qmail-queued", self.inst.send.pid):
            try:
                if int(proc_status(p)["PPid"]) == master:
                    out.append(p)
            except OSError:
                continue
        return out

    def inject_as(self, user, body=b"Subject: w\n\nhello\n"):
        t = time.time()
        p = subprocess.run([self.inst.bin("qmail-inject"),
                            "postmaster@testhost.example"], input=body,
                           capture_output=True, timeout=30, user=user.uid,
                           group=user.gid, extra_groups=[])
        self.assertEqual(p.returncode, 0, p.stderr)
        return time.time() - t

    def delivered(self, n=1):
        md = self.inst.path("alias", "Maildir")
        wait_for(lambda: len(maildir_messages(md)) >= n, 20,
                 what="%d deliveries" % n)
        return [m.as_bytes() for m in maildir_messages(md)]

    def client(self, message, env):
        """Speaks the protocol: returns (worker pid, code byte or b"")."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        s.connect(self.sock)
        hello = recv_until(s, lambda b: len(b) >= 5)
        self.assertEqual(hello[:1], b"k")
        pid = struct.unpack("=i", hello[1:5])[0]
        mr, mw = os.pipe()
        er, ew = os.pipe()
        socket.send_fds(s, [b"q"], [mr, er])
        os.close(mr)
        os.close(er)
        os.write(mw, message)
        os.close(mw)
        os.write(ew, env)
        os.close(ew)
        code = s.recv(1)
        s.close()
        return pid, code

    def smtp_at_data(self, srv):
        """A session with qmail-smtpd that has just been told DATA."""
        s = socket.create_connection(("127.0.0.1", srv.port))
        recv_until(s, lines_done(1))
        s.sendall(b"HELO x\r\nMAIL FROM:<a@example.com>\r\n"
                  b"RCPT TO:<postmaster@testhost.example>\r\nDATA\r\n")
        self.assertIn(b"354 ", recv_until(s, lines_done(4)))
        return s

    def assertDropped(self, s):
        """The worker closes S without an answer (a hang fails)."""
        s.settimeout(5)
        self.assertEqual(s.recv(1), b"")

    def assertNothingQueued(self):
        for sub in ("todo", "intd", "mess"):
            self.assertEqual(self.inst.queue_files(sub), [], sub)

    def test_uids_modes_and_parent(self):
        q = pwd.getpwnam("qmailq").pw_uid
        master = self.master()
        for pid in [master] + self.workers():
            uids = proc_status(pid)["Uid"].split()
            self.assertEqual(set(int(u) for u in uids), {q}, pid)
        st = os.lstat(self.sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(st.st_uid, q)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o666)
        st = os.stat(self.inst.path("queue"))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o751)

    def test_injection_by_a_user_is_queued_by_a_worker(self):
        u = self.inst.user("qmtwa")
        workers = self.workers()
        self.inject_as(u)
        m = RECEIVED.search(self.delivered()[0])
        self.assertIsNotNone(m)
        self.assertIn(int(m.group(1)), workers)
        self.assertEqual(int(m.group(2)), u.uid)
        self.assertIn(b"qp %s uid %d" % (m.group(1), u.uid),
                      self.inst.read_log())

    def test_smtp_reply_names_the_worker(self):
        srv = Server(self.inst, {})
        try:
            s = self.smtp_at_data(srv)
            s.sendall(b"Subject: s\r\n\r\nbody\r\n.\r\nQUIT\r\n")
            reply = recv_until(s, lines_done(2))
            s.close()
        finally:
            srv.stop()
        m = re.search(rb"250 ok \d+ qp (\d+)", reply)
        self.assertIsNotNone(m, reply)
        self.assertIn(int(m.group(1)), self.workers())
        self.assertIn(b"invoked from network", self.delivered()[0])

    def test_falls_back_to_qmail_queue_when_no_worker_answers(self):
        u = self.inst.user("qmtwb")
        workers = [self.master()] + self.workers()
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
            self.stopped.append(pid)
        took = self.inject_as(u)
        self.assertGreaterEqual(took, 1.9)  # the 2-second wait, then exec
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        m = RECEIVED.search(self.delivered()[0])
        self.assertNotIn(int(m.group(1)), workers)
        self.assertEqual(int(m.group(2)), u.uid)

    def test_falls_back_when_the_socket_is_gone(self):
        u = self.inst.user("qmtwc")
        os.unlink(self.sock)
        took = self.inject_as(u)
        self.assertLess(took, 1.9)  # no 2-second wait for a greeting
        m = RECEIVED.search(self.delivered()[0])
        self.assertNotIn(int(m.group(1)), self.workers())

    def test_worker_killed_mid_message_is_a_temporary_failure(self):
        srv = Server(self.inst, {})
        try:
            s = self.smtp_at_data(srv)
            s.sendall(b"Subject: s\r\n\r\n" + b"x" * 100000 + b"\r\n")
            for pid in self.workers():
                os.kill(pid, signal.SIGKILL)
            s.sendall(b"end\r\n.\r\nQUIT\r\n")
            reply = recv_until(s, lines_done(2))
            s.close()
        finally:
            srv.stop()
        self.assertRegex(reply, rb"(^|\r\n)451 ")
        self.assertNotIn(b"\r\n250 ok", reply)
        self.assertNothingQueued()
        # the master replaces them, and the next message goes through
        wait_for(lambda: len(self.workers()) >= 2, 10, what="new workers")
        pid, code = self.client(b"Subject: t\n\nx\n",
                                b"Fa@b\0Tpostmaster@testhost.example\0\0")
        self.assertEqual(code, b"\0")
        self.assertEqual(len(self.delivered()), 1)

    def test_exit_codes_come_back_and_bad_clients_are_dropped(self):
        pid, code = self.client(b"x\n", b"Xbad\0\0")
        self.assertEqual(code, bytes([91]))
        pid, code = self.client(b"x\n", b"Fa@b\0Tc@d\0")  # cut short
        self.assertEqual(code, bytes([54]))
        self.assertNothingQueued()
        # no descriptors, three descriptors, nothing at all
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        recv_until(s, lambda b: len(b) >= 5)
        s.sendall(b"q")
        self.assertDropped(s)
        s.close()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        recv_until(s, lambda b: len(b) >= 5)
        fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(3)]
        socket.send_fds(s, [b"q"], fds)
        for fd in fds:
            os.close(fd)
        self.assertDropped(s)
        s.close()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        s.close()
        self.assertNothingQueued()
        self.assertEqual(self.inst.pid_files(), [])
        pid, code = self.client(b"Subject: t\n\nx\n",
                                b"Fa@b\0Tpostmaster@testhost.example\0\0")
        self.assertEqual(code, b"\0")
        self.assertIn(pid, self.workers())
        self.assertEqual(len(self.delivered()), 1)

    def test_many_at_once_grow_the_pool(self):
        socks = []
        try:
            for _ in range(5):  # five clients that greet and wait
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock)
                self.assertEqual(recv_until(s, lambda b: len(b) >= 5)[:1],
                                 b"k")
                socks.append(s)
            wait_for(lambda: len(self.workers()) >= 7, 10,
                     what="5 busy and 2 spare workers")
        finally:
            for s in socks:
                s.close()

    def test_files_are_readable_whatever_the_umask_of_qmail_start(self):
        # a worker's queue files must be 0644 as qmail-queue's, else
        # qmail-todo (qmails) cannot read what qmailq wrote
        self.inst.stop()
        self.inst.start(umask=0o077)
        wait_for(lambda: len(self.workers()) >= 2, 10, what="2 workers")
        workers = self.workers()
        self.inject_as(self.inst.user("qmtwd"))
        m = RECEIVED.search(self.delivered()[0])
        self.assertIn(int(m.group(1)), workers)

    def test_a_second_qmail_queued_leaves_the_socket_alone(self):
        before = os.lstat(self.sock).st_ino
        q = pwd.getpwnam("qmailq")
        p = subprocess.run([self.inst.bin("qmail-queued")], user=q.pw_uid,
                           group=q.pw_gid, capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 111)
        self.assertIn(b"another qmail-queued", p.stderr)
        self.assertEqual(os.lstat(self.sock).st_ino, before)
        pid, code = self.client(b"Subject: t\n\nx\n",
                                b"Fa@b\0Tpostmaster@testhost.example\0\0")
        self.assertEqual(code, b"\0")

    def test_a_signal_after_the_greeting_loses_no_message(self):
        # USR1 (leave) reaches a worker waiting for the descriptors: it
        # still queues the message, then leaves
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        s.connect(self.sock)
        hello = recv_until(s, lambda b: len(b) >= 5)
        pid = struct.unpack("=i", hello[1:5])[0]
        os.kill(pid, signal.SIGUSR1)
        os.kill(pid, signal.SIGHUP)  # ignored
        time.sleep(0.2)
        mr, mw = os.pipe()
        er, ew = os.pipe()
        socket.send_fds(s, [b"q"], [mr, er])
        os.close(mr)
        os.close(er)
        os.write(mw, b"Subject: u\n\nx\n")
        os.close(mw)
        os.write(ew, b"Fa@b\0Tpostmaster@testhost.example\0\0")
        os.close(ew)
        self.assertEqual(s.recv(1), b"\0")
        s.close()
        self.assertEqual(len(self.delivered()), 1)
        wait_for(lambda: pid not in self.workers(), 10,
                 what="the worker to leave after its message")

    def test_workers_leave_when_the_master_is_killed(self):
        pgid = self.inst.send.pid
        self.assertEqual(len(self.workers()), 2)
        os.kill(self.master(), signal.SIGKILL)
        wait_for(lambda: comm_pids("qmail-queued", pgid) == [], 10,
                 what="the orphaned workers to leave")
        # nobody listens on the socket left behind: qmail-queue at once
        took = self.inject_as(self.inst.user("qmtwe"))
        self.assertLess(took, 1.9)
        self.assertEqual(len(self.delivered()), 1)

    def test_stop_removes_the_socket_and_the_workers(self):
        pgid = self.inst.send.pid
        self.assertEqual(len(self.workers()), 2)
        self.inst.stop()
        self.assertFalse(os.path.exists(self.sock))
        self.assertEqual(comm_pids("qmail-queued", pgid), [])
        self.inst.start()  # for tearDown
        wait_for(lambda: os.path.exists(self.sock), 10, what="qq.sock")


if __name__ == "__main__":
    unittest.main()
