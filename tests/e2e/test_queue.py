"""qmail-queue, qmail-qread and qmail-qstat, end to end.

What lands in the queue (files, owners, modes, bytes), the exit codes of
qmail-queue(8) for bad envelopes, what a kill -9 leaves, a full disk (a real
tmpfs mounted over a copy of the queue of a dedicated instance), and the
listings of qmail-qread and qmail-qstat. Test users start with "qmtq".
"""
import calendar
import errno
import grp
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest

import harness
import qrecord
from harness import Instance, needs_root, wait_for


def _conf(name):
    with open(os.path.join(harness.TOP, name)) as f:
        return f.readline().split()


USERS = dict(zip(["alias", "qmaild", "qmaill", "root", "qmailp", "qmailq",
                  "qmailr", "qmails"], _conf("conf-users")))
GROUPS = dict(zip(["qmail", "nofiles"], _conf("conf-groups")))
SPLIT = int(_conf("conf-split")[0])

RECEIVED = re.compile(
    rb"Received: \(qmail (\d+) invoked (by uid (\d+)|by alias|from network"
    rb"|for bounce)\); (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    rb"|Nov|Dec) (\d{4}) (\d\d):(\d\d):(\d\d) -0000\n")
MONTHS = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug",
          b"Sep", b"Oct", b"Nov", b"Dec"]


def envelope(sender, rcpts):
    return b"F" + sender + b"\0" + b"".join(b"T" + r + b"\0"
                                            for r in rcpts) + b"\0"


def run_qq(inst, message, env_bytes, user=None, umask=-1, preexec=None,
           env=None):
    """Runs bin/qmail-queue with MESSAGE on fd 0 and ENV_BYTES on fd 1 (a
    file, so that any size fits); returns (exit code, stderr)."""
    with tempfile.TemporaryFile() as ef, tempfile.TemporaryFile() as mf:
        ef.write(env_bytes)
        ef.seek(0)
        mf.write(message)
        mf.seek(0)
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kw = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        p = subprocess.run([inst.bin("qmail-queue")], stdin=mf, stdout=ef,
                           stderr=subprocess.PIPE, timeout=60, umask=umask,
                           preexec_fn=preexec, env=env or {}, **kw)
    return p.returncode, p.stderr.decode(errors="replace")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def queue_leftovers(inst):
    return {sub: inst.queue_files(sub) for sub in ("todo", "intd", "mess")}


class QueueTestCase(unittest.TestCase):
    inst = None

    def assertNothingQueued(self, inst=None, leftovers_ok=False):
        inst = inst or self.inst
        self.assertEqual(inst.queue_files("todo"), [], "todo/ not empty")
        if not leftovers_ok:
            self.assertEqual(queue_leftovers(inst),
                             {"todo": [], "intd": [], "mess": []},
                             "failure left files behind")
            self.assertEqual(inst.pid_files(), [])

    def only_message(self, inst=None):
        """Returns (N, mess bytes, queue-form envelope) of the one queued
        message."""
        inst = inst or self.inst
        mess = inst.queue_files("mess")
        todo = inst.queue_files("todo")
        self.assertEqual(len(mess), 1, mess)
        self.assertEqual(len(todo), 1, todo)
        n = int(os.path.basename(mess[0]))
        self.assertEqual(mess[0], inst.path("queue", "mess", str(n % SPLIT),
                                            str(n)))
        self.assertEqual(todo[0], inst.path("queue", "todo", str(n % SPLIT),
                                            str(n)))
        return n, read(mess[0]), qrecord.envelope(todo[0])


@needs_root
class TestQueueBasics(QueueTestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = Instance.shared()

    def setUp(self):
        self.inst.reset()

    def test_install_owners_and_modes(self):
        st = os.stat(self.inst.bin("qmail-queue"))
        self.assertEqual(pwd.getpwuid(st.st_uid).pw_name, USERS["qmailq"])
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o4711)
        want = [("queue", "qmailq", 0o751), ("queue/pid", "qmailq", 0o700),
                ("queue/pid/0", "qmailq", 0o700),
                ("queue/pid/%d" % (SPLIT - 1), "qmailq", 0o700),
                ("queue/mess", "qmailq", 0o750),
                ("queue/mess/0", "qmailq", 0o750),
                ("queue/intd/0", "qmailq", 0o700),
                ("queue/todo/0", "qmailq", 0o750),
                ("queue/info/0", "qmails", 0o700),
                ("queue/local/0", "qmails", 0o700),
                ("queue/remote/0", "qmails", 0o700),
                ("queue/bounce/0", "qmails", 0o700),
                ("queue/lock", "qmailq", 0o750)]
        for rel, owner, mode in want:
            st = os.stat(self.inst.path(rel))
            self.assertEqual(pwd.getpwuid(st.st_uid).pw_name, USERS[owner],
                             rel)
            self.assertEqual(grp.getgrgid(st.st_gid).gr_name,
                             GROUPS["qmail"], rel)
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, rel)
        st = os.stat(self.inst.path("queue", "lock", "trigger"))
        self.assertTrue(stat.S_ISFIFO(st.st_mode))

    def test_message_lands_in_mess_and_todo(self):
        msg = b"Subject: hello\n\nbody line\n"
        before = time.time()
        p = self.inst.queue(msg, "a@example.org",
                            ["b@example.net", "c@example.com"])
        self.assertEqual(p.returncode, 0, p.stderr)
        n, mess, todo = self.only_message()
        m = RECEIVED.match(mess)
        self.assertIsNotNone(m, mess[:200])
        pid = int(m.group(1))
        self.assertEqual(m.group(2), b"by uid 0")
        self.assertEqual(mess[m.end():], msg, "message not kept verbatim")
        stamp = calendar.timegm((int(m.group(6)),
                                 MONTHS.index(m.group(5)) + 1,
                                 int(m.group(4)), int(m.group(7)),
                                 int(m.group(8)), int(m.group(9))))
        self.assertLessEqual(abs(stamp - before), 60)
        self.assertEqual(todo, b"u0\0p%d\0Fa@example.org\0Tb@example.net"
                         b"\0Tc@example.com\0" % pid)
        # N is the inode of the message; todo is a link of intd, or (ext4
        # without a journal) of the message file, with the record on it
        mpath = self.inst.path("queue", "mess", str(n % SPLIT), str(n))
        tpath = self.inst.path("queue", "todo", str(n % SPLIT), str(n))
        ipath = self.inst.path("queue", "intd", str(n % SPLIT), str(n))
        self.assertEqual(os.stat(mpath).st_ino, n)
        if qrecord.expected(tpath):
            self.assertEqual(os.stat(tpath).st_ino, n)
            self.assertFalse(os.path.exists(ipath))
            rec = qrecord.decode(qrecord.record(tpath))
            self.assertEqual((rec["id"], rec["msglen"], rec["boot"]),
                             (n, len(mess), qrecord.boot_id()))
            self.assertEqual(rec["msghash"],
                             qrecord.siphash(qrecord.KEY, mess))
        else:
            self.assertIsNone(qrecord.record(tpath))
            self.assertEqual(os.stat(tpath).st_ino, os.stat(ipath).st_ino)
        for path in (mpath, tpath):
            st = os.stat(path)
            self.assertEqual(pwd.getpwuid(st.st_uid).pw_name,
                             USERS["qmailq"])
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o644)
        self.assertEqual(self.inst.pid_files(), [])

    def test_empty_message_and_no_recipients(self):
        rc, err = run_qq(self.inst, b"", b"F\0\0")
        self.assertEqual(rc, 0, err)
        n, mess, todo = self.only_message()
        self.assertIsNotNone(RECEIVED.fullmatch(mess), mess)
        self.assertTrue(todo.endswith(b"\0F\0"), todo)

    def test_large_binary_message_is_exact(self):
        msg = bytes(range(256)) * 8192 + b"no newline at the end"
        rc, err = run_qq(self.inst, msg, envelope(b"s@x", [b"r@y"]))
        self.assertEqual(rc, 0, err)
        n, mess, todo = self.only_message()
        self.assertEqual(mess[RECEIVED.match(mess).end():], msg)

    def test_address_of_1000_bytes_is_accepted(self):
        addr = b"x" * 990 + b"@e.example"
        self.assertEqual(len(addr), 1000)
        rc, err = run_qq(self.inst, b"\n", envelope(addr, [addr]))
        self.assertEqual(rc, 0, err)
        n, mess, todo = self.only_message()
        self.assertTrue(todo.endswith(b"\0F" + addr + b"\0T" + addr + b"\0"))

    def test_bad_envelopes_exit_codes_and_leave_nothing(self):
        long_addr = b"x" * 1001
        cases = [
            ("missing final NUL", b"Fa@b\0Tc@d\0", 54),
            ("empty envelope", b"", 54),
            ("cut inside an address", b"Fa@b\0Tc@", 54),
            ("no F record", b"Tc@d\0\0", 91),
            ("a lone NUL", b"\0", 91),
            ("second F", b"Fa\0Fb\0\0", 91),
            ("garbage", b"GET / HTTP/1.0\r\n\r\n", 91),
            ("sender over 1000 bytes", b"F" + long_addr + b"\0Tc\0\0", 11),
            ("recipient over 1000 bytes",
             b"Fa\0Tb\0T" + long_addr + b"\0\0", 11),
            ("over 1000 bytes, no NUL at all", b"F" + b"y" * 100000, 11),
        ]
        for name, env_bytes, want in cases:
            with self.subTest(name):
                rc, err = run_qq(self.inst, b"Subject: x\n\nbody\n",
                                 env_bytes)
                self.assertEqual(rc, want, "%s: %s" % (name, err))
                self.assertIn("qmail-queue: fatal:", err)
                self.assertNothingQueued()

    def test_received_line_names_the_caller(self):
        u = self.inst.user("qmtqa")
        cases = [("qmtqa", b"by uid %d" % u.uid),
                 (USERS["alias"], b"by alias"),
                 (USERS["qmaild"], b"from network"),
                 (USERS["qmails"], b"for bounce")]
        for user, want in cases:
            with self.subTest(user):
                self.inst.reset()
                rc, err = run_qq(self.inst, b"\n", envelope(b"s", [b"r"]),
                                 user=user)
                self.assertEqual(rc, 0, err)
                n, mess, todo = self.only_message()
                m = RECEIVED.match(mess)
                self.assertEqual(m.group(2), want)
                uid = pwd.getpwnam(user).pw_uid
                self.assertTrue(todo.startswith(b"u%d\0p%s\0" %
                                                (uid, m.group(1))), todo)

    def test_caller_cannot_change_modes_or_output(self):
        """A hostile caller: umask 0777, fd 2 closed, a poisoned
        environment. The files still get qmail's modes and exact bytes."""
        def hostile():
            os.close(2)
        env = {"LD_PRELOAD": "/nonexistent.so", "TZ": "Antarctica/Troll",
               "QMAILQUEUE": "/bin/false", "MALLOC_CHECK_": "3"}
        msg = b"Subject: hostile\n\n"
        self.inst.user("qmtqb")
        rc, err = run_qq(self.inst, msg, envelope(b"s", [b"r"]),
                         user="qmtqb", umask=0o777, preexec=hostile,
                         env=env)
        self.assertEqual(rc, 0, err)
        n, mess, todo = self.only_message()
        m = RECEIVED.match(mess)
        self.assertEqual(mess[m.end():], msg)
        for sub in ("mess", "todo"):
            path = self.inst.path("queue", sub, str(n % SPLIT), str(n))
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644)
        # with fd 2 closed, an error message must not land in a queue file
        rc, err = run_qq(self.inst, b"x\n", b"Fs\0X\0\0", preexec=hostile)
        self.assertEqual(rc, 91)
        self.assertEqual(len(self.inst.queue_files("todo")), 1)

    def _qq_injected(self, fault):
        """qmail-queue under strace -e inject=FAULT; (exit code, stderr)"""
        if not shutil.which("strace"):
            self.skipTest("needs strace")
        if not qrecord.expected(self.inst.path("queue")):
            self.skipTest("no record commit on this file system")
        with tempfile.TemporaryFile() as ef, tempfile.TemporaryFile() as mf:
            ef.write(envelope(b"s@x", [b"r@y"]))
            ef.seek(0)
            mf.write(b"Subject: injected\n\nbody\n")
            mf.seek(0)
            p = subprocess.run(["strace", "-qq", "-o", "/dev/null", "-e",
                                "inject=" + fault,
                                self.inst.bin("qmail-queue")],
                               stdin=mf, stdout=ef, stderr=subprocess.PIPE,
                               timeout=60, env={})
        return p.returncode, p.stderr.decode(errors="replace")

    def test_record_refused_falls_back_to_qmails_files(self):
        # no room for the record (or no user xattrs): qmail's commit
        rc, err = self._qq_injected("fsetxattr:error=ENOSPC")
        self.assertEqual(rc, 0, err)
        n, mess, todo = self.only_message()
        tpath = self.inst.path("queue", "todo", str(n % SPLIT), str(n))
        ipath = self.inst.path("queue", "intd", str(n % SPLIT), str(n))
        self.assertIsNone(qrecord.record(tpath))
        self.assertEqual(os.stat(tpath).st_ino, os.stat(ipath).st_ino)
        self.assertTrue(todo.endswith(b"\0Fs@x\0Tr@y\0"), todo)
        self.assertEqual(self.inst.pid_files(), [])

    def test_record_commit_fsync_failure_leaves_nothing(self):
        # the one fsync fails after the link into todo/: 53, and the
        # link is taken back
        rc, err = self._qq_injected("fsync:error=EIO")
        self.assertEqual(rc, 53, err)
        self.assertNothingQueued()

    def _start_qq(self):
        """Starts qmail-queue with pipes for the message and envelope;
        returns (Popen, envelope write fd)."""
        r, w = os.pipe()
        p = subprocess.Popen([self.inst.bin("qmail-queue")],
                             stdin=subprocess.PIPE, stdout=r,
                             stderr=subprocess.DEVNULL, env={})
        os.close(r)
        return p, w

    def _kill(self, p):
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        self.assertEqual(p.returncode, -signal.SIGKILL)

    def _pid_file_ends_with(self, msg):
        return any(read(p).endswith(msg) for p in self.inst.pid_files())

    def test_kill9_while_waiting_for_the_envelope(self):
        msg = b"Subject: killed\n\n" + b"x" * 100000
        for partial in (b"", b"Fa@b\0Tc@d\0"):
            with self.subTest(partial=partial):
                self.inst.reset()
                p, w = self._start_qq()
                try:
                    p.stdin.write(msg)
                    p.stdin.close()
                    # the message file (still pid/...) is written whole
                    # before qmail-queue reads the envelope
                    wait_for(lambda: self._pid_file_ends_with(msg), 20,
                             what="the whole message in pid/")
                    os.write(w, partial)
                    time.sleep(0.1)
                    self._kill(p)
                finally:
                    os.close(w)
                # leftovers may stay in mess/ and intd/ for qmail-send's
                # 36-hour clean-up; nothing may reach todo/
                self.assertNothingQueued(leftovers_ok=True)

    def test_kill9_while_reading_the_message(self):
        p, w = self._start_qq()
        try:
            p.stdin.write(b"Subject: half\n\n" + b"y" * 70000)
            p.stdin.flush()
            wait_for(lambda: self.inst.pid_files(),
                     20, what="pid/ file")
            # a process's first message goes to pid/T with T = pid mod
            # conf-split (the next ones turn on: each pid/T has a block
            # group of its own)
            self.assertEqual(
                [os.path.relpath(os.path.dirname(f), self.inst.path("queue"))
                 for f in self.inst.pid_files()],
                ["pid/%d" % (p.pid % SPLIT)])
            self._kill(p)
            p.stdin.close()
        finally:
            os.close(w)
        self.assertNothingQueued(leftovers_ok=True)

    def _pid_dirs(self):
        return [self.inst.path("queue", "pid", str(t)) for t in range(SPLIT)]

    def test_queue_made_before_pid_t_is_used_flat(self):
        # a queue set up before pid/T existed has only pid/: qmail-queue
        # makes its scratch name there instead of failing
        for d in self._pid_dirs():
            os.rmdir(d)
        try:
            p = self.inst.queue(b"Subject: flat\n\nx\n", "a@b", ["c@d"])
            self.assertEqual(p.returncode, 0, p.stderr)
            n, mess, _ = self.only_message()
            self.assertTrue(mess.endswith(b"Subject: flat\n\nx\n"))
            self.assertEqual(self.inst.pid_files(), [])
        finally:
            q = pwd.getpwnam(USERS["qmailq"])
            for d in self._pid_dirs():
                if not os.path.isdir(d):
                    os.mkdir(d, 0o700)
                    os.chown(d, q.pw_uid, grp.getgrnam(GROUPS["qmail"]).gr_gid)

    def test_qmail_clean_removes_ossified_pid_files(self):
        # what a killed qmail-queue left in pid/ or pid/T/ goes after 36
        # hours (by atime), at qmail-clean's start; younger files stay
        old = time.time() - 37 * 3600
        young = time.time() - 35 * 3600
        made = {}
        for rel, t in (("pid/1.1.1", old), ("pid/3/2.2.1", old),
                       ("pid/%d/3.3.1" % (SPLIT - 1), old),
                       ("pid/3/4.4.1", young), ("pid/5.5.1", young)):
            path = self.inst.path("queue", rel)
            with open(path, "wb") as f:
                f.write(b"left")
            os.utime(path, (t, t))
            made[rel] = t == young
        q = pwd.getpwnam(USERS["qmailq"])
        r = subprocess.run([self.inst.bin("qmail-clean")],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           user=q.pw_uid, group=q.pw_gid, extra_groups=[],
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        for rel, kept in made.items():
            self.assertEqual(os.path.exists(self.inst.path("queue", rel)),
                             kept, rel)
        for rel, kept in made.items():
            if kept:
                os.unlink(self.inst.path("queue", rel))

    def test_trigger_is_pulled(self):
        # one byte per message, naming its todo/ directory (0x80 + S)
        # for qmail-todo to scan; 0 would ask for every directory
        fifo = self.inst.path("queue", "lock", "trigger")
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            p = self.inst.queue(b"\n", "s", ["r"])
            self.assertEqual(p.returncode, 0, p.stderr)
            ids = [int(n) for s in range(SPLIT)
                   for n in os.listdir(self.inst.path("queue", "mess",
                                                      str(s)))]
            self.assertEqual(len(ids), 1)
            self.assertEqual(os.read(fd, 16), bytes([0x80 + ids[0] % SPLIT]))
        finally:
            os.close(fd)


def _qfile(inst, sub, n, data, owner="qmails", mode=0o600, mtime=None):
    path = inst.path("queue", sub, str(n % SPLIT), str(n))
    with open(path, "wb") as f:
        f.write(data)
    pw = pwd.getpwnam(USERS[owner])
    os.chown(path, pw.pw_uid, grp.getgrnam(GROUPS["qmail"]).gr_gid)
    os.chmod(path, mode)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@needs_root
class TestQreadQstat(QueueTestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = Instance.shared()

    def setUp(self):
        self.inst.reset()

    def preprocess(self, n, sender, local=(), remote=(), birth=None,
                   older=False):
        """Does what qmail-todo does for message N (doc/INTERNALS.md):
        local/ and/or remote/, each with the head (sender and birth), then
        removes intd and todo. OLDER: the layout of qmail and of our
        releases before the head, the sender in info/ and the birth its
        mtime."""
        head = b""
        if older:
            _qfile(self.inst, "info", n, b"F" + sender + b"\0", mtime=birth)
        else:
            head = b"F%s\0B%d\0" % (sender, birth or time.time())
        if local:
            _qfile(self.inst, "local", n, head + b"".join(local))
        if remote:
            _qfile(self.inst, "remote", n, head + b"".join(remote))
        for sub in ("intd", "todo"):
            path = self.inst.path("queue", sub, str(n % SPLIT), str(n))
            if os.path.exists(path):  # no intd/ with a record (qrecord)
                os.unlink(path)

    def qread(self, user=None):
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kw = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        return subprocess.run([self.inst.bin("qmail-qread")],
                              capture_output=True, timeout=30, **kw)

    def qstat(self, user=None, groups=()):
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kw = dict(user=pw.pw_uid, group=pw.pw_gid,
                      extra_groups=list(groups))
        return subprocess.run([self.inst.bin("qmail-qstat")],
                              capture_output=True, timeout=30, **kw)

    def queue_three(self):
        ids = []
        for i in range(3):
            msg = b"Subject: %d\n\n" % i + b"z" * (100 * i)
            p = self.inst.queue(msg, "s%d@example.org" % i, ["r@example"])
            self.assertEqual(p.returncode, 0, p.stderr)
        for path in self.inst.queue_files("mess"):
            ids.append((int(os.path.basename(path)),
                        os.stat(path).st_size))
        ids.sort(key=lambda x: (x[0] % SPLIT, x[0]))
        return ids

    def test_qstat_counts_mess_and_todo(self):
        p = self.qstat()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, b"messages in queue: 0\nmessages in queue"
                         b" but not yet preprocessed: 0\n")
        ids = self.queue_three()
        p = self.qstat()
        self.assertEqual(p.stdout, b"messages in queue: 3\nmessages in queue"
                         b" but not yet preprocessed: 3\n")
        self.preprocess(ids[0][0], b"s@x", local=[b"Tu@l\0"])
        p = self.qstat()
        self.assertEqual(p.stdout, b"messages in queue: 3\nmessages in queue"
                         b" but not yet preprocessed: 2\n")

    def test_qread_lists_preprocessed_messages(self):
        ids = self.queue_three()
        (n1, size1), (n2, size2), (n3, size3) = ids
        self.preprocess(n1, b"alice@example.org",
                        local=[b"Tbob@testhost.example\0",
                               b"Dcarol@testhost.example\0"],
                        remote=[b"Tdave@remote.example\0"],
                        birth=1000000000)
        # a message queued by a release before the head: still listed
        self.preprocess(n2, b"", remote=[b"Dx@r.example\0",
                                         b"Ty\n\x01@r.example\0"],
                        birth=1700000000, older=True)
        _qfile(self.inst, "bounce", n2, b"<x@r.example>:\nno\n\0")
        p = self.qread()
        self.assertEqual(p.returncode, 0, p.stderr)
        want = (b"9 Sep 2001 01:46:40 GMT  #%d  %d  <alice@example.org> \n"
                b"\tlocal\tbob@testhost.example\n"
                b"  done\tlocal\tcarol@testhost.example\n"
                b"\tremote\tdave@remote.example\n"
                b"14 Nov 2023 22:13:20 GMT  #%d  %d  <>  bouncing\n"
                b"  done\tremote\tx@r.example\n"
                b"\tremote\ty__@r.example\n") % (n1, size1, n2, size2)
        self.assertEqual(p.stdout, want)
        # qmails may read the queue too, with the same result
        p = self.qread(USERS["qmails"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, want)

    def test_unprivileged_users_get_a_clear_error(self):
        self.inst.user("qmtqc")
        self.queue_three()
        p = self.qread("qmtqc")
        self.assertEqual(p.returncode, 111)
        self.assertIn(b"permission denied", p.stderr)
        self.assertIn(b"as root", p.stderr)
        p = self.qstat("qmtqc")
        self.assertEqual(p.returncode, 111)
        self.assertIn(b"permission denied", p.stderr)
        # a member of group qmail may count
        p = self.qstat("qmtqc", groups=[GROUPS["qmail"]])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"messages in queue: 3\n", p.stdout)


def _run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


@needs_root
class TestQueueFull(QueueTestCase):
    """ENOSPC for real: a small tmpfs mounted over a copy of the queue of a
    dedicated instance, keeping the tree, owners and modes."""
    SIZE = 1024 * 1024

    @classmethod
    def setUpClass(cls):
        cls.inst = Instance("qmtq-enospc")
        cls.inst.install()
        cls.qdir = cls.inst.path("queue")
        cls.orig = os.path.join(cls.inst.tmp, "queue.orig")
        _run("cp", "-a", cls.qdir, cls.orig)

    @classmethod
    def tearDownClass(cls):
        cls.inst.cleanup()

    def setUp(self):
        _run("mount", "-t", "tmpfs", "-o", "size=%d,mode=0750" % self.SIZE,
             "qmtq-enospc", self.qdir)
        self.addCleanup(_run, "umount", self.qdir)
        _run("cp", "-a", self.orig + "/.", self.qdir)
        for rel in ("", "pid", "mess/0", "intd/0", "todo/0"):
            a = os.stat(os.path.join(self.orig, rel))
            b = os.stat(os.path.join(self.qdir, rel))
            self.assertEqual((a.st_uid, a.st_gid, a.st_mode),
                             (b.st_uid, b.st_gid, b.st_mode), rel)
        self.filler = os.path.join(self.qdir, "filler")

    def fill(self, leave=0):
        """Fills the file system, then frees LEAVE bytes (page-aligned)."""
        chunk = b"\0" * 65536
        with open(self.filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(chunk)
            except OSError as e:
                self.assertEqual(e.errno, errno.ENOSPC)
        os.truncate(self.filler, (os.stat(self.filler).st_size // 4096) *
                    4096 - leave)
        st = os.statvfs(self.qdir)
        return st.f_bavail * st.f_frsize

    def test_full_disk_small_message(self):
        self.assertEqual(self.fill(), 0)
        rc, err = run_qq(self.inst, b"Subject: x\n\nhi\n",
                         envelope(b"s", [b"r"]))
        self.assertEqual(rc, 53, err)
        self.assertIn("No space left on device", err)
        self.assertNothingQueued()

    def test_disk_fills_during_the_message(self):
        self.fill(leave=65536)
        msg = b"Subject: big\n\n" + b"b" * (self.SIZE // 2)
        rc, err = run_qq(self.inst, msg, envelope(b"s", [b"r"]))
        self.assertEqual(rc, 53, err)
        self.assertNothingQueued()
        # the same message queues once there is room again
        os.unlink(self.filler)
        rc, err = run_qq(self.inst, msg, envelope(b"s", [b"r"]))
        self.assertEqual(rc, 0, err)
        n, mess, todo = self.only_message()
        self.assertTrue(mess.endswith(msg))

    def test_disk_fills_during_the_envelope(self):
        # one free page: the message fits in it, the envelope does not
        self.assertEqual(self.fill(leave=4096), 4096)
        rc, err = run_qq(self.inst, b"Subject: small\n\n",
                         envelope(b"s", [b"r"]))
        self.assertEqual(rc, 53, err)
        self.assertIn("envelope", err)
        self.assertNothingQueued()


if __name__ == "__main__":
    unittest.main()
