#!/usr/bin/env python3
"""capture.py — record real SASL frames for fuzz_sasl's seeds.

A TCP relay on 127.0.0.1:LISTEN_PORT to UPSTREAM (tests/tools/saslbroker): every connection's
bytes in both directions are split on Kafka's 4-byte Size prefix, and each SaslHandshake (17)
or SaslAuthenticate (36) request is written to OUT_DIR with the response that answers it (the
same position in the connection's order of requests), without the Size prefix, as the other
fixtures are. Stops after SECONDS. See README.md in this directory for the run that made the
committed files.

Usage: capture.py LISTEN_PORT UPSTREAM_HOST:PORT OUT_DIR PREFIX SECONDS
"""
import os
import socket
import struct
import sys
import threading
import time

NAMES = {17: "SaslHandshake", 36: "SaslAuthenticate"}


def frames(buf):
    out, p = [], 0
    while p + 4 <= len(buf):
        (n,) = struct.unpack(">i", buf[p:p + 4])
        if n < 0 or p + 4 + n > len(buf):
            break
        out.append(buf[p + 4:p + 4 + n])
        p += 4 + n
    return out


def pump(src, dst, acc):
    while True:
        try:
            b = src.recv(65536)
        except OSError:
            b = b""
        if not b:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return
        acc.extend(b)
        dst.sendall(b)


def handle(client, upstream, out_dir, prefix, conn_no):
    host, port = upstream.rsplit(":", 1)
    server = socket.create_connection((host, int(port)))
    c2s, s2c = bytearray(), bytearray()
    t1 = threading.Thread(target=pump, args=(client, server, c2s))
    t2 = threading.Thread(target=pump, args=(server, client, s2c))
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    reqs, resps = frames(bytes(c2s)), frames(bytes(s2c))
    for i, rq in enumerate(reqs):
        key, ver = struct.unpack(">hh", rq[:4])
        if key not in NAMES:
            continue
        base = "%s-c%d-%02d-%s-v%d" % (prefix, conn_no, i, NAMES[key], ver)
        with open(os.path.join(out_dir, base + "-request.bin"), "wb") as f:
            f.write(rq)
        if i < len(resps):
            with open(os.path.join(out_dir, base + "-response.bin"), "wb") as f:
                f.write(resps[i])
        print(base)


def main():
    port, upstream, out_dir, prefix, secs = sys.argv[1:6]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(16)
    ls.settimeout(0.2)
    print("listening", flush=True)
    end, n, threads = time.time() + float(secs), 0, []
    while time.time() < end:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        n += 1
        t = threading.Thread(target=handle, args=(c, upstream, out_dir, prefix, n))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(5)


if __name__ == "__main__":
    main()
