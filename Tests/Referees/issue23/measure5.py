import resource, subprocess, sys, time
binary, card = sys.argv[1], sys.argv[2]
started = time.monotonic()
run = subprocess.run([binary, "verify", "--card", card, "--trust", "Certs/trust/root.pem"], capture_output=True, cwd=__import__("os").path.join(__import__("os").path.dirname(__import__("os").path.abspath(__file__)), "../../.."))
print(f"{card.split('/')[-1]}: exit {run.returncode}, {time.monotonic() - started:.2f} s, peak RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024} MiB: {run.stderr.decode(errors='replace').strip()[:160]}")
