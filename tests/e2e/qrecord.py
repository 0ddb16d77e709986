"""The envelope record qmail-queue puts on a message file (src/lib/qxattr.h).

On ext4 without a journal qmail-queue commits a message as one file,
todo/S/N, whose extended attribute "user.qmail" holds the envelope; on
other file systems todo/S/N is qmail's envelope file. envelope(path) reads
either. encode/decode/siphash let a test build a record as a crash would
have left it. The layout is qxattr.h's; this is an independent reading of
it, so a change there that is not made here fails the tests.
"""
import errno
import os
import struct

NAME = "user.qmail"
HEAD = 52
KEY = b"qmail queue v1\0\0"
M64 = (1 << 64) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash(key, data):
    """SipHash-2-4 of DATA under the 16-byte KEY."""
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & M64
        v[1] = _rotl(v[1], 13) ^ v[0]
        v[0] = _rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M64
        v[3] = _rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M64
        v[3] = _rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M64
        v[1] = _rotl(v[1], 17) ^ v[2]
        v[2] = _rotl(v[2], 32)

    def word(w):
        v[3] ^= w
        rnd()
        rnd()
        v[0] ^= w

    n = len(data) // 8 * 8
    for i in range(0, n, 8):
        word(struct.unpack("<Q", data[i:i + 8])[0])
    tail = data[n:] + bytes(7 - len(data) % 8) + bytes([len(data) & 0xff])
    word(struct.unpack("<Q", tail)[0])
    v[2] ^= 0xff
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def boot_id():
    with open("/proc/sys/kernel/random/boot_id") as f:
        return bytes.fromhex(f.read().strip().replace("-", ""))


def encode(env, n, message, boot=None):
    """The record for message N with bytes MESSAGE and queue-form ENV."""
    head = (b"QMQ1" + (boot if boot is not None else boot_id()) +
            struct.pack("<QQQ", n, len(message), siphash(KEY, message)))
    return head + struct.pack("<Q", siphash(KEY, head + env)) + env


def decode(value):
    """dict(boot, id, msglen, msghash, env) of a record; ValueError if
    its hash does not match."""
    if len(value) <= HEAD or value[:4] != b"QMQ1":
        raise ValueError("not a record")
    n, mlen, mhash, vhash = struct.unpack("<QQQQ", value[20:HEAD])
    if siphash(KEY, value[:44] + value[HEAD:]) != vhash:
        raise ValueError("record hash mismatch")
    return dict(boot=value[4:20], id=n, msglen=mlen, msghash=mhash,
                env=value[HEAD:])


def record(path):
    """The raw record on PATH, or None when it has none."""
    try:
        return os.getxattr(path, NAME)
    except OSError as e:
        if e.errno in (errno.ENODATA, errno.ENOTSUP):
            return None
        raise


def envelope(path):
    """The queue-form envelope of todo/S/N at PATH, from either form."""
    value = record(path)
    if value is None:
        with open(path, "rb") as f:
            return f.read()
    return decode(value)["env"]


assert siphash(bytes(range(16)), b"") == 0x726fdb47dd0e0e31
assert siphash(bytes(range(16)), bytes(range(15))) == 0xa129ca6149be45e5


def expected(path):
    """Whether qmail-queue commits with a record on the file system of
    PATH, as durable_one_fsync_commit decides: ext4's driver, whose sysfs
    entry reads exactly "<none>" for its journal, on Linux 4.19 or later;
    no control/conservativesync (the caller's business). Any doubt: no."""
    import subprocess
    t = subprocess.run(["stat", "-f", "-c", "%t", path], capture_output=True,
                       text=True).stdout.strip()
    release = os.uname().release.split(".")
    try:
        if t != "ef53" or (int(release[0]), int(release[1])) < (4, 19):
            return False
        dev = os.stat(path).st_dev
        name = os.path.basename(os.readlink("/sys/dev/block/%d:%d" % (
            os.major(dev), os.minor(dev))))
        with open("/sys/fs/ext4/%s/journal_task" % name) as f:
            return f.read().startswith("<none>")
    except (OSError, ValueError, IndexError):
        return False
