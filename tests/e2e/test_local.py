"""Local delivery: qmail-local, qmail-lspawn, qmail-getpw, qmail-newu and
qmail-rspawn, run directly against the installed instance.

qmail-local gets its message on stdin as qmail-lspawn would give it; the
spawners are driven through their pipe protocol (doc/INTERNALS.md) from
Python, with 2-byte slots. Test users are named qmtl*.
"""
import glob
import os
import pwd
import re
import select
import shutil
import struct
import subprocess
import tempfile
import time
import unittest

import qrecord
from harness import Instance, maildir_messages, needs_root

MESSAGE = (b"From: sender@example.net\n"
           b"To: someone@example.com\n"
           b"Subject: local delivery test\n"
           b"\n"
           b"From the start of a line\n"
           b">From quoted already\n"
           b"last line\n")

ENV_VARS = ("SENDER", "NEWSENDER", "RECIPIENT", "USER", "HOME", "LOCAL",
            "EXT", "EXT2", "EXT3", "EXT4", "HOST", "HOST2", "HOST3", "HOST4",
            "DEFAULT", "UFLINE", "RPLINE", "DTLINE")

# A program line that records the delivery environment, NUL-separated so
# that values with newlines (DTLINE...) survive.
ENV_DUMP = "|env -0 > \"$HOME/env.out\"\n"


def read_env(path):
    with open(path, "rb") as f:
        items = f.read().split(b"\0")
    env = {}
    for it in items:
        if b"=" in it:
            k, v = it.split(b"=", 1)
            env[k.decode()] = v.decode()
    return env


class Spawner:
    """A running qmail-lspawn or qmail-rspawn, spoken to through its
    pipes."""

    def __init__(self, argv, user=None, env=None, cwd=None):
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kw = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=cwd,
                                  **kw)
        self.buf = b""
        head = self._read(2)
        self.ceiling = struct.unpack(">H", head)[0]

    def _fill(self, timeout=30):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            raise AssertionError("spawner did not answer in %ds" % timeout)
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            raise AssertionError("spawner closed its output: %s" %
                                 self.p.stderr.read().decode())
        self.buf += data

    def _read(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def request(self, slot, mess, sender, recipient):
        self.p.stdin.write(struct.pack(">H", slot) + mess.encode() + b"\0" +
                           sender.encode() + b"\0" + recipient.encode() +
                           b"\0")
        self.p.stdin.flush()

    def reply(self):
        """Returns (slot, status, text) of the next reply."""
        slot = struct.unpack(">H", self._read(2))[0]
        while b"\0" not in self.buf:
            self._fill()
        i = self.buf.index(b"\0")
        body, self.buf = self.buf[:i], self.buf[i + 1:]
        return slot, chr(body[0]), body[1:].decode(errors="replace")

    def close(self):
        """EOF on the request pipe; returns the exit code."""
        if self.p.stdin:
            self.p.stdin.close()
        try:
            rc = self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise
        self.p.stdout.close()
        self.err = self.p.stderr.read().decode(errors="replace")
        self.p.stderr.close()
        return rc


@needs_root
class LocalDeliveryTest(unittest.TestCase):

    def setUp(self):
        self.inst = Instance.shared()
        self.inst.reset()
        self.spawners = []
        self.cleanup_paths = []
        self.mess_n = 900000

    def tearDown(self):
        for s in self.spawners:
            if s.p.poll() is None:
                s.p.kill()
                s.p.wait()
        for p in self.cleanup_paths:
            if os.path.isdir(p):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.lexists(p):
                os.unlink(p)

    # helpers
    def user(self, name, maildir=True):
        u = self.inst.user(name)
        if maildir:
            u.maildir()
        return u

    def message_file(self, data=MESSAGE):
        fd, path = tempfile.mkstemp(prefix="qmtl-msg-", dir=self.inst.tmp)
        os.write(fd, data)
        os.close(fd)
        os.chmod(path, 0o644)
        self.cleanup_paths.append(path)
        return path

    def local(self, u, local, dash, ext, host="example.com",
              sender="sender@example.net", default="./Maildir/",
              data=MESSAGE, opts=(), as_user=True):
        """Runs bin/qmail-local as U with the message on stdin."""
        msg = self.message_file(data)
        argv = [self.inst.bin("qmail-local")] + list(opts) + [
            "--", u.name, u.home, local, dash, ext, host, sender, default]
        kw = {}
        if as_user:
            kw = dict(user=u.uid, group=u.gid, extra_groups=[])
        with open(msg, "rb") as f:
            return subprocess.run(argv, stdin=f, capture_output=True,
                                  timeout=60, **kw)

    def queue_message(self, data=MESSAGE):
        """Puts DATA in queue/mess/0/N for the spawners; returns mess/0/N."""
        self.mess_n += 1
        rel = "mess/0/%d" % self.mess_n
        path = self.inst.path("queue", rel)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o640)
        qmailq = pwd.getpwnam("qmailq")
        os.chown(path, qmailq.pw_uid, qmailq.pw_gid)
        self.cleanup_paths.append(path)
        return rel

    def assertSuccess(self, status, text, maildir):
        """A success: 'k' when MAILDIR (the delivery wrote into a Maildir
        on the queue's file system) and the barrier is used here, else
        'K'."""
        barrier = maildir and self.inst.maildir_barrier()
        self.assertEqual(status, "k" if barrier else "K", text)

    def lspawn(self, default="./Maildir/"):
        s = Spawner([self.inst.bin("qmail-lspawn"), default])
        self.spawners.append(s)
        return s

    def deliver(self, recipient, sender="sender@example.net", data=MESSAGE,
                default="./Maildir/"):
        """One delivery through qmail-lspawn; returns (status, text)."""
        s = self.lspawn(default)
        s.request(3, self.queue_message(data), sender, recipient)
        slot, status, text = s.reply()
        self.assertEqual(slot, 3)
        self.assertEqual(s.close(), 0)
        return status, text

    def alias_file(self, name, text):
        path = self.inst.path("alias", name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        self.cleanup_paths.append(path)
        return path

    def alias_messages(self):
        return maildir_messages(self.inst.path("alias", "Maildir"))

    def clear_alias_maildir(self):
        for p in glob.glob(self.inst.path("alias", "Maildir", "new", "*")):
            os.unlink(p)

    def newu(self, text):
        with open(self.inst.path("users", "assign"), "w") as f:
            f.write(text)
        return subprocess.run([self.inst.bin("qmail-newu")],
                              capture_output=True, text=True, timeout=30)

    # .qmail line types, qmail-local run directly
    def test_every_line_type(self):
        u = self.user("qmtlkinds")
        u.write(".qmail", "# a comment line\n"
                "./Maildir/\n"
                "./mbox\n"
                "|cat > \"$HOME/prog.out\"\n"
                "#|echo never > \"$HOME/comment.out\"\n")
        p = self.local(u, "qmtlkinds", "", "")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b"did 2+0+1", p.stdout)
        # Maildir: Return-Path and Delivered-To added, file owned by user
        msgs = glob.glob(os.path.join(u.home, "Maildir", "new", "*"))
        self.assertEqual(len(msgs), 1)
        self.assertEqual(os.stat(msgs[0]).st_uid, u.uid)
        with open(msgs[0], "rb") as f:
            body = f.read()
        self.assertTrue(body.startswith(
            b"Return-Path: <sender@example.net>\n"
            b"Delivered-To: qmtlkinds@example.com\n" + MESSAGE), body)
        self.assertEqual(glob.glob(os.path.join(u.home, "Maildir", "tmp",
                                                "*")), [])
        # mbox: From_ line, >From quoting, blank line at the end
        with open(os.path.join(u.home, "mbox"), "rb") as f:
            mbox = f.read()
        self.assertRegex(mbox.split(b"\n")[0],
                         rb"^From sender@example\.net "
                         rb"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d "
                         rb"\d\d:\d\d:\d\d \d{4}$")
        self.assertIn(b"\n>From the start of a line\n>>From quoted "
                      b"already\nlast line\n\n", mbox)
        self.assertTrue(mbox.endswith(b"last line\n\n"))
        self.assertEqual(os.stat(os.path.join(u.home, "mbox")).st_mode &
                         0o777, 0o600)
        # program: gets the message as given, without the new lines
        with open(os.path.join(u.home, "prog.out"), "rb") as f:
            self.assertEqual(f.read(), MESSAGE)
        self.assertFalse(os.path.exists(os.path.join(u.home,
                                                     "comment.out")))

    def test_mbox_appends_and_adds_final_newline(self):
        u = self.user("qmtlmbox")
        u.write(".qmail", "./mbox\n")
        for _ in range(2):
            p = self.local(u, "qmtlmbox", "", "",
                           data=b"Subject: x\n\nno newline at end")
            self.assertEqual(p.returncode, 0, p.stdout)
        with open(os.path.join(u.home, "mbox"), "rb") as f:
            mbox = f.read()
        self.assertEqual(mbox.count(b"\nno newline at end\n\n"), 2)
        self.assertEqual(len(re.findall(rb"(?m)^From sender@", mbox)), 2)

    def test_dash_n_lists_without_delivering(self):
        u = self.user("qmtlshow")
        u.write(".qmail", "./Maildir/\n./mbox\n|true\n&a@example.org\n"
                "b@example.org\n")
        p = self.local(u, "qmtlshow", "", "", opts=["-n"])
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout.decode(),
                         "maildir ./Maildir/\nmbox ./mbox\nprogram true\n"
                         "forward a@example.org\nforward b@example.org\n"
                         "did 2+2+1\n")
        self.assertEqual(maildir_messages(u.maildir()), [])

    def test_lspawn_k_only_for_a_maildir_on_the_queue_fs(self):
        # 'k': a Maildir on the queue's file system, new/ not flushed;
        # everything else is flushed by the delivery and answered 'K'
        if not self.inst.maildir_barrier():
            self.skipTest("homes not on the queue's ext2/3/4")
        u = self.user("qmtlksync")
        status, text = self.deliver("qmtlksync@example.com")
        self.assertEqual(status, "k", text)
        self.assertEqual(len(maildir_messages(u.maildir())), 1)
        u.write(".qmail", "./Mailbox\n")
        status, text = self.deliver("qmtlksync@example.com")
        self.assertEqual(status, "K", text)
        u.write(".qmail", "|cat > /dev/null\n")
        status, text = self.deliver("qmtlksync@example.com")
        self.assertEqual(status, "K", text)
        u.write(".qmail", "./Maildir/\n")
        self.inst.write_control("conservativesync", "1\n")
        try:
            status, text = self.deliver("qmtlksync@example.com")
        finally:
            self.inst.remove_control("conservativesync")
        self.assertEqual(status, "K", text)
        self.assertEqual(len(maildir_messages(u.maildir())), 2)

    def test_maildir_then_permanent_failure_syncs_before_the_d(self):
        # a D is marked done at once by qmail-send: a Maildir line whose
        # new/ was left to the barrier must be made durable by the
        # delivery itself first (syncfs after the link); a Z is
        # delivered again anyway and needs nothing
        if not self.inst.maildir_barrier():
            self.skipTest("homes not on the queue's ext2/3/4")
        if not shutil.which("strace"):
            self.skipTest("needs strace")
        u = self.user("qmtlkfail")
        for code, want, synced in ((100, "D", True), (111, "Z", False)):
            u.write(".qmail", "./Maildir/\n|exit %d\n" % code)
            log = os.path.join(self.inst.tmp, "strace.kfail")
            s = Spawner(["strace", "-f", "-qq", "-y", "-o", log, "-e",
                         "trace=syncfs,fsync,link,linkat",
                         self.inst.bin("qmail-lspawn"), "./Maildir/"])
            self.spawners.append(s)
            s.request(3, self.queue_message(), "s@example.net",
                      "qmtlkfail@example.com")
            slot, status, text = s.reply()
            self.assertEqual(s.close(), 0)
            self.assertEqual(status, want, text)
            with open(log) as f:
                calls = f.read()
            at = calls.index('"new/')
            # the delivery itself never fsyncs new/; the barrier is a
            # syncfs, then an fsync of the descriptor it was given
            m = re.search(r"\bsyncfs\(", calls[at:])
            upto = at + m.start() if m else len(calls)
            self.assertNotRegex(calls[at:upto], r"fsync\([^)]*new>")
            self.assertEqual(bool(m), synced, calls[at:])
        self.assertEqual(len(maildir_messages(u.maildir())), 2)

    def test_default_delivery_without_dotqmail(self):
        u = self.user("qmtlplain")
        status, text = self.deliver("qmtlplain@example.com")
        self.assertSuccess(status, text, maildir=True)
        self.assertIn("did 1+0+0", text)
        self.assertEqual(len(maildir_messages(u.maildir())), 1)
        # an empty .qmail means the default delivery too
        u.write(".qmail", "")
        u2 = self.user("qmtlplain2", maildir=False)
        u2.write(".qmail", "")
        status, text = self.deliver("qmtlplain2@example.com",
                                    default="./Mailbox")
        self.assertSuccess(status, text, maildir=False)
        self.assertTrue(os.path.exists(os.path.join(u2.home, "Mailbox")))

    # program deliveries
    def test_program_environment_virtual_domain(self):
        # seed 002: postmaster@example.com rewritten to foo-postmaster@...
        # by virtualdomains; qmail-local(8) gives USER=foo and
        # LOCAL=foo-postmaster (the seed's table has those two swapped)
        u = self.user("qmtlfoo")
        u.write(".qmail-postmaster", ENV_DUMP)
        status, text = self.deliver("qmtlfoo-postmaster@example.com",
                                    sender="orig@example.net")
        self.assertSuccess(status, text, maildir=False)
        env = read_env(os.path.join(u.home, "env.out"))
        want = {
            "RECIPIENT": "qmtlfoo-postmaster@example.com",
            "USER": "qmtlfoo",
            "LOCAL": "qmtlfoo-postmaster",
            "HOME": u.home,
            "HOST": "example.com",
            "HOST2": "example",
            "HOST3": "example",
            "HOST4": "example",
            "EXT": "postmaster",
            "EXT2": "",
            "EXT3": "",
            "EXT4": "",
            "SENDER": "orig@example.net",
            "NEWSENDER": "orig@example.net",
            "DTLINE": "Delivered-To: qmtlfoo-postmaster@example.com\n",
            "RPLINE": "Return-Path: <orig@example.net>\n",
        }
        for k, v in want.items():
            self.assertEqual(env.get(k), v, k)
        self.assertRegex(env["UFLINE"], r"^From orig@example\.net [A-Z][a-z]"
                         r"{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \d{4}\n$")
        self.assertNotIn("DEFAULT", env)
        # the program ran in the home directory, as the user
        self.assertEqual(os.stat(os.path.join(u.home, "env.out")).st_uid,
                         u.uid)

    def test_program_environment_normal_delivery(self):
        u = self.user("qmtlnorm")
        u.write(".qmail", ENV_DUMP)
        status, text = self.deliver("qmtlnorm@example.com", sender="")
        self.assertSuccess(status, text, maildir=False)
        env = read_env(os.path.join(u.home, "env.out"))
        for k, v in {"RECIPIENT": "qmtlnorm@example.com", "USER": "qmtlnorm",
                     "LOCAL": "qmtlnorm", "HOME": u.home, "EXT": "",
                     "EXT2": "", "HOST": "example.com", "HOST2": "example",
                     "SENDER": "", "NEWSENDER": "",
                     "RPLINE": "Return-Path: <>\n"}.items():
            self.assertEqual(env.get(k), v, k)
        self.assertTrue(env["UFLINE"].startswith("From MAILER-DAEMON "))

    def test_program_environment_ext_host_default(self):
        u = self.user("qmtlext")
        u.write(".qmail-a-default", ENV_DUMP)
        status, text = self.deliver("qmtlext-a-b-c-d@mail.sub.example.org")
        self.assertSuccess(status, text, maildir=False)
        env = read_env(os.path.join(u.home, "env.out"))
        for k, v in {"EXT": "a-b-c-d", "EXT2": "b-c-d", "EXT3": "c-d",
                     "EXT4": "d", "DEFAULT": "b-c-d",
                     "HOST": "mail.sub.example.org",
                     "HOST2": "mail.sub.example", "HOST3": "mail.sub",
                     "HOST4": "mail",
                     "LOCAL": "qmtlext-a-b-c-d"}.items():
            self.assertEqual(env.get(k), v, k)

    def test_program_exit_codes(self):
        u = self.user("qmtlexit")
        cases = [(0, "K"), (99, "K"), (100, "D"), (111, "Z"), (64, "D"),
                 (65, "D"), (70, "D"), (76, "D"), (77, "D"), (78, "D"),
                 (112, "D"), (1, "Z"), (75, "Z"), (2, "Z")]
        for code, want in cases:
            u.write(".qmail", "|echo program said %d; exit %d\n" %
                    (code, code))
            status, text = self.deliver("qmtlexit@example.com")
            self.assertEqual(status, want, "exit %d: %s" % (code, text))
            self.assertIn("program said %d" % code, text)

    def test_program_99_stops_later_lines(self):
        u = self.user("qmtlstop")
        u.write(".qmail", "|exit 99\n./Maildir/\n")
        status, text = self.deliver("qmtlstop@example.com")
        self.assertSuccess(status, text, maildir=False)
        self.assertEqual(maildir_messages(u.maildir()), [])

    def test_delivery_runs_with_user_ids(self):
        u = self.user("qmtluid")
        u.write(".qmail", "|id -u > \"$HOME/uid\"; id -g > \"$HOME/gid\";"
                " id -G > \"$HOME/groups\"; pwd > \"$HOME/cwd\"\n")
        status, text = self.deliver("qmtluid@example.com")
        self.assertSuccess(status, text, maildir=False)

        def rd(n):
            with open(os.path.join(u.home, n)) as f:
                return f.read().strip()
        self.assertEqual(rd("uid"), str(u.uid))
        self.assertEqual(rd("gid"), str(u.gid))
        self.assertEqual(rd("groups"), str(u.gid))
        self.assertEqual(rd("cwd"), u.home)

    def test_delivery_in_process_without_exec(self):
        """qmail-lspawn delivers in a fork of itself (doc/INTERNALS.md):
        the process that carries out the .qmail file is qmail-lspawn's
        image (no exec of qmail-local), runs as the user with no other
        group and no capability, and holds no descriptor of the spawner
        but the message and its report pipe (a kept process: and its own
        socket). Both lookups: users/cdb and the
        passwd fallback (qmail-getpw's code as qmailp)."""
        pw = self.user("qmtlinpw")
        cdb = self.user("qmtlincdb")
        probe = ("|cat /proc/$PPID/status > \"$HOME/status\";"
                 " echo $PPID > \"$HOME/ppid.tmp\";"
                 " mv \"$HOME/ppid.tmp\" \"$HOME/ppid\";"
                 " while [ ! -e \"$HOME/go\" ]; do sleep 0.05; done\n")
        for u in (pw, cdb):
            u.write(".qmail", probe)
        p = self.newu("=qmtlcdbonly:%s:%d:%d:%s:::\n.\n" %
                      (cdb.name, cdb.uid, cdb.gid, cdb.home))
        self.assertEqual(p.returncode, 0, p.stderr)
        lspawn = os.path.realpath(self.inst.bin("qmail-lspawn"))
        for u, rcpt in ((pw, "qmtlinpw@example.com"),
                        (cdb, "qmtlcdbonly@example.com")):
            s = self.lspawn()
            s.request(5, self.queue_message(), "sender@example.net", rcpt)
            ppid = os.path.join(u.home, "ppid")
            for _ in range(600):
                if os.path.exists(ppid):
                    break
                time.sleep(0.05)
            with open(ppid) as f:
                pid = f.read().strip()
            # as root: what the delivering process is and holds
            exe = os.readlink("/proc/%s/exe" % pid)
            fds = {}
            for fd in os.listdir("/proc/%s/fd" % pid):
                fds[int(fd)] = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            with open(os.path.join(u.home, "go"), "w"):
                pass
            slot, status, text = s.reply()
            self.assertEqual(slot, 5, text)
            self.assertSuccess(status, text, maildir=False)
            self.assertEqual(s.close(), 0)
            self.assertEqual(exe, lspawn, rcpt)
            # 0 the message, 1 and 2 the report pipe; the open .qmail
            # file, and a kept process's own socket to qmail-lspawn and
            # /dev/null (keep.h), are the only others
            others = [fds[fd] for fd in fds if fd > 2 and not
                      fds[fd].startswith(u.home + "/.qmail")]
            self.assertEqual(sorted(others)[:1], ["/dev/null"], fds)
            self.assertEqual(len(others), 2, (rcpt, fds))
            self.assertTrue(sorted(others)[1].startswith("socket:"), fds)
            self.assertEqual(fds[1], fds[2])
            self.assertTrue(fds[1].startswith("pipe:"), fds)
            self.assertTrue(fds[0].endswith("/queue/" +
                                            "mess/0/%d" % self.mess_n),
                            fds)
            with open(os.path.join(u.home, "status")) as f:
                st = dict(line.split(":", 1) for line in f
                          if ":" in line)
            self.assertEqual(st["Name"].strip(), "qmail-lspawn", rcpt)
            self.assertEqual(st["Uid"].split(), [str(u.uid)] * 4, rcpt)
            self.assertEqual(st["Gid"].split(), [str(u.gid)] * 4, rcpt)
            self.assertEqual(st["Groups"].split(), [str(u.gid)], rcpt)
            self.assertEqual(int(st["CapEff"], 16), 0, rcpt)
            self.assertEqual(int(st["CapPrm"], 16), 0, rcpt)

    # kept delivery processes (keep.h)
    def kept_pid(self, s, slot, rcpt, u):
        """Delivers to RCPT (whose .qmail records $PPID) through S;
        returns the pid of the process that ran the .qmail file."""
        s.request(slot, self.queue_message(), "sender@example.net", rcpt)
        got, status, text = s.reply()
        self.assertEqual(got, slot, text)
        self.assertSuccess(status, text, maildir=False)
        with open(os.path.join(u.home, "ppid")) as f:
            return int(f.read().strip())

    def test_kept_process_serves_its_user_only(self):
        """Deliveries to one user reuse one process, which runs as that
        user; another user gets a process of its own; an extension
        address (a possible alias fallback) still gets a child of its
        own; at end of file every kept process leaves."""
        a = self.user("qmtlkeepa")
        b = self.user("qmtlkeepb")
        probe = "|echo $PPID > \"$HOME/ppid\"\n"
        for u in (a, b):
            u.write(".qmail", probe)
            u.write(".qmail-ext", probe)
        s = self.lspawn()
        first = self.kept_pid(s, 1, "qmtlkeepa@example.com", a)
        self.assertEqual(self.kept_pid(s, 2, "qmtlkeepa@example.com", a),
                         first)
        with open("/proc/%d/status" % first) as f:
            st = dict(line.split(":", 1) for line in f if ":" in line)
        self.assertEqual(st["Uid"].split(), [str(a.uid)] * 4)
        self.assertEqual(st["PPid"].strip(), str(s.p.pid))
        other = self.kept_pid(s, 3, "qmtlkeepb@example.com", b)
        self.assertNotEqual(other, first)
        ext1 = self.kept_pid(s, 4, "qmtlkeepa-ext@example.com", a)
        ext2 = self.kept_pid(s, 5, "qmtlkeepa-ext@example.com", a)
        self.assertNotIn(ext1, (first, other, ext2))
        self.assertEqual(self.kept_pid(s, 6, "qmtlkeepa@example.com", a),
                         first)
        self.assertEqual(s.close(), 0)
        for pid in (first, other):
            for _ in range(200):
                if not os.path.exists("/proc/%d" % pid):
                    break
                time.sleep(0.05)
            self.assertFalse(os.path.exists("/proc/%d" % pid), pid)

    def test_kept_process_killed_is_temporary(self):
        """A kept process that dies during a delivery (here the user's
        own program kills it) is a temporary failure, never a success;
        the next delivery gets a new process and succeeds."""
        u = self.user("qmtlkeepkill")
        u.write(".qmail", "|echo $PPID > \"$HOME/ppid\"; "
                "if [ -e \"$HOME/kill\" ]; then rm -f \"$HOME/kill\"; "
                "kill -9 $PPID; sleep 5; fi\n")
        s = self.lspawn()
        first = self.kept_pid(s, 1, "qmtlkeepkill@example.com", u)
        u.write("kill", "")
        s.request(2, self.queue_message(), "sender@example.net",
                  "qmtlkeepkill@example.com")
        slot, status, text = s.reply()
        self.assertEqual((slot, status), (2, "Z"), text)
        self.assertIn("crashed", text)
        again = self.kept_pid(s, 3, "qmtlkeepkill@example.com", u)
        self.assertNotEqual(again, first)
        self.assertEqual(s.close(), 0)

    def test_idle_kept_process_leaves(self):
        """A kept process idle for 10 s is let go while qmail-lspawn
        keeps running."""
        u = self.user("qmtlkeepidle")
        u.write(".qmail", "|echo $PPID > \"$HOME/ppid\"\n")
        s = self.lspawn()
        pid = self.kept_pid(s, 1, "qmtlkeepidle@example.com", u)
        for _ in range(300):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.05)
        self.assertFalse(os.path.exists("/proc/%d" % pid))
        self.assertIsNone(s.p.poll())
        self.assertNotEqual(
            self.kept_pid(s, 2, "qmtlkeepidle@example.com", u), pid)
        self.assertEqual(s.close(), 0)

    def test_all_kept_processes_busy_forks_a_child(self):
        """With 16 kept processes (KEEP_MAX) busy for 16 users, a
        delivery to a 17th user runs in a forked child instead of waiting
        or failing; all 17 succeed, and only the 16 kept processes stay
        after them."""
        users = [self.user("qmtlbusy%d" % i) for i in range(17)]
        for u in users:
            u.write(".qmail", "|echo $PPID > \"$HOME/ppid\"; "
                    "while [ ! -e \"$HOME/go\" ]; do sleep 0.05; done\n")
        s = self.lspawn()
        for i, u in enumerate(users):
            s.request(i + 1, self.queue_message(), "sender@example.net",
                      "%s@example.com" % u.name)
        pids = []
        for u in users:
            ppid = os.path.join(u.home, "ppid")
            for _ in range(600):
                if os.path.exists(ppid) and os.path.getsize(ppid):
                    break
                time.sleep(0.05)
            with open(ppid) as f:
                pids.append(int(f.read().strip()))
        self.assertEqual(len(set(pids)), 17, pids)
        for u in users:
            with open(os.path.join(u.home, "go"), "w"):
                pass
        slots = set()
        for _ in users:
            slot, status, text = s.reply()
            self.assertSuccess(status, text, maildir=False)
            slots.add(slot)
        self.assertEqual(slots, set(range(1, 18)))
        time.sleep(0.5)
        alive = [p for p in pids if os.path.exists("/proc/%d" % p)]
        self.assertEqual(len(alive), 16, pids)
        self.assertEqual(s.close(), 0)

    # .qmail lookup
    def test_extension_and_default_chain(self):
        u = self.user("qmtlchain")
        for name in ("a-b-c", "a-b-default", "a-default", "default",
                     "x:y"):
            u.write(".qmail-" + name,
                    "|echo %s:${DEFAULT-unset} >> \"$HOME/hits\"\n" % name)
        cases = [
            ("a-b-c", "a-b-c:unset"),
            ("A-B-C", "a-b-c:unset"),       # lower-cased
            ("a-b-q", "a-b-default:q"),
            ("a-b-", "a-b-default:"),
            ("a-q-r", "a-default:q-r"),
            ("a", "default:a"),
            ("zz", "default:zz"),
            ("x.y", "x:y:unset"),           # '.' becomes ':'
            ("a-b-default", "a-b-default:default"),
        ]
        for ext, want in cases:
            hits = os.path.join(u.home, "hits")
            if os.path.exists(hits):
                os.unlink(hits)
            status, text = self.deliver("qmtlchain-%s@example.com" % ext)
            self.assertSuccess(status, "%s: %s" % (ext, text), maildir=False)
            with open(hits) as f:
                self.assertEqual(f.read().strip(), want, ext)

    def test_no_dotqmail_for_extension_bounces(self):
        u = self.user("qmtlnoext")
        p = self.local(u, "qmtlnoext-zz", "-", "zz")
        self.assertEqual(p.returncode, 100)
        self.assertIn(b"Sorry, no mailbox here by that name. (#5.1.1)",
                      p.stdout)
        status, text = self.deliver("qmtlnoext-zz@example.com")
        self.assertEqual(status, "D", text)
        self.assertIn("#5.1.1", text)

    def test_extension_falls_back_to_alias_directory(self):
        # seed 002: no ~foo/.qmail-postmaster nor ~foo/.qmail-default:
        # the alias user's .qmail-foo-postmaster, .qmail-foo-default and
        # .qmail-default are tried
        u = self.user("qmtlvfoo")
        self.clear_alias_maildir()
        self.alias_file(".qmail-qmtlvfoo-default", "./Maildir/\n")
        status, text = self.deliver("qmtlvfoo-postmaster@example.com")
        self.assertSuccess(status, text, maildir=True)
        msgs = self.alias_messages()
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["Delivered-To"],
                         "qmtlvfoo-postmaster@example.com")
        self.assertEqual(maildir_messages(u.maildir()), [])
        # the user's own -default wins over the alias directory
        u.write(".qmail-default", "./Maildir/\n")
        status, text = self.deliver("qmtlvfoo-postmaster@example.com")
        self.assertSuccess(status, text, maildir=True)
        self.assertEqual(len(maildir_messages(u.maildir())), 1)
        self.assertEqual(len(self.alias_messages()), 1)
        self.clear_alias_maildir()

    def test_unknown_user_goes_to_alias(self):
        self.clear_alias_maildir()
        self.alias_file(".qmail-qmtlghost-default", "./Maildir/\n")
        status, text = self.deliver("qmtlghost-x@example.com")
        self.assertSuccess(status, text, maildir=True)
        msgs = self.alias_messages()
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0]["Delivered-To"], "qmtlghost-x@example.com")
        # alias has no .qmail-default: an unknown user bounces
        status, text = self.deliver("qmtlnosuchuser@example.com")
        self.assertEqual(status, "D", text)
        self.assertIn("#5.1.1", text)
        self.clear_alias_maildir()

    def test_root_and_postmaster_go_to_instance_alias(self):
        self.clear_alias_maildir()
        for rcpt in ("root@example.com", "postmaster@example.com",
                     "Mailer-Daemon@example.com"):
            status, text = self.deliver(rcpt)
            self.assertSuccess(status, "%s: %s" % (rcpt, text), maildir=True)
        msgs = self.alias_messages()
        self.assertEqual(sorted(m["Delivered-To"] for m in msgs),
                         ["Mailer-Daemon@example.com",
                          "postmaster@example.com", "root@example.com"])
        self.clear_alias_maildir()

    def test_getpw_rules(self):
        alias = pwd.getpwnam("alias")

        def getpw(local):
            p = subprocess.run([self.inst.bin("qmail-getpw"), local],
                               capture_output=True, timeout=30,
                               user="qmailp", group="nofiles",
                               extra_groups=[])
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout.decode().split("\0")

        aliashome = self.inst.path("alias")
        # root: never; goes to the alias user of this instance
        self.assertEqual(getpw("root"), [
            "alias", str(alias.pw_uid), str(alias.pw_gid), aliashome, "-",
            "root", ""])
        u = self.user("qmtlgp")
        self.assertEqual(getpw("qmtlgp"), [
            "qmtlgp", str(u.uid), str(u.gid), u.home, "", "", ""])
        self.assertEqual(getpw("QMTLgp-Ext-More"), [
            "qmtlgp", str(u.uid), str(u.gid), u.home, "-", "Ext-More", ""])
        # the longest user name wins
        u2 = self.user("qmtlgp-ext")
        self.assertEqual(getpw("qmtlgp-ext-more")[:6], [
            "qmtlgp-ext", str(u2.uid), str(u2.gid), u2.home, "-", "more"])
        # a user who does not own the home directory is not a user
        os.chown(u2.home, 0, 0)
        self.assertEqual(getpw("qmtlgp-ext-more")[:6], [
            "qmtlgp", str(u.uid), str(u.gid), u.home, "-", "ext-more"])
        self.assertEqual(getpw("qmtlnosuch")[0], "alias")
        self.assertEqual(getpw("qmtlnosuch")[4:6], ["-", "qmtlnosuch"])

    # users/assign
    def test_users_assign_exact_and_prefix(self):
        u = self.user("qmtlasn")
        u.write(".qmail-zeke", "|echo zeke:$EXT:$LOCAL >> \"$HOME/hits\"\n")
        u.write(".qmail-v-default",
                "|echo v:$EXT:$DEFAULT >> \"$HOME/hits\"\n")
        u.write(".qmail-w-default",
                "|echo w:$EXT:$DEFAULT >> \"$HOME/hits\"\n")
        u.write(".qmail", "|echo plain:$USER:$EXT >> \"$HOME/hits\"\n")
        line = "%s:%d:%d:%s" % (u.name, u.uid, u.gid, u.home)
        p = self.newu("=qmtlzeke:%s:-:zeke:\n"
                      "=qmtlplainalias:%s:::\n"
                      "+qmtlvirt-:%s:-:v-:\n"
                      "+qmtlvirt-sub-:%s:-:w-:\n"
                      ".\n" % (line, line, line, line))
        self.assertEqual(p.returncode, 0, p.stderr)
        cases = [
            ("qmtlzeke", "zeke:zeke:qmtlzeke"),
            ("QMTLZeke", "zeke:zeke:QMTLZeke"),
            ("qmtlplainalias", "plain:qmtlasn:"),
            ("qmtlvirt-bob", "v:v-bob:bob"),
            ("qmtlvirt-sub-x", "w:w-x:x"),      # longest prefix wins
            ("qmtlvirt-subx", "v:v-subx:subx"),
        ]
        for local, want in cases:
            hits = os.path.join(u.home, "hits")
            if os.path.exists(hits):
                os.unlink(hits)
            status, text = self.deliver("%s@example.com" % local)
            self.assertSuccess(status, "%s: %s" % (local, text), maildir=False)
            with open(hits) as f:
                self.assertEqual(f.read().strip(), want, local)
        # = lines do not match extensions: qmtlzeke-x is not in the cdb
        # and no passwd user matches it, so it goes to alias and bounces
        status, text = self.deliver("qmtlzeke-x@example.com")
        self.assertEqual(status, "D", text)

    def test_newu_refuses_bad_files_and_keeps_old_cdb(self):
        u = self.user("qmtlnewu")
        line = "%s:%d:%d:%s" % (u.name, u.uid, u.gid, u.home)
        p = self.newu("=qmtlgood:%s:::\n.\n" % line)
        self.assertEqual(p.returncode, 0, p.stderr)
        cdb = self.inst.path("users", "cdb")
        with open(cdb, "rb") as f:
            good = f.read()
        for bad in ("=qmtlgood:%s:::\n" % line,          # no final .
                    "=qmtlgood:%s:::\nbogus\n.\n" % line,
                    "=qmtlgood:%s::\n.\n" % line,        # 6 fields
                    "=qmtlgood:%s:x:%d:/h:::\n.\n" % (u.name, u.gid),
                    "=qmtlroot:root:0:0:/root:::\n.\n",
                    "=qmtlgood:%s:%d:%d:relative:::\n.\n" %
                    (u.name, u.uid, u.gid)):
            p = self.newu(bad)
            self.assertEqual(p.returncode, 100, bad)
            self.assertIn("users/cdb not changed", p.stderr)
            with open(cdb, "rb") as f:
                self.assertEqual(f.read(), good, bad)
            self.assertFalse(os.path.exists(cdb + ".tmp"))
        status, text = self.deliver("qmtlgood@example.com")
        self.assertSuccess(status, text, maildir=True)

    def test_corrupt_users_cdb_is_temporary(self):
        self.user("qmtlcorrupt")
        for junk in (b"this is not a cdb", b"\xff" * 4096):
            with open(self.inst.path("users", "cdb"), "wb") as f:
                f.write(junk)
            status, text = self.deliver("qmtlcorrupt@example.com")
            self.assertEqual(status, "Z", text)
            self.assertIn("users/cdb", text)
        os.unlink(self.inst.path("users", "cdb"))

    # safety rules
    def test_delivered_to_loop_bounces(self):
        u = self.user("qmtlloop")
        data = b"Delivered-To: qmtlloop@example.com\n" + MESSAGE
        status, text = self.deliver("qmtlloop@example.com", data=data)
        self.assertEqual(status, "D", text)
        self.assertIn("#5.4.6", text)
        self.assertEqual(maildir_messages(u.maildir()), [])
        # another address's line, or one in the body, is no loop
        data = (b"Delivered-To: other@example.com\n" + MESSAGE +
                b"Delivered-To: qmtlloop@example.com\n")
        status, text = self.deliver("qmtlloop@example.com", data=data)
        self.assertSuccess(status, text, maildir=True)

    def test_writable_home_or_dotqmail_is_temporary(self):
        u = self.user("qmtlwrite")
        os.chmod(u.home, 0o757)
        status, text = self.deliver("qmtlwrite@example.com")
        self.assertEqual(status, "Z", text)
        self.assertIn("home directory is writable", text)
        os.chmod(u.home, 0o755)
        u.write(".qmail", "./Maildir/\n", mode=0o646)
        status, text = self.deliver("qmtlwrite@example.com")
        self.assertEqual(status, "Z", text)
        self.assertIn(".qmail file is writable", text)
        os.chmod(os.path.join(u.home, ".qmail"), 0o644)
        status, text = self.deliver("qmtlwrite@example.com")
        self.assertSuccess(status, text, maildir=True)

    def test_sticky_home_and_forward_only_dotqmail(self):
        u = self.user("qmtlsticky")
        os.chmod(u.home, 0o1755)
        status, text = self.deliver("qmtlsticky@example.com")
        self.assertEqual(status, "Z", text)
        self.assertIn("sticky", text)
        os.chmod(u.home, 0o755)
        u.write(".qmail", "./Maildir/\n", mode=0o744)  # +x: forward only
        status, text = self.deliver("qmtlsticky@example.com")
        self.assertEqual(status, "Z", text)
        self.assertIn("x bit", text)
        u.write(".qmail", "\n./Maildir/\n")
        status, text = self.deliver("qmtlsticky@example.com")
        self.assertEqual(status, "Z", text)
        self.assertIn("first line of .qmail file is blank", text)

    def test_missing_maildir_is_temporary(self):
        u = self.user("qmtlnomd", maildir=False)
        u.write(".qmail", "./NoSuchMaildir/\n")
        status, text = self.deliver("qmtlnomd@example.com")
        self.assertEqual(status, "Z", text)
        self.assertIn("maildir", text)

    # forwards
    def queued(self):
        """(envelope fields, message) for every message in queue/todo."""
        out = []
        for p in self.inst.queue_files("todo"):
            fields = qrecord.envelope(p).split(b"\0")
            n = os.path.basename(p)
            with open(self.inst.path("queue", "mess", os.path.basename(
                    os.path.dirname(p)), n), "rb") as f:
                out.append(([x.decode() for x in fields if x], f.read()))
        return out

    def test_forwards_reach_the_queue(self):
        if not os.path.exists(self.inst.bin("qmail-queue")):
            self.skipTest("qmail-queue is not built yet")
        u = self.user("qmtlfwd")
        u.write(".qmail", "&first@example.org\nsecond@example.org\n"
                "# not a forward\n./Maildir/\n")
        status, text = self.deliver("qmtlfwd@example.com",
                                    sender="orig@example.net")
        self.assertSuccess(status, text, maildir=True)
        self.assertIn("did 1+2+0", text)
        self.assertRegex(text, r"qp \d+")
        q = self.queued()
        self.assertEqual(len(q), 1, q)
        env, mess = q[0]
        self.assertIn("Forig@example.net", env)
        self.assertEqual([x for x in env if x.startswith("T")],
                         ["Tfirst@example.org", "Tsecond@example.org"])
        self.assertIn(b"\nDelivered-To: qmtlfwd@example.com\n" + MESSAGE,
                      mess)
        self.assertEqual(len(maildir_messages(u.maildir())), 1)

    def test_forward_owner_sender(self):
        if not os.path.exists(self.inst.bin("qmail-queue")):
            self.skipTest("qmail-queue is not built yet")
        u = self.user("qmtlown")
        u.write(".qmail-list", "&member@example.org\n")
        u.write(".qmail-list-owner", "./Maildir/\n")
        status, text = self.deliver("qmtlown-list@example.com")
        self.assertSuccess(status, text, maildir=False)
        u.write(".qmail-list-owner-default", "./Maildir/\n")
        status, text = self.deliver("qmtlown-list@example.com")
        self.assertSuccess(status, text, maildir=False)
        senders = sorted(x for env, _ in self.queued() for x in env
                         if x.startswith("F"))
        self.assertEqual(senders, ["Fqmtlown-list-owner-@example.com-@[]",
                                   "Fqmtlown-list-owner@example.com"])

    # the spawner protocol
    def test_lspawn_protocol_concurrency_and_eof(self):
        users = [self.user("qmtlpar%d" % i) for i in range(5)]
        for u in users:
            u.write(".qmail", "|sleep 1\n./Maildir/\n")
        s = self.lspawn()
        self.assertGreaterEqual(s.ceiling, 10)
        slots = [0, 1, 300, 65534 if s.ceiling > 65534 else s.ceiling - 1,
                 7]
        start = time.time()
        for slot, u in zip(slots, users):
            s.request(slot, self.queue_message(), "s@example.net",
                      "%s@example.com" % u.name)
        got = {}
        for _ in users:
            slot, status, text = s.reply()
            got[slot] = (status, text)
        # five deliveries of a second each ran at the same time
        self.assertLess(time.time() - start, 4.5)
        self.assertEqual(sorted(got), sorted(slots))
        for slot in slots:
            self.assertSuccess(*got[slot], maildir=True)
        # EOF while a delivery runs: it is finished and answered first
        s.request(9, self.queue_message(), "s@example.net",
                  "%s@example.com" % users[0].name)
        s.p.stdin.close()
        slot, status, text = s.reply()
        self.assertEqual(slot, 9, text)
        self.assertSuccess(status, text, maildir=True)
        self.assertEqual(s.close(), 0)
        for u in users:
            self.assertEqual(len(maildir_messages(u.maildir())),
                             2 if u is users[0] else 1)

    def test_lspawn_bad_requests(self):
        s = self.lspawn()
        s.request(1, "mess/0/../../x", "s@example.net", "x@example.com")
        self.assertEqual(s.reply()[:2], (1, "Z"))
        s.request(2, "mess/0/1", "s@example.net", "nohost")
        slot, status, text = s.reply()
        self.assertEqual((slot, status), (2, "D"))
        self.assertIn("#5.1.3", text)
        s.request(3, "mess/0/123456789", "s@example.net", "x@example.com")
        self.assertEqual(s.reply()[:2], (3, "Z"))  # no such message
        # a field longer than the protocol allows is fatal and temporary
        s.request(4, "mess/0/1", "s" * 2000, "x@example.com")
        self.assertEqual(s.close(), 111)

    def test_lspawn_long_output_is_cut(self):
        u = self.user("qmtllong")
        u.write(".qmail", "|head -c 20000 /dev/zero | tr '\\0' x\n")
        status, text = self.deliver("qmtllong@example.com")
        self.assertSuccess(status, "", maildir=False)
        self.assertLessEqual(len(text), 4000)
        self.assertTrue(text.endswith("..."), text[-20:])

    # qmail-rspawn
    def rspawn(self, remote):
        env = dict(os.environ, QMAILREMOTE=remote)
        s = Spawner([self.inst.bin("qmail-rspawn")], user="qmailr", env=env)
        self.spawners.append(s)
        return s

    def fake_remote(self, body):
        path = os.path.join(self.inst.tmp, "qmtl-fake-remote")
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)
        self.cleanup_paths.append(path)
        return path

    def test_rspawn_without_qmail_remote_is_temporary(self):
        s = self.rspawn(self.inst.path("bin", "qmtl-no-such-remote"))
        s.request(5, self.queue_message(), "s@example.net",
                  "user@remote.example")
        slot, status, text = s.reply()
        self.assertEqual((slot, status), (5, "Z"), text)
        self.assertIn("qmail-remote", text)
        self.assertEqual(s.close(), 0, s.err)

    def test_rspawn_folds_reports(self):
        cases = [
            # what qmail-remote prints (printf format), status wanted
            ("r250 ok\\0Kdelivered\\0", "K", "250 ok"),
            ("h550 no such user\\0Dgiving up\\0", "D", "550 no such user"),
            ("s451 try later\\0Zlater\\0", "Z", "451 try later"),
            ("Zconnection refused\\0", "Z", "connection refused"),
            ("", "Z", "no output"),
            ("garbage\\0", "Z", "unparseable"),
        ]
        for out, want, snippet in cases:
            remote = self.fake_remote(
                'test "$1" = remote.example || exit 1\n'
                'test "$2" = s@example.net || exit 1\n'
                'test "$3" = user@remote.example || exit 1\n'
                "cat > /dev/null\nprintf '%s'\n" % out)
            s = self.rspawn(remote)
            s.request(0, self.queue_message(), "s@example.net",
                      "user@remote.example")
            slot, status, text = s.reply()
            self.assertEqual(status, want, "%r: %s" % (out, text))
            self.assertIn(snippet, text)
            self.assertEqual(s.close(), 0, s.err)
        for body in ("exit 100\n", "kill -9 $$\n", "exit 111\n"):
            s = self.rspawn(self.fake_remote(body))
            s.request(0, self.queue_message(), "s@example.net",
                      "user@remote.example")
            self.assertEqual(s.reply()[1], "Z", body)
            self.assertEqual(s.close(), 0)


if __name__ == "__main__":
    unittest.main()
