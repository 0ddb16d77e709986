#!/usr/bin/python3
"""make-dns-corpus.py OUTDIR - writes the seed corpus of fuzz_dns.c.

Each file is one DNS response packet (RFC 1035 4.1) for the question
"example.com"; fuzz_dns.c parses it as an MX, A and AAAA answer for that
name. Well-formed answers come first, then the hostile ones: compression
pointer loops, pointers past the end, truncated records, counts far larger
than the records present, CNAME loops and over-long chains, records owned
by other names, wrong sizes and classes, and names that need escaping.
Run it again after changing it; the files are committed.
"""
import os
import struct
import sys

QNAME = "example.com"
T_A, T_CNAME, T_MX, T_AAAA = 1, 5, 15, 28
C_IN, C_CH = 1, 3


def name(n):
    """A name in wire form, uncompressed."""
    out = b""
    for label in n.split(".") if n else []:
        lb = label.encode("latin-1")
        out += bytes([len(lb)]) + lb
    return out + b"\0"


def header(qd=1, an=0, ns=0, ar=0, rcode=0, flags=0x8180):
    return struct.pack(">HHHHHH", 0x1234, flags | rcode, qd, an, ns, ar)


def question(qtype=T_MX):
    return name(QNAME) + struct.pack(">HH", qtype, C_IN)


# offset of the question name in every packet below: right after the header
QPTR = b"\xc0\x0c"


def rr(owner, rtype, rdata, rclass=C_IN, ttl=300, rdlen=None):
    if rdlen is None:
        rdlen = len(rdata)
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, rdlen) + rdata


def mx(pref, target):
    return struct.pack(">H", pref) + target


def packet(answers, qtype=T_MX, an=None, **kw):
    if an is None:
        an = len(answers)
    return header(an=an, **kw) + question(qtype) + b"".join(answers)


def a4(*b):
    return bytes(b)


def a6(last):
    return bytes(15) + bytes([last])


def corpus():
    c = {}
    c["mx-two"] = packet([
        rr(QPTR, T_MX, mx(10, name("mx1.example.com"))),
        rr(QPTR, T_MX, mx(20, b"\x03mx2" + QPTR)),
    ])
    c["a-two"] = packet([
        rr(QPTR, T_A, a4(192, 0, 2, 1)),
        rr(QPTR, T_A, a4(192, 0, 2, 2)),
    ], qtype=T_A)
    c["aaaa-one"] = packet([rr(QPTR, T_AAAA, a6(1))], qtype=T_AAAA)
    c["null-mx"] = packet([rr(QPTR, T_MX, mx(0, b"\0"))])
    c["nodata"] = packet([])
    c["nxdomain"] = header(rcode=3) + question()
    c["header-only"] = header(qd=0)
    c["empty"] = b""
    c["short-header"] = header()[:7]
    # CNAME chain: example.com -> b.example.net -> c.example.org (MX, A)
    c["cname-chain"] = packet([
        rr(QPTR, T_CNAME, name("b.example.net")),
        rr(name("b.example.net"), T_CNAME, name("c.example.org")),
        rr(name("c.example.org"), T_MX, mx(5, name("mx.example.org"))),
        rr(name("c.example.org"), T_A, a4(192, 0, 2, 9)),
    ])
    # the same records in reverse order
    c["cname-chain-reversed"] = packet([
        rr(name("c.example.org"), T_MX, mx(5, name("mx.example.org"))),
        rr(name("b.example.net"), T_CNAME, name("c.example.org")),
        rr(QPTR, T_CNAME, name("b.example.net")),
    ])
    c["cname-loop"] = packet([
        rr(QPTR, T_CNAME, name("b.example.net")),
        rr(name("b.example.net"), T_CNAME, name("example.com")),
        rr(name("b.example.net"), T_MX, mx(1, name("mx.example.net"))),
    ])
    chain = []
    prev = QPTR
    for i in range(20):
        nxt = name("c%d.example.net" % i)
        chain.append(rr(prev, T_CNAME, nxt))
        prev = nxt
    chain.append(rr(prev, T_MX, mx(1, name("deep.example.net"))))
    c["cname-too-long"] = packet(chain)
    # records for names the question did not ask about (cache poisoning
    # style): ignored
    c["other-owner"] = packet([
        rr(name("evil.example"), T_MX, mx(1, name("mx.evil.example"))),
        rr(name("evil.example"), T_A, a4(203, 0, 113, 1)),
        rr(QPTR, T_MX, mx(10, name("mx.example.com"))),
    ])
    c["class-ch"] = packet([
        rr(QPTR, T_MX, mx(10, name("mx.example.com")), rclass=C_CH),
        rr(QPTR, T_A, a4(192, 0, 2, 1), rclass=C_CH),
    ])
    # compression pointer to itself, in the owner and in the MX target
    hq = header(an=1) + question()
    off = len(hq)
    c["ptr-loop-owner"] = hq + rr(struct.pack(">H", 0xC000 | off), T_MX,
                                  mx(10, name("mx.example.com")))
    off_target = len(hq) + 2 + 10 + 2
    c["ptr-loop-target"] = hq + rr(QPTR, T_MX, mx(
        10, struct.pack(">H", 0xC000 | off_target)))
    # two pointers pointing at each other
    p1 = len(hq) + 2 + 10 + 2
    c["ptr-loop-pair"] = hq + rr(QPTR, T_MX, mx(
        10, struct.pack(">HH", 0xC000 | (p1 + 2), 0xC000 | p1)),)
    c["ptr-past-end"] = hq + rr(QPTR, T_MX, mx(10, b"\xc3\xff"))
    c["ptr-into-header"] = hq + rr(QPTR, T_MX, mx(10, b"\xc0\x02"))
    c["label-type-01"] = hq + rr(QPTR, T_MX, mx(10, b"\x41abc\x00"))
    # rdlength beyond the end of the message; a message cut mid-record
    c["rdlen-past-end"] = hq + rr(QPTR, T_MX, mx(10, name("mx.example")),
                                  rdlen=500)
    whole = packet([rr(QPTR, T_MX, mx(10, name("mx.example.com")))])
    c["cut-in-rdata"] = whole[:-5]
    c["cut-in-fixed"] = whole[:len(hq) + 5]
    c["mx-rdlen-2"] = packet([rr(QPTR, T_MX, b"\x00\x0a")])
    c["mx-target-past-rdata"] = packet([
        rr(QPTR, T_MX, mx(10, name("mx.example.com")), rdlen=3),
        rr(QPTR, T_A, a4(192, 0, 2, 1)),
    ])
    c["a-wrong-size"] = packet([
        rr(QPTR, T_A, a4(192, 0, 2, 1, 7)),
        rr(QPTR, T_A, a4(192, 0, 2)),
        rr(QPTR, T_A, a4(192, 0, 2, 3)),
    ], qtype=T_A)
    c["aaaa-as-a"] = packet([rr(QPTR, T_AAAA, a4(192, 0, 2, 1))],
                            qtype=T_AAAA)
    # counts far larger than the records present
    c["huge-ancount"] = packet([rr(QPTR, T_A, a4(192, 0, 2, 1))],
                               qtype=T_A, an=65535)
    c["huge-all-counts"] = header(qd=65535, an=65535, ns=65535, ar=65535) + \
        question()
    # more addresses and MX than the parsers keep
    c["a-many"] = packet([rr(QPTR, T_A, a4(192, 0, 2, i))
                          for i in range(1, 201)], qtype=T_A)
    c["mx-many"] = packet([rr(QPTR, T_MX, mx(i % 7, b"\x04mx" +
                                            bytes([0x30 + i % 10]) + b"x" +
                                            QPTR)) for i in range(100)])
    # targets whose labels run on past their rdata, the last one past the
    # end of the message
    c["mx-target-runs-on"] = packet([rr(QPTR, T_MX, mx(i % 7, b"\x02mx" +
                                                      bytes([0x30 + i]) +
                                                      b"x" + QPTR))
                                     for i in range(4)])
    # names that need escaping: control bytes, dots and backslashes in
    # labels, a maximal 255-byte name of 63-byte labels of 0xff
    c["mx-odd-bytes"] = packet([
        rr(QPTR, T_MX, mx(10, b"\x05a\nb\rc\x04d.e\\\x00")),
        rr(QPTR, T_MX, mx(20, b"\x03\x00\x01\x7f" + QPTR)),
    ])
    big = b"".join(b"\x3f" + b"\xff" * 63 for _ in range(3)) + \
        b"\x3d" + b"\xff" * 61 + b"\0"
    c["mx-max-name"] = packet([rr(QPTR, T_MX, mx(10, big))])
    too_big = b"".join(b"\x3f" + b"\xff" * 63 for _ in range(4)) + b"\0"
    c["mx-name-over-255"] = packet([rr(QPTR, T_MX, mx(10, too_big))])
    # owners written in another case, and uncompressed
    c["owner-case"] = packet([
        rr(name("EXAMPLE.Com"), T_MX, mx(10, name("mx.example.com"))),
        rr(name("example.com"), T_A, a4(192, 0, 2, 5)),
    ])
    c["trailing-garbage"] = packet([
        rr(QPTR, T_A, a4(192, 0, 2, 1))], qtype=T_A) + b"\xff" * 40
    c["servfail"] = header(rcode=2) + question()
    c["truncated-tc"] = packet([rr(QPTR, T_A, a4(192, 0, 2, 1))],
                               qtype=T_A, flags=0x8380)
    return c


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for fname, data in sorted(corpus().items()):
        with open(os.path.join(out, fname), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
