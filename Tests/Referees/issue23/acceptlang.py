# Median latency of GET / with no Accept-Language and with a 63 KB one (fresh connection per request).
import socket, sys, time, statistics
port = int(sys.argv[1]); rounds = int(sys.argv[2])
big = ('xx-YY;q=0.5, ' * (63 * 1024 // 13)).encode()
def one(extra):
    s = socket.create_connection(('127.0.0.1', port))
    t = time.perf_counter()
    s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n' + extra + b'\r\n')
    status = b''
    while True:
        d = s.recv(65536)
        if not d: break
        if not status: status = d.split(b'\r\n', 1)[0]
    s.close()
    return time.perf_counter() - t, status.decode(errors='replace') or 'connection closed, no answer'
for name, extra in [('no Accept-Language', b''), ('63 KB Accept-Language', b'Accept-Language: ' + big + b'\r\n')]:
    results = [one(extra) for _ in range(rounds)]
    print(f"{name} ({len(extra)} bytes): median {statistics.median(r[0] for r in results)*1000:.1f} ms over {rounds}; answer: {results[0][1]}")
