"""End-to-end test harness: a real installed instance in a temporary prefix.

An Instance is built with the project's own Makefile (BUILD and QMAILHOME
overridden, so the source tree and its conf-qmail are never touched),
installed with `make setup check` as root, and started the way a supervisor
would start it. Tests share one instance per process (Instance.shared()) and
call reset() to get a clean queue and control directory; tests that need a
second instance make their own. Everything a test starts is stopped by pid,
and cleanup_all() removes every prefix and test user this module created.
"""
import email
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
IS_ROOT = os.geteuid() == 0

_instances = []
_users = []


def needs_root(cls_or_fn):
    return unittest.skipUnless(IS_ROOT, "needs root (installs with real "
                               "owners and creates users)")(cls_or_fn)


def wait_for(pred, timeout=20.0, interval=0.02, what="condition"):
    """Polls PRED until it returns a true value; fails after TIMEOUT."""
    end = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > end:
            raise AssertionError("timed out after %.0fs waiting for %s" %
                                 (timeout, what))
        time.sleep(interval)


# In a sanitizer run every program writes its ASan/UBSan report to a file in
# SAN_DIR (world-writable: the programs run as several users); tests/run.py
# counts each report as a failure, so an error in a child process that a
# test would not otherwise notice still fails the run.
SAN_DIR = None
if os.environ.get("SAN") == "1":
    # the same directory is compiled into the programs (tests/sanopts.c)
    SAN_DIR = "/tmp/qmtest-san"
    shutil.rmtree(SAN_DIR, ignore_errors=True)
    os.mkdir(SAN_DIR)
    os.chmod(SAN_DIR, 0o1777)
    os.environ["ASAN_OPTIONS"] = ("detect_leaks=0:abort_on_error=0:"
                                  "log_path=%s/asan" % SAN_DIR)
    os.environ["UBSAN_OPTIONS"] = ("print_stacktrace=1:halt_on_error=1:"
                                   "log_path=%s/ubsan" % SAN_DIR)


def sanitizer_reports():
    """Returns the text of every sanitizer report written so far."""
    if SAN_DIR is None:
        return []
    out = []
    for p in sorted(glob.glob(os.path.join(SAN_DIR, "*"))):
        with open(p, errors="replace") as f:
            out.append("%s:\n%s" % (p, f.read()[-3000:]))
    return out


def make_flags():
    flags = []
    if os.environ.get("SAN") == "1":
        flags.append("SAN=1")
    return flags


class TestUser:
    """A real system user with a home under the test prefix, removed by
    cleanup_all()."""

    def __init__(self, name, home):
        self.name = name
        self.home = home
        try:
            pwd.getpwnam(name)
            subprocess.run(["userdel", name], check=False,
                           capture_output=True)
        except KeyError:
            pass
        subprocess.run(["useradd", "-M", "-d", home, "-s", "/bin/sh",
                        "-U", name], check=True, capture_output=True)
        _users.append(name)
        os.makedirs(home, exist_ok=True)
        pw = pwd.getpwnam(name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        os.chown(home, self.uid, self.gid)
        os.chmod(home, 0o755)

    def write(self, rel, text, mode=0o644):
        path = os.path.join(self.home, rel)
        with open(path, "w") as f:
            f.write(text)
        os.chown(path, self.uid, self.gid)
        os.chmod(path, mode)
        return path

    def maildir(self, rel="Maildir"):
        """Creates an empty Maildir owned by the user; returns its path."""
        md = os.path.join(self.home, rel)
        for sub in ("", "tmp", "new", "cur"):
            d = os.path.join(md, sub)
            os.makedirs(d, exist_ok=True)
            os.chown(d, self.uid, self.gid)
            os.chmod(d, 0o700)
        return md


def maildir_messages(md):
    """Returns the parsed messages in MD/new and MD/cur, oldest first."""
    files = glob.glob(os.path.join(md, "new", "*")) + \
        glob.glob(os.path.join(md, "cur", "*"))
    files.sort(key=lambda p: os.stat(p).st_mtime)
    out = []
    for p in files:
        with open(p, "rb") as f:
            out.append(email.message_from_bytes(f.read()))
    return out


class Instance:
    _shared = None

    def __init__(self, label="main"):
        self.tmp = tempfile.mkdtemp(prefix="qmtest-%s-" % label)
        os.chmod(self.tmp, 0o755)
        self.prefix = os.path.join(self.tmp, "qmail")
        self.build = os.path.join(self.tmp, "build")
        self.homes = os.path.join(self.tmp, "home")
        os.makedirs(self.homes)
        os.chmod(self.homes, 0o755)
        self.procs = []
        self.send = None
        self.log_path = os.path.join(self.tmp, "send.log")
        _instances.append(self)

    @classmethod
    def shared(cls):
        if cls._shared is None:
            inst = cls("shared")
            inst.install()
            cls._shared = inst
        return cls._shared

    # building and installing
    def make(self, *targets, check=True):
        cmd = ["make", "-s", "-C", TOP, "-j2", "BUILD=" + self.build,
               "QMAILHOME=" + self.prefix] + make_flags() + list(targets)
        return subprocess.run(cmd, check=check, capture_output=True,
                              text=True)

    def install(self):
        if os.environ.get("QMTEST_PARTIAL") == "1":
            # developer mode: other programs may be half-written; build
            # what builds and install that (never used by CI)
            self.make("-k", "all", check=False)
            split = open(os.path.join(TOP, "conf-split")).readline().strip()
            p = subprocess.run(["sh", os.path.join(TOP, "scripts", "setup"),
                                self.build, self.prefix,
                                self.path("queue"), split],
                               env=dict(os.environ, SETUP_PARTIAL="1"),
                               capture_output=True, text=True)
            if not os.path.exists(self.path("bin")):
                raise AssertionError("partial setup failed:\n%s\n%s" %
                                     (p.stdout[-4000:], p.stderr[-4000:]))
            self.write_control("me", "testhost.example\n")
            return p
        p = self.make("setup", "check", check=False)
        if p.returncode != 0:
            raise AssertionError("make setup check failed:\n%s\n%s" %
                                 (p.stdout[-4000:], p.stderr[-4000:]))
        self.write_control("me", "testhost.example\n")
        return p

    def path(self, *rel):
        return os.path.join(self.prefix, *rel)

    def bin(self, name):
        return self.path("bin", name)

    def write_control(self, name, text):
        path = self.path("control", name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def remove_control(self, name):
        try:
            os.unlink(self.path("control", name))
        except FileNotFoundError:
            pass

    def user(self, name):
        return TestUser(name, os.path.join(self.homes, name))

    # running
    def start(self, defaultdelivery="./Maildir/", env=None, umask=-1):
        """Starts qmail-start with its log on a file, as a supervisor
        would; returns the Popen of qmail-send."""
        assert self.send is None, "already started"
        self.log = open(self.log_path, "ab")
        e = dict(os.environ)
        if env:
            e.update(env)
        self.send = subprocess.Popen([self.bin("qmail-start"),
                                      defaultdelivery],
                                     cwd=self.prefix, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, env=e,
                                     start_new_session=True, umask=umask)
        self.procs.append(self.send)
        wait_for(lambda: b"status:" in self.read_log() or
                 self.send.poll() is not None, 10, what="qmail-send start")
        if self.send.poll() is not None:
            raise AssertionError("qmail-start exited: %s" %
                                 self.read_log().decode(errors="replace"))
        return self.send

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def signal(self, sig):
        self.send.send_signal(sig)

    def stop(self, timeout=20):
        """TERM to qmail-send, then waits for the whole group to leave."""
        if self.send is None:
            return
        p = self.send
        self.send = None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        # the spawners and qmail-clean exit when their pipes close
        try:
            os.killpg(p.pid, 0)
            wait_for(lambda: not _group_alive(p.pid), 10,
                     what="the qmail-start process group to exit")
        except ProcessLookupError:
            pass
        self.log.close()

    def kill_all(self):
        if self.send is not None:
            try:
                os.killpg(self.send.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.send.wait()
            self.send = None
            self.log.close()

    def inject(self, message, args=(), env=None, check=True):
        """Runs bin/qmail-inject with MESSAGE (bytes or str) on stdin."""
        if isinstance(message, str):
            message = message.encode()
        e = dict(os.environ)
        if env:
            e.update(env)
        p = subprocess.run([self.bin("qmail-inject")] + list(args),
                           input=message, capture_output=True, env=e,
                           timeout=30)
        if check and p.returncode != 0:
            raise AssertionError("qmail-inject exit %d: %s" %
                                 (p.returncode, p.stderr.decode()))
        return p

    def queue(self, message, sender, recipients, env=None):
        """Runs bin/qmail-queue directly with an envelope; returns the
        CompletedProcess."""
        if isinstance(message, str):
            message = message.encode()
        env_bytes = b"F" + sender.encode() + b"\0" + b"".join(
            b"T" + r.encode() + b"\0" for r in recipients) + b"\0"
        r, w = os.pipe()
        os.write(w, env_bytes)
        os.close(w)
        try:
            p = subprocess.run([self.bin("qmail-queue")], input=message,
                               stdout=r, capture_output=False,
                               stderr=subprocess.PIPE, timeout=30, env=env)
        finally:
            os.close(r)
        return p

    def maildir_barrier(self):
        """Whether qmail-lspawn reports a Maildir delivery in a test home
        as 'k' (new/ left to qmail-send's barrier, doc/qmail-lspawn.8):
        the homes share the queue's ext2/3/4, conservativesync is not 1,
        and the kernel is Linux 5.8 or later."""
        q = self.path("queue")
        fs = subprocess.run(["stat", "-f", "-c", "%t", q],
                            capture_output=True, text=True).stdout.strip()
        try:
            with open(self.path("control", "conservativesync")) as f:
                conservative = f.read().strip() != "0"
        except FileNotFoundError:
            conservative = False
        release = tuple(int(x) for x in
                        os.uname().release.split("-")[0].split(".")[:2])
        return (fs == "ef53" and not conservative and release >= (5, 8) and
                os.stat(q).st_dev == os.stat(self.homes).st_dev)

    def queue_files(self, sub):
        return [p for p in glob.glob(self.path("queue", sub, "*", "*"))]

    def set_birth(self, path, when):
        """Ages a message: writes WHEN (seconds) as the birth in the head
        of its channel file PATH ("F<sender>\\0B<birth>\\0", doc/INTERNALS.md),
        in place; the digits keep their number, so the recipients' records
        stay where they were."""
        with open(path, "r+b") as f:
            data = f.read(2048)
            b = data.index(b"\0") + 1
            end = data.index(b"\0", b)
            assert data[b:b + 1] == b"B", data[:end]
            digits = str(int(when)).encode()
            assert len(digits) == end - b - 1, (digits, data[b:end])
            f.seek(b + 1)
            f.write(digits)

    def pid_files(self):
        """qmail-queue's scratch files: pid/T/* (and pid/* of a queue
        made before pid/T), never the pid/T directories themselves."""
        return [p for p in glob.glob(self.path("queue", "pid", "*")) +
                self.queue_files("pid") if os.path.isfile(p)]

    def reset(self):
        """Stops everything and empties the queue and control files, so
        the next test starts from a fresh install."""
        self.stop()
        for sub in ("mess", "intd", "todo", "info", "local", "remote",
                    "bounce"):
            for p in self.queue_files(sub):
                os.unlink(p)
        for p in self.pid_files():
            os.unlink(p)
        for p in glob.glob(self.path("control", "*")):
            os.unlink(p)
        for p in glob.glob(self.path("users", "*")):
            os.unlink(p)
        self.write_control("me", "testhost.example\n")
        try:
            os.unlink(self.log_path)
        except FileNotFoundError:
            pass

    def cleanup(self):
        self.kill_all()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # zombies of our own children count as gone
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
        except (OSError, IndexError, ValueError):
            continue
    return False


def cleanup_all():
    if SAN_DIR is not None:
        shutil.rmtree(SAN_DIR, ignore_errors=True)
    for inst in _instances:
        inst.cleanup()
    _instances.clear()
    Instance._shared = None
    for name in _users:
        subprocess.run(["userdel", name], check=False, capture_output=True)
    _users.clear()
