"""README's first command: scripts/quickstart sets up and runs the MTA.

Runs the real script with a temporary prefix (so the host's /var/qmail is
untouched), which builds, installs, configures, starts svscan/supervise and
proves delivery of a test message. Then it runs the script again (it must be
idempotent) and stops everything it started, by pid.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

import harness
from harness import needs_root


def svscan_pids(servicedir):
    pids = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"svscan") and len(argv) > 1 and \
                argv[1] == servicedir.encode():
            pids.append(int(os.path.basename(d)))
    return pids


@needs_root
@unittest.skipUnless(shutil.which("svscan"), "daemontools not installed")
class QuickstartTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="qmtest-quick-")
        os.chmod(self.tmp, 0o755)
        self.prefix = os.path.join(self.tmp, "qmail")
        self.build = os.path.join(self.tmp, "build")

    def tearDown(self):
        service = os.path.join(self.prefix, "service")
        for pid in svscan_pids(service):
            os.kill(pid, signal.SIGTERM)
        for d in glob.glob(os.path.join(service, "*")):
            for s in (d + "/log", d):
                if os.path.isdir(os.path.join(s, "supervise")):
                    subprocess.run(["svc", "-dx", s], capture_output=True)
        for d in glob.glob(os.path.join(service, "*")):
            for s in (d, d + "/log"):
                if os.path.isdir(os.path.join(s, "supervise")):
                    harness.wait_for(
                        lambda: subprocess.run(
                            ["svok", s], capture_output=True).returncode != 0,
                        20, what="supervise in %s to exit" % s)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def quickstart(self):
        # QUICKSTART_ME: no `hostname -f`, which may ask a DNS server
        env = dict(os.environ, QUICKSTART_BUILD=self.build,
                   QUICKSTART_ME="quickstart.test")
        # what a user runs: a plain build, even in the sanitizer run (the
        # run scripts' softlimit cannot hold ASan's shadow memory)
        for var in ("SUDO_USER", "SAN", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
            env.pop(var, None)
        with socket.socket() as s:    # a free loopback port for qmail-smtpd
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        return subprocess.run(["sh", os.path.join(harness.TOP, "scripts",
                                                  "quickstart"), self.prefix,
                               str(self.port), "127.0.0.1"],
                              capture_output=True, text=True, env=env,
                              timeout=600, stdin=subprocess.DEVNULL)

    def test_quickstart_delivers_and_is_idempotent(self):
        p = self.quickstart()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("is running (SMTP on 127.0.0.1:%d)" % self.port,
                      p.stdout)
        new = os.path.join(self.prefix, "alias", "Maildir", "new")
        self.assertEqual(len(os.listdir(new)), 1)
        with open(os.path.join(new, os.listdir(new)[0])) as f:
            text = f.read()
        self.assertIn("Subject: quickstart test", text)
        self.assertRegex(text, r"Received: from .*\(HELO quickstart\)")
        with open(os.path.join(self.prefix, "control", "me")) as f:
            me = f.read()
        # a second run upgrades, restarts and delivers again
        p = self.quickstart()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(len(os.listdir(new)), 2)
        with open(os.path.join(self.prefix, "control", "me")) as f:
            self.assertEqual(f.read(), me)
        self.assertEqual(len(svscan_pids(os.path.join(self.prefix,
                                                      "service"))), 1)


if __name__ == "__main__":
    unittest.main()
