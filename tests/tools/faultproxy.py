#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""faultproxy.py LISTEN UPSTREAM MODE [PID]: a unix-socket proxy in front of a Docker
engine that injects one fault, for the live fault tests.

MODE:
  kill-at-start  SIGKILL PID when a request to start a container passes (after create)
  kill-at-wait   SIGKILL PID when a request to wait for a container passes (after start)
  trickle        every answer goes back one byte a second
Each request line is printed on stdout as it passes; "FIRED" when the fault was injected.
Runs until killed.
"""

import os
import re
import signal
import socket
import sys
import threading
import time

listen, upstream, mode = sys.argv[1], sys.argv[2], sys.argv[3]
pid = int(sys.argv[4]) if len(sys.argv) > 4 else 0
triggers = {
    "kill-at-start": re.compile(rb"^POST /v[0-9.]+/containers/[^/ ]+/start", re.M),
    "kill-at-wait": re.compile(rb"^POST /v[0-9.]+/containers/[^/ ]+/wait", re.M),
}
fired = threading.Event()
lock = threading.Lock()


def say(line):
    with lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def client_to_server(c, s):
    try:
        while True:
            data = c.recv(65536)
            if not data:
                break
            for m in re.finditer(rb"^(GET|POST|DELETE|PUT|HEAD) [^\r\n]*", data, re.M):
                say(m.group(0).decode("latin-1"))
            t = triggers.get(mode)
            if t and pid and not fired.is_set() and t.search(data):
                fired.set()
                os.kill(pid, signal.SIGKILL)
                say("FIRED")
                time.sleep(0.5)  # the engine is gone before the request would reach it
            s.sendall(data)
    except OSError:
        pass
    finally:
        shut(s, c)


def shut(*socks):
    for x in socks:
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def server_to_client(s, c):
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            if mode == "trickle":
                for i in range(len(data)):
                    c.sendall(data[i:i + 1])
                    time.sleep(1)
            else:
                c.sendall(data)
    except OSError:
        pass
    finally:
        shut(s, c)


def serve(c):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(upstream)
    except OSError:
        c.close()
        return
    threading.Thread(target=client_to_server, args=(c, s), daemon=True).start()
    threading.Thread(target=server_to_client, args=(s, c), daemon=True).start()


def main():
    try:
        os.unlink(listen)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(16)
    say("listening")
    while True:
        c, _ = srv.accept()
        serve(c)


main()
