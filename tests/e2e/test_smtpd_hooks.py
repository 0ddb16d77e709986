"""qmail-smtpd's s/qmail hooks under real tcpserver: UTF8, RBLSMTPD,
DELIVERTO, LOCALMFCHECK=! with qmail-mfrules, QHPSI with BASE64 and the
size limits, and POSTGREY against a Postfix-policy server written here.
Uses the capture queue of test_smtpd (QMAILQUEUE), so every test asserts
what was, or was not, handed to the queue."""
import os
import shutil
import smtplib
import socket
import struct
import subprocess
import threading

from test_smtpd import CAPTURE, FakeDNS, SmtpdBase, mime

EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!"


class HooksBase(SmtpdBase):
    def send(self, srv, msg, rcpts=("x@example.com",), sender="a@b.example"):
        c = self.smtp(srv)
        try:
            c.sendmail(sender, list(rcpts), msg)
            return 250, b""
        except smtplib.SMTPDataError as e:
            return e.smtp_code, e.smtp_error
        except smtplib.SMTPRecipientsRefused as e:
            return list(e.recipients.values())[0]

    def first_reply(self, srv):
        r = self.raw(srv, b"", 1, greet=False)
        return r


class VariablesTest(HooksBase):
    def test_utf8_accepted_and_changes_nothing(self):
        srv = self.server(UTF8="")
        c = self.smtp(srv)
        c.ehlo("h.example")
        self.assertTrue(c.has_extn("smtputf8"))
        c.sendmail("a@b.example", ["x@example.com"], b"Subject: u\r\n\r\nb\r\n")
        self.assertEqual(len(self.queued()), 1)
        self.assertIn(b" with ESMTP;", self.queued()[0][0])

    def test_rblsmtpd_x_rbl_info(self):
        srv = self.server(RBLSMTPD="[zen.example] http://rbl.example/"
                          "?ip=127.0.0.2\x01\x1b")
        self.assertEqual(self.send(srv, b"Subject: r\r\n\r\nb\r\n")[0], 250)
        msg = self.queued()[0][0]
        head = msg.split(b"\n\n")[0].split(b"\n")
        self.assertTrue(head[0].startswith(b"Received: from "), head)
        self.assertIn(b"X-RBL-Info: http://rbl.example/?ip=127.0.0.2??",
                      head)
        # rblsmtpd's "-" (permanent) form without a source
        dash = self.server(RBLSMTPD="-listed at example")
        self.send(dash, b"Subject: r\r\n\r\nb\r\n")
        self.assertIn(b"\nX-RBL-Info: listed at example\n",
                      self.queued()[1][0])
        # set but empty (rblsmtpd's "not listed"): no header
        empty = self.server(RBLSMTPD="")
        self.send(empty, b"Subject: r\r\n\r\nb\r\n")
        self.assertNotIn(b"X-RBL-Info", self.queued()[2][0])

    def test_deliverto_adds_a_recipient(self):
        srv = self.server(DELIVERTO="archive@example.com")
        self.send(srv, b"Subject: d\r\n\r\nb\r\n",
                  ["u1@example.com", "u2@example.com"])
        msg, sender, rcpts, var = self.queued()[0]
        self.assertEqual(rcpts, ["u1@example.com", "u2@example.com",
                                 "archive@example.com"])
        self.assertIn("RCPTTO=u1@example.com\nu2@example.com\n"
                      "archive@example.com", var)
        self.assertIn("Accept::RCPT::Deliverto", srv.read_log())
        # not twice when the client named it already
        self.send(srv, b"Subject: d\r\n\r\nb\r\n", ["archive@example.com"])
        self.assertEqual(self.queued()[1][2], ["archive@example.com"])
        # and never for a transaction without recipients
        r = self.raw(srv, b"HELO x\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n",
                     3)
        self.assertIn("554 ", r)
        self.assertEqual(len(self.queued()), 2)

    def test_deliverto_malformed_is_temporary(self):
        for bad in ("a b@example.org", "<x@example.org>", "@example.org"):
            srv = self.server(DELIVERTO=bad)
            self.assertTrue(self.first_reply(srv).startswith("421 "), bad)


class MailFromRulesTest(HooksBase):
    def mfrules(self, text):
        self.inst.write_control("mailfromrules", text)
        return subprocess.run([self.inst.bin("qmail-mfrules")],
                              capture_output=True, text=True)

    def mail_rcpt(self, srv, sender):
        c = self.smtp(srv)
        c.ehlo("h.example")
        c.mail(sender)
        return c.docmd("RCPT TO:<u@far.example>")[0]

    def test_localmfcheck_bang(self):
        p = self.mfrules("# relay clients on loopback\n"
                         "127.0.0.&@Example.COM,good@other.example\n"
                         "10.0.0-3.&@ten.example\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        cdb = self.inst.path("control", "mailfromrules.cdb")
        self.assertTrue(os.path.exists(cdb))
        srv = self.server(RELAYCLIENT="", LOCALMFCHECK="!",
                          REPLYMAV="not your address")
        self.assertEqual(self.mail_rcpt(srv, "me@example.com"), 250)
        self.assertEqual(self.mail_rcpt(srv, "Good@Other.example"), 250)
        self.assertEqual(self.mail_rcpt(srv, "bad@other.example"), 553)
        self.assertEqual(self.mail_rcpt(srv, "me@ten.example"), 553)
        self.assertEqual(self.mail_rcpt(srv, ""), 250)
        log = srv.read_log()
        self.assertIn("Reject::ORIG::Invalid_Mailfrom", log)
        # not for clients that do not relay
        plain = self.server(LOCALMFCHECK="!")
        c = self.smtp(plain)
        c.ehlo("h.example")
        c.mail("bad@other.example")
        self.assertEqual(c.docmd("RCPT TO:<u@example.com>")[0], 250)

    def test_no_rule_for_the_client_refuses(self):
        self.assertEqual(self.mfrules("10.1.1.1&@example.com\n").returncode,
                         0)
        srv = self.server(RELAYCLIENT="", LOCALMFCHECK="!")
        self.assertEqual(self.mail_rcpt(srv, "me@example.com"), 553)

    def test_without_cdb_acts_as_set(self):
        srv = self.server(RELAYCLIENT="", LOCALMFCHECK="!")
        self.assertEqual(self.mail_rcpt(srv, "me@example.com"), 250)
        self.assertEqual(self.mail_rcpt(srv, "me@other.example"), 553)

    def test_corrupt_cdb_is_a_temporary_failure(self):
        # a cdb whose pointers lead outside the file: the lookup fails,
        # and the sender hears 451, never 553 or 250
        cdb = self.inst.path("control", "mailfromrules.cdb")
        with open(cdb, "wb") as f:
            f.write(b"\xff" * 4096)
        self.addCleanup(os.unlink, cdb)
        srv = self.server(RELAYCLIENT="", LOCALMFCHECK="!")
        c = self.smtp(srv)
        c.ehlo("h.example")
        code, text = c.mail("me@example.com")
        self.assertEqual(code, 451, text)
        self.assertIn("Reject::ORIG::Mailfromrules_Temp", srv.read_log())

    def test_qmail_mfrules_refuses_bad_lines(self):
        self.assertEqual(self.mfrules("127.0.0.&@a.example\n").returncode, 0)
        before = open(self.inst.path("control", "mailfromrules.cdb"),
                      "rb").read()
        p = self.mfrules("127.0.0.&@a.example\nbroken line\n")
        self.assertEqual(p.returncode, 100)
        self.assertIn("broken line", p.stderr)
        self.assertEqual(open(self.inst.path("control", "mailfromrules.cdb"),
                              "rb").read(), before)
        self.assertFalse(os.path.exists(self.inst.path(
            "control", "mailfromrules.cdb.tmp")))
        os.unlink(self.inst.path("control", "mailfromrules"))
        p = subprocess.run([self.inst.bin("qmail-mfrules")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 111)


SCANNER = r"""#!/bin/sh
# a QHPSI scanner: $1 is the spooled message, stdin the same message
echo "scanner args: $*" >&2
test -r "$1" || exit 9
case "$(cat)" in *EICAR-STANDARD*) exit ${VIRUS_RC:-1};; esac
grep -q BROKEN "$1" && exit 7
exit 0
"""


class QhpsiTest(HooksBase):
    def setUp(self):
        super().setUp()
        self.scanner = os.path.join(self.inst.tmp, "scanner.sh")
        with open(self.scanner, "w") as f:
            f.write(SCANNER)
        os.chmod(self.scanner, 0o755)
        self.spool = os.path.join(self.inst.tmp, "spool")
        shutil.rmtree(self.spool, ignore_errors=True)
        os.makedirs(self.spool)
        os.chmod(self.spool, 0o1777)

    def virus(self):
        return ("Subject: v\r\n\r\n%s\r\n" % EICAR).encode()

    def test_virus_refused_clean_queued(self):
        srv = self.server(QHPSI=self.scanner, QHPSIARG1="--extra",
                          TMPDIR=self.spool)
        code, text = self.send(srv, self.virus())
        self.assertEqual(code, 554)
        self.assertIn(b"virus", text)
        self.assertEqual(self.queued(), [])
        self.assertEqual(self.send(srv, b"Subject: c\r\n\r\nclean\r\n")[0],
                         250)
        self.assertEqual(len(self.queued()), 1)
        log = srv.read_log()
        self.assertIn("Reject::DATA::Virus_Infected", log)
        self.assertIn("--extra", log)
        # the spool copy is gone after each message
        self.assertEqual(os.listdir(self.spool), [])

    def test_qhpsirc_and_scanner_failure(self):
        srv = self.server(QHPSI="%s %%s" % self.scanner, QHPSIRC="5",
                          VIRUS_RC="5", TMPDIR=self.spool)
        self.assertEqual(self.send(srv, self.virus())[0], 554)
        # exit 1 is no longer "virus": a scanner failure, temporary
        one = self.server(QHPSI=self.scanner, QHPSIRC="5", VIRUS_RC="1",
                          TMPDIR=self.spool)
        self.assertEqual(self.send(one, self.virus())[0], 451)
        self.assertEqual(self.send(one, b"Subject: b\r\n\r\nBROKEN\r\n")[0],
                         451)
        self.assertIn("Qhpsi_Failed_7", one.read_log())
        missing = self.server(QHPSI="/nonexistent/scanner",
                              TMPDIR=self.spool)
        self.assertEqual(self.send(missing, b"Subject: c\r\n\r\nc\r\n")[0],
                         451)
        self.assertEqual(self.queued(), [])
        self.assertEqual(os.listdir(self.spool), [])

    def test_size_limits(self):
        big = self.server(QHPSI=self.scanner, QHPSIMAXSIZE="20",
                          TMPDIR=self.spool)
        self.assertEqual(self.send(big, self.virus())[0], 250)
        small = self.server(QHPSI=self.scanner, QHPSIMINSIZE="100000",
                            TMPDIR=self.spool)
        self.assertEqual(self.send(small, self.virus())[0], 250)
        self.assertEqual(len(self.queued()), 2)

    def test_base64_scans_only_attachments(self):
        srv = self.server(QHPSI=self.scanner, BASE64="", TMPDIR=self.spool)
        # no base64 part: not scanned, queued
        self.assertEqual(self.send(srv, self.virus())[0], 250)
        # a base64 attachment: scanned (the text part holds the virus)
        att = mime("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=").replace(
            b"hello", EICAR.encode())
        self.assertEqual(self.send(srv, att)[0], 554)
        self.assertEqual(len(self.queued()), 1)

    def test_bad_qhpsi_values(self):
        for env in ({"QHPSI": "%s scan"}, {"QHPSI": "s", "QHPSIRC": "0"},
                    {"QHPSI": "s", "QHPSIMAXSIZE": "x"}):
            srv = self.server(**env)
            self.assertTrue(self.first_reply(srv).startswith("421 "), env)


class PolicyServer:
    """A Postfix policy server on 127.0.0.1: DEFER_IF_PERMIT for
    recipients starting with "grey", DUNNO otherwise; keeps requests."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                while not data.endswith(b"\n\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                attrs = dict(l.split("=", 1) for l in
                             data.decode().split("\n") if "=" in l)
                self.requests.append(attrs)
                grey = attrs.get("recipient", "").startswith("grey")
                conn.sendall(b"action=DEFER_IF_PERMIT Greylisted\n\n" if grey
                             else b"action=DUNNO\n\n")

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class PostgreyTest(HooksBase):
    def rcpts(self, srv, rcpts, helo="h.example"):
        c = self.smtp(srv)
        c.ehlo(helo)
        c.mail("s@sender.example")
        return [c.docmd("RCPT TO:<%s>" % r) for r in rcpts]

    def test_greylisting(self):
        ps = PolicyServer()
        self.addCleanup(ps.stop)
        srv = self.server(POSTGREY="127.0.0.1;%d" % ps.port)
        got = self.rcpts(srv, ["grey@example.com", "ok@example.com",
                               "nobody@far.example"])
        self.assertEqual([g[0] for g in got], [450, 250, 553])
        self.assertIn(b"greylisted", got[0][1])
        self.assertEqual(len(ps.requests), 2)  # never for refused ones
        r = ps.requests[0]
        self.assertEqual(r["request"], "smtpd_access_policy")
        self.assertEqual(r["protocol_state"], "RCPT")
        self.assertEqual(r["client_address"], "127.0.0.1")
        self.assertEqual(r["helo_name"], "h.example")
        self.assertEqual(r["sender"], "s@sender.example")
        self.assertEqual(r["recipient"], "grey@example.com")
        self.assertIn("Reject::RCPT::Greylisted", srv.read_log())
        text = self.server(POSTGREY="127.0.0.1;%d" % ps.port,
                           REPLY_GREYLISTED="come back in 5 minutes")
        self.assertEqual(self.rcpts(text, ["grey@example.com"])[0],
                         (450, b"come back in 5 minutes"))
        relay = self.server(POSTGREY="127.0.0.1;%d" % ps.port,
                            RELAYCLIENT="")
        n = len(ps.requests)
        self.assertEqual(self.rcpts(relay, ["grey@far.example"])[0][0], 250)
        self.assertEqual(len(ps.requests), n)

    def test_dead_policy_server_does_not_block(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        srv = self.server(POSTGREY="127.0.0.1;%d" % port)
        self.assertEqual(self.rcpts(srv, ["grey@example.com"])[0][0], 250)
        self.assertIn("Warning::RCPT::Postgrey_Unavailable", srv.read_log())

    def test_bad_postgrey_value(self):
        srv = self.server(POSTGREY="localhost;10023")
        self.assertTrue(self.first_reply(srv).startswith("421 "))


class SpfDNS(FakeDNS):
    """FakeDNS with TXT records (a list of strings per record)."""
    TXT = 16

    def answer(self, q):
        pos = 12
        while q[pos]:
            pos += 1 + q[pos]
        qtype = struct.unpack(">H", q[pos + 1:pos + 3])[0]
        if qtype != self.TXT:
            return FakeDNS.answer(self, q)
        qid = struct.unpack(">H", q[:2])[0]
        labels, p = [], 12
        while q[p]:
            labels.append(q[p + 1:p + 1 + q[p]].decode().lower())
            p += 1 + q[p]
        name = ".".join(labels)
        rcode, rrs = 0, []
        if name in self.servfail:
            rcode = 2
        elif name not in self.names:
            rcode = 3
        else:
            for text in self.zone.get((name, self.TXT), []):
                raw = text.encode()
                rdata = b"".join(bytes([len(raw[i:i + 255])]) +
                                 raw[i:i + 255]
                                 for i in range(0, max(len(raw), 1), 255))
                rrs.append(b"\xc0\x0c" + struct.pack(
                    ">HHIH", self.TXT, 1, 60, len(rdata)) + rdata)
        head = struct.pack(">HHHHHH", qid, 0x8400 | 0x0100 | 0x80 | rcode,
                           1, len(rrs), 0, 0)
        return head + q[12:pos + 5] + b"".join(rrs)


SPF_ZONE = {
    ("pass.example", SpfDNS.TXT): ["v=spf1 ip4:127.0.0.0/8 -all"],
    ("fail.example", SpfDNS.TXT): ["v=spf1 -all"],
    ("failexp.example", SpfDNS.TXT): ["v=spf1 -all exp=why.failexp.example"],
    ("why.failexp.example", SpfDNS.TXT): ["%{i} may not send for %{d}"],
    ("soft.example", SpfDNS.TXT): ["v=spf1 ~all"],
    ("neutral.example", SpfDNS.TXT): ["v=spf1 ?all"],
    ("none.example", FakeDNS.A): ["127.0.0.9"],
    ("perm.example", SpfDNS.TXT): ["v=spf1 foo -all"],
    ("mx.example", SpfDNS.TXT): ["v=spf1 mx -all"],
    ("mx.example", FakeDNS.MX): [(10, "mx1.mx.example")],
    ("mx1.mx.example", FakeDNS.A): ["127.0.0.1"],
    ("split.example", SpfDNS.TXT): ["v=spf1 include:_s.split.example -all"],
    ("_s.split.example", SpfDNS.TXT): ["v=spf1 "
                                       "ip4:127.0.0.1 " + "x" * 300 + "=y"],
    ("helo.example", SpfDNS.TXT): ["v=spf1 ip4:127.0.0.1 -all"],
}


class SpfTest(HooksBase):
    def setUp(self):
        super().setUp()
        if shutil.which("unshare") is None:
            self.skipTest("unshare not installed")
        self.dns = SpfDNS(SPF_ZONE, servfail=["temp.example"])
        self.addCleanup(self.dns.stop)
        self.resolv = self.dns.resolv_conf(self.inst.tmp)
        with open(self.qq, "w") as f:
            f.write(CAPTURE.replace("@DIR@", self.cap).replace(
                "AUTHPROTOCOL=%s\\n' \\", "AUTHPROTOCOL=%s\\nSPFRESULT=%s\\n' \\"
            ).replace('"${AUTHPROTOCOL-}"', '"${AUTHPROTOCOL-}" '
                      '"${SPFRESULT-unset}"'))

    def rcpt(self, srv, sender, helo="h.example"):
        c = self.smtp(srv)
        c.ehlo(helo)
        self.assertEqual(c.mail(sender)[0], 250)
        return c.docmd("RCPT TO:<x@example.com>")

    def test_levels(self):
        senders = ["u@pass.example", "u@mx.example", "u@split.example",
                   "u@fail.example", "u@soft.example", "u@neutral.example",
                   "u@none.example", "u@perm.example", "u@temp.example"]
        want = {
            1: [250, 250, 250, 250, 250, 250, 250, 250, 250],
            2: [250, 250, 250, 250, 250, 250, 250, 250, 451],
            3: [250, 250, 250, 550, 250, 250, 250, 250, 451],
            4: [250, 250, 250, 550, 550, 250, 250, 250, 451],
            5: [250, 250, 250, 550, 550, 550, 250, 250, 451],
            6: [250, 250, 250, 550, 550, 550, 550, 550, 451],
        }
        for level, codes in want.items():
            srv = self.server(resolv=self.resolv, SPF=str(level))
            got = [self.rcpt(srv, s)[0] for s in senders]
            self.assertEqual(got, codes, "SPF=%d" % level)
        log = srv.read_log()
        for cond in ("Fail", "SoftFail", "Neutral", "None", "PermError",
                     "TempError"):
            self.assertIn("Reject::SPF::%s" % cond, log)
        self.assertIn("Accept::SPF::Pass", log)

    def test_local_refusals_come_before_spf(self):
        # badmailfrom costs no DNS query: it answers first
        self.inst.write_control("badmailfrom", "u@fail.example\n")
        self.addCleanup(self.inst.remove_control, "badmailfrom")
        srv = self.server(resolv=self.resolv, SPF="3")
        self.assertEqual(self.rcpt(srv, "u@fail.example")[0], 553)
        self.assertEqual(self.rcpt(srv, "v@fail.example")[0], 550)
        log = srv.read_log()
        self.assertIn("Bad_Mailfrom", log)
        self.assertEqual(log.count("Reject::SPF::Fail"), 1, log)

    def test_header_and_spfresult(self):
        srv = self.server(resolv=self.resolv, SPF="1")
        for sender in ("u@pass.example", "u@fail.example", ""):
            c = self.smtp(srv)
            c.ehlo("helo.example")
            c.sendmail(sender, ["x@example.com"], b"Subject: s\r\n\r\nb\r\n")
        q = self.queued()
        by_sender = {s: (m, v) for m, s, _, v in q}
        msg, var = by_sender["u@pass.example"]
        self.assertTrue(msg.startswith(b"Received-SPF: pass (testhost."
                                       b"example: domain of u@pass.example "
                                       b"designates 127.0.0.1 as permitted "
                                       b"sender)\n\tclient-ip=127.0.0.1; "
                                       b"envelope-from=\"u@pass.example\"; "
                                       b"helo=helo.example;\n"), msg[:300])
        self.assertIn(b"mechanism=ip4:127.0.0.0/8\nReceived: from ", msg)
        self.assertIn("SPFRESULT=pass", var)
        msg, var = by_sender["u@fail.example"]
        self.assertTrue(msg.startswith(b"Received-SPF: fail ("), msg[:100])
        self.assertIn("SPFRESULT=fail", var)
        # <>: the HELO identity, postmaster@helo.example
        msg, var = by_sender[""]
        self.assertTrue(msg.startswith(b"Received-SPF: pass (testhost."
                                       b"example: domain of helo.example "
                                       b"designates"), msg[:100])
        self.assertIn(b"identity=helo", msg)
        self.assertIn("SPFRESULT=pass", var)
        self.assertIn("Received: from ", msg.decode())

    def test_result_is_per_transaction(self):
        # one session: a sender checked, then RSET, then another; and two
        # messages in a row: each message carries its own sender's result
        srv = self.server(resolv=self.resolv, SPF="1")
        c = self.smtp(srv)
        c.ehlo("helo.example")
        self.assertEqual(c.mail("u@pass.example")[0], 250)
        self.assertEqual(c.rcpt("x@example.com")[0], 250)
        self.assertEqual(c.rset()[0], 250)
        c.sendmail("u@fail.example", ["x@example.com"],
                   b"Subject: one\r\n\r\nb\r\n")
        c.sendmail("u@pass.example", ["x@example.com"],
                   b"Subject: two\r\n\r\nb\r\n")
        c.quit()
        (m1, s1, _, v1), (m2, s2, _, v2) = self.queued()
        self.assertEqual((s1, s2), ("u@fail.example", "u@pass.example"))
        self.assertTrue(m1.startswith(b"Received-SPF: fail ("), m1[:100])
        self.assertIn("SPFRESULT=fail", v1)
        self.assertTrue(m2.startswith(b"Received-SPF: pass ("), m2[:100])
        self.assertIn("SPFRESULT=pass", v2)
        self.assertEqual(m1.count(b"Received-SPF:"), 1)
        self.assertEqual(m2.count(b"Received-SPF:"), 1)

    def test_explanations(self):
        srv = self.server(resolv=self.resolv, SPF="3")
        self.assertEqual(self.rcpt(srv, "u@failexp.example"),
                         (550, b"sorry, SPF fail: 127.0.0.1 may not send "
                               b"for failexp.example (#5.7.1)"))
        code, text = self.rcpt(srv, "u@fail.example")
        self.assertEqual(code, 550)
        self.assertIn(b"open-spf.org/Why?s=u%40fail.example&ip=127.0.0.1",
                      text)
        self.inst.write_control("spfexplain", "%{d} says no to %{i}\n")
        own = self.server(resolv=self.resolv, SPF="3")
        self.assertEqual(self.rcpt(own, "u@fail.example"),
                         (550, b"sorry, SPF fail: fail.example says no to "
                               b"127.0.0.1 (#5.7.1)"))

    def test_spflocalrules(self):
        self.inst.write_control("spflocalrules", "ip4:127.0.0.0/8\n")
        srv = self.server(resolv=self.resolv, SPF="4")
        self.assertEqual(self.rcpt(srv, "u@fail.example")[0], 250)
        self.assertEqual(self.rcpt(srv, "u@soft.example")[0], 250)
        self.inst.write_control("spflocalrules", "ip4:300.1.1.1\n")
        bad = self.server(resolv=self.resolv, SPF="4")
        self.assertTrue(self.first_reply(bad).startswith("421 "))

    def test_split_horizon_and_bad_level(self):
        relay = self.server(resolv=self.resolv, SPF="6", RELAYCLIENT="")
        self.assertEqual(self.rcpt(relay, "u@fail.example")[0], 250)
        self.assertEqual(self.send(relay, b"Subject: r\r\n\r\nb\r\n",
                                   sender="u@fail.example")[0], 250)
        msg, _, _, var = self.queued()[0]
        self.assertNotIn(b"Received-SPF", msg)
        self.assertIn("SPFRESULT=unset", var)
        # unknown recipients cost no SPF lookups: rcpthosts comes first
        srv = self.server(resolv=self.resolv, SPF="6")
        c = self.smtp(srv)
        c.ehlo("h.example")
        c.mail("u@fail.example")
        self.assertEqual(c.docmd("RCPT TO:<x@far.example>")[0], 553)
        self.assertNotIn("::SPF::", srv.read_log())
        for bad in ("7", "x"):
            self.assertTrue(self.first_reply(self.server(
                SPF=bad)).startswith("421 "), bad)
