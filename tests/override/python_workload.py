"""python_workload.py — an allocation-heavy, multi-threaded Python workload with deterministic
output, for real_programs.sh: run with and without tessera, the printed lines must match.

Four threads each build dicts, lists, strings, bytes and JSON documents, sort and hash them;
a fifth part churns short-lived objects through the cycle collector. The output is one line
per part with sizes and a SHA-256 of what was built.
"""
import gc
import hashlib
import json
import threading


def build(seed: int) -> str:
    h = hashlib.sha256()
    table = {}
    for i in range(20000):
        key = f"k{(i * 7919 + seed) % 100003:06d}"
        table[key] = [i, str(i * seed), key * (1 + i % 5)]
    for key in sorted(table)[::97]:
        h.update(key.encode())
        h.update(repr(table[key]).encode())
    doc = json.dumps({"seed": seed, "rows": [table[k] for k in sorted(table)[:2000]]})
    back = json.loads(doc)
    h.update(doc.encode())
    words = " ".join(str(i * i) for i in range(25000)).split(" ")
    h.update(b"".join(w.encode()[::-1] for w in sorted(words, key=len)))
    blob = bytearray()
    for i in range(10000):
        blob += bytes((i + j + seed) % 256 for j in range(i % 64))
    h.update(bytes(blob))
    return f"thread {seed}: {len(table)} keys, {len(back['rows'])} rows, {len(words)} words, " \
           f"{len(blob)} bytes, sha256 {h.hexdigest()}"


class Node:
    def __init__(self, value):
        self.value = value
        self.peer = None


def cycles() -> str:
    total = 0
    for round_ in range(15):
        nodes = [Node(i) for i in range(5000)]
        for a, b in zip(nodes, nodes[1:] + nodes[:1]):
            a.peer = b  # a ring: freed only by the cycle collector
        total += sum(n.peer.value for n in nodes)
        del nodes
        gc.collect()  # what it finds depends on timing; only the sums are printed
    return f"cycles: {total}"


def main() -> None:
    results = [None] * 4

    def run(i):
        results[i] = build(i + 1)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    cycle_line = cycles()
    for t in threads:
        t.join()
    for line in results:
        print(line)
    print(cycle_line)


if __name__ == "__main__":
    main()
