#!/usr/bin/env python3
"""Writes the hostile document cards of issue 23 (finding 5) into a directory: small PDFs whose embedded files cost
gigabytes or minutes to read naively. They are fuzz seeds (Fuzz/corpus/card) and the inputs of CardAmplificationTests.

    python3 Fuzz/make-hostile-cards.py DIR [--large]

  flate-bomb.pdf       a document and a signature; the document is FlateDecode twice over 1 GiB of zeros (~3 KB)
  shared-stream.pdf    201 file specifications all naming one 2 MiB stream (the review's 5 KB PDF)
  many-streams.pdf     250 file specifications, each its own small flate stream (the count alone refuses it)
  --large adds many-streams-large.pdf: 500 streams of 1 MiB each (~630 KB; not a seed: > 64 KiB), and
          distinct-streams-large.pdf: 201 file specifications, each its own 2 MiB stream (what the budget still admits)
"""
import sys
import zlib


def flate(data_chunks):
    compressor = zlib.compressobj(9)
    out = bytearray()
    for chunk in data_chunks:
        out += compressor.compress(chunk)
    out += compressor.flush()
    return bytes(out)


def zeros(total, chunk=1 << 20):
    while total > 0:
        size = min(chunk, total)
        yield bytes(size)
        total -= size


def pdf(streams, specs):
    """streams: [(dictionary extra, data)]; specs: [(key, stream index)]. A minimal PDF with a correct xref."""
    objects = []
    first_stream = 4
    first_spec = first_stream + len(streams)
    names = " ".join(f"({key}) {first_spec + i} 0 R" for i, (key, _) in enumerate(specs))
    objects.append(f"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [{names}] >> >> >>".encode())
    objects.append(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    for extra, data in streams:
        objects.append(b"<< /Type /EmbeddedFile /Length %d %s >>\nstream\n" % (len(data), extra.encode()) + data + b"\nendstream")
    for key, index in specs:
        objects.append(
            f"<< /Type /Filespec /F ({key}) /UF ({key}) /EF << /F {first_stream + index} 0 R >> >>".encode())
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def main():
    directory = sys.argv[1]
    large = "--large" in sys.argv
    once = flate(zeros(1 << 30))
    bomb = flate([once])
    files = {
        "flate-bomb.pdf": pdf(
            [("/Filter [/FlateDecode /FlateDecode]", bomb), ("", b"0\x80")], [("0-document", 0), ("1-signature", 1)]),
        "shared-stream.pdf": pdf(
            [("/Filter /FlateDecode", flate(zeros(2 << 20)))], [(f"{i:03d}", 0) for i in range(201)]),
        "many-streams.pdf": pdf(
            [("/Filter /FlateDecode", flate([bytes([i % 256]) * 8])) for i in range(250)], [(f"{i:03d}", i) for i in range(250)]),
    }
    if large:
        files["many-streams-large.pdf"] = pdf(
            [("/Filter /FlateDecode", flate(zeros(1 << 20))) for _ in range(500)], [(f"{i:03d}", i) for i in range(500)])
        two = flate(zeros(2 << 20))
        files["distinct-streams-large.pdf"] = pdf([("/Filter /FlateDecode", two) for _ in range(201)], [(f"{i:03d}", i) for i in range(201)])
    for name, data in files.items():
        with open(f"{directory}/{name}", "wb") as handle:
            handle.write(data)
        print(f"{name}: {len(data)} bytes")


main()
