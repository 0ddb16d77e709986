"""Recovery of messages committed as one file with an envelope record.

On ext4 without a journal qmail-queue commits a message as todo/S/N,
the message file itself, with the envelope in its "user.qmail" record,
made durable by one fsync; mess/S/N is linked after that without a flush
(doc/INTERNALS.md "qmail-queue: the write order"). A power loss can then
leave a todo/S/N whose mess/ name is gone, or, if the commit never
finished, whose data or record never reached the disk. Nothing on this
machine can drop unflushed writes (no dm-flakey), so these tests build
the states a crash leaves by hand, from a message queued by the real
qmail-queue: a record "from an earlier boot" is one whose boot id is not
this boot's, which is what qmail-todo looks at. They need user xattrs on
the queue's file system (any ext4 has them), and are skipped without.
Test users start with "qmtrec".
"""
import errno
import os
import re
import time
import unittest

import harness
import qrecord
from harness import Instance, maildir_messages, needs_root, wait_for

with open(os.path.join(harness.TOP, "conf-split")) as _f:
    SPLIT = int(_f.readline().split()[0])
OTHER_BOOT = bytes(range(1, 17))


@needs_root
class RecordRecoveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = Instance.shared()

    def setUp(self):
        self.inst.reset()
        probe = self.inst.path("queue", "pid", "xattr-probe")
        open(probe, "wb").close()
        try:
            os.setxattr(probe, qrecord.NAME, b"x")
        except OSError as e:
            if e.errno == errno.ENOTSUP:
                self.skipTest("no user xattrs on the queue's file system")
            raise
        finally:
            os.unlink(probe)
        self.u = self.inst.user("qmtrec")
        self.md = self.u.maildir()
        for sub in ("new", "cur", "tmp"):
            d = os.path.join(self.md, sub)
            for name in os.listdir(d):
                os.unlink(os.path.join(d, name))

    def tearDown(self):
        self.inst.stop()

    def queued(self, body="recovered\n"):
        p = self.inst.queue("Subject: rec\n\n" + body, "s@example.org",
                            ["qmtrec@testhost.example"])
        self.assertEqual(p.returncode, 0, p.stderr)
        mess = self.inst.queue_files("mess")
        self.assertEqual(len(mess), 1)
        return int(os.path.basename(mess[0]))

    def qpath(self, sub, n):
        return self.inst.path("queue", sub, str(n % SPLIT), str(n))

    def as_record(self, n, boot=OTHER_BOOT, value=None):
        """Makes message N's commit the one-file form, with a record
        written by BOOT (or the bytes VALUE), whatever qmail-queue chose
        on this file system."""
        mess, todo = self.qpath("mess", n), self.qpath("todo", n)
        env = qrecord.envelope(todo)
        with open(mess, "rb") as f:
            data = f.read()
        if value is None:
            value = qrecord.encode(env, n, data, boot=boot)
        if qrecord.record(todo) is None:
            os.unlink(todo)
            os.unlink(self.qpath("intd", n))
            os.setxattr(mess, qrecord.NAME, value)
            os.link(mess, todo)
        else:
            os.setxattr(mess, qrecord.NAME, value, os.XATTR_REPLACE)
        self.assertEqual(os.stat(todo).st_ino, n)

    def log(self):
        return self.inst.read_log().decode(errors="replace")

    def test_earlier_boot_lost_mess_name_is_relinked_and_delivered(self):
        n = self.queued()
        self.as_record(n)
        os.unlink(self.qpath("mess", n))
        self.inst.start()
        wait_for(lambda: maildir_messages(self.md), 20,
                 what="the delivery; log:\n" + self.log())
        got = maildir_messages(self.md)
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0].get_payload(), "recovered\n")
        wait_for(lambda: not self.inst.queue_files("mess"), 20,
                 what="the message to be finished")
        self.assertEqual(self.inst.queue_files("todo"), [])
        self.assertRegex(self.log(), r"(?m)^new msg %d$" % n)

    def test_earlier_boot_damaged_message_is_removed(self):
        n = self.queued("x" * 5000 + "\n")
        self.as_record(n)
        with open(self.qpath("mess", n), "r+b") as f:
            f.seek(4000)
            f.write(b"\0" * 1000)  # blocks that never reached the disk
        # and what a preparation before the crash may have left
        for sub, data in (("info", b"Fs@example.org\0"),
                          ("local", b"Tqmtrec@testhost.example\0")):
            with open(self.qpath(sub, n), "wb") as f:
                f.write(data)
        self.inst.start()
        wait_for(lambda: "cut short by a crash" in self.log(), 20,
                 what="the discard; log:\n" + self.log())
        self.assertRegex(self.log(), r"todo msg %d was cut short" % n)
        wait_for(lambda: not self.inst.queue_files("todo"), 10,
                 what="todo/ empty")
        self.assertEqual(self.inst.queue_files("mess"), [])
        for sub in ("info", "local"):
            self.assertFalse(os.path.exists(self.qpath(sub, n)), sub)
        self.assertNotIn("new msg %d" % n, self.log())
        self.assertEqual(maildir_messages(self.md), [])

    def test_earlier_boot_short_message_is_removed(self):
        n = self.queued("y" * 5000 + "\n")
        self.as_record(n)
        os.truncate(self.qpath("mess", n), 4096)
        self.inst.start()
        wait_for(lambda: "cut short by a crash" in self.log(), 20,
                 what="the discard; log:\n" + self.log())
        self.assertEqual(maildir_messages(self.md), [])

    def test_bad_record_of_this_boot_is_left_alone(self):
        n = self.queued()
        value = bytearray(qrecord.encode(
            qrecord.envelope(self.qpath("todo", n)), n,
            open(self.qpath("mess", n), "rb").read(),
            boot=qrecord.boot_id()))
        value[-3] ^= 1  # a hash that no longer matches
        self.as_record(n, value=bytes(value))
        self.inst.start()
        wait_for(lambda: "unreadable envelope record" in self.log(), 20,
                 what="the alert; log:\n" + self.log())
        time.sleep(0.5)
        self.assertEqual(len(self.inst.queue_files("todo")), 1)
        self.assertEqual(len(self.inst.queue_files("mess")), 1)
        self.assertEqual(maildir_messages(self.md), [])

    def test_record_of_another_message_is_left_alone(self):
        # a whole record naming another id: a copied queue or a stale
        # block; when in doubt, touch nothing
        n = self.queued()
        value = qrecord.encode(qrecord.envelope(self.qpath("todo", n)),
                               n + 1,
                               open(self.qpath("mess", n), "rb").read(),
                               boot=OTHER_BOOT)
        self.as_record(n, value=value)
        self.inst.start()
        wait_for(lambda: "names msg %d" % (n + 1) in self.log(), 20,
                 what="the alert; log:\n" + self.log())
        self.assertEqual(len(self.inst.queue_files("todo")), 1)
        self.assertEqual(len(self.inst.queue_files("mess")), 1)
        self.assertEqual(maildir_messages(self.md), [])

    def test_message_that_lost_its_record_is_left_alone(self):
        # todo/S/N is the message itself (inode N) but has no record: it
        # must not be read as an envelope (qmail's layout links intd/)
        n = self.queued()
        self.as_record(n)
        os.removexattr(self.qpath("todo", n), qrecord.NAME)
        self.inst.start()
        wait_for(lambda: "without its envelope record" in self.log(), 20,
                 what="the alert; log:\n" + self.log())
        self.assertNotIn("new msg %d" % n, self.log())
        self.assertEqual(len(self.inst.queue_files("todo")), 1)
        self.assertEqual(len(self.inst.queue_files("mess")), 1)
        self.assertEqual(maildir_messages(self.md), [])

    def test_record_without_checkpoint_is_delivered(self):
        # with conservativesync qmail-todo has no checkpoint: it has
        # qmail-clean link (and fsync) mess/S/N for every record message
        self.inst.write_control("conservativesync", "1\n")
        self.addCleanup(self.inst.remove_control, "conservativesync")
        n = self.queued()
        self.assertIsNone(qrecord.record(self.qpath("todo", n)))
        self.as_record(n, boot=qrecord.boot_id())
        self.inst.start()
        wait_for(lambda: maildir_messages(self.md), 20,
                 what="the delivery; log:\n" + self.log())
        self.assertNotIn("warning", self.log())

    def test_fresh_todo_without_mess_waits_for_qmail_queue(self):
        # qmail-queue links mess/S/N right after its fsync: until then
        # (and for RELINK_AFTER seconds) qmail-todo leaves todo/S/N alone
        n = self.queued()
        self.as_record(n, boot=qrecord.boot_id())
        mess = self.qpath("mess", n)
        os.unlink(mess)
        self.inst.start()
        time.sleep(2)
        self.assertNotIn("new msg %d" % n, self.log())
        self.assertNotIn("warning", self.log())
        os.link(self.qpath("todo", n), mess)
        with open(self.inst.path("queue", "lock", "trigger"), "wb",
                  buffering=0) as f:
            f.write(b"\0")
        wait_for(lambda: maildir_messages(self.md), 20,
                 what="the delivery; log:\n" + self.log())

    def test_fresh_todo_of_unknown_boot_waits_too(self):
        # a qmail-queue that could not read the boot id writes zeros:
        # made in this boot and young, its todo/S/N is left to it as well
        n = self.queued()
        self.as_record(n, boot=bytes(16))
        mess = self.qpath("mess", n)
        os.unlink(mess)
        self.inst.start()
        time.sleep(2)
        self.assertFalse(os.path.exists(mess), "relinked too early")
        self.assertNotIn("new msg %d" % n, self.log())

    def test_large_envelope_keeps_qmails_files(self):
        if not qrecord.expected(self.inst.path("queue")):
            self.skipTest("qmail-queue commits qmail's files here anyway")
        rcpts = ["qmtrec+%04d@testhost.example" % i for i in range(200)]
        p = self.inst.queue("Subject: many\n\nmany\n", "s@example.org",
                            rcpts)
        self.assertEqual(p.returncode, 0, p.stderr)
        todo = self.inst.queue_files("todo")
        self.assertEqual(len(todo), 1)
        self.assertIsNone(qrecord.record(todo[0]))
        self.assertEqual(len(self.inst.queue_files("intd")), 1)
        self.assertEqual(
            len(re.findall(rb"\0T", qrecord.envelope(todo[0]))), 200)
        # and a small one on the same file system gets the record
        self.inst.reset()
        n = self.queued()
        self.assertIsNotNone(qrecord.record(self.qpath("todo", n)))
        self.assertEqual(self.inst.queue_files("intd"), [])


if __name__ == "__main__":
    unittest.main()
