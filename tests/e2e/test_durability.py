"""The write order of one locally delivered message, syscall by syscall.

doc/PERFORMANCE.md "Durability" argues why a message is durable with one
flush in qmail-queue, none in qmail-todo and one in the Maildir delivery
when the queue and the Maildir are on ext4 with a journal, and why every
other file system keeps the per-file fsyncs. These tests check that the
programs do what the argument assumes, on a real journaled ext4 (a loop
image of a dedicated instance, mounted over a copy of its queue, with the
test user's home on it too):

- journaled: qmail-queue writes back the message and the envelope
  (sync_file_range), links into todo/ and fsyncs only todo/S, after the
  link; qmail-todo fsyncs nothing; the Maildir delivery writes back its
  file and links it into new/ without a flush, and qmail-send marks the
  recipient done only after a barrier (syncfs, fsync) of the queue's file
  system, which the Maildir shares.
- control/conservativesync 1: every file is fsynced again, as before.
- ext4 without a journal (a second image, made with -O ^has_journal, as
  this VM's root file system is): qmail-queue puts the envelope on the
  message file as a record, links it as todo/S/N and fsyncs it once
  through that name, then links mess/S/N; the Maildir delivery fsyncs
  its file, links it into new/, and leaves new/ to qmail-send's barrier,
  as above; qmail-todo fsyncs nothing per message and removes a todo/
  entry only after one syncfs and one fsync (its checkpoint).

There is no honest power-loss test here: this machine has no device-mapper
targets (dm-flakey, dm-log-writes) to drop or replay unflushed writes, and a
loop device cannot forget what it was given. So the ordering is what is
tested (with strace -f -y), and the crash argument is on paper. kill -9 is
tested in test_queue.py and test_send.py. Test users start with "qmtdur".
"""
import os
import re
import shutil
import signal
import subprocess
import unittest

from harness import Instance, needs_root, wait_for

SYSCALLS = ("fsync,fdatasync,sync_file_range,syncfs,sync,link,linkat,"
            "unlink,unlinkat,rename,renameat,renameat2,fsetxattr,pwrite64,"
            "prctl")
LINE = re.compile(r"^(?:(\d+) +)?(\w+)\((.*)\) += (-?\d+)")


def _run(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


def _have_tools():
    return all(shutil.which(t) for t in ("strace", "mkfs.ext4", "mount",
                                         "umount", "losetup"))


UNFINISHED = re.compile(r"^(\d+) +(.*) <unfinished \.\.\.>$")
RESUMED = re.compile(r"^(\d+) +<\.\.\. \w+ resumed>(.*)$")


def parse(path):
    """Returns [(pid, syscall, args, result)] of a strace -f -y log; a
    call that another process's interrupted ("<unfinished ...>", then
    "<... resumed>") counts where it ended."""
    out = []
    begun = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = UNFINISHED.match(line)
            if m:
                begun[m.group(1)] = m.group(2)
                continue
            m = RESUMED.match(line)
            if m and m.group(1) in begun:
                line = "%s %s%s" % (m.group(1), begun.pop(m.group(1)),
                                    m.group(2))
            m = LINE.match(line)
            if m:
                out.append((m.group(1), m.group(2), m.group(3),
                            int(m.group(4))))
    return out


def flushes(calls):
    return [c for c in calls if c[1] in ("fsync", "fdatasync", "syncfs",
                                         "sync")]


@needs_root
@unittest.skipUnless(_have_tools(), "needs strace, mkfs.ext4 and losetup")
class TestWriteOrder(unittest.TestCase):
    MKFS = ()        # extra mkfs.ext4 options
    JOURNAL = True   # what /sys/fs/ext4/*/journal_task must say

    @classmethod
    def setUpClass(cls):
        cls.inst = Instance("qmtdur")
        cls.inst.install()
        cls.fs = os.path.join(cls.inst.tmp, "ext4")
        img = os.path.join(cls.inst.tmp, "ext4.img")
        with open(img, "wb") as f:
            f.truncate(64 * 1024 * 1024)
        _run("mkfs.ext4", "-q", "-F", *cls.MKFS, img)
        os.mkdir(cls.fs)
        try:
            _run("mount", "-o", "loop", img, cls.fs)
        except subprocess.CalledProcessError as e:
            cls.inst.cleanup()
            raise unittest.SkipTest("cannot mount a loop image: %s" %
                                    e.stderr.decode(errors="replace"))
        cls.mounts = [cls.fs]
        os.chmod(cls.fs, 0o755)
        qdir = cls.inst.path("queue")
        _run("cp", "-a", qdir + "/.", os.path.join(cls.fs, "queue"))
        _run("mount", "--bind", os.path.join(cls.fs, "queue"), qdir)
        cls.mounts.insert(0, qdir)
        dev = os.stat(qdir).st_dev
        name = os.path.basename(os.readlink("/sys/dev/block/%d:%d" % (
            os.major(dev), os.minor(dev))))
        with open("/sys/fs/ext4/%s/journal_task" % name) as f:
            if f.read().strip().isdigit() != cls.JOURNAL:
                cls.tearDownClass()
                raise unittest.SkipTest("the loop ext4's journal is not "
                                        "as asked")
        home = os.path.join(cls.fs, "home")
        os.mkdir(home)
        os.chmod(home, 0o755)
        cls.inst.homes = home
        cls.user = cls.inst.user("qmtdur")
        cls.md = cls.user.maildir()

    @classmethod
    def tearDownClass(cls):
        cls.inst.kill_all()
        for m in cls.mounts:
            subprocess.run(["umount", m], check=False, capture_output=True)
        cls.mounts = []
        cls.inst.cleanup()

    def setUp(self):
        self.inst.remove_control("conservativesync")
        self.inst.write_control("locals", "localhost\n")
        for p in os.listdir(os.path.join(self.md, "new")):
            os.unlink(os.path.join(self.md, "new", p))

    def deliver_one(self):
        """Starts qmail-start and then qmail-queue under strace, waits
        for the delivery; returns (qmail-queue calls, qmail-send tree)."""
        tmp = self.inst.tmp
        send_log = os.path.join(tmp, "strace.send")
        qq_log = os.path.join(tmp, "strace.qq")
        log = open(os.path.join(tmp, "dur-send.log"), "ab")
        start = log.tell()  # the log grows over the tests: read only ours

        def logged():
            with open(log.name, "rb") as f:
                f.seek(start)
                return f.read()
        self.addCleanup(log.close)
        st = subprocess.Popen(
            ["strace", "-f", "-qq", "-y", "-o", send_log, "-e",
             "trace=" + SYSCALLS, self.inst.bin("qmail-start"),
             "./Maildir/"], cwd=self.inst.prefix, stdin=subprocess.DEVNULL,
            stdout=log, stderr=log, start_new_session=True)
        try:
            wait_for(lambda: b"status:" in logged() or
                     st.poll() is not None, 10, what="qmail-send start")
            self.assertIsNone(st.poll(), "qmail-start exited")
            r, w = os.pipe()
            os.write(w, b"Fs@example\0Tqmtdur@localhost\0\0")
            os.close(w)
            try:
                p = subprocess.run(
                    ["strace", "-qq", "-y", "-o", qq_log, "-e",
                     "trace=" + SYSCALLS, self.inst.bin("qmail-queue")],
                    input=b"Subject: durable\n\nhello\n", stdout=r,
                    stderr=subprocess.PIPE, timeout=30)
            finally:
                os.close(r)
            self.assertEqual(p.returncode, 0, p.stderr)
            wait_for(lambda: os.listdir(os.path.join(self.md, "new")), 20,
                     what="the Maildir delivery")
            wait_for(lambda: b"end msg" in logged(), 20,
                     what="the end of the message")
        finally:
            # qmail-send is strace's child; TERM it, then strace ends
            kids = subprocess.run(["pgrep", "-P", str(st.pid)],
                                  capture_output=True, text=True).stdout
            for pid in kids.split():
                os.kill(int(pid), signal.SIGTERM)
            try:
                st.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(st.pid, signal.SIGKILL)
                st.wait()
        return parse(qq_log), parse(send_log)

    def index(self, calls, pred, what):
        for i, c in enumerate(calls):
            if pred(c):
                return i
        self.fail("no %s in %r" % (what, calls))

    def barrier_before_done(self, send):
        """Checks that the Maildir link into new/ is followed by the
        syncer's (qmail-send's child's) syncfs and fsync of the queue,
        then qmail-send's 'D' mark in local/S/N, then the unlink of
        local/S/N (by qmail-send's child qmail-remover), and that new/ is
        never fsynced; returns the index of the link."""
        link = self.index(send, lambda c: c[1] in ("link", "linkat") and
                          "new/" in c[2], "link into new/")
        named = self.index(send, lambda c: c[1] == "prctl" and
                           '"qmail-syncer"' in c[2], "the syncer's name")
        syncer = send[named][0]
        mark = self.index(send, lambda c: c[1] == "pwrite64" and
                          "/queue/local/" in c[2] and '"D"' in c[2],
                          "the D mark")
        spid = send[mark][0]
        self.assertNotEqual(spid, syncer)
        sfs = link + 1 + self.index(
            send[link + 1:], lambda c: c[0] == syncer and
            c[1] == "syncfs" and c[2].endswith("/queue>"),
            "the syncer's syncfs after the link")
        fs = sfs + 1 + self.index(
            send[sfs + 1:], lambda c: c[0] == syncer and c[1] == "fsync"
            and c[2].endswith("/queue>"), "the syncer's fsync")
        # qmail-send's own unlinks are done by its child qmail-remover
        named = self.index(send, lambda c: c[1] == "prctl" and
                           '"qmail-remover"' in c[2], "the remover's name")
        remover = send[named][0]
        self.assertNotIn(remover, (spid, syncer))
        gone = self.index(send, lambda c: c[0] == remover and
                          c[1] in ("unlink", "unlinkat") and
                          "local/" in c[2], "the unlink of local/S/N")
        self.assertLess(link, sfs)
        self.assertLess(sfs, fs)
        self.assertLess(fs, mark)
        self.assertLess(mark, gone)
        self.assertFalse([c for c in flushes(send)
                          if c[2].endswith("/Maildir/new>")], send)
        return link

    def test_journaled_one_flush_to_queue_one_to_deliver(self):
        qq, send = self.deliver_one()
        # qmail-queue: both files written back, the link, one fsync of
        # todo/S after it, and nothing flushed before it
        link = self.index(qq, lambda c: c[1] == "link" and "todo/" in c[2],
                          "link into todo/")
        # (the message file is written through its pid/ name and
        # reopened through mess/S/N before it is synced)
        wb = [c[2] for c in qq[:link] if c[1] == "sync_file_range"]
        self.assertTrue(any("/queue/mess/" in a for a in wb), qq)
        self.assertTrue(any("/intd/" in a for a in wb), qq)
        fl = flushes(qq)
        self.assertEqual(len(fl), 1, qq)
        self.assertRegex(fl[0][2], r"/queue/todo/\d+>$")
        self.assertGreater(qq.index(fl[0]), link)
        # the qmail-send tree: the delivery writes its file back and
        # links it into new/ without a flush; the only flushes are
        # qmail-send's barrier before it marks the recipient done
        link = self.barrier_before_done(send)
        fl = flushes(send)
        self.assertEqual([c[1] for c in fl], ["syncfs", "fsync"], fl)
        self.assertFalse([c for c in fl if not c[2].endswith("/queue>")],
                         fl)
        pid = send[link][0]
        mine = [c for c in send[:link] if c[0] == pid]
        self.assertTrue(any(c[1] == "sync_file_range" and "/Maildir/tmp/"
                            in c[2] for c in mine), mine)
        # qmail-todo wrote local/ back (no flush of its own); there is
        # no info/ file (the head is in local/)
        wb = [c[2] for c in send if c[1] == "sync_file_range"]
        self.assertTrue(any("/queue/local/" in a for a in wb), wb)
        self.assertFalse([c for c in send if "/queue/info/" in c[2] and
                          c[1] not in ("unlink", "unlinkat")], send)

    def test_conservativesync_fsyncs_every_file(self):
        self.inst.write_control("conservativesync", "1\n")
        qq, send = self.deliver_one()
        # nothing is only written back: the one sync_file_range starts
        # the message data's writes early (no wait), the fsyncs follow
        srf = [c for c in qq if c[1] == "sync_file_range"]
        self.assertEqual(len(srf), 1, qq)
        self.assertRegex(srf[0][2], r"/queue/pid/.*, SYNC_FILE_RANGE_WRITE$")
        names = [c[2] for c in flushes(qq)]
        self.assertEqual(len(names), 3, qq)
        self.assertIn("/queue/mess/", names[0])  # the message file
        self.assertIn("/queue/intd/", names[1])
        self.assertRegex(names[2], r"/queue/todo/\d+>$")
        names = [c[2] for c in flushes(send)]
        self.assertEqual(len(names), 3, names)
        self.assertTrue(any("/queue/local/" in n for n in names), names)
        self.assertTrue(any("/Maildir/tmp/" in n for n in names), names)
        self.assertTrue(names[-1].endswith("/Maildir/new>"), names)


@needs_root
@unittest.skipUnless(_have_tools(), "needs strace, mkfs.ext4 and losetup")
class TestWriteOrderNoJournal(TestWriteOrder):
    MKFS = ("-O", "^has_journal")
    JOURNAL = False

    # the journaled expectations do not hold here
    test_journaled_one_flush_to_queue_one_to_deliver = None

    def test_nojournal_checkpoint_before_todo_goes(self):
        qq, send = self.deliver_one()
        # qmail-queue: the envelope record on the message file, the file
        # linked as todo/S/N, one fsync of it through that name (which
        # also writes todo/S), and only then the mess/S/N link; no intd
        fl = flushes(qq)
        self.assertEqual(len(fl), 1, qq)
        self.assertRegex(fl[0][2], r"/queue/todo/\d+/\d+>$")
        at = qq.index(fl[0])
        rec = self.index(qq, lambda c: c[1] == "fsetxattr" and
                         "user.qmail" in c[2], "the envelope record")
        todo = self.index(qq, lambda c: c[1] == "link" and
                          re.search(r'"todo/\d+/\d+"', c[2]),
                          "link into todo/")
        mess = self.index(qq, lambda c: c[1] == "link" and
                          re.search(r'"mess/\d+/\d+"\)?$', c[2]),
                          "link into mess/")
        self.assertLess(rec, todo)
        self.assertLess(todo, at)
        self.assertLess(at, mess)
        self.assertFalse([c for c in qq if "intd/" in c[2]], qq)
        # qmail-todo: no fsync of local/; syncfs then fsync of
        # the queue, then (qmail-clean) the unlink of todo/S/N
        fl = flushes(send)
        self.assertFalse([c for c in fl if "/queue/info/" in c[2] or
                          "/queue/local/" in c[2]], fl)
        sfs = self.index(send, lambda c: c[1] == "syncfs" and
                         c[2].endswith("/queue>"), "syncfs of the queue")
        fs = self.index(send, lambda c: c[1] == "fsync" and
                        c[2].endswith("/queue>") and c[0] == send[sfs][0],
                        "fsync of the queue")
        gone = self.index(send, lambda c: c[1] in ("unlink", "unlinkat")
                          and "todo/" in c[2], "unlink of todo/S/N")
        self.assertLess(sfs, fs)
        self.assertLess(fs, gone)
        # the Maildir: the tmp/ file is fsynced; new/ waits for
        # qmail-send's barrier
        md = [c[2] for c in fl if "/Maildir/" in c[2]]
        self.assertEqual(len(md), 1, fl)
        self.assertIn("/Maildir/tmp/", md[0])
        self.barrier_before_done(send)


if __name__ == "__main__":
    unittest.main()
