"""qmail-start, qmail-send, qmail-todo and qmail-clean, end to end.

Everything runs through the installed programs of a shared instance:
qmail-start started as a supervisor would, mail queued with qmail-queue,
delivered by qmail-lspawn/qmail-local into test users' Maildirs, and the
log (qmail-send's fd 0, qmail-start's stdout) checked line by line. Test
users start with "qmts".

The queue-lifetime test ages a message by writing an old birth into the
head of its local/ file (qmail-send reads the birth each time it opens the
message), then sends ALRM: no faked clock is needed, and the default
queuelifetime of 604800 s is what is tested.
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

import harness
from harness import Instance, maildir_messages, needs_root, wait_for

MSG = "From: someone\nSubject: test {n}\n\nbody {n}\n"
SPLIT = int(open(os.path.join(harness.TOP, "conf-split")).readline().split()[0])


def log_text(inst):
    return inst.read_log().decode(errors="replace")


def count_in_log(inst, pattern):
    return len(re.findall(pattern, log_text(inst), re.M))


def msg_ids(inst):
    """Message ids still in the queue (mess/)."""
    return sorted(int(os.path.basename(p)) for p in inst.queue_files("mess"))


def group_pids(pgid):
    pids = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(os.path.basename(d)))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def _comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def _ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


@needs_root
class SendTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = Instance.shared()

    def setUp(self):
        self.inst.reset()
        self.users = {}

    def tearDown(self):
        self.inst.stop()

    def user(self, name):
        u = self.inst.user(name)
        u.maildir()
        self.users[name] = u
        return u

    def queue(self, sender, rcpts, body="x", n=0):
        p = self.inst.queue(MSG.format(n=n) + body + "\n", sender, rcpts)
        self.assertEqual(p.returncode, 0, p.stderr)

    def unreachable_remote(self):
        # every remote delivery goes to a port where nothing listens: a
        # temporary failure, whatever qmail-remote can do
        self.inst.write_control("smtproutes", ":127.0.0.1:1\n")

    def wait_mail(self, user, count=1, timeout=20):
        md = os.path.join(user.home, "Maildir")
        return wait_for(lambda: (len(maildir_messages(md)) >= count and
                                 maildir_messages(md)),
                        timeout, what="%d message(s) for %s; log:\n%s" %
                        (count, user.name, log_text(self.inst)[-3000:]))

    def wait_log(self, pattern, count=1, timeout=20):
        return wait_for(lambda: count_in_log(self.inst, pattern) >= count,
                        timeout, what="log %r x%d; log:\n%s" %
                        (pattern, count, log_text(self.inst)[-3000:]))

    def wait_queue_empty(self, timeout=20):
        try:
            wait_for(lambda: not msg_ids(self.inst), timeout,
                     what="an empty queue")
        except AssertionError:
            left = {sub: self.inst.queue_files(sub) for sub in
                    ("mess", "todo", "info", "local", "remote", "bounce")}
            raise AssertionError("queue not empty after %ds: %r\nlog:\n%s"
                                 % (timeout, left,
                                    log_text(self.inst)[-4000:]))

    # --- lock/trigger: which todo/ directories a scan reads ------------

    def queued_untriggered(self):
        """Queues a message with lock/trigger out of the way, so that
        qmail-todo does not hear of it; returns its id."""
        fifo = self.inst.path("queue", "lock", "trigger")
        os.rename(fifo, fifo + ".away")
        try:
            self.queue("sender@example.org", ["qmtstrig@testhost.example"])
        finally:
            os.rename(fifo + ".away", fifo)
        ids = msg_ids(self.inst)
        self.assertEqual(len(ids), 1)
        return ids[0]

    def pull(self, data):
        with open(self.inst.path("queue", "lock", "trigger"), "wb",
                  buffering=0) as f:
            f.write(data)

    def started_and_scanned(self, u):
        """Starts the MTA and waits until a first message, triggered as
        usual, is delivered: the start's scan of all todo/ is over."""
        self.inst.start()
        self.queue("sender@example.org", ["qmtstrig@testhost.example"])
        self.wait_mail(u)
        self.wait_queue_empty()
        return time.monotonic()

    def test_trigger_names_the_todo_directory_to_scan(self):
        # a byte 0x80 + S has qmail-todo read todo/S only: a message
        # elsewhere waits for its own byte, or for a trigger once 10 s
        # have passed since the last scan of all todo/
        if SPLIT < 2 or SPLIT > 128:
            self.skipTest("needs 2 to 128 todo/ directories")
        u = self.user("qmtstrig")
        scanned = self.started_and_scanned(u)
        n = self.queued_untriggered()
        self.pull(bytes([0x80 + (n + 1) % SPLIT]))
        time.sleep(1.5)
        self.assertEqual(count_in_log(self.inst, r"new msg %d$" % n), 0,
                         log_text(self.inst))
        self.pull(bytes([0x80 + n % SPLIT]))
        self.wait_mail(u, 2)
        self.wait_queue_empty()
        # a lost hint: the wrong byte again, 10 s after the full scan
        n = self.queued_untriggered()
        time.sleep(max(0.0, scanned + 10.5 - time.monotonic()))
        self.pull(bytes([0x80 + (n + 1) % SPLIT]))
        self.wait_mail(u, 3)

    def test_trigger_unknown_bytes_scan_everything(self):
        # qmail's byte 0, an admin's "echo >lock/trigger", a directory
        # past the split, and a fifo drained of so many bytes that one
        # may have been lost each mean: read all
        if SPLIT < 2 or SPLIT > 127:
            self.skipTest("needs 2 to 127 todo/ directories")
        u = self.user("qmtstrig")
        self.started_and_scanned(u)
        # (each within the 10 s after which any trigger would do)
        cases = (lambda n: bytes([0x80 + (n + 1) % SPLIT]) * 4096,
                 lambda n: bytes([0x80 + SPLIT]), lambda n: b"\n",
                 lambda n: b"\0")
        for k, data in enumerate(cases):
            n = self.queued_untriggered()
            self.pull(data(n))
            self.wait_mail(u, k + 2, timeout=6)  # before the 10 s rule
            self.wait_queue_empty()

    # --- local delivery and the log -----------------------------------

    def test_local_delivery_and_log_format(self):
        u = self.user("qmtsloc")
        self.inst.start()
        self.queue("sender@example.org", ["qmtsloc@testhost.example"])
        msgs = self.wait_mail(u)
        self.assertEqual(msgs[0]["Subject"], "test 0")
        self.wait_queue_empty()
        log = log_text(self.inst)
        self.assertRegex(log, r"(?m)^status: local 0/10 remote 0/20$")
        m = re.search(r"(?m)^new msg (\d+)$", log)
        self.assertTrue(m, log)
        n = m.group(1)
        self.assertRegex(log, r"(?m)^info msg %s: bytes \d+ from "
                         r"<sender@example.org> qp \d+ uid 0$" % n)
        m = re.search(r"(?m)^starting delivery (\d+): msg %s to local "
                      r"qmtsloc@testhost.example$" % n, log)
        self.assertTrue(m, log)
        self.assertRegex(log, r"(?m)^delivery %s: success: " % m.group(1))
        self.assertRegex(log, r"(?m)^end msg %s$" % n)
        for sub in ("info", "local", "remote", "todo", "intd", "bounce"):
            self.assertEqual(self.inst.queue_files(sub), [], sub)

    def test_envnoathost_and_percenthack(self):
        u = self.user("qmtspct")
        self.inst.write_control("envnoathost", "testhost.example\n")
        self.inst.write_control("percenthack", "relay.example\n")
        self.inst.write_control("locals", "testhost.example\n")
        self.inst.start()
        self.queue("s@example.org", ["qmtspct"])
        self.wait_mail(u, 1)
        self.queue("s@example.org", ["qmtspct%testhost.example@relay.example"],
                   n=1)
        self.wait_mail(u, 2)

    # --- virtualdomains: seed 002's example, line by line ---------------

    def test_virtualdomains_seed_002(self):
        users = {n: self.user(n) for n in
                 ("qmtsfoo", "qmtsbaz", "qmtsqux", "qmtsgarply")}
        # the seed's example, with our user names for foo/baz/qux/garply
        self.inst.write_control("virtualdomains",
                                "example.com:qmtsfoo\n"
                                ".example.com:qmtsfoo-bar\n"
                                "two.example.com:qmtsbaz\n"
                                "waldo@domain.com:qmtsqux\n"
                                "domain.com:\n"
                                ":qmtsgarply\n")
        # domain.com is an exception: mail to it is remote, never local;
        # the locals file holds only this host
        self.inst.write_control("locals", "testhost.example\n")
        self.unreachable_remote()
        # each controlling user catches every extension with .qmail-default
        for n, u in users.items():
            u.write(".qmail-default", "./Maildir/\n")
        self.inst.start()
        cases = [
            ("user@example.com", "qmtsfoo", "qmtsfoo-user@example.com"),
            ("user@something.example.com", "qmtsfoo",
             "qmtsfoo-bar-user@something.example.com"),
            ("user@two.example.com", "qmtsbaz",
             "qmtsbaz-user@two.example.com"),
            ("waldo@domain.com", "qmtsqux", "qmtsqux-waldo@domain.com"),
            ("someone@somewhere.org", "qmtsgarply",
             "qmtsgarply-someone@somewhere.org"),
        ]
        for i, (rcpt, owner, rewritten) in enumerate(cases):
            self.queue("s@example.org", [rcpt], n=i)
        want = {}
        for rcpt, owner, rewritten in cases:
            want[owner] = want.get(owner, 0) + 1
        for i, (rcpt, owner, rewritten) in enumerate(cases):
            msgs = self.wait_mail(users[owner], want[owner])
            self.assertTrue(any(m["Subject"] == "test %d" % i for m in msgs),
                            (rcpt, owner))
            self.wait_log(r"^starting delivery \d+: msg \d+ to local %s$" %
                          re.escape(rewritten))
        # line 5: other domain.com mail is an exception: remote, and it
        # stays queued while there is no remote delivery (never bounces)
        self.queue("s@example.org", ["other@domain.com"], n=9)
        self.wait_log(r"^starting delivery \d+: msg \d+ to remote "
                      r"other@domain.com$")
        time.sleep(1)
        self.assertNotRegex(log_text(self.inst), r"(?m)^bounce msg")
        # Delivered-To shows the rewritten address
        (m,) = [m for m in maildir_messages(os.path.join(
            users["qmtsfoo"].home, "Maildir")) if m["Subject"] == "test 0"]
        self.assertIn("qmtsfoo-user@example.com", m["Delivered-To"])

    def test_address_too_long_for_spawner_bounces(self):
        # a 1000-byte address (qmail-queue's limit) grows past the
        # spawner's 1024-byte field when virtualdomains adds a prefix, and
        # so does a VERP sender: qmail-send must bounce that recipient,
        # not send a request that makes the spawner quit (a restart loop)
        s = self.user("qmtslong")
        s.write(".qmail-default", "./Maildir/\n")  # the VERP owner
        u = self.user("qmtsshort")
        prefix = "qmtsaveryveryverylongvirtualprefix"
        # w.example's prefix makes a local/ record longer than the
        # longest record qmail-send reads in one piece
        self.inst.write_control("virtualdomains",
                                "v.example:%s\nw.example:%s\n" %
                                (prefix, "qmtsw" * 30))
        self.inst.write_control("locals", "testhost.example\n")
        self.unreachable_remote()
        self.inst.start()
        longrcpt = "a" * (1000 - len("@v.example")) + "@v.example"
        self.queue("qmtslong@testhost.example", [longrcpt])
        self.queue("qmtslong-@testhost.example-@[]",
                   ["b" * (1000 - len("@remote.example")) +
                    "@remote.example"], n=1)
        self.queue("qmtslong@testhost.example",
                   ["c" * (1000 - len("@w.example")) + "@w.example",
                    "qmtsshort@testhost.example"], n=2)
        self.wait_mail(u)
        bounces = self.wait_mail(s, 3)
        self.assertEqual(sorted(b["Subject"] for b in bounces),
                         ["failure notice"] * 3)
        for b in bounces:
            self.assertIn("address too long", b.get_payload())
        self.wait_queue_empty()
        self.assertNotRegex(log_text(self.inst), r"(?m)^alert: ")
        self.assertIsNone(self.inst.send.poll())

    # --- bounces --------------------------------------------------------

    def test_unknown_user_bounces_in_qsbmf(self):
        s = self.user("qmtssnd")
        self.inst.start()
        self.queue("qmtssnd@testhost.example",
                   ["qmtsnosuchuser@testhost.example"])
        msgs = self.wait_mail(s)
        b = msgs[0]
        self.assertEqual(b["Subject"], "failure notice")
        self.assertEqual(b["From"], "MAILER-DAEMON@testhost.example")
        self.assertEqual(b["To"], "qmtssnd@testhost.example")
        self.assertEqual(b["Return-Path"], "<>")
        self.assertRegex(b["Date"],
                         r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d -0000$")
        body = b.get_payload()
        self.assertTrue(body.startswith(
            "Hi. This is the qmail-send program at testhost.example.\n"
            "I'm afraid I wasn't able to deliver your message to the "
            "following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't "
            "work out.\n\n"
            "<qmtsnosuchuser@testhost.example>:\n"), body)
        self.assertIn("\n--- Below this line is a copy of the message.\n\n"
                      "Return-Path: <qmtssnd@testhost.example>\n", body)
        self.assertIn("Subject: test 0\n", body)
        self.wait_log(r"^delivery \d+: failure: ")
        self.wait_log(r"^bounce msg \d+ qp \d+$")
        self.wait_queue_empty()

    def test_bounce_qmail_queue_gets_no_pipes_of_qmail_send(self):
        # qmail-queue (or a QMAILQUEUE filter) started for a bounce must
        # not hold qmail-send's pipes to the spawners, qmail-clean and
        # qmail-todo: only its message and envelope pipes
        s = self.user("qmtsfds")
        outdir = os.path.join(self.inst.tmp, "qq-fds.d")
        os.makedirs(outdir, exist_ok=True)
        os.chmod(outdir, 0o1777)  # qmail-send runs it as qmails
        script = os.path.join(self.inst.tmp, "qq-fds")
        record = os.path.join(outdir, "out")
        if os.path.exists(record):
            os.unlink(record)
        with open(script, "w") as f:
            f.write("#!/bin/sh\n"
                    "ls -l /proc/self/fd > %s 2>&1\n"
                    "exec %s\n" % (record, self.inst.bin("qmail-queue")))
        os.chmod(script, 0o755)
        self.inst.start(env={"QMAILQUEUE": script})
        self.queue("qmtsfds@testhost.example",
                   ["qmtsnosuch@testhost.example"])
        self.wait_mail(s)
        with open(record) as f:
            lines = f.read().splitlines()
        pipes = sorted(int(l.split(" -> ")[0].split()[-1]) for l in lines
                       if "-> pipe:" in l)
        self.assertEqual([fd for fd in pipes if fd > 1], [], lines)

    def test_bounce_settings_and_bouncemaxbytes(self):
        s = self.user("qmtsbms")
        self.inst.write_control("bouncefrom", "bounces\n")
        self.inst.write_control("bouncehost", "bh.example\n")
        self.inst.write_control("bouncemaxbytes", "200\n")
        self.inst.start()
        self.queue("qmtsbms@testhost.example",
                   ["qmtsnosuch@testhost.example"],
                   body="".join("line %04d of a long message\n" % i
                                for i in range(100)))
        b = self.wait_mail(s)[0]
        self.assertEqual(b["From"], "bounces@bh.example")
        body = b.get_payload()
        self.assertIn("qmail-send program at bh.example.", body)
        copy = body.split("--- Below this line is a copy of the message."
                          "\n\n", 1)[1]
        self.assertNotIn("line 0099", copy)
        self.assertLessEqual(len(copy.split("\n", 1)[1]), 200)

    def test_double_bounce_goes_to_doublebounceto(self):
        pm = self.user("qmtspm")
        self.inst.write_control("doublebounceto", "qmtspm\n")
        self.inst.start()
        # a bounce (sender <>) that cannot be delivered
        self.queue("", ["qmtsnobody@testhost.example"])
        b = self.wait_mail(pm)[0]
        self.assertEqual(b["To"], "qmtspm@testhost.example")
        self.assertEqual(b["Return-Path"], "<#@[]>")
        body = b.get_payload()
        self.assertIn("I tried to deliver a bounce message to this address, "
                      "but the bounce bounced!\n\n"
                      "<qmtsnobody@testhost.example>:\n", body)
        self.assertIn("--- Below this line is the original bounce.\n\n"
                      "Return-Path: <>\n", body)
        self.wait_queue_empty()

    def test_empty_doublebounceto_discards(self):
        self.inst.write_control("doublebounceto", "\n")
        self.inst.start()
        self.queue("", ["qmtsnobody@testhost.example"])
        self.wait_log(r"^double bounce: discarding bounce/\d+/\d+$")
        self.wait_queue_empty()
        self.assertNotRegex(log_text(self.inst), r"(?m)^bounce msg")

    def test_triple_bounce_dropped_and_logged(self):
        # doublebounceto is an address that does not exist: the double
        # bounce bounces, and that triple bounce is dropped
        self.inst.write_control("doublebounceto", "qmtsnopm\n")
        self.inst.start()
        self.queue("", ["qmtsnobody@testhost.example"])
        self.wait_log(r"^triple bounce: discarding bounce/\d+/\d+$")
        self.wait_queue_empty()
        self.assertEqual(count_in_log(self.inst, r"^bounce msg"), 1)

    # --- signals --------------------------------------------------------

    def test_hup_rereads_locals(self):
        u = self.user("qmtshup")
        self.inst.write_control("locals", "testhost.example\n")
        self.inst.write_control("concurrencyremote", "0\n")
        self.inst.start()
        self.queue("s@example.org", ["qmtshup@new.example"])
        self.wait_log(r"^info msg \d+:")
        time.sleep(1)
        self.assertEqual(maildir_messages(os.path.join(u.home, "Maildir")),
                         [])
        self.inst.write_control("locals", "testhost.example\nnew.example\n")
        self.inst.write_control("concurrencylocal", "7\n")
        self.inst.signal(signal.SIGHUP)
        self.wait_log(r"^status: local 0/7 remote 0/0$")
        # the queued message stays remote (it was routed when it was
        # queued); new mail for the new domain is local
        self.queue("s@example.org", ["qmtshup@new.example"], n=1)
        msgs = self.wait_mail(u)
        self.assertEqual(msgs[0]["Subject"], "test 1")

    def test_alrm_retries_now(self):
        u = self.user("qmtsalrm")
        flag = os.path.join(u.home, "fail")
        with open(flag, "w"):
            pass
        u.write(".qmail", "|test ! -e %s || exit 111\n./Maildir/\n" % flag)
        self.inst.start()
        self.queue("s@example.org", ["qmtsalrm@testhost.example"])
        self.wait_log(r"^delivery \d+: deferral: ")
        os.unlink(flag)
        time.sleep(1.5)
        md = os.path.join(u.home, "Maildir")
        self.assertEqual(maildir_messages(md), [])  # next try is at +100s
        self.inst.signal(signal.SIGALRM)
        self.wait_mail(u)
        self.wait_queue_empty()

    def test_term_exits_cleanly_with_all_children_gone(self):
        self.user("qmtsterm")
        send = self.inst.start()
        pids = group_pids(send.pid)
        self.assertGreaterEqual(len(pids), 6)  # send todo lspawn rspawn clean x2
        send.send_signal(signal.SIGTERM)
        self.assertEqual(send.wait(20), 0)
        wait_for(lambda: not group_pids(send.pid), 10,
                 what="every child of qmail-start to exit")
        self.assertRegex(log_text(self.inst), r"(?m)^status: exiting$")
        self.inst.send = None
        self.inst.log.close()

    def test_term_finishes_deliveries_under_way(self):
        u = self.user("qmtsslow")
        u.write(".qmail", "|sleep 2\n./Maildir/\n")
        send = self.inst.start()
        self.queue("s@example.org", ["qmtsslow@testhost.example"])
        self.wait_log(r"^starting delivery \d+:")
        send.send_signal(signal.SIGTERM)
        self.assertEqual(send.wait(20), 0)
        self.inst.send = None
        self.inst.log.close()
        log = log_text(self.inst)
        self.assertRegex(log, r"(?m)^delivery \d+: success: ")
        self.assertEqual(len(maildir_messages(os.path.join(u.home,
                                                            "Maildir"))), 1)

    def test_term_to_the_process_group_leaves_a_clean_stop(self):
        # systemd stops a unit with a TERM to every process in it. Only
        # qmail-send acts on it: qmail-todo, the syncer, the spawners and
        # qmail-clean end when it is done with them, so it still hears
        # every delivery's report and stops without an alert. The
        # deliveries get the TERM too (a program killed: a deferral),
        # and are done once, later.
        u = self.user("qmtspgrp")
        u.write(".qmail", "|sleep 2\n./Maildir/\n")
        md = os.path.join(u.home, "Maildir")
        send = self.inst.start()
        for n in range(3):
            self.queue("s@example.org", ["qmtspgrp@testhost.example"], n=n)
        self.wait_log(r"^starting delivery \d+:", 3)
        os.killpg(send.pid, signal.SIGTERM)
        self.assertEqual(send.wait(30), 0)
        self.inst.send = None
        self.inst.log.close()
        wait_for(lambda: not group_pids(send.pid), 10,
                 what="every process of the set to end")
        log = log_text(self.inst)
        self.assertNotRegex(log, r"(?m)^alert: ")
        self.assertEqual(count_in_log(self.inst, r"^delivery \d+: "), 3,
                         log)
        self.assertEqual(self.inst.queue_files("todo"), [])
        u.write(".qmail", "./Maildir/\n")
        starts = count_in_log(self.inst, r"^status: local 0/")
        self.inst.start()
        self.wait_log(r"^status: local 0/", starts + 1)
        self.inst.signal(signal.SIGALRM)
        self.wait_queue_empty()
        self.assertEqual(sorted(m["Subject"] for m in maildir_messages(md)),
                         ["test 0", "test 1", "test 2"])

    def test_term_right_after_deliveries_redoes_nothing(self):
        # on ext2/ext4 without a journal qmail-todo removes todo/ entries
        # at a checkpoint up to 500 ms after it told qmail-send: a TERM
        # before then must still leave no todo/ entry (a restart would
        # prepare and deliver those messages again)
        u = self.user("qmtsckpt")
        md = os.path.join(u.home, "Maildir")
        self.inst.start()
        for n in range(20):
            self.queue("s@example.org", ["qmtsckpt@testhost.example"], n=n)
        wait_for(lambda: len(maildir_messages(md)) == 20, 20,
                 what="20 deliveries")
        self.inst.stop()
        self.assertEqual(self.inst.queue_files("todo"), [])
        self.inst.start()
        time.sleep(1.5)
        self.inst.stop()
        self.assertEqual(len(maildir_messages(md)), 20)
        self.assertEqual(self.inst.queue_files("todo"), [])

    def test_passwd_helper_is_qmailp_and_deliveries_survive_its_death(self):
        # qmail-lspawn asks one long-lived helper (a fork of itself, as
        # qmailp:nofiles) for passwd lookups; it holds nothing of the
        # spawner's but fd 2, and when it is gone a lookup forks as before
        u = self.user("qmtspwh")
        md = os.path.join(u.home, "Maildir")
        send = self.inst.start()
        lspawn = [p for p in group_pids(send.pid)
                  if _comm(p) == "qmail-lspawn" and
                  _comm(_ppid(p)) != "qmail-lspawn"]
        helpers = [p for p in group_pids(send.pid)
                   if _comm(p) == "qmail-lspawn" and _ppid(p) in lspawn]
        self.assertEqual(len(helpers), 1, (lspawn, helpers))
        h = helpers[0]
        qmailp = harness.pwd.getpwnam("qmailp").pw_uid
        with open("/proc/%d/status" % h) as f:
            uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        self.assertEqual(set(int(x) for x in uids), {qmailp})
        fds = {int(fd): os.readlink("/proc/%d/fd/%s" % (h, fd))
               for fd in os.listdir("/proc/%d/fd" % h)}
        self.assertEqual(fds[0], "/dev/null")
        self.assertEqual(fds[1], "/dev/null")
        others = [v for k, v in fds.items() if k > 2]
        self.assertEqual(len(others), 1, fds)
        self.assertTrue(others[0].startswith("socket:"), fds)
        self.queue("s@example.org", ["qmtspwh@testhost.example"], n=1)
        wait_for(lambda: len(maildir_messages(md)) == 1, 20,
                 what="delivery through the helper")
        os.kill(h, signal.SIGKILL)
        self.queue("s@example.org", ["qmtspwh@testhost.example"], n=2)
        wait_for(lambda: len(maildir_messages(md)) == 2, 20,
                 what="delivery without the helper")
        self.assertNotRegex(log_text(self.inst), r"deferral|failure")

    # --- channels and concurrency -------------------------------------

    def test_local_and_remote_recipients(self):
        u = self.user("qmtsmix")
        self.unreachable_remote()
        self.inst.start()
        self.queue("s@example.org", ["qmtsmix@testhost.example",
                                     "someone@remote.example"])
        self.wait_mail(u)
        self.wait_log(r"^starting delivery \d+: msg \d+ to remote "
                      r"someone@remote.example$")
        self.wait_log(r"^delivery \d+: deferral: ")
        time.sleep(1)
        self.assertNotRegex(log_text(self.inst), r"(?m)^bounce msg")
        self.assertEqual(len(self.inst.queue_files("remote")), 1)
        self.assertEqual(self.inst.queue_files("local"), [])
        self.assertEqual(len(msg_ids(self.inst)), 1)

    # --- the queue's layout: the head in the channel files -----------

    def head_of(self, path):
        with open(path, "rb") as f:
            recs = f.read().split(b"\0")
        return recs[0], recs[1], recs[2:-1]

    def test_channel_files_carry_the_head_and_no_info(self):
        # qmail-todo writes the sender and the birth at the start of each
        # channel file; there is no info/ file any more
        r = self.user("qmtshead")
        r.write(".qmail", "|exit 111\n")
        self.unreachable_remote()
        self.inst.start()
        t0 = int(time.time())
        self.queue("who@example.org", ["qmtshead@testhost.example",
                                       "far@remote.example"])
        self.wait_log(r"^delivery \d+: deferral: ", 2)
        t1 = int(time.time())
        self.assertEqual(self.inst.queue_files("info"), [])
        for sub, rcpt in (("local", b"Tqmtshead@testhost.example"),
                          ("remote", b"Tfar@remote.example")):
            (path,) = self.inst.queue_files(sub)
            f, b, recs = self.head_of(path)
            self.assertEqual(f, b"Fwho@example.org")
            self.assertTrue(b.startswith(b"B"), b)
            self.assertTrue(t0 <= int(b[1:]) <= t1, (t0, b, t1))
            self.assertEqual(recs, [rcpt])
        p = subprocess.run([self.inst.bin("qmail-qread")],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertEqual(out.count("<who@example.org>"), 1, out)
        self.assertIn("\tlocal\tqmtshead@testhost.example\n", out)
        self.assertIn("\tremote\tfar@remote.example\n", out)

    def test_bounce_after_the_local_file_went_reads_the_remote_head(self):
        # the local recipient is delivered and local/S/N goes at once;
        # the remote one expires later, and its bounce goes to the sender
        # kept in remote/S/N's head
        s = self.user("qmtsbhead")
        u = self.user("qmtsbhloc")
        self.unreachable_remote()
        self.inst.start()
        self.queue("qmtsbhead@testhost.example",
                   ["qmtsbhloc@testhost.example", "gone@remote.example"])
        self.wait_mail(u)
        self.wait_log(r"^delivery \d+: deferral: ")
        wait_for(lambda: not self.inst.queue_files("local"), 10,
                 what="local/ gone while remote/ is going")
        (remote,) = self.inst.queue_files("remote")
        self.inst.set_birth(remote, time.time() - 604800 - 3600)
        self.inst.signal(signal.SIGALRM)
        b = self.wait_mail(s)[0]
        self.assertEqual(b["To"], "qmtsbhead@testhost.example")
        self.assertIn("<gone@remote.example>:", b.get_payload())
        self.wait_queue_empty()
        for sub in ("info", "local", "remote", "bounce", "todo"):
            self.assertEqual(self.inst.queue_files(sub), [], sub)

    def test_message_without_recipients_is_finished(self):
        p = self.inst.queue(MSG.format(n=0), "s@example.org", [])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.inst.start()
        self.wait_log(r"^end msg \d+$")
        self.wait_queue_empty()
        self.assertEqual(count_in_log(self.inst, r"^starting delivery"), 0)

    def older_layout(self, sender, local=(), remote=(), birth=None,
                     bounce=None):
        """Queues a message with qmail-queue (qmail-send stopped) and
        prepares it as a release before the head did: info/S/N with the
        sender (its mtime the birth), channel files of T records only."""
        before = set(msg_ids(self.inst))
        self.queue(sender, ["placeholder@example.org"])
        (n,) = set(msg_ids(self.inst)) - before
        split = n % SPLIT

        def put(sub, data, mtime=None):
            path = self.inst.path("queue", sub, str(split), str(n))
            with open(path, "wb") as f:
                f.write(data)
            qs = harness.pwd.getpwnam("qmails")
            os.chown(path, qs.pw_uid, qs.pw_gid)
            if mtime is not None:
                os.utime(path, (mtime, mtime))
        put("info", b"F" + sender.encode() + b"\0", birth)
        if local:
            put("local", b"".join(b"T%s\0" % r.encode() for r in local))
        if remote:
            put("remote", b"".join(b"T%s\0" % r.encode() for r in remote))
        if bounce is not None:
            put("bounce", bounce)
        for sub in ("todo", "intd"):
            path = self.inst.path("queue", sub, str(split), str(n))
            if os.path.exists(path):
                os.unlink(path)
        return n

    def test_older_layout_messages_are_delivered_and_bounced(self):
        # a queue written by a release before the head (info/S/N holds the
        # sender) is still delivered, bounced and finished after an
        # upgrade
        s = self.user("qmtsolds")
        u = self.user("qmtsoldu")
        n1 = self.older_layout("x@example.org",
                               local=["qmtsoldu@testhost.example"])
        n2 = self.older_layout("qmtsolds@testhost.example",
                               local=["qmtsnosuchold@testhost.example"])
        # every recipient done before the upgrade, a failure report left
        n3 = self.older_layout(
            "qmtsolds@testhost.example",
            bounce=b"<lost@remote.example>:\nSorry, an old failure.\n\n")
        self.inst.start()
        self.wait_mail(u)
        bounces = self.wait_mail(s, 2)
        tos = sorted(b["To"] for b in bounces)
        self.assertEqual(tos, ["qmtsolds@testhost.example"] * 2)
        bodies = "".join(b.get_payload() for b in bounces)
        self.assertIn("<qmtsnosuchold@testhost.example>:", bodies)
        self.assertIn("Sorry, an old failure.", bodies)
        self.wait_queue_empty()
        for n in (n1, n2, n3):
            self.assertRegex(log_text(self.inst), r"(?m)^end msg %d$" % n)
        for sub in ("info", "local", "remote", "bounce", "todo"):
            self.assertEqual(self.inst.queue_files(sub), [], sub)

    def test_concurrency_above_255(self):
        self.inst.write_control("concurrencylocal", "300\n")
        self.inst.write_control("concurrencyremote", "1000\n")
        self.inst.start()
        self.wait_log(r"^status: local 0/300 remote 0/1000$")

    def test_queuelifetime_expiry_bounces(self):
        s = self.user("qmtslife")
        r = self.user("qmtsdefer")
        r.write(".qmail", "|exit 111\n")
        self.inst.start()
        self.queue("qmtslife@testhost.example", ["qmtsdefer@testhost.example"])
        self.wait_log(r"^delivery \d+: deferral: ")
        self.assertNotRegex(log_text(self.inst), r"(?m)^bounce msg")
        # age the message past the default queuelifetime (7 days)
        (local,) = self.inst.queue_files("local")
        self.inst.set_birth(local, time.time() - 604800 - 3600)
        self.inst.signal(signal.SIGALRM)
        b = self.wait_mail(s)[0]
        self.assertIn("I'm not going to try again; this message has been "
                      "in the queue too long.", b.get_payload())
        self.wait_queue_empty()

    def test_far_retry_waits_on_disk_until_due_or_alrm(self):
        # a message whose next attempt is more than SCHED_HORIZON (600 s)
        # away leaves qmail-send's memory: the attempt time goes to the
        # mtime of local/S/N at once, and only a pass over local/ (or
        # ALRM) brings it back
        r = self.user("qmtsdisk")
        r.write(".qmail", "|exit 111\n")
        self.inst.start()
        self.queue("s@example.org", ["qmtsdisk@testhost.example"])
        self.wait_log(r"^delivery \d+: deferral: ")
        # a day old: the next retry is hours away
        (local,) = self.inst.queue_files("local")
        self.inst.set_birth(local, time.time() - 86400)
        self.inst.signal(signal.SIGALRM)
        self.wait_log(r"^delivery \d+: deferral: ", 2)
        wait_for(lambda: os.stat(local).st_mtime > time.time() + 600, 10,
                 what="the next attempt stored on disk")
        # (a pass leaves a message alone while its todo/ entry waits for
        # qmail-todo's checkpoint, up to 500 ms after it was queued)
        wait_for(lambda: not self.inst.queue_files("todo"), 10,
                 what="todo/ empty")
        self.inst.signal(signal.SIGALRM)
        self.wait_log(r"^delivery \d+: deferral: ", 3)
        wait_for(lambda: os.stat(local).st_mtime > time.time() + 600, 10,
                 what="the next attempt stored on disk again")
        # a restart leaves it on disk: nothing is due
        self.inst.stop()
        self.inst.start()
        time.sleep(2)
        self.assertEqual(count_in_log(self.inst, r"^delivery \d+: deferral: "),
                         3)
        self.inst.signal(signal.SIGALRM)
        self.wait_log(r"^delivery \d+: deferral: ", 4)

    # --- the crash test ------------------------------------------------

    def fail_syncfs(self, pid, when=""):
        """Attaches strace to PID so that its syncfs fails with EIO
        (fault injection; WHEN as strace's when=, e.g. "1" for the first
        only; every one by default); returns the strace Popen."""
        return self.fail_calls(pid, "syncfs", when)

    def fail_calls(self, pid, calls, when=""):
        """The same for the system calls CALLS (strace's list, e.g.
        "unlink,unlinkat")."""
        inject = "inject=%s:error=EIO" % calls + (":when=" + when if when
                                                  else "")
        tr = subprocess.Popen(["strace", "-qq", "-o", "/dev/null", "-p",
                               str(pid), "-e", "trace=" + calls, "-e",
                               inject],
                              stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: tr.poll() is None and tr.kill())

        def traced():
            with open("/proc/%d/status" % pid) as f:
                return re.search(r"(?m)^TracerPid:\s*[1-9]", f.read())
        wait_for(traced, 10, what="strace to attach")
        return tr

    def syncer_pid(self, send):
        """The syncer: qmail-send's child that does its barriers."""
        def find():
            return [p for p in group_pids(send.pid)
                    if _comm(p) == "qmail-syncer" and _ppid(p) == send.pid]
        return wait_for(find, 10, what="the syncer")[0]

    def test_kill_9_before_the_maildir_barrier_delivers_again(self):
        # a Maildir on the queue's ext4 is reported 'k': qmail-send marks
        # the recipient done only after its syncer's barrier (syncfs,
        # then fsync). With the syncer's syncfs failing (strace fault
        # injection), the record stays T; after kill -9 the message is
        # delivered again: a duplicate, never a loss
        if not self.inst.maildir_barrier():
            self.skipTest("no Maildir barrier here (file system, homes)")
        if not shutil.which("strace"):
            self.skipTest("needs strace")
        u = self.user("qmtsbarrier")
        md = os.path.join(u.home, "Maildir")
        send = self.inst.start()
        syncer = self.syncer_pid(send)
        tr = self.fail_syncfs(syncer)
        self.queue("s@example.org", ["qmtsbarrier@testhost.example"])
        self.wait_log(r"^delivery \d+: success: did_1\+0\+0_")
        self.wait_log(r"^warning: unable to sync the queue's file system: "
                      r"Input/output error; deliveries will be done again")
        self.assertEqual(len(maildir_messages(md)), 1)
        local = self.inst.queue_files("local")
        self.assertEqual(len(local), 1)
        with open(local[0], "rb") as f:
            self.assertIn(b"Tqmtsbarrier@testhost.example\0", f.read())
        self.assertNotRegex(log_text(self.inst), r"(?m)^end msg ")
        os.killpg(send.pid, signal.SIGKILL)
        send.wait()
        tr.wait(10)
        self.inst.send = None
        self.inst.log.close()
        wait_for(lambda: not group_pids(send.pid), 10,
                 what="the killed process group to go")
        starts = count_in_log(self.inst, r"^status: local 0/")
        self.inst.start()
        self.wait_log(r"^status: local 0/", starts + 1)
        self.inst.signal(signal.SIGALRM)  # the retry time is not yet due
        self.wait_mail(u, 2)
        self.wait_queue_empty()
        self.assertEqual([m["Subject"] for m in maildir_messages(md)],
                         ["test 0", "test 0"])

    def test_k_of_a_delivery_under_way_when_a_barrier_fails(self):
        # only the first barrier fails. The fast delivery was waiting for
        # it; the slow one started before the failure was seen and
        # reports after it: it may have linked its file before the
        # failed write-back, so it must not count even though the next
        # barrier succeeds. Both are delivered again.
        if not self.inst.maildir_barrier():
            self.skipTest("no Maildir barrier here (file system, homes)")
        if not shutil.which("strace"):
            self.skipTest("needs strace")
        fast = self.user("qmtsfast")
        slow = self.user("qmtsslow2")
        slow.write(".qmail", "|sleep 2\n./Maildir/\n")
        send = self.inst.start()
        self.fail_syncfs(self.syncer_pid(send), when="1")
        self.queue("s@example.org", ["qmtsslow2@testhost.example"], n=1)
        self.wait_log(r"^starting delivery \d+: msg \d+ to local "
                      r"qmtsslow2@")
        self.queue("s@example.org", ["qmtsfast@testhost.example"], n=0)
        self.wait_log(r"^warning: unable to sync the queue's file system: ")
        self.wait_log(r"^delivery \d+: success: ", 2)
        self.assertEqual(count_in_log(self.inst, r"^end msg "), 0)
        time.sleep(1)  # a barrier that succeeds would have run by now
        self.inst.signal(signal.SIGALRM)
        self.wait_mail(fast, 2)
        self.wait_mail(slow, 2)
        self.wait_queue_empty()

    def test_term_right_after_a_maildir_delivery_finishes_it(self):
        # TERM within the barrier's 500 ms: qmail-send does the barrier
        # before it exits, so the message is finished and a restart
        # delivers nothing again
        if not self.inst.maildir_barrier():
            self.skipTest("no Maildir barrier here (file system, homes)")
        u = self.user("qmtsbterm")
        md = os.path.join(u.home, "Maildir")
        send = self.inst.start()
        self.queue("s@example.org", ["qmtsbterm@testhost.example"])
        self.wait_log(r"^delivery \d+: success: ", timeout=20)
        send.send_signal(signal.SIGTERM)
        self.assertEqual(send.wait(20), 0)
        self.inst.send = None
        self.inst.log.close()
        # its recipient is marked done (the file itself, the message's
        # last, goes when a start finishes the message)
        for p in self.inst.queue_files("local"):
            with open(p, "rb") as f:
                recs = f.read().split(b"\0")
            self.assertEqual([r[:1] for r in recs[2:-1]], [b"D"], recs)
        self.assertEqual(self.inst.queue_files("todo"), [])
        self.inst.start()
        time.sleep(1.5)
        self.inst.stop()
        self.assertEqual(len(maildir_messages(md)), 1)
        self.wait_queue_empty()

    def test_syncer_gone_qmail_send_syncs_by_itself(self):
        if not self.inst.maildir_barrier():
            self.skipTest("no Maildir barrier here (file system, homes)")
        u = self.user("qmtsnosync")
        send = self.inst.start()
        os.kill(self.syncer_pid(send), signal.SIGKILL)
        for n in range(3):
            self.queue("s@example.org", ["qmtsnosync@testhost.example"],
                       n=n)
        self.wait_mail(u, 3)
        self.wait_queue_empty()
        self.wait_log(r"^warning: the queue syncer is gone; qmail-send "
                      r"syncs by itself$")
        self.assertEqual(len(maildir_messages(os.path.join(u.home,
                                                            "Maildir"))), 3)

    def remover_pid(self, send):
        """The remover: qmail-send's child that does its unlinks."""
        def find():
            return [p for p in group_pids(send.pid)
                    if _comm(p) == "qmail-remover" and _ppid(p) == send.pid]
        return wait_for(find, 10, what="the remover")[0]

    def test_remover_unlinks_for_qmail_send(self):
        # local/S/N and remote/S/N go through qmail-send's child
        # qmail-remover (so that the main loop does not wait on them): it
        # runs as qmail-send's user and holds only its two pipes and
        # qmail-send's stderr; a finished message leaves nothing behind
        u = self.user("qmtsremove")
        send = self.inst.start()
        rm = self.remover_pid(send)
        with open("/proc/%d/status" % rm) as f:
            uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        with open("/proc/%d/status" % send.pid) as f:
            suids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        self.assertEqual(uids, suids)
        self.assertNotEqual(uids[0], "0")
        fds = {int(fd): os.readlink("/proc/%d/fd/%s" % (rm, fd))
               for fd in os.listdir("/proc/%d/fd" % rm)}
        self.assertEqual(sorted(fds), [0, 1, 2], fds)
        self.assertTrue(fds[0].startswith("pipe:"), fds)
        self.assertTrue(fds[1].startswith("pipe:"), fds)
        for n in range(5):
            self.queue("s@example.org", ["qmtsremove@testhost.example"],
                       n=n)
        self.wait_mail(u, 5)
        self.wait_queue_empty()
        self.assertEqual(count_in_log(self.inst, r"^end msg \d+$"), 5)
        self.assertEqual(count_in_log(self.inst, r"^warning: "), 0)

    def test_helpers_die_with_qmail_send(self):
        # the syncer and the remover never outlive qmail-send (a remover's
        # buffered unlinks must not run beside a new qmail-send): kill -9
        # of qmail-send alone takes both with it, even stopped ones that
        # could not see the end of their input (PR_SET_PDEATHSIG)
        send = self.inst.start()
        helpers = [self.remover_pid(send), self.syncer_pid(send)]

        def cont():
            for p in helpers:
                try:
                    os.kill(p, signal.SIGCONT)
                except ProcessLookupError:
                    pass
        self.addCleanup(cont)
        for p in helpers:
            os.kill(p, signal.SIGSTOP)
        os.kill(send.pid, signal.SIGKILL)
        send.wait()
        self.inst.send = None
        self.inst.log.close()
        wait_for(lambda: not any(os.path.exists("/proc/%d" % p) and
                                 _comm(p) in ("qmail-remover",
                                              "qmail-syncer")
                                 for p in helpers), 10,
                 what="the helpers to die with qmail-send")
        wait_for(lambda: not group_pids(send.pid), 20,
                 what="the rest of the set to go")

    def test_remover_gone_qmail_send_unlinks_by_itself(self):
        u = self.user("qmtsnorm")
        send = self.inst.start()
        os.kill(self.remover_pid(send), signal.SIGKILL)
        for n in range(3):
            self.queue("s@example.org", ["qmtsnorm@testhost.example"], n=n)
        self.wait_mail(u, 3)
        self.wait_queue_empty()
        self.wait_log(r"^warning: the queue remover is gone; qmail-send "
                      r"unlinks by itself$")
        self.assertEqual(count_in_log(self.inst, r"^end msg \d+$"), 3)

    def test_failed_unlink_of_the_last_channel_file_finishes_later(self):
        # the remover's unlink of the message's last channel file fails
        # (strace fault injection): the message is not finished, mess/S/N
        # stays; the file is read again later (at once on ALRM), found
        # done, and removed: the message is finished, its recipient
        # delivered once
        u = self.user("qmtsrmfail")
        send = self.inst.start()
        self.fail_calls(self.remover_pid(send), "unlink,unlinkat", "1")
        self.queue("s@example.org", ["qmtsrmfail@testhost.example"])
        self.wait_mail(u)
        self.wait_log(r"^warning: unable to unlink local/\d+/\d+; will try "
                      r"again later$")
        self.assertEqual(len(msg_ids(self.inst)), 1)
        self.assertEqual(len(self.inst.queue_files("local")), 1)
        self.inst.signal(signal.SIGALRM)
        self.wait_queue_empty()
        self.assertEqual(self.inst.queue_files("local"), [])
        self.assertEqual(count_in_log(self.inst, r"^starting delivery "), 1)
        self.assertEqual(len(maildir_messages(os.path.join(u.home,
                                                            "Maildir"))), 1)

    def test_failed_checkpoint_stops_and_prepares_again(self):
        # qmail-todo's checkpoint (ext2/ext4 without a journal) fails:
        # it is not tried again (syncfs reports an error once); qmail-todo
        # and then qmail-send stop, the todo/ entry stays, and the next
        # start prepares and delivers the message again
        todo_dir = self.inst.path("queue", "todo")
        fs = subprocess.run(["stat", "-f", "-c", "%t", todo_dir],
                            capture_output=True, text=True).stdout.strip()
        if fs != "ef53" or not shutil.which("strace"):
            self.skipTest("needs strace and the queue on ext2/3/4")
        try:
            with open("/sys/fs/ext4/%s/journal_task" % os.path.basename(
                    os.readlink("/sys/dev/block/%d:%d" % (
                        os.major(os.stat(todo_dir).st_dev),
                        os.minor(os.stat(todo_dir).st_dev))))) as f:
                if f.read().strip() != "<none>":
                    self.skipTest("the queue's ext4 has a journal: no "
                                  "checkpoint")
        except OSError:
            self.skipTest("cannot tell whether the queue has a journal")
        u = self.user("qmtsckfail")
        send = self.inst.start()
        self.wait_log(r"^status: ")
        todo = wait_for(lambda: [p for p in group_pids(send.pid)
                                 if _comm(p) == "qmail-todo"], 10,
                        what="qmail-todo")[0]
        tr = self.fail_syncfs(todo)
        self.queue("s@example.org", ["qmtsckfail@testhost.example"])
        self.wait_log(r"^alert: unable to sync the queue: Input/output "
                      r"error; qmail-todo stops")
        self.assertEqual(send.wait(20), 0)  # qmail-send follows
        tr.wait(10)
        self.inst.send = None
        self.inst.log.close()
        wait_for(lambda: not group_pids(send.pid), 10,
                 what="the process group to go")
        self.assertEqual(len(self.inst.queue_files("todo")), 1)
        self.inst.start()
        self.wait_mail(u)
        self.wait_queue_empty()
        self.assertEqual(self.inst.queue_files("todo"), [])
        self.assertGreaterEqual(len(maildir_messages(
            os.path.join(u.home, "Maildir"))), 1)

    def test_old_message_files_without_info_are_cleaned_up(self):
        # what a crash left in mess/ (info/S/N gone, or a killed
        # qmail-queue's file) goes 36 hours after its mtime, found by the
        # cleanup pass a start makes; a younger one stays
        split = int(open(os.path.join(harness.TOP, "conf-split"))
                    .readline().split()[0])
        qmailq = harness.pwd.getpwnam("qmailq")
        made = {}
        for n, hours in ((1000003, 37), (1000004, 40), (1000005, 35)):
            p = self.inst.path("queue", "mess", str(n % split), str(n))
            with open(p, "wb") as f:
                f.write(b"Subject: left\n\nx\n")
            os.chown(p, qmailq.pw_uid, qmailq.pw_gid)
            t = time.time() - hours * 3600
            os.utime(p, (t, t))
            made[p] = hours < 36
        self.inst.start()
        wait_for(lambda: all(os.path.exists(p) == keep
                             for p, keep in made.items()), 20,
                 what="the old message files removed")
        self.inst.stop()
        for p, keep in made.items():
            if keep:
                os.unlink(p)

    def test_old_message_named_by_a_channel_file_is_kept(self):
        # the cleanup takes only what no file names: a message waiting 40
        # hours (its channel files hold the head; there is no info/)
        # keeps its mess/S/N
        r = self.user("qmtskeep")
        r.write(".qmail", "|exit 111\n")
        self.unreachable_remote()
        self.inst.start()
        self.queue("s@example.org", ["qmtskeep@testhost.example",
                                     "far@remote.example"])
        self.wait_log(r"^delivery \d+: deferral: ", 2)
        self.inst.stop()
        (mess,) = self.inst.queue_files("mess")
        old = time.time() - 40 * 3600
        os.utime(mess, (old, old))
        # a leftover that no file names, to see that the pass ran
        qmailq = harness.pwd.getpwnam("qmailq")
        orphan = self.inst.path("queue", "mess", str(1000003 % SPLIT),
                                "1000003")
        with open(orphan, "wb") as f:
            f.write(b"Subject: left\n\nx\n")
        os.chown(orphan, qmailq.pw_uid, qmailq.pw_gid)
        os.utime(orphan, (old, old))
        self.inst.start()
        wait_for(lambda: not os.path.exists(orphan), 20,
                 what="the leftover removed")
        self.assertTrue(os.path.exists(mess))
        self.assertEqual(len(self.inst.queue_files("local")), 1)
        self.assertEqual(len(self.inst.queue_files("remote")), 1)

    def test_kill_9_during_200_deliveries_loses_nothing(self):
        u = self.user("qmtscrash")
        # slow deliveries, so that the kill hits deliveries under way
        u.write(".qmail", "|sleep 0.05\n./Maildir/\n")
        send = self.inst.start()
        for i in range(200):
            self.queue("s@example.org", ["qmtscrash@testhost.example"],
                       n=i)
        self.wait_log(r"^delivery \d+: success: ", 20)
        os.killpg(send.pid, signal.SIGKILL)
        send.wait()
        self.inst.send = None
        self.inst.log.close()
        wait_for(lambda: not group_pids(send.pid), 10,
                 what="the killed process group to go")
        md = os.path.join(u.home, "Maildir")
        before = len(maildir_messages(md))
        self.assertLess(before, 200, "the kill came too late to test much")
        self.inst.start()
        wait_for(lambda: len({m["Subject"] for m in maildir_messages(md)})
                 == 200, 120, what="all 200 messages delivered")
        # every message is finished. The messages whose info/S/N was gone
        # and whose mess/S/N removal was still under way at the kill
        # (qmail-clean's requests are pipelined) keep their message file
        # until the 36-hour cleanup (qmail's order: the inode must not be
        # reused while info/S/N names it); aged past it, a restart's
        # cleanup pass removes them
        wait_for(lambda: not any(self.inst.queue_files(sub) for sub in
                                 ("todo", "info", "local", "remote",
                                  "bounce")), 60,
                 what="every message finished")
        subjects = {m["Subject"] for m in maildir_messages(md)}
        self.assertEqual(subjects, {"test %d" % i for i in range(200)})
        # (stopped first: the last removals of this run finish at exit)
        self.inst.stop()
        left = self.inst.queue_files("mess")
        self.assertLessEqual(len(left), before)
        if left:
            old = time.time() - 37 * 3600
            for p in left:
                os.utime(p, (old, old))
            self.inst.start()
            self.wait_queue_empty()


def tearDownModule():
    pass


if __name__ == "__main__":
    unittest.main()
