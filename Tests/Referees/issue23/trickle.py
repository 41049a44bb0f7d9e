# Opens N connections to 127.0.0.1:PORT that trickle one byte every INTERVAL seconds (a request head that never
# ends, or a body that never ends with --body) and prints when the server closed each, up to LIMIT seconds.
import socket, sys, time, select
port, n, interval, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
body = '--body' in sys.argv
socks = []
start = time.time()
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port))
    if body:
        s.sendall(b'POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n')
    else:
        s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ')
    socks.append(s)
closed = {}
next_send = start + interval
while time.time() - start < limit and len(closed) < n:
    r, _, _ = select.select([s for s in socks if s not in closed], [], [], 0.5)
    for s in r:
        try:
            data = s.recv(4096)
        except OSError:
            data = b''
        if not data:
            closed[s] = time.time() - start
    if time.time() >= next_send:
        for s in socks:
            if s not in closed:
                try: s.send(b'a')
                except OSError: closed[s] = time.time() - start
        next_send += interval
held = [s for s in socks if s not in closed]
print(f"{n} connections trickling a byte every {interval:g} s ({'body' if body else 'head'}): "
      f"closed by the server at {sorted(round(v,1) for v in closed.values())} s; still open after {limit:g} s: {len(held)}")
