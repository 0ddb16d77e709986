"""qmail-authuser, end to end: the installed program with the
checkpassword data on descriptor 3 and /usr/bin/env (or sh) as its
subprogram.

Every password form of users/authuser (clear, %md5, %sha1, %sha256, "?"
against a real system user whose password is set with chpasswd, "!" with
the user's environment and identity), "!" disabled entries, the @dom, @ and
* wildcards, CRAM-MD5 responses computed here with hmac, malformed fd-3 data
(exit 2) and an unreadable users/authuser (exit 111, never 1). Test users
start with "qmtu".
"""
import hashlib
import hmac
import os
import pwd
import subprocess
import unittest

import harness
from harness import Instance, needs_root

CHALLENGE = b"<4242.1700000000@testhost.example>"


def _conf(name):
    with open(os.path.join(harness.TOP, name)) as f:
        return f.readline().split()


QMAILD = _conf("conf-users")[1]


@needs_root
class AuthUserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inst = Instance.shared()

    def setUp(self):
        self.inst.reset()

    # helpers
    def table(self, text, mode=0o644):
        path = self.inst.path("users", "authuser")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def run_auth(self, data, sub=("/usr/bin/env",), user=None, fd3=True):
        """Runs bin/qmail-authuser SUB... with DATA on fd 3 (through a
        pipe passed with pass_fds and moved to 3 by sh's redirection)."""
        r, w = os.pipe()
        try:
            os.write(w, data)
            os.close(w)
            redirect = ' 3<&%d' % r if fd3 else ''
            cmd = ["/bin/sh", "-c", 'exec "$0" "$@"' + redirect,
                   self.inst.bin("qmail-authuser")] + list(sub)
            # without fd3 nothing is passed: R itself may be fd 3 here
            return subprocess.run(cmd, pass_fds=(r,) if fd3 else (),
                                  capture_output=True, timeout=30, user=user,
                                  env={"PATH": "/usr/bin:/bin"})
        finally:
            os.close(r)

    def assertExit(self, p, code):
        self.assertEqual(p.returncode, code,
                         "exit %d, stderr: %r" % (p.returncode, p.stderr))

    def env_of(self, p):
        return dict(line.split("=", 1) for line in
                    p.stdout.decode().splitlines() if "=" in line)

    def system_user(self, name, password):
        u = self.inst.user(name)
        subprocess.run(["chpasswd"], input=("%s:%s\n" % (name, password))
                       .encode(), check=True, capture_output=True)
        return u

    # clear and hashed passwords
    def test_clear_password(self):
        self.table("tim@example.org:clearpw1\n")
        p = self.run_auth(b"tim@example.org\0clearpw1\0")
        self.assertExit(p, 0)
        self.assertEqual(self.env_of(p)["AUTHUSER"], "tim@example.org")
        self.assertExit(self.run_auth(b"tim@example.org\0clearpw2\0"), 1)
        self.assertExit(self.run_auth(b"tim@example.org\0\0"), 1)
        self.assertExit(self.run_auth(b"joe@example.org\0clearpw1\0"), 1)
        # keys compare without case; AUTHUSER is the name as given
        p = self.run_auth(b"Tim@Example.ORG\0clearpw1\0")
        self.assertExit(p, 0)
        self.assertEqual(self.env_of(p)["AUTHUSER"], "Tim@Example.ORG")

    def test_hashed_passwords(self):
        lines = []
        for alg in ("md5", "sha1", "sha256"):
            lines.append("%s@example.org:%%%s" % (
                alg, hashlib.new(alg, b"secret-" + alg.encode())
                .hexdigest()))
        self.table("\n".join(lines) + "\n")
        for alg in ("md5", "sha1", "sha256"):
            good = b"%s@example.org\0secret-%s\0" % (alg.encode(),
                                                     alg.encode())
            p = self.run_auth(good)
            self.assertExit(p, 0)
            self.assertEqual(self.env_of(p)["AUTHUSER"],
                             "%s@example.org" % alg)
            self.assertExit(self.run_auth(
                b"%s@example.org\0secret\0" % alg.encode()), 1)
            # the stored hash is not itself a password
            h = hashlib.new(alg, b"secret-" + alg.encode()).hexdigest()
            self.assertExit(self.run_auth(
                b"%s@example.org\0%%%s\0" % (alg.encode(), h.encode())), 1)

    def test_invalid_hash_is_temporary(self):
        self.table("tim@example.org:%abc\n")
        self.assertExit(self.run_auth(b"tim@example.org\0abc\0"), 111)

    # the Unix password
    def test_system_password(self):
        u = self.system_user("qmtuauth1", "Sys-Pass-1")
        self.table("%s:?\n" % u.name)
        p = self.run_auth(b"%s\0Sys-Pass-1\0" % u.name.encode())
        self.assertExit(p, 0)
        self.assertEqual(self.env_of(p)["AUTHUSER"], u.name)
        # "?" does not set the user's environment
        self.assertNotIn("HOME", self.env_of(p))
        self.assertExit(self.run_auth(b"%s\0Sys-Pass-2\0" %
                                      u.name.encode()), 1)
        self.assertExit(self.run_auth(b"qmtunosuch\0Sys-Pass-1\0"), 1)

    def test_system_password_by_wildcard_with_domain(self):
        u = self.system_user("qmtuauth2", "Sys-Pass-2")
        self.table("*:?\n")
        p = self.run_auth(b"%s@example.org\0Sys-Pass-2\0" % u.name.encode())
        self.assertExit(p, 0)
        self.assertEqual(self.env_of(p)["AUTHUSER"],
                         "%s@example.org" % u.name)
        self.assertExit(self.run_auth(b"%s\0wrong\0" % u.name.encode()), 1)

    def test_system_password_with_environment(self):
        u = self.system_user("qmtuauth3", "Sys-Pass-3")
        self.table("%s:!\n" % u.name)
        p = self.run_auth(b"%s\0Sys-Pass-3\0" % u.name.encode(),
                          sub=("/bin/sh", "-c", "id -u; id -g; pwd; env"))
        self.assertExit(p, 0)
        out = p.stdout.decode().splitlines()
        self.assertEqual(int(out[0]), u.uid)
        self.assertEqual(int(out[1]), u.gid)
        self.assertEqual(out[2], u.home)
        env = self.env_of(p)
        self.assertEqual(env["USER"], u.name)
        self.assertEqual(env["HOME"], u.home)
        self.assertEqual(env["SHELL"], "/bin/sh")
        self.assertEqual(env["AUTHUSER"], u.name)
        self.assertExit(self.run_auth(b"%s\0nope\0" % u.name.encode()), 1)

    # disabled entries and wildcards
    def test_disabled_user_and_domain(self):
        self.table("!bad@example.org\n"
                   "@example.org:dompw99\n"
                   "!@blocked.example:\n"
                   "ann@blocked.example:annpw99\n"
                   "*:starpw99\n")
        self.assertExit(self.run_auth(b"bad@example.org\0dompw99\0"), 1)
        self.assertExit(self.run_auth(b"BAD@example.org\0dompw99\0"), 1)
        self.assertExit(self.run_auth(b"good@example.org\0dompw99\0"), 0)
        self.assertExit(self.run_auth(b"ann@blocked.example\0annpw99\0"), 1)
        self.assertExit(self.run_auth(b"x@blocked.example\0starpw99\0"), 1)
        self.assertExit(self.run_auth(b"x@other.example\0starpw99\0"), 0)

    def test_wildcard_precedence(self):
        self.table("*:starpw99\n"
                   "@:atpw9999\n"
                   "@example.org:dompw99\n"
                   "tim@example.org:timpw99\n")
        cases = [
            (b"tim@example.org", b"timpw99", 0),
            (b"tim@example.org", b"dompw99", 1),
            (b"joe@example.org", b"dompw99", 0),
            (b"joe@example.org", b"atpw9999", 1),
            (b"joe@example.net", b"atpw9999", 0),
            (b"joe@example.net", b"starpw99", 1),
            (b"joe", b"starpw99", 0),   # "@" needs a domain
            (b"joe", b"atpw9999", 1),
        ]
        for user, pw, code in cases:
            with self.subTest(user=user, pw=pw):
                self.assertExit(self.run_auth(user + b"\0" + pw + b"\0"),
                                code)

    # CRAM-MD5
    def test_cram_md5(self):
        self.table("tim@example.org:cram-secret\n"
                   "md5@example.org:%%%s\n" %
                   hashlib.md5(b"cram-secret").hexdigest())
        digest = hmac.new(b"cram-secret", CHALLENGE, "md5").hexdigest()
        p = self.run_auth(b"tim@example.org\0" + digest.encode() + b"\0" +
                          CHALLENGE + b"\0")
        self.assertExit(p, 0)
        self.assertEqual(self.env_of(p)["AUTHUSER"], "tim@example.org")
        # the final NUL after the challenge may be missing
        self.assertExit(self.run_auth(
            b"tim@example.org\0" + digest.encode() + b"\0" + CHALLENGE), 0)
        bad = hmac.new(b"cram-secreT", CHALLENGE, "md5").hexdigest()
        self.assertExit(self.run_auth(
            b"tim@example.org\0" + bad.encode() + b"\0" + CHALLENGE +
            b"\0"), 1)
        # another challenge: a replayed response fails
        self.assertExit(self.run_auth(
            b"tim@example.org\0" + digest.encode() +
            b"\0<1.2@testhost.example>\0"), 1)
        # CRAM-MD5 needs the clear password
        self.assertExit(self.run_auth(
            b"md5@example.org\0" + digest.encode() + b"\0" + CHALLENGE +
            b"\0"), 1)

    # misuse and trouble
    def test_malformed_input_is_misuse(self):
        self.table("tim@example.org:clearpw1\n")
        for data in (b"", b"tim@example.org", b"tim@example.org\0clearpw1",
                     b"tim@example.org\0" + b"x" * 600 + b"\0",
                     b"a" * 513):
            with self.subTest(data=data[:40]):
                self.assertExit(self.run_auth(data), 2)
        # 512 bytes are accepted (and are bad credentials here)
        data = b"tim@example.org\0" + b"y" * (512 - 16)
        self.assertEqual(len(data), 512)
        self.assertExit(self.run_auth(data[:-1] + b"\0"), 1)
        # no subprogram, no descriptor 3
        self.assertExit(self.run_auth(b"tim@example.org\0clearpw1\0",
                                      sub=()), 2)
        self.assertExit(self.run_auth(b"tim@example.org\0clearpw1\0",
                                      fd3=False), 2)

    def test_unreadable_table_is_temporary(self):
        self.table("tim@example.org:clearpw1\n", mode=0o600)
        p = self.run_auth(b"tim@example.org\0clearpw1\0", user=QMAILD)
        self.assertExit(p, 111)
        self.assertIn(b"users/authuser", p.stderr)
        # readable for qmaild: the same data is good
        os.chmod(self.inst.path("users", "authuser"), 0o644)
        self.assertExit(self.run_auth(b"tim@example.org\0clearpw1\0",
                                      user=QMAILD), 0)

    def test_table_that_is_a_directory_is_temporary(self):
        os.mkdir(self.inst.path("users", "authuser"))
        try:
            self.assertExit(self.run_auth(b"tim@example.org\0x\0"), 111)
        finally:
            os.rmdir(self.inst.path("users", "authuser"))

    def test_missing_table_is_bad_credentials(self):
        self.assertExit(self.run_auth(b"tim@example.org\0clearpw1\0"), 1)

    def test_installed_mode(self):
        st = os.stat(self.inst.bin("qmail-authuser"))
        self.assertEqual(st.st_mode & 0o7777, 0o711)
        self.assertEqual(st.st_uid, 0)


if __name__ == "__main__":
    unittest.main()
