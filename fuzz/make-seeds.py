#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of fuzz/corpus/<target>/ from the golden vectors
(tests/vectors/), the example configurations (config/) and a few
hand-written programs, in each target's input format (see the comment at
the top of fuzz/fuzz-<target>.c). Run from anywhere; it replaces the
seed-* files and leaves any other file of the corpora alone.

    fuzz/make-seeds.py
"""
import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + name)).write_bytes(bytes(data))


def clear(target):
    d = CORPUS / target
    if d.is_dir():
        for f in d.glob("seed-*"):
            f.unlink()


def vectors():
    """(name, image, dcache, handshake) of every core golden vector."""
    for f in sorted((ROOT / "tests" / "vectors").glob("*.bin")):
        m = re.search(r"_dc(\d+)_r(\d+)", f.name)
        dc = int(m.group(1))
        hs = f.name.startswith(("enable", "detect")) and dc >= 8
        yield f.stem, f.read_bytes(), dc, hs


# ---- fuzz-ring: [dcache][flags][size lo][size hi][op count] ops image ----

RING_OPS = ["read", "read_head", "skip", "hold", "release", "unhold", "peek", "resync",
            "reset", "poke32", "poke8", "shared", "tx_init", "write", "write_more",
            "publish", "reserve", "tx_pending", "inspect"]


def ring_op(name, a=0, b=0, c=0):
    return bytes([RING_OPS.index(name), a, b, c])


def dcache_code(dc):
    return 0 if dc == 0 else dc.bit_length() - 2  # pick_dcache(): 1 << (v + 1)


def ring_seeds():
    clear("ring")
    reader = [ring_op("hold"), ring_op("hold"), ring_op("unhold"), ring_op("release"),
              ring_op("peek", 0xff), ring_op("read", 0xff, 0xff), ring_op("read_head", 4),
              ring_op("skip"), ring_op("inspect"), ring_op("read", 0xff, 0xff)]
    writer = [ring_op("write", 5, 0, 0x41), ring_op("write_more", 100, 0, 0x42),
              ring_op("publish"), ring_op("reserve", 30, 0, 20), ring_op("publish"),
              ring_op("read", 0xff, 0xff), ring_op("tx_pending"), ring_op("tx_init"),
              ring_op("poke32", 1, 0, 0x10), ring_op("read", 0xff, 0xff), ring_op("inspect")]
    for name, img, dc, hs in vectors():
        size = len(img)
        big = 0x08 if size > 0xffff else 0
        head = bytes([dcache_code(dc), (1 if hs else 0) | big]) + struct.pack("<H", size & 0xffff)
        write("ring", name, head + bytes([len(reader)]) + b"".join(reader) + img)
        if size <= 1024:
            write("ring", name + "-writer",
                  bytes([head[0], head[1] | 0x04]) + head[2:] + bytes([len(writer)]) +
                  b"".join(writer) + img)


# ---- fuzz-bond: [sizes][dcaches][modes][graces] then ops ----

BOND_OPS = ["open", "close", "step", "recv", "send", "kick", "hold", "release", "reserve",
            "commit", "pending", "time", "poke32", "poke_hs", "load", "settle"]
SIZES = [64, 128, 256, 512, 1024, 4096, 36, 68]
DCACHES = [0, 4, 8, 16, 32, 64, 0, 8]
DISABLE, ENABLE, DETECT = range(3)


def bop(name, side=0, *args):
    return bytes([BOND_OPS.index(name) << 1 | side]) + b"".join(args)


def u8(v):
    return struct.pack("<B", v)


def u16(v):
    return struct.pack("<H", v)


def bond_head(size_a, size_b, dc, mode_a, mode_b, reopen=True, grace=1):
    b0 = SIZES.index(size_a) | SIZES.index(size_b) << 3
    flags = 0xc0 if reopen else 0  # auto-reopen on both sides
    b2 = next(v for v in range(256)
              if v % 3 == mode_a and v // 3 % 3 == mode_b and v & 0xc0 == flags)
    return bytes([b0, DCACHES.index(dc), b2, grace | grace << 2])


def bond_seeds():
    clear("bond")
    traffic = (bop("open", 0) + bop("open", 1) + bop("settle") +
               bop("send", 0, u16(40), u8(0)) + bop("send", 1, u16(5), u8(1)) +
               bop("kick", 1, u8(0)) + bop("recv", 1, u16(200)) + bop("hold", 0, u16(200)) +
               bop("release", 0) + bop("reserve", 0, u16(30)) + bop("commit", 0, u16(2), u8(0)) +
               bop("pending", 0) + bop("settle") + bop("close", 1) + bop("settle") +
               bop("open", 1) + bop("time", 0, u8(200)) + bop("settle"))
    pairs = [(DISABLE, DISABLE, 0), (ENABLE, ENABLE, 8), (DETECT, DETECT, 32),
             (DETECT, DISABLE, 32), (DISABLE, DETECT, 64), (ENABLE, DETECT, 8),
             (DISABLE, DISABLE, 16), (ENABLE, DISABLE, 8)]
    for ma, mb, dc in pairs:
        write("bond", "traffic-%s-%s-dc%d" % ("xed"[ma], "xed"[mb], dc),
              bond_head(256, 256, dc, ma, mb) + traffic)
    # A full ring, then restarts on either side.
    full = (bop("open", 0) + bop("open", 1) + bop("settle") +
            b"".join(bop("send", 0, u16(20), u8(1)) for _ in range(12)) + bop("kick", 0, u8(0)) +
            bop("close", 0) + bop("open", 0) + bop("step", 1) + bop("recv", 1, u16(100)) +
            bop("settle"))
    write("bond", "full-restart", bond_head(128, 128, 0, DISABLE, DISABLE) + full)
    write("bond", "full-restart-enable", bond_head(128, 128, 8, ENABLE, ENABLE) + full)
    # The golden images as what an earlier boot left in memory.
    by_name = {n: img for n, img, _, _ in vectors()}
    for stem, ma, mb, dc in [("enable_dc8_r256_bonded", ENABLE, ENABLE, 8),
                             ("enable_dc32_r256_reopened", ENABLE, ENABLE, 32),
                             ("detect_vs_disable_dc32_r256_bonded", DETECT, DISABLE, 32)]:
        ab, ba = by_name[stem + "_ab"], by_name.get(stem + "_ba", by_name[stem + "_ab"])
        write("bond", "stale-" + stem,
              bond_head(256, 256, dc, ma, mb) + bop("load", 0, u8(0), u16(256), ab) +
              bop("load", 0, u8(1), u16(256), ba) + bop("open", 1) + bop("open", 0) +
              bop("settle") + bop("send", 1, u16(9), u8(0)) + bop("settle"))
    for n in ["disable_dc0_r256_msgs", "disable_dc0_r256_wrap_data"]:
        write("bond", "stale-" + n, bond_head(256, 256, 0, DISABLE, DISABLE) +
              bop("open", 1) + bop("load", 0, u8(0), u16(256), by_name[n]) + bop("open", 0) +
              bop("settle") + bop("poke32", 0, u8(1), u16(1), struct.pack("<I", 0x30)) +
              bop("settle"))


# ---- fuzz-config: [files - 1][field][value u32] then files split by "\n@@@\n" ----

BROKEN = [
    b"instances:\n  - name: ipc0\n\ttx-region: {}\n",
    b"instances: [\n",
    b"instances:\n  - name: a\n    name: b\n",
    b"instances:\n  - name: x\n    tx-region: { path: a.bin, offset: -1, size: 0x1_0000 }\n"
    b"    rx-region: { path: a.bin, offset: 0x10, size: 1e3 }\n"
    b"    mboxes: { tx: t.fifo, rx: t.fifo }\n    unbound: maybe\n    dcache-alignment: 3\n",
    b"a: &a [*a, *a]\nb: *a\n",
    b"instances: []\n---\ninstances: []\n",
    b"daemon:\n  runtime-dir: relative/dir\n  control-socket: /x\n  control-mode: 0999\n"
    b"  user: 'root;rm'\ninstances: 7\n",
    b"\xef\xbb\xbfinstances:\n  - name: \"\\u00e9\\xff\"\n    tx-region: !!binary AAAA\n",
    b"instances:\n  - name: ipc0\n    tx-region: { uio: shm, map: 9, size: 0x100 }\n"
    b"    rx-region: { address: 0xfffffffffffff000, size: 0x2000 }\n"
    b"    mboxes:\n"
    b"      tx: { registers: { uio: mu, size: 4 }, write: { offset: 6, width: 16 } }\n"
    b"      rx: { eventfd: -3 }\n",
    b"\xff\xfe\x00",
]


def config_seeds():
    clear("config")
    head1 = bytes([0, 0]) + struct.pack("<I", 0)
    files = (sorted((ROOT / "config").glob("*.yaml")) +
             sorted((ROOT / "config" / "boards").glob("*.yaml")))
    for i, f in enumerate(files):
        write("config", f.stem, bytes([0, i * 10 + i]) + struct.pack("<I", 0x1000 << i) +
              f.read_bytes())
    for i, b in enumerate(BROKEN):
        write("config", "broken-%d" % i, head1 + b)
    # icmsgd's main file and a drop-in, then a drop-in that clashes with it.
    main = (ROOT / "config" / "icmsgd-sim.yaml").read_bytes()
    dropin = (b"instances:\n  - name: ipc1\n"
              b"    rx-region: { path: /tmp/x.bin, offset: 0, size: 0x800 }\n"
              b"    tx-region: { path: /tmp/x.bin, offset: 0x800, size: 0x800 }\n"
              b"    mboxes: { rx: /tmp/x0.fifo, tx: /tmp/x1.fifo }\n"
              b"    socket: { path: ipc1.sock, mode: 0600 }\n")
    write("config", "dropins", bytes([1, 3]) + struct.pack("<I", 8) + main + b"\n@@@\n" + dropin)
    write("config", "dropins-clash", bytes([2, 6]) + struct.pack("<I", 1) + main + b"\n@@@\n" +
          dropin + b"\n@@@\n" + dropin.replace(b"ipc1", b"ipc0"))


# ---- fuzz-client: [size, mode][peer-rx-buf-size, rx-buf-size][policy] then ops ----

CLIENT_OPS = ["connect", "close", "shutdown", "send", "send_big", "recv", "ctrl_connect",
              "ctrl_send", "ctrl_recv", "ctrl_close", "peer_send", "peer_flood",
              "peer_freeze", "peer_restart", "peer_corrupt", "loop", "sleep"]


def cop(name, k=0, *args):
    return bytes([k << 5 | CLIENT_OPS.index(name)]) + b"".join(args)


def client_seeds():
    clear("client")
    chat = (cop("connect", 0) + cop("connect", 1) + cop("loop", 1) +
            cop("send", 0, u16(20)) + cop("send", 1, u16(3)) + cop("send", 0, u16(0)) +
            cop("send_big", 1, u16(5)) + cop("peer_send", 2, u16(30)) +
            cop("recv", 0, u8(16)) + cop("recv", 1, u8(16)) + cop("close", 1) +
            cop("peer_send", 3, u16(0)) + cop("recv", 0, u8(16)))
    control = (cop("ctrl_connect", 0) + cop("ctrl_send", 0, u8(0)) + cop("ctrl_send", 0, u8(2)) +
               cop("ctrl_connect", 1) + cop("ctrl_send", 1, u8(1)) +
               cop("ctrl_send", 1, u8(0x80), u8(6), b"ipc0\xff\n") +
               cop("ctrl_send", 1, u8(0xc0), u8(3), b"sub") +
               cop("ctrl_send", 1, u8(0xe0), u8(9)) +
               cop("loop", 2) + cop("ctrl_recv", 0) + cop("ctrl_recv", 1) +
               cop("connect", 2) + cop("send_big", 2, u16(4000)) + cop("loop", 1) +
               cop("ctrl_recv", 0) + cop("ctrl_close", 1))
    backpressure = (cop("connect", 0) + cop("connect", 1) + cop("peer_freeze") +
                    b"".join(cop("send", i % 2, u16(60)) for i in range(12)) + cop("loop", 3) +
                    cop("peer_freeze") + cop("loop", 3) + cop("peer_flood") +
                    cop("recv", 1, u8(255)) +
                    cop("shutdown", 0) + cop("loop", 2) + cop("close", 0) + cop("sleep"))
    restart = (cop("connect", 0) + cop("ctrl_connect", 0) + cop("ctrl_send", 0, u8(2)) +
               cop("send", 0, u16(10)) + cop("peer_restart") + cop("loop", 3) +
               cop("send", 0, u16(11)) +
               cop("peer_corrupt", 0, struct.pack("<I", 0xffff), u16(1)) +
               cop("loop", 3) + cop("ctrl_recv", 0) + cop("recv", 0, u8(8)))
    write("client", "chat", bytes([0, 0, 0]) + chat)
    write("client", "chat-enable", bytes([1 << 3 | 2, 4, 0]) + chat)
    write("client", "chat-detect-small", bytes([2 << 3 | 5, 2, 6]) + chat)
    write("client", "chat-big", bytes([7, 6, 0]) + chat + cop("send", 0, u16(65535)))
    write("client", "control", bytes([0, 0, 0]) + control)
    write("client", "backpressure-wait", bytes([0, 5, 0x12]) + backpressure)
    write("client", "backpressure-disconnect", bytes([0, 5, 0x13]) + backpressure)
    write("client", "restart", bytes([1 << 3, 0, 8]) + restart)


ring_seeds()
bond_seeds()
config_seeds()
client_seeds()
