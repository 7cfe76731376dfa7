#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Send MESSAGE to an icmsgd instance and print the reply (docs/icmsgd.md).
Usage: client.py INSTANCE MESSAGE   (control socket: $ICMSG_CONTROL)"""
import json, os, socket, sys
name, message = sys.argv[1:3]
control = os.environ.get("ICMSG_CONTROL") or "/run/icmsgd/control.sock"
socket.setdefaulttimeout(5)                   # no reply (no bond?): give up
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as ctl:
        ctl.connect(control)
        ctl.send(b"status " + name.encode())  # one request, one JSON reply
        reply = json.loads(ctl.recv(1 << 20))
    if "error" in reply: sys.exit(f"icmsgd: {reply['error']}: {name}")
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.connect(reply["instances"][0]["socket"])
        s.send(message.encode())              # one datagram = one message
        print(s.recv(65536).decode(errors="replace"))  # the remote core's reply
except socket.timeout:
    sys.exit("timed out after 5 s waiting for icmsgd or the remote core")
