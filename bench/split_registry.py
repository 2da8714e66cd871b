#!/usr/bin/env python3
"""bench/split_registry.py FILE PREFIX [MAX]: splits a registry that
bench/gen_registry.py wrote (one record a line) into documents of at most
MAX bytes each (default 900 MiB, under the import's limit of 1 GiB a
file: a registry of 1,000,000 units is 1.8 GB), PREFIX.1.json,
PREFIX.2.json, ..., records in their order, each document valid on its own
(`govsec-registry/1`, the sections it holds). Imported one after the other
into one store they give the same store as the whole: a record refers only
to records before it (units to their parents, applications to units and
outsourcers, people to units, grants to people and applications), and
references to records of an earlier document are to stored ones. Prints
the names of the documents, one a line. Stdlib only.
"""
import re
import sys

HEAD = '{\n  "format": "govsec-registry/1"'
SECTION = re.compile(r'^  "([a-z_]+)": \[$')


class Parts:
    def __init__(self, prefix, limit):
        self.prefix, self.limit = prefix, limit
        self.n, self.out, self.size, self.section = 0, None, 0, None
        self.first = True

    def new(self):
        self.close()
        self.n += 1
        name = "%s.%d.json" % (self.prefix, self.n)
        print(name)
        self.out = open(name, "wb")
        self.size = self.out.write(HEAD.encode())
        self.section = None

    def close(self):
        if self.out is not None:
            if self.section is not None:
                self.size += self.out.write(b"\n  ]")
            self.out.write(b"\n}\n")
            self.out.close()
            self.out = None

    def record(self, section, rec):
        # a section's opening, the record and both ends must fit
        need = len(rec) + len(section) + 32
        if self.out is None or self.size + need > self.limit:
            self.new()
        if self.section != section:
            if self.section is not None:
                self.size += self.out.write(b"\n  ]")
            self.size += self.out.write(
                (',\n  "%s": [\n    ' % section).encode())
            self.section = section
        else:
            self.size += self.out.write(b",\n    ")
        self.size += self.out.write(rec)


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write("usage: split_registry.py FILE PREFIX [MAX]\n")
        return 2
    limit = int(argv[3]) if len(argv) == 4 else 900 << 20
    parts = Parts(argv[2], limit)
    section = None
    with open(argv[1], "rb") as f:
        for line in f:
            text = line.rstrip(b"\n")
            m = SECTION.match(text.decode("utf-8", "replace")) \
                if text.startswith(b'  "') else None
            if m:
                section = m.group(1)
            elif text.startswith(b"    {") and section is not None:
                parts.record(section, text[4:].rstrip(b","))
            elif text.strip() in (b"]", b"],"):
                section = None
    parts.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
