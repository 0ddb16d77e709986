"""qmail-inject, sendmail and qmail-showctl against the installed programs.

Most tests point QMAILQUEUE at a capture script that saves the message
(fd 0) and the envelope (fd 1) and exits with a chosen code, so that the
exact message and envelope qmail-inject produces can be checked. One test
uses the real qmail-queue.
"""
import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

import harness
import qrecord

CAPTURE = """#!/bin/sh
cat > "%(dir)s/msg"
cat <&1 > "%(dir)s/env"
code=$(cat "%(dir)s/code" 2>/dev/null)
exit ${code:-0}
"""

SCRUB = ("QMAILUSER", "MAILUSER", "USER", "LOGNAME", "QMAILHOST", "MAILHOST",
         "QMAILNAME", "MAILNAME", "NAME", "QMAILINJECT", "QMAILSUSER",
         "QMAILSHOST", "QMAILDEFAULTDOMAIN", "QMAILDEFAULTHOST",
         "QMAILPLUSDOMAIN", "QMAILIDHOST", "QMAILMFTFILE", "QMAILQUEUE")


def parse_envelope(data):
    assert data.endswith(b"\0\0") or data == b"F\0\0", data
    parts = data[:-1].split(b"\0")[:-1]
    assert parts[0].startswith(b"F"), data
    sender = parts[0][1:].decode()
    rcpts = []
    for p in parts[1:]:
        assert p.startswith(b"T"), data
        rcpts.append(p[1:].decode())
    return sender, rcpts


def header_of(msg):
    head = msg.split(b"\n\n", 1)[0].decode(errors="replace")
    return head + "\n"


class InjectBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = harness.Instance.shared()
        cls.cap = tempfile.mkdtemp(prefix="qmti-capture-")
        os.chmod(cls.cap, 0o755)
        cls.script = os.path.join(cls.cap, "capture")
        with open(cls.script, "w") as f:
            f.write(CAPTURE % {"dir": cls.cap})
        os.chmod(cls.script, 0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.cap, ignore_errors=True)

    def setUp(self):
        self.inst.reset()
        for name in ("msg", "env", "code"):
            try:
                os.unlink(os.path.join(self.cap, name))
            except FileNotFoundError:
                pass

    def env(self, **extra):
        e = {k: v for k, v in os.environ.items() if k not in SCRUB}
        e["QMAILQUEUE"] = self.script
        e["QMAILUSER"] = "qmtiuser"
        e.update(extra)
        return {k: v for k, v in e.items() if v is not None}

    def run_prog(self, prog, message, args=(), code=0, **envs):
        if code:
            with open(os.path.join(self.cap, "code"), "w") as f:
                f.write("%d\n" % code)
        if isinstance(message, str):
            message = message.encode()
        return subprocess.run([self.inst.bin(prog)] + list(args),
                              input=message, capture_output=True,
                              env=self.env(**envs), timeout=30)

    def inject(self, message, args=(), **envs):
        """Runs qmail-inject; asserts exit 0; returns (header text,
        whole message bytes, sender, recipients)."""
        p = self.run_prog("qmail-inject", message, args, **envs)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return self.captured()

    def captured(self):
        with open(os.path.join(self.cap, "msg"), "rb") as f:
            msg = f.read()
        with open(os.path.join(self.cap, "env"), "rb") as f:
            sender, rcpts = parse_envelope(f.read())
        return header_of(msg), msg, sender, rcpts

    def assertNothingQueued(self):
        self.assertFalse(os.path.exists(os.path.join(self.cap, "env")),
                         "an envelope reached the queue")
        self.assertFalse(os.path.exists(os.path.join(self.cap, "msg")),
                         "qmail-queue was started")
        self.assertEqual(self.inst.queue_files("todo"), [])


class TestInjectHeader(InjectBase):
    def test_adds_date_message_id_from(self):
        head, msg, sender, rcpts = self.inject(
            "To: joe\nSubject: hello\n\nbody\n")
        self.assertRegex(head, r"(?m)^Date: \d{1,2} [A-Z][a-z]{2} \d{4} "
                         r"\d\d:\d\d:\d\d -0000$")
        self.assertRegex(head, r"(?m)^Message-ID: <\d{14}\.\d+\.qmail@"
                         r"testhost\.example>$")
        self.assertIn("\nFrom: qmtiuser@testhost.example\n", head)
        self.assertIn("\nTo: joe@testhost.example\n", head)
        self.assertIn("\nSubject: hello\n", head)
        self.assertTrue(msg.endswith(b"\n\nbody\n"))
        self.assertEqual(sender, "qmtiuser@testhost.example")
        self.assertEqual(rcpts, ["joe@testhost.example"])
        self.assertNotIn("recipient list not shown", head)

    def test_existing_fields_kept(self):
        head, _, _, _ = self.inject(
            "Date: 1 Jan 2020 00:00:00 -0000\nMessage-ID: <a@b>\n"
            "From: Someone <some@one.example>\nTo: x@y.example\n\nb\n")
        self.assertEqual(head.count("Date:"), 1)
        self.assertIn("Date: 1 Jan 2020 00:00:00 -0000\n", head)
        self.assertEqual(head.count("Message-ID:"), 1)
        self.assertEqual(head.count("From:"), 1)
        self.assertIn("From: Someone <some@one.example>\n", head)

    def test_bcc_return_path_content_length_removed(self):
        head, msg, sender, rcpts = self.inject(
            "To: a@x.example\nBcc: secret@x.example\n"
            "Return-Path: <bounce@x.example>\n"
            "Content-Length: 3\nSubject: s\n\nbody\n")
        self.assertNotIn("Bcc", head)
        self.assertNotIn("secret", head)
        self.assertNotIn("Return-Path", head)
        self.assertNotIn("Content-Length", head)
        self.assertEqual(rcpts, ["a@x.example", "secret@x.example"])
        # Return-Path gives the envelope sender
        self.assertEqual(sender, "bounce@x.example")

    def test_rewriting_keeps_names_and_comments(self):
        head, _, _, rcpts = self.inject(
            'To: "Bloggs, Joe" <joe>, bob (Bob),\n'
            '  "odd name"@box, <@route.example:r@r.example>\n'
            "Cc: friends: f1, F2 <f2@b>;\nReply-To: rt\n\nb\n")
        self.assertIn('To: "Bloggs, Joe" <joe@testhost.example>, '
                      'bob@testhost.example (Bob),\n'
                      '  "odd name"@box.testhost.example, '
                      '<r@r.example>\n', head)
        self.assertIn("Cc: friends: f1@testhost.example, "
                      "F2 <f2@b.testhost.example>;\n", head)
        self.assertIn("Reply-To: rt@testhost.example\n", head)
        self.assertEqual(rcpts, ["joe@testhost.example",
                                 "bob@testhost.example",
                                 "odd name@box.testhost.example",
                                 "r@r.example", "f1@testhost.example",
                                 "f2@b.testhost.example"])

    def test_words_without_comma_are_two_addresses(self):
        head, _, _, rcpts = self.inject("To: joe bob\n\nb\n")
        self.assertIn("To: joe@testhost.example, bob@testhost.example\n",
                      head)
        self.assertEqual(rcpts, ["joe@testhost.example",
                                 "bob@testhost.example"])

    def test_no_to_or_cc(self):
        head, _, _, rcpts = self.inject("Subject: s\n\nb\n", ["a@b.example"])
        self.assertIn("Cc: recipient list not shown: ;\n", head)
        self.assertEqual(rcpts, ["a@b.example"])

    def test_message_without_header(self):
        _, msg, _, _ = self.inject("just a body line\nsecond\n",
                                   ["a@b.example"])
        self.assertTrue(msg.endswith(b"\n\njust a body line\nsecond\n"),
                        msg)

    def test_missing_final_newline_added(self):
        _, msg, _, _ = self.inject("To: a@b.example\n\nno newline",
                                   ["a@b.example"])
        self.assertTrue(msg.endswith(b"\n\nno newline\n"), msg)

    def test_resent(self):
        head, _, sender, rcpts = self.inject(
            "From: orig@x.example\nTo: old@x.example\n"
            "Date: 1 Jan 2020 00:00:00 -0000\nMessage-ID: <o@x>\n"
            "Resent-To: new\nResent-Bcc: hidden\n\nb\n")
        self.assertRegex(head, r"(?m)^Resent-Date: ")
        self.assertRegex(head, r"(?m)^Resent-Message-ID: <")
        self.assertIn("Resent-From: qmtiuser@testhost.example\n", head)
        # a resent message goes to the Resent- recipients only
        self.assertEqual(rcpts, ["new@testhost.example",
                                 "hidden@testhost.example"])
        self.assertNotIn("hidden", head)
        self.assertIn("To: old@x.example\n", head)

    def test_mbox_from_line(self):
        head, _, _, _ = self.inject(
            "From joe@x Mon Jan  1 00:00:00 2024\nTo: a@b.example\n\nb\n")
        self.assertIn("MBOX-Line: From joe@x Mon Jan  1 00:00:00 2024\n",
                      head)


class TestInjectOptions(InjectBase):
    MSG = "To: hdr@x.example\nSubject: s\n\nbody\n"

    def test_default_args_win(self):
        _, _, _, rcpts = self.inject(self.MSG, ["arg@x.example"])
        self.assertEqual(rcpts, ["arg@x.example"])

    def test_default_header_without_args(self):
        _, _, _, rcpts = self.inject(self.MSG)
        self.assertEqual(rcpts, ["hdr@x.example"])

    def test_a_args_only(self):
        head, _, _, rcpts = self.inject(self.MSG, ["-a", "arg@x.example"])
        self.assertEqual(rcpts, ["arg@x.example"])
        self.assertIn("To: hdr@x.example\n", head)

    def test_h_header_only(self):
        _, _, _, rcpts = self.inject(self.MSG, ["-h", "arg@x.example"])
        self.assertEqual(rcpts, ["hdr@x.example"])

    def test_H_header_and_args(self):
        _, _, _, rcpts = self.inject(self.MSG, ["-H", "arg"])
        self.assertEqual(rcpts, ["arg@testhost.example", "hdr@x.example"])

    def test_f_sender(self):
        _, _, sender, _ = self.inject(
            "Return-Path: <rp@x.example>\n" + self.MSG,
            ["-f", "env@x.example"])
        self.assertEqual(sender, "env@x.example")
        _, _, sender, _ = self.inject(self.MSG, ["-f", "bare"])
        self.assertEqual(sender, "bare@testhost.example")
        _, _, sender, _ = self.inject(self.MSG, ["-f", ""])
        self.assertEqual(sender, "")
        _, _, sender, _ = self.inject(self.MSG, ["-f", "<>"])
        self.assertEqual(sender, "")

    def test_n_prints(self):
        p = self.run_prog("qmail-inject", self.MSG, ["-n", "a@b.example"])
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertTrue(out.startswith(
            "Return-Path: <qmtiuser@testhost.example>\n"), out)
        self.assertIn("\nTo: hdr@x.example\n", out)
        self.assertTrue(out.endswith("\n\nbody\n"))
        self.assertNothingQueued()

    def test_user_host_name(self):
        head, _, sender, _ = self.inject(
            self.MSG, QMAILUSER="jq", QMAILHOST="desk.example",
            QMAILNAME='Joe "Q" Public')
        self.assertIn('From: "Joe \\"Q\\" Public" <jq@desk.example>\n',
                      head)
        self.assertEqual(sender, "jq@desk.example")

    def test_user_fallbacks(self):
        head, _, sender, _ = self.inject(self.MSG, QMAILUSER=None,
                                         USER="qmtiu2", MAILNAME="M N",
                                         MAILHOST="box")
        self.assertIn('From: "M N" <qmtiu2@box.testhost.example>\n', head)
        head, _, sender, _ = self.inject(self.MSG, QMAILUSER=None,
                                         LOGNAME="qmtiu3", NAME="N")
        self.assertIn('From: "N" <qmtiu3@testhost.example>\n', head)
        head, _, sender, _ = self.inject(self.MSG, QMAILUSER=None)
        self.assertIn("From: anonymous@testhost.example\n", head)

    def test_sender_user_host(self):
        head, _, sender, _ = self.inject(self.MSG, QMAILSUSER="bounces",
                                         QMAILSHOST="lists.example")
        self.assertEqual(sender, "bounces@lists.example")
        self.assertIn("From: qmtiuser@testhost.example\n", head)

    def test_qmailinject_flags(self):
        msg = ("From: given@x.example\nMessage-ID: <given@x>\n"
               "Return-Path: <rp@x.example>\n" + self.MSG)
        head, _, sender, _ = self.inject(msg, QMAILINJECT="c",
                                         QMAILNAME="Full Name")
        self.assertEqual(sender, "rp@x.example")
        self.assertIn("From: given@x.example\n", head)
        head, _, sender, _ = self.inject(msg, QMAILINJECT="fis",
                                         QMAILNAME="Full Name")
        self.assertIn('From: "Full Name" <qmtiuser@testhost.example>\n',
                      head)
        self.assertNotIn("given", head)
        self.assertEqual(sender, "qmtiuser@testhost.example")
        head, _, _, _ = self.inject(self.MSG, QMAILINJECT="c",
                                    QMAILNAME="Full (Name)")
        self.assertIn("From: qmtiuser@testhost.example (Full \\(Name\\))\n",
                      head)

    def test_verp(self):
        _, _, sender, _ = self.inject(self.MSG, QMAILINJECT="r")
        self.assertEqual(sender, "qmtiuser-@testhost.example-@[]")
        _, _, sender, _ = self.inject(self.MSG, QMAILINJECT="m")
        self.assertRegex(sender, r"^qmtiuser-\d+\.\d+@testhost\.example$")

    def test_control_defaults(self):
        self.inst.write_control("defaulthost", "mail\n")
        self.inst.write_control("defaultdomain", "example.org\n")
        self.inst.write_control("plusdomain", "plus.example.org\n")
        self.inst.write_control("idhost", "id.example.org\n")
        head, _, sender, rcpts = self.inject(
            "To: joe, bob@box, pat@home+, lit@[192.0.2.1]\n\nb\n")
        self.assertEqual(rcpts, ["joe@mail.example.org",
                                 "bob@box.example.org",
                                 "pat@home.plus.example.org",
                                 "lit@[192.0.2.1]"])
        self.assertEqual(sender, "qmtiuser@mail.example.org")
        self.assertRegex(head, r"Message-ID: <[0-9.]+qmail@id\.example\.org>")

    def test_env_defaults(self):
        self.inst.write_control("defaultdomain", "example.org\n")
        _, _, _, rcpts = self.inject(
            "To: bob@box, pat@home+\n\nb\n",
            QMAILDEFAULTDOMAIN="env.example",
            QMAILPLUSDOMAIN="penv.example", QMAILDEFAULTHOST="dh")
        self.assertEqual(rcpts, ["bob@box.env.example",
                                 "pat@home.penv.example"])
        _, _, _, rcpts = self.inject("To: joe\n\nb\n",
                                     QMAILDEFAULTHOST="dh")
        self.assertEqual(rcpts, ["joe@dh.example.org"])

    def test_mail_followup_to(self):
        lists = os.path.join(self.cap, "lists")
        with open(lists, "w") as f:
            f.write("list@lists.example\n")
        head, _, _, _ = self.inject(
            "To: list@lists.example\nCc: me@x.example\n\nb\n",
            QMAILMFTFILE=lists)
        self.assertIn("Mail-Followup-To: list@lists.example,\n"
                      "  me@x.example\n", head)
        os.unlink(lists)


class TestInjectFailures(InjectBase):
    MSG = "To: a@b.example\n\nbody\n"

    def refused(self, message, args=(), code=100, **envs):
        p = self.run_prog("qmail-inject", message, args, **envs)
        self.assertEqual(p.returncode, code, p.stderr)
        self.assertTrue(p.stderr.startswith(b"qmail-inject: fatal: "),
                        p.stderr)
        self.assertNothingQueued()
        return p.stderr.decode(errors="replace")

    def test_qq_temporary_failure(self):
        p = self.run_prog("qmail-inject", self.MSG, code=53)
        self.assertEqual(p.returncode, 111)
        self.assertIn(b"qq write error or disk full", p.stderr)

    def test_qq_permanent_failure(self):
        p = self.run_prog("qmail-inject", self.MSG, code=31)
        self.assertEqual(p.returncode, 100)
        self.assertIn(b"permanently rejected", p.stderr)

    def test_qq_missing(self):
        p = self.run_prog("qmail-inject", self.MSG,
                          QMAILQUEUE="/nonexistent/qmail-queue")
        self.assertEqual(p.returncode, 111, p.stderr)

    def test_no_recipients(self):
        err = self.refused("Subject: none\n\nbody\n")
        self.assertIn("no recipients", err)

    def test_nul_in_header(self):
        err = self.refused(b"To: a@b.example\nX-Bad: a\0b\n\nbody\n")
        self.assertIn("NUL", err)

    def test_header_line_too_long(self):
        err = self.refused("To: a@b.example\nX-Long: " + "x" * 9000 +
                           "\n\nbody\n")
        self.assertIn("too long", err)

    def test_long_body_line_is_fine(self):
        _, msg, _, _ = self.inject("To: a@b.example\n\n" + "y" * 20000 +
                                   "\n")
        self.assertTrue(msg.endswith(b"y" * 20000 + b"\n"))

    def test_address_too_long(self):
        err = self.refused(self.MSG, ["x" * 1001 + "@b.example"])
        self.assertIn("1000", err)
        self.refused("To: " + "x" * 1001 + "@b.example\n\nbody\n")

    def test_bad_addresses(self):
        self.refused("To: <unterminated@b.example\n\nbody\n")
        self.refused("From: \"open quote\n" + self.MSG)
        self.refused(self.MSG, ["a\nb@c.example"])

    def test_bad_header_recipient_ignored_with_a(self):
        _, _, _, rcpts = self.inject("To: <broken\n\nbody\n",
                                     ["-a", "ok@b.example"])
        self.assertEqual(rcpts, ["ok@b.example"])

    def test_control_character_in_name(self):
        self.refused(self.MSG, QMAILNAME="Evil\nBcc: x@y")

    def test_bad_option(self):
        self.refused(self.MSG, ["-z"])


class TestSendmail(InjectBase):
    MSG = "To: hdr@x.example\nSubject: s\n\nbody\n"

    def sendmail(self, args, message=None, **envs):
        p = self.run_prog("sendmail", message or self.MSG, args, **envs)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return self.captured()

    def test_args_only(self):
        _, _, _, rcpts = self.sendmail(["arg@x.example"])
        self.assertEqual(rcpts, ["arg@x.example"])

    def test_t(self):
        _, _, _, rcpts = self.sendmail(["-t"])
        self.assertEqual(rcpts, ["hdr@x.example"])
        _, _, _, rcpts = self.sendmail(["-t", "arg@x.example"])
        self.assertEqual(rcpts, ["arg@x.example", "hdr@x.example"])

    def test_f_and_F(self):
        head, _, sender, _ = self.sendmail(
            ["-f", "s@x.example", "-FFull Name", "a@x.example"],
            QMAILNAME="Overridden")
        self.assertEqual(sender, "s@x.example")
        self.assertIn('From: "Full Name" <qmtiuser@testhost.example>\n',
                      head)
        _, _, sender, _ = self.sendmail(["-fs2@x.example", "a@x.example"])
        self.assertEqual(sender, "s2@x.example")
        _, _, sender, _ = self.sendmail(["-r", "s3@x.example",
                                         "a@x.example"])
        self.assertEqual(sender, "s3@x.example")

    def test_ignored_flags(self):
        _, _, _, rcpts = self.sendmail(
            ["-i", "-oi", "-oem", "-odi", "-oQ/var/spool", "-v", "-x",
             "-m", "-B8BITMIME", "-N", "never", "-Rhdrs", "-U", "-ti",
             "-e", "p", "-bm", "-Lsm", "-V", "envid", "--",
             "arg@x.example"])
        self.assertEqual(rcpts, ["arg@x.example", "hdr@x.example"])

    def test_q_is_a_no_op(self):
        p = self.run_prog("sendmail", b"", ["-q"])
        self.assertEqual(p.returncode, 0)
        p = self.run_prog("sendmail", b"", ["-q30m"])
        self.assertEqual(p.returncode, 0)
        self.assertNothingQueued()

    def test_bad_flag(self):
        p = self.run_prog("sendmail", self.MSG, ["-Z", "a@x.example"])
        self.assertEqual(p.returncode, 100)
        self.assertIn(b"usage", p.stderr)
        self.assertNothingQueued()

    def test_bp_runs_qread(self):
        p = self.run_prog("sendmail", b"", ["-bp"])
        if os.path.exists(self.inst.bin("qmail-qread")):
            self.assertEqual(p.returncode, 0, p.stderr)
        else:
            self.assertEqual(p.returncode, 111)
            self.assertIn(b"qmail-qread is not installed", p.stderr)

    def test_bs_without_smtpd(self):
        if os.path.exists(self.inst.bin("qmail-smtpd")):
            self.skipTest("qmail-smtpd is installed")
        p = self.run_prog("sendmail", b"", ["-bs"])
        self.assertEqual(p.returncode, 111)
        self.assertIn(b"qmail-smtpd is not installed", p.stderr)

    def test_newaliases(self):
        link = os.path.join(self.cap, "newaliases")
        os.symlink(self.inst.bin("sendmail"), link)
        try:
            p = subprocess.run([link], capture_output=True,
                               env=self.env(), timeout=30)
        finally:
            os.unlink(link)
        self.assertEqual(p.returncode, 100)
        self.assertIn(b"alias databases are not used", p.stderr)

    def test_bad_input_through_sendmail(self):
        p = self.run_prog("sendmail", b"To: a\nX: \0\n\nb\n", ["-t"])
        self.assertEqual(p.returncode, 100)
        self.assertNothingQueued()


class TestInjectRealQueue(InjectBase):
    def test_reaches_todo(self):
        if not os.path.exists(self.inst.bin("qmail-queue")):
            self.skipTest("qmail-queue is not built yet")
        p = self.run_prog("qmail-inject",
                          "To: qmtirq@testhost.example\nSubject: real\n\n"
                          "real queue body\n", QMAILQUEUE=None)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        todo = self.inst.queue_files("todo")
        self.assertEqual(len(todo), 1)
        env = qrecord.envelope(todo[0])
        self.assertIn(b"Fqmtiuser@testhost.example\0", env)
        self.assertIn(b"Tqmtirq@testhost.example\0", env)
        mess = self.inst.path("queue", "mess",
                              *todo[0].split(os.sep)[-2:])
        with open(mess, "rb") as f:
            body = f.read()
        self.assertIn(b"\nSubject: real\n", body)
        self.assertTrue(body.endswith(b"\n\nreal queue body\n"))


class TestShowctl(InjectBase):
    def test_output(self):
        self.inst.write_control("defaultdomain", "dd.example\n")
        self.inst.write_control("concurrencyremote", "55\n")
        self.inst.write_control("locals", "a.example\nb.example\n")
        self.inst.write_control("rcpthost", "typo.example\n")
        p = subprocess.run([self.inst.bin("qmail-showctl")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        self.assertIn("qmail home directory: %s.\n" % self.inst.prefix, out)
        self.assertIn("subdirectory split: ", out)
        self.assertIn("me: My name is testhost.example.\n", out)
        self.assertIn("defaultdomain: Default domain name is "
                      "dd.example.\n", out)
        self.assertIn("defaulthost: (Default.) Default host name is "
                      "testhost.example.\n", out)
        self.assertIn("concurrencyremote: Remote concurrency is 55.\n", out)
        self.assertIn("concurrencylocal: (Default.) Local concurrency is "
                      "10.\n", out)
        self.assertIn("locals: Messages for these domains are delivered "
                      "locally:\n  a.example\n  b.example\n", out)
        self.assertIn("rcpthost: I have no idea what this file does.\n", out)
        self.assertIn("unknown control file: control/rcpthost", p.stderr)
        for name in ("me", "locals", "rcpthosts", "morercpthosts",
                     "virtualdomains", "percenthack", "envnoathost",
                     "concurrencylocal", "queuelifetime", "bouncefrom",
                     "bouncehost", "doublebouncehost", "doublebounceto",
                     "bouncemaxbytes", "plusdomain", "idhost", "helohost",
                     "smtpgreeting", "localiphost", "databytes",
                     "timeoutsmtpd", "timeoutconnect", "timeoutremote",
                     "smtproutes", "qmtproutes", "domainips", "authsenders",
                     "tlsdestinations", "badmailfrom", "badrcptto",
                     "badhelo", "recipients"):
            self.assertRegex(out, r"(?m)^%s: " % re.escape(name))

    def test_passwords_not_shown(self):
        self.inst.write_control(
            "smtproutes", "a.example:relay.example;587|bob|s3cr|et:x\n"
            "b.example:[2001:db8::1]\n")
        self.inst.write_control("authsenders",
                                "@c.example:relay.example|carol|hunter22\n")
        self.inst.write_control("qmtproutes",
                                "d.example:relay.example|dave|qm7pass\n")
        self.inst.write_control("domaincerts",
                                "*:cert.pem|key.pem|keypass9\n")
        p = subprocess.run([self.inst.bin("qmail-showctl")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        for secret in ("s3cr", "hunter22", "qm7pass", "keypass9"):
            self.assertNotIn(secret, p.stdout + p.stderr)
        self.assertIn("  a.example:relay.example;587|bob|(password not "
                      "shown)\n  b.example:[2001:db8::1]\n", p.stdout)
        self.assertIn("  @c.example:relay.example|carol|(password not "
                      "shown)\n", p.stdout)
        self.assertIn("  *:cert.pem|key.pem|(password not shown)\n",
                      p.stdout)
        self.assertNotIn("domaincerts: I have no idea", p.stdout)

    def test_bad_number(self):
        self.inst.write_control("concurrencylocal", "lots\n")
        p = subprocess.run([self.inst.bin("qmail-showctl")],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn("concurrencylocal: (Error.)", p.stdout)


if __name__ == "__main__":
    unittest.main()
