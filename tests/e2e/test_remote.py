"""qmail-remote against real peers on loopback.

The installed bin/qmail-remote is run directly, as qmail-rspawn would run
it: `qmail-remote host sender recip...` with the message on stdin; its
\\0-separated report is parsed and checked. Peers:
  - ScriptedPeer: a small SMTP server in a thread of this process, whose
    every reply is chosen by the test (exact failure modes, stalls,
    garbage, dropped connections) and which records what it saw;
  - QmtpPeer: a small QMTP server (netstrings) in a thread;
  - Postfix's smtp-sink with its failure modes (-r, -f, -q, -w). It is not
    installed: the postfix .deb is fetched with `apt-get download` into a
    temporary directory, unpacked with dpkg-deb -x and run with
    LD_LIBRARY_PATH, so no MTA daemon or /usr/sbin/sendmail is taken over
    on the test machine. The directory is removed at the end; without a
    package mirror those tests skip;
  - aiosmtpd (Debian python3-aiosmtpd) with and without SMTPUTF8, in a
    thread of this process (AiosmtpdTest);
  - dnsmasq in a network namespace for MX tests (root only; the namespace
    and /etc/netns/<name> are removed afterwards);
  - for TLS, AUTH and lock/tcpto (TlsTest, AuthTest, TcptoTest): the same
    ScriptedPeer with Python's ssl module (STARTTLS, or TLS from the first
    byte), a CA and certificates made by the test with openssl in a
    temporary directory, and SASL CRAM-MD5/LOGIN/PLAIN checked by the peer.
Every server process is stopped by pid.
"""
import base64
import binascii
import hashlib
import hmac
import os
import ssl
import struct
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import ctypes
import harness
from harness import needs_root

CLONE_NEWNET = 0x40000000

MSG = b"From: a@example.test\nTo: b@example.test\nSubject: t\n\nhello\n"


LAST = {}  # the raw stdout and stderr of the last run_remote


def run_remote(inst, host, sender, rcpts, message=MSG, timeout=60, wrap=()):
    """Runs bin/qmail-remote (under the command prefix WRAP, such as
    `ip netns exec NAME`); returns (recipient reports, message report,
    exit code). Reports are (letter, text) pairs."""
    p = subprocess.run(list(wrap) + [inst.bin("qmail-remote"), host,
                                     sender] +
                       list(rcpts), input=message, capture_output=True,
                       timeout=timeout)
    LAST["stdout"], LAST["stderr"] = p.stdout, p.stderr
    parts = p.stdout.split(b"\0")
    assert parts[-1] == b"", "report not \\0-terminated: %r" % p.stdout
    reports = [(x[:1].decode(), x[1:].decode("ascii")) for x in parts[:-1]]
    assert reports, "no report: %r %r" % (p.stdout, p.stderr)
    for letter, _ in reports[:-1]:
        assert letter in "rhs", reports
    assert reports[-1][0] in "KZD", reports
    return reports[:-1], reports[-1], p.returncode


class ScriptedPeer:
    """An SMTP server on HOST whose replies come from SCRIPT (a dict):
      greeting, ehlo, helo, mail, data, final: reply text (CRLF added per
          line), or "drop" (close), "stall" (say nothing), "trickle" (a
          continuation line every 0.4 s for a minute; ("trickle", N,
          text): N such lines, then text), or for final "drop" after
          reading the message;
      rcpt: dict address -> reply (default "250 ok");
      ehlo_ext: EHLO keywords (default PIPELINING, 8BITMIME, SIZE);
      tls: a server ssl.SSLContext: STARTTLS is offered (unless
          offer_starttls is False) and answered with starttls (default
          "220 ready") followed by the bytes after_starttls (plaintext a
          man in the middle would inject); implicit_tls: TLS from the
          first byte (SMTPS) instead;
      auth: dict(user, password, mechs, tls_only=True, require=True,
          fail="535 ..."): AUTH is offered (after TLS when tls_only) and
          checked, CRAM-MD5 with the HMAC of the peer's own challenge;
      close_after: N: the connection is closed after the Nth message of a
          session (a peer that ends an idle session on its own);
      mail_after: (N, reply): MAIL after the Nth message of a session is
          answered REPLY (or "drop": nothing) and the connection closed
          (a peer that went while the client's session was idle);
      rcpt_after: (N, reply): RCPT after the Nth message of a session is
          answered REPLY, and the session goes on.
    Each session records the client's address, its commands and the raw
    DATA bytes as sent (dot-stuffed, up to the final dot line; every
    message of the session in "msgs"), the TLS
    version ("tls"), the client certificate's subject ("client_cert"),
    the AUTH result as (mechanism, ok) and whether a MAIL came before TLS
    ("mail_plain")."""

    def __init__(self, host="127.0.0.1", port=0, **script):
        self.script = script
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.sessions = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.stop_event.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)

    def _serve(self):
        while not self.stop_event.is_set():
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn, addr),
                             daemon=True).start()

    def _say(self, conn, what):
        if what == "drop":
            return False
        if what == "stall":
            self.stop_event.wait(30)
            return False
        if what == "trickle" or isinstance(what, tuple):
            # one continuation line every 0.4 s: each read succeeds
            # within any timeout; ("trickle", N, reply) ends after N
            # lines with REPLY, plain "trickle" never ends
            n, what = (150, None) if what == "trickle" else what[1:]
            code = what[:3].encode() if what else b"250"
            for _ in range(n):
                if self.stop_event.wait(0.4):
                    return False
                conn.sendall(code + b"-still working\r\n")
            if what is None:
                return False
        if isinstance(what, str):
            what = what.encode()
        conn.sendall(what if what.endswith(b"\n") else what + b"\r\n")
        return True

    def _session(self, conn, addr):
        s = {"peer": addr[0], "cmds": [], "data": None, "msgs": [],
             "helo": None,
             "tls": None, "client_cert": None, "auth": None,
             "mail_plain": False, "tls_error": None}
        self.sessions.append(s)
        sc = self.script
        ctx, auth = sc.get("tls"), sc.get("auth")
        f = None
        authed = False
        try:
            if sc.get("implicit_tls"):
                tconn = self._handshake(s, conn, ctx)
                if tconn is None:
                    return
                conn = tconn
            f = conn.makefile("rb")
            if not self._say(conn, sc.get("greeting", "220 peer ESMTP")):
                return
            while True:
                line = f.readline(100000)
                if not line:
                    return
                cmd = line.rstrip(b"\r\n").decode("latin-1")
                s["cmds"].append(cmd)
                verb = cmd.split(" ")[0].upper()
                if verb == "EHLO":
                    s["helo"] = cmd[5:]
                    if "ehlo" in sc:
                        r = sc["ehlo"]
                    else:
                        ext = list(sc.get("ehlo_ext", [
                            "PIPELINING", "8BITMIME", "SIZE 10000000"]))
                        if ctx and not s["tls"] and \
                                sc.get("offer_starttls", True):
                            ext.append("STARTTLS")
                        if auth and (s["tls"] or
                                     not auth.get("tls_only", True)):
                            ext.append("AUTH " + " ".join(auth.get(
                                "mechs", ["PLAIN", "LOGIN", "CRAM-MD5"])))
                        r = "\r\n".join(["250-peer"] + [
                            "250-" + e for e in ext[:-1]] +
                            ["250 " + ext[-1]] if ext else ["250 peer"])
                elif verb == "HELO":
                    s["helo"] = cmd[5:]
                    r = sc.get("helo", "250 peer")
                elif verb == "STARTTLS" and ctx and not s["tls"]:
                    r = sc.get("starttls", "220 ready")
                    conn.sendall(r.encode() + b"\r\n" +
                                 sc.get("after_starttls", b""))
                    if not r.startswith("220"):
                        continue
                    tconn = self._handshake(s, conn, ctx)
                    if tconn is None:
                        return
                    conn = tconn
                    f = conn.makefile("rb")
                    continue
                elif verb == "AUTH" and auth:
                    authed = self._auth(s, conn, f, cmd, auth)
                    r = "235 ok" if authed else auth.get(
                        "fail", "535 5.7.8 authentication failed")
                elif verb == "MAIL":
                    if not s["tls"]:
                        s["mail_plain"] = True
                    n, late = sc.get("mail_after", (1 << 30, None))
                    if len(s["msgs"]) >= n:
                        self._say(conn, late)
                        return
                    if auth and auth.get("require", True) and not authed:
                        r = "530 5.7.0 authentication required"
                    else:
                        r = sc.get("mail", "250 ok")
                elif verb == "RCPT":
                    a = cmd[cmd.find("<") + 1:cmd.rfind(">")]
                    r = sc.get("rcpt", {}).get(a, "250 ok")
                    n, late = sc.get("rcpt_after", (1 << 30, None))
                    if len(s["msgs"]) >= n:
                        r = late
                elif verb == "DATA":
                    r = sc.get("data", "354 go ahead")
                    if not self._say(conn, r):
                        return
                    if not r.startswith("354"):
                        continue
                    data = b""
                    while True:
                        dl = f.readline(100000)
                        if not dl:
                            return
                        if dl == b".\r\n":
                            break
                        data += dl
                    s["data"] = data
                    s["msgs"].append(data)
                    r = sc.get("final", "250 accepted")
                    if len(s["msgs"]) >= sc.get("close_after", 1 << 30):
                        self._say(conn, r)
                        return
                elif verb == "QUIT":
                    self._say(conn, "221 bye")
                    return
                else:
                    r = "502 unknown"
                if not self._say(conn, r):
                    return
        except OSError:
            pass
        finally:
            if f is not None:
                f.close()
            conn.close()

    @staticmethod
    def _handshake(s, conn, ctx):
        """Server side of the TLS handshake; None when it failed."""
        try:
            conn = ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            s["tls_error"] = str(e)
            return None
        s["tls"] = conn.version()
        cert = conn.getpeercert()
        if cert:
            s["client_cert"] = dict(x[0] for x in cert["subject"])
        return conn

    @staticmethod
    def _auth(s, conn, f, cmd, auth):
        parts = cmd.split(" ")
        mech = parts[1].upper() if len(parts) > 1 else ""
        user, pw = auth["user"].encode(), auth["password"].encode()
        ok = False

        def ask(prompt):
            conn.sendall(b"334 " + base64.b64encode(prompt) + b"\r\n")
            return base64.b64decode(f.readline(10000).rstrip(b"\r\n"),
                                    validate=True)
        try:
            if mech == "PLAIN":
                resp = base64.b64decode(parts[2], validate=True) \
                    if len(parts) > 2 else ask(b"")
                ok = resp.split(b"\0") == [b"", user, pw]
            elif mech == "LOGIN":
                ok = ask(b"Username:") == user and ask(b"Password:") == pw
            elif mech == "CRAM-MD5":
                chal = b"<%d.%d@peer.test>" % (os.getpid(), time.time_ns())
                name, _, digest = ask(chal).rpartition(b" ")
                want = hmac.new(pw, chal, hashlib.md5).hexdigest().encode()
                ok = name == user and hmac.compare_digest(digest, want)
        except (ValueError, binascii.Error):
            ok = False
        s["auth"] = (mech, ok)
        return ok


class QmtpPeer:
    """A QMTP server on HOST answering each recipient with ANSWERS[rcpt]
    (default "Kok"); records (message, sender, recipients). With CTX (a
    server ssl.SSLContext) it speaks QMTPS: TLS from the first byte."""

    def __init__(self, host="127.0.0.1", answers=None, drop=False, port=0,
                 ctx=None):
        self.answers = answers or {}
        self.drop = drop
        self.ctx = ctx
        self.tls_seen = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, port))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.got = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)

    @staticmethod
    def _netstring(f):
        n = b""
        while True:
            c = f.read(1)
            if c == b":":
                break
            if not c.isdigit():
                raise ValueError("bad netstring")
            n += c
        s = f.read(int(n))
        if f.read(1) != b",":
            raise ValueError("bad netstring end")
        return s

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            if self.ctx:
                conn = self.ctx.wrap_socket(conn, server_side=True)
                self.tls_seen.append(conn.version())
        except OSError:
            return
        f = conn.makefile("rb")
        try:
            msg = self._netstring(f)
            sender = self._netstring(f).decode()
            rl = self._netstring(f)
            import io
            rf = io.BytesIO(rl)
            rcpts = []
            while rf.tell() < len(rl):
                rcpts.append(self._netstring(rf).decode())
            self.got.append((msg, sender, rcpts))
            if self.drop:
                return
            for r in rcpts:
                a = self.answers.get(r, "Kok thanks").encode()
                conn.sendall(b"%d:%s," % (len(a), a))
        except (OSError, ValueError):
            pass
        finally:
            f.close()
            conn.close()


@needs_root
class RemoteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = harness.Instance.shared()

    def setUp(self):
        self.inst.reset()
        self.peers = []
        self.inst.write_control("timeoutconnect", "5\n")
        self.inst.write_control("timeoutremote", "10\n")

    def tearDown(self):
        for p in self.peers:
            p.close()

    def peer(self, host="127.0.0.1", **script):
        p = ScriptedPeer(host, **script)
        self.peers.append(p)
        self.inst.write_control("smtproutes",
                                ":%s;%d\n" % (host if ":" not in host else
                                              "[%s]" % host, p.port))
        return p

    def remote(self, rcpts=("b@example.test",), sender="a@example.test",
               host="example.test", message=MSG, **kw):
        return run_remote(self.inst, host, sender, rcpts, message, **kw)

    # the report and a plain delivery
    def test_delivery_report_format(self):
        p = self.peer()
        rr, mr, rc = self.remote(["b@example.test", "c@example.test"])
        self.assertEqual(rc, 0)
        self.assertEqual(rr, [("r", ""), ("r", "")])
        self.assertEqual(mr[0], "K")
        self.assertIn("127.0.0.1 accepted message.", mr[1])
        self.assertIn("Remote host said: 250 accepted", mr[1])
        s = p.sessions[0]
        self.assertEqual(s["helo"], "testhost.example")
        self.assertEqual(s["cmds"][1], "MAIL FROM:<a@example.test> SIZE=%d"
                         % (len(MSG) + MSG.count(b"\n")))
        self.assertEqual(s["data"], MSG.replace(b"\n", b"\r\n"))

    def test_usage_exit_100(self):
        p = subprocess.run([self.inst.bin("qmail-remote"), "x"],
                           capture_output=True, input=b"")
        self.assertEqual(p.returncode, 100)
        self.assertTrue(p.stdout.startswith(b"D"))

    def test_helohost_and_bounce_sender(self):
        self.inst.write_control("helohost", "out.example.test\n")
        p = self.peer()
        rr, mr, _ = self.remote(sender="")
        self.assertEqual(mr[0], "K")
        self.assertEqual(p.sessions[0]["helo"], "out.example.test")
        self.assertEqual(p.sessions[0]["cmds"][1].split(" ")[0],
                         "MAIL")
        self.assertIn("FROM:<>", p.sessions[0]["cmds"][1])

    def test_ehlo_refused_falls_back_to_helo(self):
        p = self.peer(ehlo="500 what is EHLO")
        rr, mr, _ = self.remote()
        self.assertEqual(mr[0], "K")
        self.assertEqual(p.sessions[0]["cmds"][1], "HELO testhost.example")
        # no ESMTP: no SIZE parameter
        self.assertEqual(p.sessions[0]["cmds"][2],
                         "MAIL FROM:<a@example.test>")

    # the body on the wire
    def test_dot_stuffing_and_bare_cr_lf(self):
        body = (b"Subject: x\n\n.leading dot\nsmuggle\r.\nmore\n.\n"
                b"bare\rcr\r\n..two\nend")
        p = self.peer()
        _, mr, _ = self.remote(message=body)
        self.assertEqual(mr[0], "K")
        data = p.sessions[0]["data"]
        self.assertEqual(data, b"Subject: x\r\n\r\n..leading dot\r\n"
                         b"smuggle\r\n..\r\nmore\r\n..\r\nbare\r\ncr\r\n"
                         b"...two\r\nend\r\n")
        self.assertNotIn(b"\r\n.\r\n", b"\r\n" + data)

    def test_8bitmime(self):
        p = self.peer()
        _, mr, _ = self.remote(message=b"Subject: x\n\nK\xc3\xa4se\n")
        self.assertEqual(mr[0], "K")
        self.assertTrue(p.sessions[0]["cmds"][1].endswith(
            " BODY=8BITMIME"))

    # SMTPUTF8 (RFC 6531)
    UTF8_EXT = ["PIPELINING", "8BITMIME", "SMTPUTF8", "SIZE 10000000"]

    def test_smtputf8_offered_local_part(self):
        p = self.peer(ehlo_ext=self.UTF8_EXT)
        msg = b"Subject: x\n\nK\xc3\xa4se\n"
        rr, mr, _ = self.remote(["j\u00f6rg@example.test"],
                                sender="s\u00e9nder@b\u00fccher.test",
                                message=msg)
        self.assertEqual((rr, mr[0]), ([("r", "")], "K"), mr)
        cmds = [c.encode("latin-1") for c in p.sessions[0]["cmds"]]
        want = ("MAIL FROM:<s\u00e9nder@b\u00fccher.test> SIZE=%d"
                " BODY=8BITMIME SMTPUTF8" % (len(msg) + msg.count(b"\n")))
        self.assertEqual(cmds[1], want.encode())
        self.assertEqual(cmds[2], "RCPT TO:<j\u00f6rg@example.test>".encode())

    def test_smtputf8_7bit_body_has_no_body_param(self):
        p = self.peer(ehlo_ext=["SMTPUTF8"])
        _, mr, _ = self.remote(["j\u00f6rg@example.test"])
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(p.sessions[0]["cmds"][1],
                         "MAIL FROM:<a@example.test> SMTPUTF8")

    def test_smtputf8_not_offered_local_part_fails_permanently(self):
        p = self.peer()
        rr, mr, _ = self.remote(["j\u00f6rg@example.test", "b@example.test"])
        self.assertEqual(rr[0][0], "h")
        self.assertIn("does not support SMTPUTF8, which the recipient"
                      " address needs. (#5.6.7)", rr[0][1])
        self.assertEqual((rr[1], mr[0]), (("r", ""), "K"))
        cmds = p.sessions[0]["cmds"]
        self.assertEqual([c for c in cmds if c.startswith("RCPT")],
                         ["RCPT TO:<b@example.test>"])
        self.assertNotIn("SMTPUTF8", cmds[1])
        # the only recipient: nothing is sent, the message fails
        p.sessions.clear()
        rr, mr, _ = self.remote(["j\u00f6rg@example.test"])
        self.assertEqual((rr[0][0], mr[0]), ("h", "D"), mr)
        self.assertFalse(any(c.startswith(("MAIL", "RCPT")) for c in
                             p.sessions[0]["cmds"]))

    def test_smtputf8_not_offered_sender_fails_permanently(self):
        p = self.peer()
        rr, mr, _ = self.remote(sender="j\u00f6rg@example.test")
        self.assertEqual((rr, mr[0]), ([], "D"), mr)
        self.assertIn("does not support SMTPUTF8, which the sender address"
                      " needs. (#5.6.7)", mr[1])
        self.assertFalse(any(c.startswith("MAIL") for c in
                             p.sessions[0]["cmds"]))

    def test_smtputf8_domain_only_goes_as_a_labels(self):
        p = self.peer()
        rr, mr, _ = self.remote(["x@b\u00fccher.test"],
                                sender="a@b\u00fccher.test",
                                host="b\u00fccher.test")
        self.assertEqual((rr, mr[0]), ([("r", "")], "K"), mr)
        cmds = p.sessions[0]["cmds"]
        self.assertEqual(cmds[1], "MAIL FROM:<a@xn--bcher-kva.test>"
                         " SIZE=%d" % (len(MSG) + MSG.count(b"\n")))
        self.assertEqual(cmds[2], "RCPT TO:<x@xn--bcher-kva.test>")
        # with SMTPUTF8 offered the addresses go as queued
        q = self.peer(ehlo_ext=self.UTF8_EXT)
        _, mr, _ = self.remote(["x@b\u00fccher.test"],
                               host="b\u00fccher.test")
        self.assertEqual(mr[0], "K")
        self.assertEqual(q.sessions[0]["cmds"][2].encode("latin-1"),
                         "RCPT TO:<x@b\u00fccher.test>".encode())
        self.assertTrue(q.sessions[0]["cmds"][1].endswith(" SMTPUTF8"))

    def test_smtputf8_header_used_when_offered_else_sent_as_is(self):
        msg = "Subject: caf\u00e9\n\nbody\n".encode()
        p = self.peer(ehlo_ext=self.UTF8_EXT)
        _, mr, _ = self.remote(message=msg)
        self.assertEqual(mr[0], "K")
        self.assertTrue(p.sessions[0]["cmds"][1].endswith(
            " BODY=8BITMIME SMTPUTF8"))
        # not offered: sent as qmail always sent 8-bit headers
        q = self.peer()
        _, mr, _ = self.remote(message=msg)
        self.assertEqual(mr[0], "K")
        self.assertTrue(q.sessions[0]["cmds"][1].endswith(
            " BODY=8BITMIME"))
        self.assertEqual(q.sessions[0]["data"], msg.replace(b"\n",
                                                            b"\r\n"))
        # Latin-1 in the header is not UTF-8: no SMTPUTF8 even if offered
        r = self.peer(ehlo_ext=self.UTF8_EXT)
        _, mr, _ = self.remote(message=b"Subject: caf\xe9\n\nx\n")
        self.assertEqual(mr[0], "K")
        self.assertNotIn("SMTPUTF8", r.sessions[0]["cmds"][1])

    def test_non_utf8_addresses_refused(self):
        p = self.peer(ehlo_ext=self.UTF8_EXT)
        rr, mr, _ = self.remote([b"j\xf6rg@example.test".decode(
            "utf-8", "surrogateescape"), "b@example.test"])
        self.assertEqual(rr[0], ("h", "Recipient address has non-ASCII"
                                 " bytes that are not UTF-8. (#5.1.3)\n"))
        self.assertEqual((rr[1], mr[0]), (("r", ""), "K"))
        self.assertEqual(len([c for c in p.sessions[0]["cmds"]
                              if c.startswith("RCPT")]), 1)
        rr, mr, _ = self.remote(sender=b"j\xf6rg@example.test".decode(
            "utf-8", "surrogateescape"))
        self.assertEqual(mr[0], "D")
        self.assertIn("not UTF-8. (#5.1.7)", mr[1])

    def test_size_limit_fails_early_permanently(self):
        p = self.peer(ehlo_ext=["SIZE 20"])
        rr, mr, _ = self.remote()
        self.assertEqual(rr, [])
        self.assertEqual(mr[0], "D")
        self.assertIn("larger than its limit (20 bytes)", mr[1])
        self.assertFalse(any(c.startswith("MAIL") for c in
                             p.sessions[0]["cmds"]))

    # failures at every stage
    def test_greeting_4xx_is_temporary(self):
        self.peer(greeting="421 busy")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("greeting failed", mr[1])
        self.assertIn("Remote host said: 421 busy", mr[1])

    def test_greeting_5xx_tries_next_peer(self):
        bad = ScriptedPeer("127.0.0.1", greeting="554 no service")
        good = ScriptedPeer("127.0.0.1")
        self.peers += [bad, good]
        # the move to the next MX is in MxTest (it needs DNS); here the
        # only peer refuses, and its refusal is what the report says
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" % bad.port)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("greeting failed", mr[1])
        self.assertIn("554 no service", mr[1])
        # qmail-remote does not wait for QUIT's reply: poll for it
        harness.wait_for(lambda: "QUIT" in bad.sessions[0]["cmds"], 5,
                         what="QUIT at the refusing peer")
        self.assertEqual(good.sessions, [])

    def test_helo_rejected(self):
        self.peer(ehlo="550 go away", helo="550 really")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("my name was rejected", mr[1])

    def test_mail_5xx_and_4xx(self):
        self.peer(mail="553 sender bad")
        rr, mr, _ = self.remote()
        self.assertEqual((rr, mr[0]), ([], "D"))
        self.assertIn("sender was rejected", mr[1])
        self.peers.pop().close()
        self.peer(mail="451 later")
        rr, mr, _ = self.remote()
        self.assertEqual((rr, mr[0]), ([], "Z"))

    def test_rcpt_mixed_each_recorded_once(self):
        p = self.peer(rcpt={"h@example.test": "550 no such user",
                            "s@example.test": "452 mailbox full"})
        rcpts = ["r@example.test", "h@example.test", "s@example.test",
                 "r2@example.test"]
        rr, mr, _ = self.remote(rcpts)
        self.assertEqual([x[0] for x in rr], ["r", "h", "s", "r"])
        self.assertIn("does not like recipient", rr[1][1])
        self.assertIn("550 no such user", rr[1][1])
        self.assertEqual(mr[0], "K")
        rcpt_cmds = [c for c in p.sessions[0]["cmds"] if c.startswith("RCPT")]
        self.assertEqual(len(rcpt_cmds), 4)

    def test_many_recipients_one_connection(self):
        p = self.peer()
        rcpts = ["u%d@example.test" % i for i in range(250)]
        rr, mr, _ = self.remote(rcpts)
        self.assertEqual(mr[0], "K")
        self.assertEqual(rr, [("r", "")] * 250)
        self.assertEqual(len(p.sessions), 1)

    def test_all_recipients_rejected(self):
        p = self.peer(rcpt={"b@example.test": "550 no"})
        rr, mr, _ = self.remote()
        self.assertEqual(rr[0][0], "h")
        self.assertEqual(mr[0], "D")
        self.assertIn("Giving up on 127.0.0.1.", mr[1])
        self.assertFalse(any(c == "DATA" for c in p.sessions[0]["cmds"]))

    def test_data_4xx_5xx(self):
        self.peer(data="554 no data")
        rr, mr, _ = self.remote()
        self.assertEqual((rr[0][0], mr[0]), ("r", "D"))
        self.assertIn("failed on DATA command", mr[1])
        self.peers.pop().close()
        self.peer(data="451 later")
        rr, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")

    def test_after_data_4xx_5xx(self):
        self.peer(final="554 content rejected")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "D")
        self.assertIn("failed after I sent the message", mr[1])
        self.assertIn("554 content rejected", mr[1])
        self.peers.pop().close()
        self.peer(final="452 try later")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")

    def test_drop_after_data_possible_duplicate(self):
        self.peer(final="drop")
        rr, mr, _ = self.remote()
        self.assertEqual(rr, [("r", "")])
        self.assertEqual(mr[0], "Z")
        self.assertIn("connection died. Possible duplicate!", mr[1])

    def test_stalled_peer_times_out(self):
        self.inst.write_control("timeoutremote", "1\n")
        self.peer(mail="stall")
        t = time.time()
        _, mr, _ = self.remote()
        self.assertLess(time.time() - t, 8)
        self.assertEqual(mr[0], "Z")
        self.assertIn("connection died", mr[1])
        self.assertNotIn("duplicate", mr[1])

    def test_trickling_peer_hits_session_limit(self):
        """Each reply line comes well inside timeoutremote, but the
        session as a whole has a limit: 3 x 1 s + 1 s (the message's KB)
        + 1 s (one recipient) = 5 s."""
        self.inst.write_control("timeoutremote", "1\n")
        self.peer(greeting="trickle")
        t = time.time()
        rr, mr, _ = self.remote()
        self.assertLess(time.time() - t, 9)
        self.assertGreater(time.time() - t, 4.5)
        self.assertEqual((rr, mr[0]), ([], "Z"), mr)
        self.assertIn("but the session took longer than its limit of 5"
                      " seconds. (#4.4.2)", mr[1])
        # after the message: the peer may have it
        self.peer(final="trickle")
        rr, mr, _ = self.remote()
        self.assertEqual((rr, mr[0]), ([("r", "")], "Z"), mr)
        self.assertIn("limit of 5 seconds. Possible duplicate! (#4.4.2)",
                      mr[1])

    def test_session_limit_grows_with_message_size(self):
        """An 8 KB message adds 7 s (3 + 7 + 1 + 1 = 12 s): a greeting
        trickled over 6 s is within the limit and the message goes."""
        self.inst.write_control("timeoutremote", "1\n")
        p = self.peer(greeting=("trickle", 15, "220 at last"))
        t = time.time()
        rr, mr, _ = self.remote(message=MSG + b"x" * 8000 + b"\n")
        self.assertGreater(time.time() - t, 5.5)
        self.assertEqual((rr, mr[0]), ([("r", "")], "K"), mr)
        self.assertIsNotNone(p.sessions[0]["data"])

    def test_malformed_replies_are_z_and_sanitized(self):
        for bad in ("hello there", "250", "2x0 ok", "250-a\r\n251 b",
                    "250\x01\x1b[31m"):
            self.peer(greeting=bad)
            _, mr, _ = self.remote()
            if bad == "250":
                # "250" alone is a well-formed reply, but not 220
                self.assertIn("greeting failed", mr[1])
            else:
                self.assertEqual(mr[0], "Z", bad)
                self.assertIn("malformed reply", mr[1], bad)
            self.assertTrue(all(32 <= ord(c) < 127 or c == "\n"
                                for c in mr[1]), mr[1])
            self.peers.pop().close()

    def test_huge_multiline_reply_capped(self):
        # long lines are cut, the text is capped, the reply still counts
        lines = "\r\n".join(["250-" + "x" * 3000] * 10 + ["250 end"])
        self.peer(mail=lines, final=lines)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K")
        self.assertLess(len(mr[1]), 2200)
        self.assertIn("...", mr[1])
        self.peers.pop().close()
        # too many lines or too many bytes: garbage, a Z
        for lines in ("\r\n".join(["250-x"] * 500 + ["250 end"]),
                      "\r\n".join(["250-" + "x" * 900] * 100 +
                                    ["250 end"])):
            self.peer(mail=lines)
            _, mr, _ = self.remote()
            self.assertEqual(mr[0], "Z")
            self.assertIn("malformed", mr[1])
            self.peers.pop().close()

    def test_connect_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" % port)
        _, mr, _ = self.remote()
        self.assertEqual(mr, ("Z", "Sorry, I wasn't able to establish an "
                              "SMTP connection. (#4.4.1)\n"))

    def test_ipv6_loopback(self):
        p = self.peer("::1")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K")
        self.assertIn("::1 accepted message.", mr[1])
        self.assertEqual(p.sessions[0]["peer"], "::1")

    def test_address_literal_is_me(self):
        # no smtproutes: [127.0.0.1] is this host, so qmail's D
        _, mr, _ = self.remote(host="[127.0.0.1]")
        self.assertEqual(mr[0], "D")
        self.assertIn("best-preference MX", mr[1])

    # routing files
    def test_smtproutes_forms(self):
        p = self.peer()
        other = ScriptedPeer("127.0.0.1")
        self.peers.append(other)
        for routes, want in [
                ("example.test:127.0.0.1;%d\n:127.0.0.1;%d\n", other),
                (".test:127.0.0.1;%d\n:127.0.0.1;%d\n", other),
                ("other.test:127.0.0.1;%d\n:127.0.0.1;%d\n", p),
                ("example.test:127.0.0.1:%d\n:127.0.0.1;%d\n", other),
                ("!@:127.0.0.1;%d\n:127.0.0.1;%d\n", p)]:
            self.inst.write_control("smtproutes",
                                    routes % (other.port, p.port))
            before = (len(p.sessions), len(other.sessions))
            _, mr, _ = self.remote()
            self.assertEqual(mr[0], "K", routes)
            after = (len(p.sessions), len(other.sessions))
            got = other if after[1] > before[1] else p
            self.assertIs(got, want, routes)

    def test_smtproutes_bounce_route(self):
        p = self.peer()
        bounce = ScriptedPeer("127.0.0.1")
        self.peers.append(bounce)
        self.inst.write_control("smtproutes", "!@:127.0.0.1;%d\n"
                                ":127.0.0.1;%d\n" % (bounce.port, p.port))
        _, mr, _ = self.remote(sender="")
        self.assertEqual(mr[0], "K")
        self.assertEqual(len(bounce.sessions), 1)
        self.assertEqual(len(p.sessions), 0)

    def test_smtproutes_ipv6_bracketed(self):
        p = ScriptedPeer("::1")
        self.peers.append(p)
        self.inst.write_control("smtproutes", "example.test:[::1];%d\n"
                                % p.port)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K")

    def test_smtproutes_malformed_is_temporary(self):
        self.inst.write_control("smtproutes", "example.test:relay;99999\n")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("control/smtproutes line 1", mr[1])

    def test_qmtproutes_take_precedence(self):
        smtp = self.peer()
        q = QmtpPeer(answers={"d@example.test": "Dno such user",
                              "z@example.test": "Zover quota"})
        self.peers.append(q)
        self.inst.write_control("qmtproutes", "example.test:127.0.0.1;%d\n"
                                % q.port)
        body = b"Subject: q\n\nline\n.\n"
        rr, mr, _ = self.remote(["k@example.test", "d@example.test",
                                 "z@example.test"], message=body)
        self.assertEqual([x[0] for x in rr], ["r", "h", "s"])
        self.assertIn("no such user", rr[1][1])
        self.assertEqual(mr[0], "K")
        self.assertEqual(q.got[0], (body, "a@example.test",
                                    ["k@example.test", "d@example.test",
                                     "z@example.test"]))
        self.assertEqual(smtp.sessions, [])

    def test_qmtp_drop_is_possible_duplicate(self):
        q = QmtpPeer(drop=True)
        self.peers.append(q)
        self.inst.write_control("qmtproutes", ":127.0.0.1;%d\n" % q.port)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("Possible duplicate!", mr[1])

    def test_domainips_source_address_and_helo(self):
        p = ScriptedPeer("127.0.0.1")
        self.peers.append(p)
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" % p.port)
        self.inst.write_control("domainips",
                                "example.test:127.0.0.2|mx2.example.test\n"
                                ".sub.test:127.0.0.3\n"
                                "*:127.0.0.1|default.example.test\n")
        for sender, ip, helo in [
                ("a@example.test", "127.0.0.2", "mx2.example.test"),
                ("a@deep.sub.test", "127.0.0.3", "testhost.example"),
                ("a@other.test", "127.0.0.1", "default.example.test"),
                ("a@notexample.test", "127.0.0.1", "default.example.test"),
                ("", "127.0.0.1", "default.example.test")]:
            _, mr, _ = self.remote(sender=sender)
            self.assertEqual(mr[0], "K", (sender, mr))
            self.assertEqual((p.sessions[-1]["peer"], p.sessions[-1]["helo"]),
                             (ip, helo), sender)

    def test_domainips_missing_address_is_temporary(self):
        self.peer()
        self.inst.write_control("domainips", "*:192.0.2.77\n")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("192.0.2.77", mr[1])
        self.assertIn("not configured on this host", mr[1])
        self.inst.write_control("domainips", "*:not-an-ip\n")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("not a valid address", mr[1])

    def test_domainips_family_mismatch(self):
        self.peer("::1")
        self.inst.write_control("domainips", "*:127.0.0.1\n")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("address family", mr[1])

    def test_ipmeprint(self):
        p = subprocess.run([self.inst.bin("ipmeprint")], capture_output=True,
                           text=True, check=True)
        lines = p.stdout.split()
        self.assertIn("127.0.0.1", lines)
        self.assertIn("::1", lines)


class SmtpSink:
    """Postfix's smtp-sink from the unpacked postfix package."""
    dir = None

    @classmethod
    def fetch(cls):
        if cls.dir is not None:
            return cls.dir or None
        cls.dir = ""
        d = tempfile.mkdtemp(prefix="qmtr-postfix-")
        try:
            subprocess.run(["apt-get", "download", "postfix"], cwd=d,
                           check=True, capture_output=True, timeout=120)
            deb = [x for x in os.listdir(d) if x.endswith(".deb")][0]
            subprocess.run(["dpkg-deb", "-x", deb, "x"], cwd=d, check=True,
                           capture_output=True)
        except (subprocess.SubprocessError, IndexError, OSError):
            shutil.rmtree(d, ignore_errors=True)
            return None
        cls.dir = d
        return d

    @classmethod
    def remove(cls):
        if cls.dir:
            shutil.rmtree(cls.dir, ignore_errors=True)
        cls.dir = None

    def __init__(self, *args):
        d = self.dir
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(
            d, "x/usr/lib/postfix"))
        self.proc = subprocess.Popen(
            [os.path.join(d, "x/usr/sbin/smtp-sink"), "-c", "-u", "nobody"] +
            list(args) +
            ["127.0.0.1:%d" % self.port, "100"], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        harness.wait_for(self._up, 10, what="smtp-sink")

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError("smtp-sink exited: %s" %
                                 self.proc.stdout.read().decode())
        try:
            socket.create_connection(("127.0.0.1", self.port), 1).close()
            return True
        except OSError:
            return False

    def stop(self):
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc.stdout.close()


@needs_root
class SmtpSinkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if SmtpSink.fetch() is None:
            raise unittest.SkipTest("postfix package not downloadable")
        cls.inst = harness.Instance.shared()

    @classmethod
    def tearDownClass(cls):
        SmtpSink.remove()

    def setUp(self):
        self.inst.reset()
        self.sinks = []

    def tearDown(self):
        for s in self.sinks:
            s.stop()

    def sink(self, *args):
        s = SmtpSink(*args)
        self.sinks.append(s)
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" % s.port)
        return s

    def remote(self, rcpts=("b@example.test",), **kw):
        return run_remote(self.inst, "example.test", "a@example.test",
                          rcpts, **kw)

    def test_sink_accepts(self):
        self.sink()
        rr, mr, _ = self.remote(["b@example.test", "c@example.test"])
        self.assertEqual((rr, mr[0]), ([("r", ""), ("r", "")], "K"))

    def test_sink_rcpt_soft_and_hard(self):
        self.sink("-r", "rcpt")
        rr, mr, _ = self.remote()
        self.assertEqual(rr[0][0], "s")
        self.sinks.pop().stop()
        self.sink("-f", "rcpt")
        rr, mr, _ = self.remote()
        self.assertEqual((rr[0][0], mr[0]), ("h", "D"))

    def test_sink_data_failures(self):
        self.sink("-f", "data")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "D")
        self.sinks.pop().stop()
        self.sink("-r", "data")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.sinks.pop().stop()
        self.sink("-q", "data")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertIn("connection died", mr[1])

    def test_sink_slow(self):
        self.inst.write_control("timeoutremote", "1\n")
        self.sink("-w", "3")
        t = time.time()
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z")
        self.assertLess(time.time() - t, 10)

    def test_sink_throughput(self):
        """Relay throughput: sequential qmail-remote runs of a 4 KB
        message; prints messages per second (not an assertion)."""
        self.sink()
        msg = MSG + b"x" * 4000 + b"\n"
        n = 200
        t = time.time()
        for _ in range(n):
            _, mr, _ = self.remote(message=msg)
            self.assertEqual(mr[0], "K")
        rate = n / (time.time() - t)
        print("\n  qmail-remote -> smtp-sink: %.0f messages/s "
              "(sequential, 4 KB)" % rate)


class AiosmtpdPeer:
    """aiosmtpd (Debian python3-aiosmtpd) in a thread of this process,
    with or without SMTPUTF8; records each transaction's envelope as
    (mail_from, mail_options, rcpt_tos, content)."""

    def __init__(self, smtputf8):
        from aiosmtpd.controller import Controller
        self.got = []
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.controller = Controller(self, hostname="127.0.0.1",
                                     port=self.port,
                                     enable_SMTPUTF8=smtputf8)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.got.append((envelope.mail_from, list(envelope.mail_options),
                         list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 queued"

    def close(self):
        self.controller.stop()


@needs_root
class AiosmtpdTest(unittest.TestCase):
    """SMTPUTF8 against a real third-party SMTP server."""
    @classmethod
    def setUpClass(cls):
        try:
            import aiosmtpd.controller  # noqa: F401
        except ImportError:
            raise unittest.SkipTest("python3-aiosmtpd not installed")
        cls.inst = harness.Instance.shared()

    def setUp(self):
        self.inst.reset()
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()

    def peer(self, smtputf8):
        p = AiosmtpdPeer(smtputf8)
        self.peers.append(p)
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" % p.port)
        return p

    def test_aiosmtpd_smtputf8(self):
        p = self.peer(True)
        msg = "From: j\u00f6rg@example.test\nSubject: caf\u00e9\n\nK\u00e4se\n"
        rr, mr, _ = run_remote(self.inst, "example.test",
                               "j\u00f6rg@example.test",
                               ["z\u00fcrich@example.test",
                                "b@b\u00fccher.test"], msg.encode())
        self.assertEqual((rr, mr[0]), ([("r", ""), ("r", "")], "K"), mr)
        frm, opts, rcpts, content = p.got[0]
        self.assertEqual(frm, "j\u00f6rg@example.test")
        self.assertIn("SMTPUTF8", opts)
        self.assertIn("BODY=8BITMIME", opts)
        self.assertEqual(rcpts, ["z\u00fcrich@example.test",
                                 "b@b\u00fccher.test"])
        self.assertEqual(content, msg.replace("\n", "\r\n").encode())

    def test_aiosmtpd_without_smtputf8(self):
        p = self.peer(False)
        rr, mr, _ = run_remote(self.inst, "example.test", "a@example.test",
                               ["z\u00fcrich@example.test",
                                "b@b\u00fccher.test"])
        self.assertEqual(rr[0][0], "h")
        self.assertIn("(#5.6.7)", rr[0][1])
        self.assertEqual((rr[1], mr[0]), (("r", ""), "K"), mr)
        frm, opts, rcpts, _ = p.got[0]
        self.assertNotIn("SMTPUTF8", opts)
        self.assertEqual(rcpts, ["b@xn--bcher-kva.test"])


DNSMASQ_CONF = """no-resolv
no-hosts
no-poll
local=/test/
user=nobody
group=nogroup
port=53
listen-address=127.0.0.1
bind-interfaces
mx-host=pref.test,mx1.pref.test,10
mx-host=pref.test,mx2.pref.test,20
host-record=mx1.pref.test,192.0.2.25
host-record=mx2.pref.test,192.0.2.26
mx-host=equal.test,e1.equal.test,10
mx-host=equal.test,e2.equal.test,10
host-record=e1.equal.test,192.0.2.26
host-record=e2.equal.test,192.0.2.27
host-record=implicit.test,192.0.2.26
mx-host=self.test,me.self.test,10
host-record=me.self.test,192.0.2.1
mx-host=v6.test,mx.v6.test,10
host-record=mx.v6.test,2001:db8::25
cname=alias.test,pref.test
mx-host=mapped.test,mx.mapped.test,10
host-record=mx.mapped.test,::ffff:127.0.0.1
mx-host=xn--bcher-kva.test,mx2.pref.test,10
server=/tempfail.test/127.0.0.1#9
"""


def _ns_run(*cmd, check=True):
    return subprocess.run(list(cmd), check=check, capture_output=True)


@needs_root
class MxTest(unittest.TestCase):
    """MX behaviour through real DNS: qmail-remote and dnsmasq run in
    network namespace qmtr-c, the peers listen in qmtr-p, joined by a veth
    pair (192.0.2.1 <-> 192.0.2.25-27, 2001:db8::1 <-> ::25). A separate
    peer namespace is needed because in one namespace every address is
    "this host", and qmail-remote rightly refuses an MX that is itself."""
    C, P = "qmtr-c", "qmtr-p"

    @classmethod
    def setUpClass(cls):
        if shutil.which("dnsmasq") is None or shutil.which("ip") is None:
            raise unittest.SkipTest("needs dnsmasq and ip")
        cls.inst = harness.Instance.shared()
        cls.tmp = tempfile.mkdtemp(prefix="qmtr-dns-")
        os.chmod(cls.tmp, 0o755)
        cls.dnsmasq = None
        cls.peers = []
        try:
            cls._setup_net()
        except Exception:
            cls._teardown_net()
            raise

    @classmethod
    def _setup_net(cls):
        C, P = cls.C, cls.P
        for ns in (C, P):
            _ns_run("ip", "netns", "del", ns, check=False)
            _ns_run("ip", "netns", "add", ns)
            _ns_run("ip", "-n", ns, "link", "set", "lo", "up")
        _ns_run("ip", "-n", C, "link", "add", "qmtr-a", "type", "veth",
                "peer", "name", "qmtr-b", "netns", P)
        _ns_run("ip", "-n", C, "addr", "add", "192.0.2.1/24", "dev",
                "qmtr-a")
        _ns_run("ip", "-n", C, "addr", "add", "2001:db8::1/64", "dev",
                "qmtr-a", "nodad")
        for a in ("192.0.2.25/24", "192.0.2.26/24", "192.0.2.27/24"):
            _ns_run("ip", "-n", P, "addr", "add", a, "dev", "qmtr-b")
        _ns_run("ip", "-n", P, "addr", "add", "2001:db8::25/64", "dev",
                "qmtr-b", "nodad")
        _ns_run("ip", "-n", C, "link", "set", "qmtr-a", "up")
        _ns_run("ip", "-n", P, "link", "set", "qmtr-b", "up")
        os.makedirs("/etc/netns/" + C, exist_ok=True)
        with open("/etc/netns/%s/resolv.conf" % C, "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        conf = os.path.join(cls.tmp, "dnsmasq.conf")
        with open(conf, "w") as f:
            f.write(DNSMASQ_CONF)
        os.chmod(conf, 0o644)
        cls.dnsmasq = subprocess.Popen(
            ["ip", "netns", "exec", C, "dnsmasq", "-k", "--conf-file=" +
             conf, "--pid-file="], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        harness.wait_for(lambda: _ns_run(
            "ip", "netns", "exec", C, "dig", "+short", "+time=1",
            "@127.0.0.1", "mx1.pref.test", check=False).stdout.strip(),
            10, what="dnsmasq")

    @classmethod
    def _teardown_net(cls):
        for p in cls.peers:
            p.close()
        cls.peers = []
        if cls.dnsmasq is not None:
            os.kill(cls.dnsmasq.pid, signal.SIGTERM)
            try:
                cls.dnsmasq.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(cls.dnsmasq.pid, signal.SIGKILL)
                cls.dnsmasq.wait()
            cls.dnsmasq = None
        for ns in (cls.C, cls.P):
            _ns_run("ip", "netns", "del", ns, check=False)
        shutil.rmtree("/etc/netns/" + cls.C, ignore_errors=True)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls._teardown_net()

    def setUp(self):
        self.inst.reset()
        self.inst.write_control("timeoutconnect", "3\n")
        self.inst.write_control("timeoutremote", "10\n")
        self.mine = []

    def tearDown(self):
        for p in self.mine:
            p.close()

    def peer(self, host, **script):
        """A ScriptedPeer on HOST port 25 inside the peer namespace: the
        listening socket is made there (setns) and served from here."""
        libc = ctypes.CDLL(None, use_errno=True)
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        there = os.open("/var/run/netns/" + self.P, os.O_RDONLY)
        try:
            if libc.setns(there, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            try:
                p = ScriptedPeer(host, 25, **script)
            finally:
                if libc.setns(here, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(here)
            os.close(there)
        self.mine.append(p)
        return p

    def remote(self, host, rcpts=None, sender="a@example.test"):
        rcpts = rcpts or ["b@" + host]
        p = subprocess.run(["ip", "netns", "exec", self.C,
                            self.inst.bin("qmail-remote"), host, sender] +
                           rcpts, input=MSG, capture_output=True, timeout=60)
        parts = p.stdout.split(b"\0")
        reports = [(x[:1].decode(), x[1:].decode()) for x in parts[:-1]]
        self.assertTrue(reports, p.stderr)
        return reports[:-1], reports[-1]

    def test_preference_and_5xx_greeting_moves_on(self):
        bad = self.peer("192.0.2.25", greeting="554 not here")
        good = self.peer("192.0.2.26")
        _, mr = self.remote("pref.test")
        self.assertEqual(mr[0], "K", mr)
        self.assertIn("192.0.2.26 accepted message", mr[1])
        self.assertEqual(len(bad.sessions), 1)
        self.assertEqual(good.sessions[0]["peer"], "192.0.2.1")

    def test_lowest_preference_first(self):
        first = self.peer("192.0.2.25")
        second = self.peer("192.0.2.26")
        for _ in range(3):
            _, mr = self.remote("pref.test")
            self.assertEqual(mr[0], "K")
        self.assertEqual((len(first.sessions), len(second.sessions)), (3, 0))

    def test_equal_preferences_shuffled(self):
        a = self.peer("192.0.2.26")
        b = self.peer("192.0.2.27")
        for _ in range(16):
            _, mr = self.remote("equal.test")
            self.assertEqual(mr[0], "K")
        self.assertGreater(len(a.sessions), 0)
        self.assertGreater(len(b.sessions), 0)

    def test_implicit_mx(self):
        p = self.peer("192.0.2.26")
        _, mr = self.remote("implicit.test")
        self.assertEqual(mr[0], "K")
        self.assertEqual(len(p.sessions), 1)

    def test_nxdomain_is_permanent(self):
        _, mr = self.remote("nosuch.test")
        self.assertEqual(mr, ("D", "Sorry, I couldn't find any host named "
                              "nosuch.test. (#5.1.2)\n"))

    def test_dns_tempfail_is_temporary(self):
        _, mr = self.remote("tempfail.test")
        self.assertEqual(mr[0], "Z")

    def test_mx_is_me(self):
        _, mr = self.remote("self.test")
        self.assertEqual(mr[0], "D")
        self.assertIn("best-preference MX", mr[1])
        # with smtproutes the same host is fine: no MX check for relays
        p = self.peer("192.0.2.26")
        self.inst.write_control("smtproutes", "self.test:192.0.2.26\n")
        _, mr = self.remote("self.test")
        self.assertEqual(mr[0], "K")

    def test_mx_ipv4_mapped_loopback_is_me(self):
        # an AAAA of ::ffff:127.0.0.1 reaches this host as IPv4: an MX
        # there must not make qmail-remote connect to itself
        _, mr = self.remote("mapped.test")
        self.assertEqual(mr[0], "D", mr)
        self.assertIn("best-preference MX", mr[1])

    def test_ipv6_mx(self):
        p = self.peer("2001:db8::25")
        _, mr = self.remote("v6.test")
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(p.sessions[0]["peer"], "2001:db8::1")

    def test_cname_followed_recipient_kept(self):
        p = self.peer("192.0.2.25")
        _, mr = self.remote("alias.test", ["x@alias.test"])
        self.assertEqual(mr[0], "K", mr)
        self.assertIn("RCPT TO:<x@alias.test>", p.sessions[0]["cmds"])

    def test_idn_domain(self):
        p = self.peer("192.0.2.26")
        _, mr = self.remote("b\u00fccher.test", ["x@xn--bcher-kva.test"])
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(len(p.sessions), 1)


class Pki:
    """A throw-away CA and certificates made with openssl in a temporary
    directory (removed by close()). EC P-256 keys keep it fast."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="qmtr-pki-")
        os.chmod(self.dir, 0o755)
        self._ossl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                   "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
                   "/CN=qmtest CA")
        self.ca = self.path("ca.pem")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _ossl(self, *args):
        subprocess.run(["openssl"] + list(args), check=True,
                       capture_output=True, cwd=self.dir)

    def issue(self, name, cn, san, by_ca=True, password=None):
        """Returns (certificate, key) paths; SAN like "IP:127.0.0.1". With
        PASSWORD the key is also written encrypted to NAME.enc.key."""
        with open(self.path(name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n" % san)
        self._ossl("req", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                   name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn)
        sign = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"] \
            if by_ca else ["-signkey", name + ".key"]
        self._ossl("x509", "-req", "-in", name + ".csr", "-out",
                   name + ".pem", "-days", "2", "-extfile", name + ".ext",
                   *sign)
        if password:
            self._ossl("pkey", "-in", name + ".key", "-out",
                       name + ".enc.key", "-aes256", "-passout",
                       "pass:" + password)
        return self.path(name + ".pem"), self.path(name + ".key")

    def fingerprint(self, pem, alg):
        with open(pem) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        return hashlib.new(alg, der).hexdigest()

    def server_ctx(self, cert, key, client_ca=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        if client_ca:
            ctx.load_verify_locations(client_ca)
            ctx.verify_mode = ssl.CERT_OPTIONAL
        return ctx

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Netns:
    """A network namespace with only lo up (and, with DUMMY_NET, a veth
    pair with that address on one end and nothing on the other: no ARP
    answer ever comes, so connects to other addresses of that net time
    out). Peers
    listen inside it (make() runs a constructor there with setns) and
    qmail-remote runs in it through `ip netns exec` (wrap)."""

    def __init__(self, name, dummy_net=None):
        self.name = name
        _ns_run("ip", "netns", "del", name, check=False)
        _ns_run("ip", "netns", "add", name)
        try:
            _ns_run("ip", "-n", name, "link", "set", "lo", "up")
            if dummy_net:
                _ns_run("ip", "-n", name, "link", "add", "qmtr-v0", "type",
                        "veth", "peer", "name", "qmtr-v1")
                _ns_run("ip", "-n", name, "addr", "add", dummy_net, "dev",
                        "qmtr-v0")
                for dev in ("qmtr-v0", "qmtr-v1"):
                    _ns_run("ip", "-n", name, "link", "set", dev, "up")
        except Exception:
            self.close()
            raise
        self.wrap = ("ip", "netns", "exec", name)

    def make(self, fn):
        libc = ctypes.CDLL(None, use_errno=True)
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        there = os.open("/var/run/netns/" + self.name, os.O_RDONLY)
        try:
            if libc.setns(there, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            try:
                return fn()
            finally:
                if libc.setns(here, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back")
        finally:
            os.close(here)
            os.close(there)

    def close(self):
        _ns_run("ip", "netns", "del", self.name, check=False)


class _PeerTest(unittest.TestCase):
    """Shared set-up for the TLS, AUTH and tcpto tests: one PKI per
    class, a good server certificate for 127.0.0.1 from the test CA, one
    from the same CA naming another host, and a self-signed one."""

    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise unittest.SkipTest("needs openssl")
        cls.inst = harness.Instance.shared()
        cls.pki = Pki()
        cls.good = cls.pki.issue("good", "127.0.0.1",
                                 "IP:127.0.0.1,DNS:localhost")
        cls.other = cls.pki.issue("other", "other.test", "DNS:other.test")
        cls.selfsigned = cls.pki.issue("self", "127.0.0.1", "IP:127.0.0.1",
                                       by_ca=False)
        cls.client = cls.pki.issue("client", "client.example.test",
                                   "DNS:client.example.test",
                                   password="key pass|word")

    @classmethod
    def tearDownClass(cls):
        cls.pki.close()

    def setUp(self):
        self.inst.reset()
        self.peers = []
        self.nets = []
        self.inst.write_control("timeoutconnect", "5\n")
        self.inst.write_control("timeoutremote", "10\n")

    def tearDown(self):
        for p in self.peers:
            p.close()
        for n in self.nets:
            n.close()

    def ctx(self, which=None, **kw):
        cert, key = which or self.good
        return self.pki.server_ctx(cert, key, **kw)

    def peer(self, host="127.0.0.1", route=True, **script):
        p = ScriptedPeer(host, **script)
        self.peers.append(p)
        if route:
            self.inst.write_control("smtproutes", ":%s;%d\n" % (host, p.port))
        return p

    def remote(self, rcpts=("b@example.test",), sender="a@example.test",
               host="example.test", message=MSG, **kw):
        return run_remote(self.inst, host, sender, rcpts, message, **kw)

    def netns(self, name, **kw):
        if shutil.which("ip") is None:
            self.skipTest("needs ip")
        n = Netns(name, **kw)
        self.nets.append(n)
        return n

    def assertNoSecret(self, *secrets):
        out = LAST["stdout"] + LAST["stderr"]
        for x in secrets:
            self.assertNotIn(x.encode() if isinstance(x, str) else x, out)


@needs_root
class TlsTest(_PeerTest):
    def test_starttls_opportunistic_by_default(self):
        p = self.peer(tls=self.ctx(self.selfsigned))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertIn("127.0.0.1 accepted message. (TLSv1.", mr[1])
        s = p.sessions[0]
        self.assertTrue(s["tls"])
        self.assertFalse(s["mail_plain"])
        # EHLO again after STARTTLS (RFC 3207 4.2)
        self.assertEqual([c.split(" ")[0] for c in s["cmds"][:3]],
                         ["EHLO", "STARTTLS", "EHLO"])
        self.assertEqual(s["data"], MSG.replace(b"\n", b"\r\n"))

    def test_starttls_refused_opportunistic_goes_on(self):
        p = self.peer(tls=self.ctx(), starttls="454 not now")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertTrue(p.sessions[0]["mail_plain"])

    def test_verify_rule_star_vs_anonymous(self):
        # "*:" verifies a certificate when TLS is used: self-signed fails
        self.inst.write_control("tlsdestinations", "*:\n")
        p = self.peer(tls=self.ctx(self.selfsigned))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("TLS certificate did not verify", mr[1])
        self.assertFalse(any(c.startswith("MAIL") for c in
                             p.sessions[0]["cmds"]))
        # with the CA that signed it, the same rule passes
        self.inst.write_control("tlsdestinations", "*:%s\n" % self.pki.ca)
        p2 = self.peer(tls=self.ctx())
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertTrue(p2.sessions[0]["tls"])
        # "-:" takes any certificate
        self.inst.write_control("tlsdestinations", "-:\n")
        p3 = self.peer(tls=self.ctx(self.selfsigned))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertTrue(p3.sessions[0]["tls"])
        # "*:" against a peer without STARTTLS: opportunistic, plaintext
        self.inst.write_control("tlsdestinations", "*:\n")
        p4 = self.peer()
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertTrue(p4.sessions[0]["mail_plain"])

    def test_mandatory_without_starttls_is_z_and_no_mail(self):
        for rule in ("-*:", "+*:%s" % self.pki.ca, "127.0.0.1:",
                     "-127.0.0.1:", "~*:"):
            self.inst.write_control("tlsdestinations", rule + "\n")
            p = self.peer()
            rr, mr, _ = self.remote()
            self.assertEqual(mr[0], "Z", (rule, mr))
            self.assertIn("does not offer STARTTLS", mr[1])
            self.assertEqual(rr, [])
            self.assertFalse(any(c.startswith(("MAIL", "RCPT", "DATA"))
                                 for c in p.sessions[0]["cmds"]), rule)

    def test_mandatory_refused_or_failed_handshake(self):
        self.inst.write_control("tlsdestinations", "-*:\n")
        p = self.peer(tls=self.ctx(), starttls="454 TLS not available")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("STARTTLS was refused", mr[1])
        self.assertFalse(p.sessions[0]["mail_plain"])
        # a handshake that fails (the peer offers only TLS 1.0, below the
        # floor of mandatory TLS) is a Z, never a plaintext retry
        old = self.ctx()
        try:
            old.minimum_version = old.maximum_version = \
                ssl.TLSVersion.TLSv1
        except (ValueError, ssl.SSLError):
            pass  # then the server fails the handshake itself
        p = self.peer(tls=old)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("TLS handshake failed", mr[1])
        self.assertEqual(len(p.sessions), 1)
        self.assertFalse(p.sessions[0]["mail_plain"])
        self.assertFalse(any(c.startswith("MAIL")
                             for c in p.sessions[0]["cmds"]))

    def test_mandatory_verified_name(self):
        ca = self.pki.ca
        self.inst.write_control("tlsdestinations", "=127.0.0.1:%s\n" % ca)
        self.peer(tls=self.ctx())
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        # signed by the CA, but for another name
        p = self.peer(tls=self.ctx(self.other))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertFalse(p.sessions[0]["mail_plain"])
        self.assertFalse(any(c.startswith("MAIL")
                             for c in p.sessions[0]["cmds"]))
        # a verified chain is enough for the plain "dest" form
        self.inst.write_control("tlsdestinations", "127.0.0.1:%s\n" % ca)
        self.peer(tls=self.ctx(self.other))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        # "~dest" checks the name too
        self.inst.write_control("tlsdestinations", "~127.0.0.1:%s\n" % ca)
        self.peer(tls=self.ctx(self.other))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("did not verify", mr[1])

    def test_pinning(self):
        cert = self.selfsigned[0]
        for alg in ("sha256", "sha1", "sha512"):
            fp = self.pki.fingerprint(cert, alg)
            self.inst.write_control("tlsdestinations",
                                    "%%127.0.0.1:=%s\n" % fp.upper())
            self.peer(tls=self.ctx(self.selfsigned))
            _, mr, _ = self.remote()
            self.assertEqual(mr[0], "K", (alg, mr))
        fp = self.pki.fingerprint(self.good[0], "sha256")
        self.inst.write_control("tlsdestinations", "%%127.0.0.1:=%s\n" % fp)
        p = self.peer(tls=self.ctx(self.selfsigned))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("pinned fingerprint", mr[1])
        self.assertFalse(any(c.startswith("MAIL")
                             for c in p.sessions[0]["cmds"]))

    def test_never_rule(self):
        self.inst.write_control("tlsdestinations", "!127.0.0.1:\n*:\n")
        p = self.peer(tls=self.ctx(self.selfsigned))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertNotIn("STARTTLS", p.sessions[0]["cmds"])
        self.assertTrue(p.sessions[0]["mail_plain"])

    def test_rule_for_other_sender_domain_does_not_apply(self):
        self.inst.write_control("tlsdestinations",
                                "-127.0.0.1:|||other.test\n")
        p = self.peer()
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        _, mr, _ = self.remote(sender="x@other.test")
        self.assertEqual(mr[0], "Z", mr)
        self.assertEqual(len(p.sessions), 2)

    def test_plaintext_after_starttls_220_is_discarded(self):
        # CVE-2011-0411, client side: a man in the middle appends a fake
        # EHLO reply to the 220; used, it would shift every later reply
        # by one (the real EHLO reply taken for MAIL's, and so on)
        p = self.peer(tls=self.ctx(),
                      after_starttls=b"250-fake\r\n250 SIZE 10\r\n")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        s = p.sessions[0]
        self.assertTrue(s["tls"])
        self.assertTrue(any(c.startswith("MAIL") and "SIZE=" in c
                            for c in s["cmds"]))
        self.assertEqual(s["data"], MSG.replace(b"\n", b"\r\n"))

    def test_smtps_port_465(self):
        # Port 465 itself means SMTPS (s/qmail), so the peer must listen
        # on 465: in a namespace of its own, where qmail-remote runs too
        ns = self.netns("qmtr-tls")
        ctx = self.ctx(self.selfsigned)
        p = ns.make(lambda: ScriptedPeer("127.0.0.1", 465, tls=ctx,
                                         implicit_tls=True))
        self.peers.append(p)
        self.inst.write_control("smtproutes", ":127.0.0.1;465\n")
        _, mr, _ = self.remote(wrap=ns.wrap)
        self.assertEqual(mr[0], "K", mr)
        self.assertTrue(p.sessions[0]["tls"])
        self.assertEqual(p.sessions[0]["cmds"][0].split(" ")[0], "EHLO")
        self.assertNotIn("STARTTLS", p.sessions[0]["cmds"])
        # the tlsdestinations shortcut "dest:;465" sets the port instead
        self.inst.write_control("smtproutes", ":127.0.0.1\n")
        self.inst.write_control("tlsdestinations", "-127.0.0.1:;465\n")
        _, mr, _ = self.remote(wrap=ns.wrap)
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(len(p.sessions), 2)
        # "!dest" with a TLS-only port is a configuration error
        self.inst.write_control("tlsdestinations", "!127.0.0.1:\n")
        self.inst.write_control("smtproutes", ":127.0.0.1;465\n")
        _, mr, _ = self.remote(wrap=ns.wrap)
        self.assertEqual(mr[0], "Z", mr)
        self.assertEqual(len(p.sessions), 2)

    def test_qmtps_port_6209(self):
        ns = self.netns("qmtr-tls")
        ctx = self.ctx()
        q = ns.make(lambda: QmtpPeer("127.0.0.1", port=6209, ctx=ctx))
        self.peers.append(q)
        self.inst.write_control("qmtproutes", ":127.0.0.1;6209\n")
        self.inst.write_control("tlsdestinations", "127.0.0.1:%s\n" %
                                self.pki.ca)
        rr, mr, _ = self.remote(wrap=ns.wrap)
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(rr, [("r", "")])
        self.assertTrue(q.tls_seen and q.tls_seen[0].startswith("TLS"))
        self.assertEqual(q.got[0][1], "a@example.test")

    def test_qmtp_without_tls_where_required(self):
        q = QmtpPeer()
        self.peers.append(q)
        self.inst.write_control("qmtproutes", ":127.0.0.1;%d\n" % q.port)
        self.inst.write_control("tlsdestinations", "-*:\n")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("6209", mr[1])
        self.assertEqual(q.got, [])

    def test_domaincerts_client_certificate(self):
        ctx = self.ctx(client_ca=self.pki.ca)
        cert, _ = self.client
        key = self.pki.path("client.enc.key")
        self.inst.write_control("domaincerts", "example.test:%s|%s|%s\n" %
                                (cert, key, "key pass|word"))
        p = self.peer(tls=ctx)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(p.sessions[0]["client_cert"]["commonName"],
                         "client.example.test")
        # another sending domain gets no certificate
        _, mr, _ = self.remote(sender="a@elsewhere.test")
        self.assertEqual(mr[0], "K", mr)
        self.assertIsNone(p.sessions[1]["client_cert"])
        # a wrong key password is a temporary, local failure
        self.inst.write_control("domaincerts", "*:%s|%s|wrong-pass\n" %
                                (cert, key))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("TLS could not be set up", mr[1])
        self.assertNoSecret("key pass|word", "wrong-pass")

    def test_malformed_tlsdestinations_is_temporary(self):
        self.peer()
        for name, text in (("tlsdestinations", "%127.0.0.1:nofp\n"),
                           ("domaincerts", "example.test:\n")):
            self.inst.write_control(name, text)
            _, mr, _ = self.remote()
            self.assertEqual(mr[0], "Z", mr)
            self.assertIn("Unable to parse control/" + name, mr[1])
            self.inst.remove_control(name)


USER, PASSWORD = "relayuser", "s3cret-Pa55"


@needs_root
class AuthTest(_PeerTest):
    def auth_peer(self, mechs=("PLAIN", "LOGIN", "CRAM-MD5"), tls=True,
                  **kw):
        auth = dict(user=USER, password=PASSWORD, mechs=list(mechs))
        auth.update(kw)
        return self.peer(route=False, tls=self.ctx() if tls else None,
                         auth=auth)

    def route(self, p, extra=""):
        self.inst.write_control("smtproutes", ":127.0.0.1;%d|%s|%s\n" %
                                (p.port, USER, PASSWORD + extra))

    def test_mechanisms_strongest_first(self):
        for mechs, want in ((("PLAIN", "LOGIN", "CRAM-MD5"), "CRAM-MD5"),
                            (("PLAIN", "LOGIN"), "LOGIN"),
                            (("PLAIN",), "PLAIN")):
            p = self.auth_peer(mechs)
            self.route(p)
            _, mr, _ = self.remote()
            self.assertEqual(mr[0], "K", (mechs, mr))
            self.assertEqual(p.sessions[0]["auth"], (want, True))
            self.assertTrue(p.sessions[0]["tls"])
            self.assertNoSecret(PASSWORD, USER)

    def test_authsenders(self):
        p = self.auth_peer()
        other = self.peer(route=False)
        self.inst.write_control("smtproutes", ":127.0.0.1;%d\n" %
                                other.port)
        self.inst.write_control(
            "authsenders", "info@example.test:127.0.0.1;%d|%s|%s\n"
            "@other.test:127.0.0.1;%d|%s|wrong\n" %
            (p.port, USER, PASSWORD, p.port, USER))
        _, mr, _ = self.remote(sender="info@example.test")
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(p.sessions[0]["auth"], ("CRAM-MD5", True))
        # another sender of the same domain: smtproutes as usual
        _, mr, _ = self.remote(sender="bob@example.test")
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(len(other.sessions), 1)
        # @domain entry, wrong password: Z, and no password in the report
        _, mr, _ = self.remote(sender="x@other.test")
        self.assertEqual(mr[0], "Z", mr)
        self.assertEqual(p.sessions[1]["auth"], ("CRAM-MD5", False))
        self.assertNoSecret(PASSWORD, "|wrong")

    def test_refused_without_tls(self):
        p = self.auth_peer(tls=False, tls_only=False)
        self.route(p)
        rr, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertEqual(rr, [])
        s = p.sessions[0]
        self.assertFalse(any(c.startswith(("AUTH", "MAIL"))
                             for c in s["cmds"]), s["cmds"])
        self.assertNoSecret(PASSWORD, base64.b64encode(PASSWORD.encode()))

    def test_plaintext_allowed_by_never_rule(self):
        p = self.auth_peer(tls=False, tls_only=False)
        self.route(p)
        self.inst.write_control("tlsdestinations", "!127.0.0.1:\n")
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(p.sessions[0]["auth"], ("CRAM-MD5", True))
        self.assertIsNone(p.sessions[0]["tls"])

    def test_bad_credentials_are_temporary_and_secret(self):
        for mechs in (("CRAM-MD5",), ("LOGIN",), ("PLAIN",)):
            # the peer even echoes what it got: still redacted
            p = self.auth_peer(mechs, fail="535 5.7.8 no: %s %s" % (
                PASSWORD + "x", base64.b64encode(
                    (USER + "\0" + PASSWORD + "x").encode()).decode()))
            self.route(p, extra="x")
            rr, mr, _ = self.remote()
            self.assertEqual(mr[0], "Z", (mechs, mr))
            self.assertEqual(rr, [])
            self.assertIn("authentication was rejected (%s)" % mechs[0],
                          mr[1])
            self.assertIn("Remote host said: 535 5.7.8", mr[1])
            self.assertNoSecret(PASSWORD)
            self.assertFalse(any(c.startswith("MAIL")
                                 for c in p.sessions[0]["cmds"]))

    def test_no_usable_mechanism(self):
        p = self.auth_peer(mechs=("GSSAPI",))
        self.route(p)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("no AUTH mechanism", mr[1])

    def test_bounce_through_qmail_send_never_shows_password(self):
        # the Z text is what qmail-send logs and, once the queue lifetime
        # is over, puts in a bounce: it must already be clean here
        p = self.auth_peer(fail="535 5.7.8 bad %s" % PASSWORD)
        self.route(p, extra="")
        p.script["auth"]["password"] = "different"
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("[redacted]", mr[1])
        self.assertNoSecret(PASSWORD)


def _tcpto_record(family, errors, when, addr):
    raw = socket.inet_pton(socket.AF_INET if family == 4 else
                           socket.AF_INET6, addr)
    return (bytes([family, errors]) + bytes(6) + struct.pack(">Q", when) +
            raw + bytes(16 - len(raw)))


@needs_root
class TcptoTest(_PeerTest):
    def tcpto_path(self):
        return self.inst.path("queue", "lock", "tcpto")

    def setUp(self):
        super().setUp()
        with open(self.tcpto_path(), "wb"):
            pass

    def tearDown(self):
        with open(self.tcpto_path(), "wb"):
            pass
        super().tearDown()

    def write_tcpto(self, data):
        with open(self.tcpto_path(), "wb") as f:
            f.write(data)

    def tcpto_list(self):
        p = subprocess.run([self.inst.bin("qmail-tcpto")],
                           capture_output=True, text=True, timeout=10)
        return p.returncode, p.stdout, p.stderr

    def test_recent_timeouts_skip_the_address(self):
        p = self.peer()
        now = int(time.time())
        self.write_tcpto(_tcpto_record(4, 2, now - 10, "127.0.0.1") +
                         _tcpto_record(6, 1, now - 20, "2001:db8::9"))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "Z", mr)
        self.assertIn("wasn't able to establish an SMTP connection", mr[1])
        self.assertEqual(p.sessions, [])
        rc, out, _ = self.tcpto_list()
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^127\.0\.0\.1 timed out 1\d seconds ago; "
                         r"# recent timeouts: 2\n2001:db8::9 timed out "
                         r"2\d seconds ago; # recent timeouts: 1\n$")
        # qmail-tcpok clears the table: delivery goes ahead
        self.assertEqual(subprocess.run([self.inst.bin("qmail-tcpok")],
                                        timeout=10).returncode, 0)
        self.assertEqual(os.path.getsize(self.tcpto_path()), 0)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)

    def test_old_timeouts_and_success_clear_the_count(self):
        p = self.peer()
        old = int(time.time()) - 3 * 3600
        self.write_tcpto(_tcpto_record(4, 3, old, "127.0.0.1"))
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(len(p.sessions), 1)
        with open(self.tcpto_path(), "rb") as f:
            data = f.read()
        self.assertEqual(len(data), 32)
        self.assertEqual(data[1], 0, "count cleared by the connect")
        self.assertEqual(self.tcpto_list()[1], "")

    def test_malformed_file(self):
        p = self.peer()
        self.write_tcpto(b"\x04" * 33)
        rc, out, err = self.tcpto_list()
        self.assertEqual(rc, 111)
        self.assertIn("malformed", err)
        _, mr, _ = self.remote()
        self.assertEqual(mr[0], "K", mr)
        self.assertEqual(len(p.sessions), 1)

    def test_connect_timeout_is_recorded(self):
        # in a namespace, an address nobody answers ARP for: the connect
        # times out (timeoutconnect 1) before ARP gives up
        ns = self.netns("qmtr-tcpto", dummy_net="198.51.100.1/24")
        self.inst.write_control("timeoutconnect", "1\n")
        self.inst.write_control("smtproutes", ":198.51.100.7\n")
        _, mr, _ = self.remote(wrap=ns.wrap)
        self.assertEqual(mr[0], "Z", mr)
        rc, out, _ = self.tcpto_list()
        self.assertRegex(out, r"^198\.51\.100\.7 timed out \d+ seconds "
                         r"ago; # recent timeouts: 1\n$")
        # a second timeout within two minutes counts once (qmail)
        _, mr, _ = self.remote(wrap=ns.wrap)
        self.assertIn("recent timeouts: 1\n", self.tcpto_list()[1])
        # an older one makes it two, and the address is then skipped
        with open(self.tcpto_path(), "r+b") as f:
            f.seek(8)
            f.write(struct.pack(">Q", int(time.time()) - 300))
        # once ARP has given up, the kernel answers EHOSTUNREACH at once
        # (no timeout, nothing recorded): forget the failed neighbour so
        # that this connect waits for ARP again, however slow the run was
        _ns_run("ip", "-n", ns.name, "neigh", "flush", "all", check=False)
        _, mr, _ = self.remote(wrap=ns.wrap)
        self.assertIn("recent timeouts: 2\n", self.tcpto_list()[1])
        start = time.time()
        _, mr, _ = self.remote(wrap=ns.wrap)
        self.assertEqual(mr[0], "Z", mr)
        self.assertLess(time.time() - start, 1.0, "skipped, no wait")


@needs_root
class RspawnTest(_PeerTest):
    """qmail-rspawn runs qmail-remote's code in a process of its own,
    without an exec (doc/PERFORMANCE.md "Relay without exec"; a kept one,
    test_relay_kept.py): the installed bin/qmail-remote is not needed for
    relaying through qmail-send, and the process holds only its message,
    its report pipe, /dev/null, its socket to qmail-rspawn and the
    connection, as qmailr."""

    def setUp(self):
        super().setUp()
        self.prog = self.inst.bin("qmail-remote")
        self.aside = self.prog + ".aside"

    def tearDown(self):
        self.inst.stop()
        if os.path.exists(self.aside):
            os.rename(self.aside, self.prog)
        super().tearDown()

    def children(self, pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    def rspawn_pid(self):
        for pid in self.children(self.inst.send.pid):
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "qmail-rspawn":
                    return pid
        return None

    def test_relays_without_the_program(self):
        p = self.peer()
        os.rename(self.prog, self.aside)
        self.inst.start()
        self.inst.queue(MSG, "a@example.test", ["b@example.test"])
        harness.wait_for(lambda: any(s["data"] for s in p.sessions), 20,
                         what="the message at the peer")
        self.assertIn(b"hello", p.sessions[-1]["data"])
        self.assertIn("RCPT TO:<b@example.test>", p.sessions[-1]["cmds"])
        harness.wait_for(lambda: b"success: " in self.inst.read_log(), 10,
                         what="the delivery logged")

    def test_child_holds_only_its_own_descriptors(self):
        p = self.peer(mail="stall")
        self.inst.start()
        self.inst.queue(MSG, "a@example.test", ["b@example.test"])
        harness.wait_for(lambda: p.sessions and p.sessions[0]["cmds"], 20,
                         what="a session at the peer")
        rs = self.rspawn_pid()
        self.assertIsNotNone(rs)
        kids = self.children(rs)
        self.assertEqual(len(kids), 1, kids)
        child = kids[0]
        with open("/proc/%d/status" % child) as f:
            uids = [l for l in f if l.startswith("Uid:")][0].split()[1:]
        qmailr = harness.pwd.getpwnam("qmailr").pw_uid
        self.assertEqual(set(int(u) for u in uids), {qmailr})
        fds = {}
        for fd in os.listdir("/proc/%d/fd" % child):
            fds[int(fd)] = os.readlink("/proc/%d/fd/%s" % (child, fd))
        self.assertIn("/mess/", fds[0])
        self.assertTrue(fds[1].startswith("pipe:"), fds)
        self.assertEqual(fds[2], fds[1])
        # a kept process (kept.h): /dev/null (0, 1 and 2 between jobs),
        # its socket to qmail-rspawn and the connection to the peer
        others = sorted(v for k, v in fds.items() if k > 2)
        self.assertEqual(len(others), 3, fds)
        self.assertEqual(others[0], "/dev/null", fds)
        self.assertTrue(all(v.startswith("socket:") for v in others[1:]),
                        fds)
        p.close()  # the stalled peer lets go: the delivery ends, Z
        harness.wait_for(lambda: not self.children(rs), 20,
                         what="the remote child to end")
