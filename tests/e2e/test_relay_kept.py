"""Kept relay sessions (doc/qmail-remote.8, "Kept sessions"): qmail-rspawn
hands a relay delivery to a process it keeps for the recipients' domain
and the sender's (src/lib/kept.c), and that process keeps the SMTP
session open between deliveries. Against a real qmail-send, qmail-rspawn
and a scripted SMTP peer on loopback: several messages share one session;
a session the peer has closed, or that it ends with 421 or by dropping
the connection at MAIL, is replaced without a deferral; a delivery whose
route differs (another authsenders entry, a changed smtproutes) never
goes out on another route's session; a killed kept process costs
nothing; kill -9 of the whole MTA during 200 relayed messages loses
none, nor during 100 messages each with a local and a remote recipient
(two channel files per message)."""
import glob
import os
import re
import signal

import harness
from harness import needs_root
from test_remote import MSG, PASSWORD, USER, _PeerTest
from test_send import group_pids


@needs_root
class KeptSessionTest(_PeerTest):

    def tearDown(self):
        self.inst.stop()
        super().tearDown()

    def send(self, peer, n, sender="a@example.test"):
        """Queues message N and waits until PEER has it and qmail-send
        logged its success."""
        before = self.inst.read_log().count(b"success: ")
        self.inst.queue(MSG + b"n=%d\n" % n, sender, ["b@example.test"])
        mark = b"n=%d\r\n" % n
        harness.wait_for(lambda: any(mark in m for s in peer.sessions
                                     for m in s["msgs"]), 20,
                         what="message %d at the peer" % n)
        harness.wait_for(lambda: self.inst.read_log().count(b"success: ") >
                         before, 20, what="message %d logged" % n)

    def kill_all(self, send):
        """kill -9 of qmail-send's whole process group (qmail-start's
        tree, kept processes included), as a crash would."""
        os.killpg(send.pid, signal.SIGKILL)
        send.wait()
        self.inst.send = None
        self.inst.log.close()
        harness.wait_for(lambda: not group_pids(send.pid), 10,
                         what="the killed process group to go")

    def wait_finished(self):
        """Waits until no queue file names a message any more."""
        harness.wait_for(lambda: not any(
            self.inst.queue_files(sub) for sub in
            ("todo", "info", "local", "remote", "bounce")), 60,
            what="every message finished")

    @staticmethod
    def marks(peer):
        """The message numbers ("n=N") PEER received."""
        return {int(m) for s in list(peer.sessions) for d in s["msgs"]
                for m in re.findall(rb"n=(\d+)\r\n", d)}

    def mails(self, session):
        return [c for c in session["cmds"] if c.startswith("MAIL FROM:")]

    def assertNoDeferral(self):
        log = self.inst.read_log()
        self.assertNotIn(b"deferral: ", log)
        self.assertNotIn(b"failure: ", log)

    def test_messages_share_one_session_then_quit_when_idle(self):
        p = self.peer()
        self.inst.start()
        for n in range(3):
            self.send(p, n)
        self.assertEqual(len(p.sessions), 1, [s["cmds"] for s in p.sessions])
        s = p.sessions[0]
        self.assertEqual(len(s["msgs"]), 3)
        self.assertEqual(len(self.mails(s)), 3)
        self.assertEqual([c for c in s["cmds"] if c.startswith("EHLO")],
                         ["EHLO " + s["helo"]])
        self.assertNotIn("QUIT", s["cmds"])
        # idle for 2 s: the kept process is let go and says QUIT
        harness.wait_for(lambda: "QUIT" in s["cmds"], 15,
                         what="QUIT on the idle session")
        self.assertNoDeferral()

    def test_session_the_peer_closed_is_replaced(self):
        p = self.peer(close_after=1)
        self.inst.start()
        for n in range(3):
            self.send(p, n)
        self.assertEqual([len(s["msgs"]) for s in p.sessions], [1, 1, 1])
        self.assertNoDeferral()

    def test_refusal_at_mail_or_rcpt_reconnects(self):
        # a peer that went (421, or no reply at MAIL), or one that limits
        # messages per connection (5xx to MAIL or RCPT): the answer that
        # counts is a new connection's, never a bounce
        for kind, late in (("mail", "421 4.4.2 closing idle session"),
                           ("mail", "drop"),
                           ("mail", "550 5.7.1 one message per session"),
                           ("rcpt", "550 5.7.1 one message per session")):
            with self.subTest(kind=kind, late=late):
                self.inst.reset()
                self.setUp()
                p = self.peer(**{kind + "_after": (1, late)})
                self.inst.start()
                self.send(p, 1)
                self.send(p, 2)
                self.assertEqual(len(p.sessions), 2)
                self.assertEqual(len(self.mails(p.sessions[0])), 2)
                self.assertEqual(len(p.sessions[1]["msgs"]), 1)
                self.assertNoDeferral()
                p.close()

    def test_another_route_never_uses_the_session(self):
        # info@ has an authsenders entry (AUTH), bob@ of the same domain
        # goes by smtproutes to the same peer without credentials: the
        # same kept process, but never the authenticated session
        p = self.peer(route=False, tls=self.ctx(),
                      auth=dict(user=USER, password=PASSWORD,
                                require=False))
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" % p.port)
        self.inst.write_control("authsenders",
                                "info@example.test:127.0.0.1;%d|%s|%s\n" %
                                (p.port, USER, PASSWORD))
        self.inst.start()
        self.send(p, 1, sender="info@example.test")
        self.send(p, 2, sender="bob@example.test")
        self.send(p, 3, sender="info@example.test")
        self.assertEqual(len(p.sessions), 3)
        for s, who in zip(p.sessions, ("info", "bob", "info")):
            self.assertEqual([m.split(" ")[1] for m in self.mails(s)],
                             ["FROM:<%s@example.test>" % who], s["cmds"])
            self.assertEqual(s["auth"], ("CRAM-MD5", True) if who == "info"
                             else None)
        self.assertNoDeferral()

    def test_changed_smtproutes_takes_effect_at_once(self):
        a = self.peer()
        b = self.peer(route=False)
        self.inst.start()
        self.send(a, 1)
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" % b.port)
        self.send(b, 2)
        self.assertEqual(len(a.sessions[0]["msgs"]), 1)
        harness.wait_for(lambda: "QUIT" in a.sessions[0]["cmds"], 10,
                         what="QUIT to the old route")

    def test_killed_kept_process_costs_nothing(self):
        p = self.peer()
        self.inst.start()
        self.send(p, 1)
        rspawn = [pid for pid in self.children(self.inst.send.pid)
                  if self.comm(pid) == "qmail-rspawn"]
        self.assertEqual(len(rspawn), 1)
        kept = self.children(rspawn[0])
        self.assertEqual(len(kept), 1, kept)
        os.kill(kept[0], signal.SIGKILL)
        harness.wait_for(lambda: not os.path.exists("/proc/%d" % kept[0]),
                         10, what="the kept process reaped")
        self.send(p, 2)
        self.assertEqual(len(p.sessions), 2)
        self.assertNoDeferral()

    def test_kill_9_during_200_relayed_messages_loses_nothing(self):
        # a slow final reply (0.4 s), so that the kill hits sessions in
        # the middle of messages; kept processes are in qmail-send's
        # process group and die with it. A duplicate is allowed, a loss
        # is not.
        p = self.peer(final=("trickle", 1, "250 accepted"))
        send = self.inst.start()
        for n in range(200):
            self.inst.queue(MSG + b"n=%d\n" % n, "a@example.test",
                            ["b@example.test"])
        harness.wait_for(lambda: b"success: " in self.inst.read_log(), 20,
                         what="a first delivery")
        self.kill_all(send)

        before = len(self.marks(p))
        self.assertLess(before, 200, "the kill came too late to test much")
        self.inst.start()
        harness.wait_for(lambda: self.marks(p) == set(range(200)), 120,
                         what="all 200 messages at the peer")
        self.wait_finished()

    def test_kill_9_during_local_and_remote_deliveries_loses_nothing(self):
        # every message has a local and a remote recipient, so two
        # channel files: the one finished first goes while the other is
        # going, the last stays until the message is finished
        # (doc/INTERNALS.md). Killed in the middle, a restart delivers
        # every message to both; a duplicate is allowed, a loss is not
        u = self.inst.user("qmtkmix")
        u.maildir()
        u.write(".qmail", "|sleep 0.02\n./Maildir/\n")
        md = os.path.join(u.home, "Maildir")
        p = self.peer(final=("trickle", 1, "250 accepted"))
        send = self.inst.start()
        for n in range(100):
            self.inst.queue(MSG + b"n=%d\n" % n, "a@example.test",
                            ["b@example.test", "qmtkmix@testhost.example"])
        harness.wait_for(lambda: self.inst.read_log().count(b"success: ")
                         >= 3, 20, what="a few deliveries")
        self.kill_all(send)

        def local():
            got = set()
            for f in glob.glob(os.path.join(md, "new", "*")):
                with open(f, "rb") as fh:
                    got.update(int(m) for m in
                               re.findall(rb"n=(\d+)\n", fh.read()))
            return got
        self.assertFalse(self.marks(p) == local() == set(range(100)),
                         "the kill came too late to test much")
        self.inst.start()
        harness.wait_for(lambda: self.marks(p) == set(range(100)), 120,
                         what="all 100 messages at the peer")
        harness.wait_for(lambda: local() == set(range(100)), 60,
                         what="all 100 messages in the Maildir")
        self.wait_finished()

    def test_more_deliveries_than_kept_processes_fork_children(self):
        # at most 32 are kept (qmail-rspawn.8); the 33rd and 34th
        # deliveries at once run in forked children, and deliver too
        p = self.peer(final=("trickle", 4, "250 accepted"))
        self.inst.write_control("concurrencyremote", "34\n")
        send = self.inst.start()
        for n in range(34):
            self.inst.queue(MSG + b"n=%d\n" % n, "a@example.test",
                            ["b@example.test"])
        rspawn = [pid for pid in self.children(send.pid)
                  if self.comm(pid) == "qmail-rspawn"][0]
        peak = []
        harness.wait_for(lambda: peak.append(len(self.children(rspawn)))
                         or peak[-1] >= 34, 20,
                         what="34 deliveries at once")
        harness.wait_for(lambda: self.inst.read_log().count(b"success: ")
                         == 34, 30, what="all 34 delivered")
        self.assertEqual(len(p.sessions), 34)
        self.assertNoDeferral()

    @staticmethod
    def children(pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    @staticmethod
    def comm(pid):
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
