#!/usr/bin/python3
"""Compare PNG pictures pixel by pixel, with the standard library alone.

  pngdiff.py size FILE                 prints "WIDTHxHEIGHT"
  pngdiff.py same GOT WANT [TOL] [MAX] [BLOCK]
                                       exit 0 when the sizes match and at
                                       most MAX (a fraction, default 0.005)
                                       of the pixels differ by more than
                                       TOL (default 48) in some channel;
                                       with BLOCK, BLOCK x BLOCK squares
                                       are compared by their mean (for
                                       dithered pictures, whose single
                                       pixels scatter)
  pngdiff.py make W H FILE             writes a W x H RGB gradient PNG

Decodes what Hearth and cairo write: 8-bit, non-interlaced, grey, grey and
alpha, RGB or RGBA, every filter type.
"""
import struct
import sys
import zlib

SIG = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != SIG:
        raise ValueError(path + ": not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in CHANNELS or interlace:
        raise ValueError(path + ": unsupported PNG kind")
    bpp = CHANNELS[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ftype = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    # Everything as RGB, alpha dropped (Hearth's pictures are opaque).
    rgb = []
    for line in rows:
        px = []
        for x in range(w):
            p = line[x * bpp:(x + 1) * bpp]
            px.append((p[0], p[0], p[0]) if bpp <= 2 else (p[0], p[1], p[2]))
        rgb.append(px)
    return w, h, rgb


def blocks(w, h, px, n):
    out = []
    for by in range(0, h, n):
        row = []
        for bx in range(0, w, n):
            cells = [px[y][x] for y in range(by, min(by + n, h)) for x in range(bx, min(bx + n, w))]
            row.append(tuple(sum(c[i] for c in cells) // len(cells) for i in range(3)))
        out.append(row)
    return len(out[0]), len(out), out


def make(w, h, path):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    raw = b"".join(b"\x00" + bytes(v for x in range(w)
                                   for v in (x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), 128))
                   for y in range(h))
    with open(path, "wb") as f:
        f.write(SIG + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main(argv):
    if argv[1] == "size":
        w, h, _ = decode(argv[2])
        print("%dx%d" % (w, h))
        return 0
    if argv[1] == "make":
        make(int(argv[2]), int(argv[3]), argv[4])
        return 0
    tol = int(argv[4]) if len(argv) > 4 else 48
    frac = float(argv[5]) if len(argv) > 5 else 0.005
    block = int(argv[6]) if len(argv) > 6 else 1
    gw, gh, got = decode(argv[2])
    ww, wh, want = decode(argv[3])
    if (gw, gh) != (ww, wh):
        print("size %dx%d, want %dx%d" % (gw, gh, ww, wh))
        return 1
    if block > 1:
        gw, gh, got = blocks(gw, gh, got, block)
        ww, wh, want = blocks(ww, wh, want, block)
    bad = sum(1 for y in range(gh) for x in range(gw)
              if max(abs(a - b) for a, b in zip(got[y][x], want[y][x])) > tol)
    print("%d of %d pixels differ by more than %d" % (bad, gw * gh, tol))
    return 0 if bad <= frac * gw * gh else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
