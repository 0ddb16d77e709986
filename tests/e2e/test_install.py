"""make setup check: owners, modes, upgrades in place, several instances."""
import os
import pwd
import grp
import stat
import subprocess
import unittest

import harness
from harness import needs_root


def owner(path):
    st = os.lstat(path)
    return (pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name,
            stat.S_IMODE(st.st_mode))


@needs_root
class InstallTest(unittest.TestCase):
    def setUp(self):
        self.inst = harness.Instance.shared()
        self.inst.reset()

    def test_users_and_groups_exist(self):
        for u in ("alias", "qmaild", "qmaill", "qmailp", "qmailq",
                  "qmailr", "qmails"):
            pwd.getpwnam(u)
        for g in ("qmail", "nofiles"):
            grp.getgrnam(g)
        self.assertEqual(grp.getgrgid(pwd.getpwnam("qmailq").pw_gid).gr_name,
                         "qmail")

    def test_queue_owners_and_modes(self):
        p = self.inst.path
        want = {
            "queue": ("qmailq", "qmail", 0o751),
            "queue/pid": ("qmailq", "qmail", 0o700),
            "queue/mess": ("qmailq", "qmail", 0o750),
            "queue/mess/0": ("qmailq", "qmail", 0o750),
            "queue/intd/0": ("qmailq", "qmail", 0o700),
            "queue/todo/0": ("qmailq", "qmail", 0o750),
            "queue/info/0": ("qmails", "qmail", 0o700),
            "queue/local/0": ("qmails", "qmail", 0o700),
            "queue/remote/0": ("qmails", "qmail", 0o700),
            "queue/bounce/0": ("qmails", "qmail", 0o700),
            "queue/lock/sendmutex": ("qmails", "qmail", 0o600),
            "queue/lock/tcpto": ("qmailr", "qmail", 0o644),
            "queue/lock/trigger": ("qmails", "qmail", 0o622),
            "control": ("root", "qmail", 0o755),
            "alias": ("alias", "qmail", 0o2755),
        }
        for rel, w in want.items():
            self.assertEqual(owner(p(rel)), w, rel)
        self.assertTrue(stat.S_ISFIFO(os.lstat(p("queue/lock/trigger"))
                                      .st_mode))
        split = int(open(os.path.join(harness.TOP, "conf-split"))
                    .readline())
        self.assertEqual(len(os.listdir(p("queue/mess"))), split)

    def test_queue_directories_are_spread_on_ext4(self):
        # scripts/setup flags queue/ and each split directory as the top
        # of a hierarchy (chattr +T), so their subdirectories get block
        # groups of their own (doc/PERFORMANCE.md)
        p = self.inst.path
        fs = subprocess.run(["stat", "-f", "-c", "%T", p("queue")],
                            capture_output=True, text=True).stdout.strip()
        if not fs.startswith("ext2"):  # stat -f says ext2/ext3 for ext4
            self.skipTest("queue is on %s, not ext2/3/4" % fs)
        flagged = ["queue"] + ["queue/" + d for d in
                               ("pid", "intd", "todo", "mess", "info",
                                "local", "remote", "bounce")]
        for rel in flagged + ["queue/pid/0", "queue/info/0"]:
            out = subprocess.run(["lsattr", "-d", p(rel)],
                                 capture_output=True, text=True,
                                 check=True).stdout.split()[0]
            self.assertEqual("T" in out, rel in flagged, (rel, out))

    def test_only_qmail_queue_is_setuid(self):
        bindir = self.inst.path("bin")
        for name in os.listdir(bindir):
            mode = os.stat(os.path.join(bindir, name)).st_mode
            if name == "qmail-queue":
                self.assertEqual(owner(os.path.join(bindir, name)),
                                 ("qmailq", "qmail", 0o4711))
            else:
                self.assertFalse(mode & (stat.S_ISUID | stat.S_ISGID), name)

    def test_alias_dot_qmail_files(self):
        for n in ("postmaster", "root", "mailer-daemon"):
            with open(self.inst.path("alias", ".qmail-" + n)) as f:
                self.assertEqual(f.read(), "./Maildir/\n")
        self.assertEqual(owner(self.inst.path("alias", "Maildir", "new"))[0],
                         "alias")

    def test_rc_and_service_seeded_with_default_delivery(self):
        dd = open(os.path.join(harness.TOP, "conf-defaultdelivery")) \
            .readline().strip()
        for rel in ("rc", "service/qmail-send/run"):
            with open(self.inst.path(rel)) as f:
                text = f.read()
            self.assertIn('"%s"' % dd, text, rel)
            self.assertIn(self.inst.prefix, text, rel)

    def test_setup_twice_keeps_control_and_queue(self):
        inst = self.inst
        inst.write_control("locals", "keep.example\n")
        marker = inst.path("queue", "mess", "0", "999999")
        with open(marker, "w") as f:
            f.write("queued mail must survive an upgrade")
        try:
            inst.install()      # also rewrites control/me, as a test would
            with open(inst.path("control", "locals")) as f:
                self.assertEqual(f.read(), "keep.example\n")
            self.assertTrue(os.path.exists(marker))
            p = inst.make("check", check=False)
            self.assertEqual(p.returncode, 0, p.stderr)
        finally:
            os.unlink(marker)

    def test_check_detects_a_wrong_mode(self):
        path = self.inst.path("queue", "lock", "tcpto")
        os.chmod(path, 0o666)
        try:
            p = self.inst.make("check", check=False)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("tcpto", p.stderr)
        finally:
            os.chmod(path, 0o644)

    def test_second_instance_shares_nothing(self):
        other = harness.Instance("second")
        try:
            other.install()
            a = self.inst.bin("qmail-queue")
            b = other.bin("qmail-queue")
            self.assertNotEqual(os.path.realpath(a), os.path.realpath(b))
            # the compiled-in home differs: each binary names its own tree
            with open(b, "rb") as f:
                self.assertIn(other.prefix.encode(), f.read())
            with open(a, "rb") as f:
                self.assertNotIn(other.prefix.encode(), f.read())
        finally:
            other.cleanup()


if __name__ == "__main__":
    unittest.main()


class ManPageTest(unittest.TestCase):
    def test_every_program_has_a_man_page(self):
        # doc/ has a man page for every installed program
        bindir = os.path.join(harness.TOP, "src")
        progs = {n[:-2] if n.endswith(".c") else n
                 for n in os.listdir(bindir) if n != "lib"}
        pages = {n[:-2] for n in os.listdir(os.path.join(harness.TOP, "doc"))
                 if n.endswith(".8")}
        self.assertEqual(sorted(progs - pages), [])

    def test_man_pages_render_without_warnings(self):
        # groff -ww reports what troff would misread (a text line that
        # begins with "." or "'" is taken for a request, and vanishes)
        docdir = os.path.join(harness.TOP, "doc")
        pages = sorted(n for n in os.listdir(docdir)
                       if n.endswith((".5", ".7", ".8")))
        self.assertGreater(len(pages), 20)
        for name in pages:
            p = subprocess.run(["groff", "-man", "-ww", "-z",
                                os.path.join(docdir, name)],
                               capture_output=True, text=True)
            self.assertEqual((p.returncode, p.stderr), (0, ""), name)
