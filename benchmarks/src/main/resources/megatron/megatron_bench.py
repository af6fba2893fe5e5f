"""The NumPy side of MegatronBenchmark, a process the benchmark talks to a line of JSON at a time.

merge: what Megatron-LM's tools/merge_datasets.py does with the pairs of many workers, serially in one process:
for each part, in order, IndexedDatasetBuilder.add_index (copy the part's .bin onto the end of the merged .bin with
shutil.copyfileobj, append its sequence lengths, append its document indices offset by the sequences before it),
then finalize (write the .idx with the pointers as the running sum of lengths x item size). Answers its own time.

shards: count pairs of the given number of uint16 sequences in all (pseudo-random lengths 1..2048, documents of
1..8 sequences), written as Megatron's builder writes them: the inputs of a merge.

validate: stricter than Megatron's _IndexReader (copied from the connector's test helper megatron_pairs.py): the
pointers are the running sum of lengths x item size, the document indices start at 0, never decrease and end at S,
the .idx is exactly as long as its arrays and the .bin exactly as long as the tokens. Answers the counts.
"""
import json
import os
import shutil
import struct
import sys
import time

import numpy as np

CODES = {np.dtype(np.uint8): 1, np.dtype(np.int8): 2, np.dtype(np.int16): 3, np.dtype(np.int32): 4,
         np.dtype(np.int64): 5, np.dtype(np.float64): 6, np.dtype(np.float32): 7, np.dtype(np.uint16): 8}
DTYPES = {v: k for k, v in CODES.items()}
MAGIC = b'MMIDIDX\x00\x00'


def sequence_pointers(lengths, itemsize):
    sizes = np.asarray(lengths, dtype=np.int64) * itemsize
    pointers = np.zeros(len(sizes), dtype=np.int64)
    if len(sizes) > 1:
        np.cumsum(sizes[:-1], out=pointers[1:])
    return pointers


def write_index(path, dtype, lengths, document_indices):
    dtype = np.dtype(dtype)
    with open(path, 'wb') as f:
        f.write(MAGIC)
        f.write(struct.pack('<Q', 1))
        f.write(struct.pack('<B', CODES[dtype]))
        f.write(struct.pack('<Q', len(lengths)))
        f.write(struct.pack('<Q', len(document_indices)))
        np.asarray(lengths, dtype='<i4').tofile(f)
        sequence_pointers(lengths, dtype.itemsize).astype('<i8').tofile(f)
        np.asarray(document_indices, dtype='<i8').tofile(f)


def parse(path):
    buf = open(path, 'rb').read()
    assert buf[:9] == MAGIC, '%s: magic %r' % (path, buf[:9])
    version, = struct.unpack('<Q', buf[9:17])
    assert version == 1, '%s: version %d' % (path, version)
    code, = struct.unpack('<B', buf[17:18])
    assert code in DTYPES, '%s: dtype code %d' % (path, code)
    dtype = DTYPES[code]
    s, = struct.unpack('<Q', buf[18:26])
    d, = struct.unpack('<Q', buf[26:34])
    off = 34
    lengths = np.frombuffer(buf, dtype='<i4', count=s, offset=off); off += 4 * s
    pointers = np.frombuffer(buf, dtype='<i8', count=s, offset=off); off += 8 * s
    docs = np.frombuffer(buf, dtype='<i8', count=d, offset=off); off += 8 * d
    assert off == len(buf), '%s: size %d, arrays end at %d' % (path, len(buf), off)
    return dtype, s, d, lengths, pointers, docs


def validate(prefix):
    idx, bin_path = prefix + '.idx', prefix + '.bin'
    dtype, s, d, lengths, pointers, docs = parse(idx)
    assert (lengths >= 0).all(), '%s: negative length' % idx
    assert np.array_equal(pointers, sequence_pointers(lengths, dtype.itemsize)), '%s: pointers' % idx
    assert d >= 1 and docs[0] == 0, '%s: document indices start at %r' % (idx, docs[:1])
    assert (np.diff(docs) >= 0).all(), '%s: document indices decrease' % idx
    assert docs[-1] == s, '%s: document indices end at %d, not %d' % (idx, docs[-1], s)
    total = int(lengths.astype(np.int64).sum()) * dtype.itemsize
    assert total == os.path.getsize(bin_path), '%s: .bin has %d bytes, index says %d' % (
        bin_path, os.path.getsize(bin_path), total)
    tokens = np.memmap(bin_path, dtype=dtype, mode='r') if total else np.zeros(0, dtype)
    return {'dtype': dtype.name, 'sequences': int(s), 'documents': int(d - 1),
            'tokens': int(lengths.astype(np.int64).sum()), 'tokenSum': int(tokens.sum(dtype=np.int64))}


def merge(parts, out):
    start = time.perf_counter()
    dtype, lengths, documents = None, [], [0]
    with open(out + '.bin', 'wb') as merged:
        for part in parts:
            part_dtype, s, d, part_lengths, _, part_docs = parse(part + '.idx')
            assert dtype is None or part_dtype == dtype, '%s: dtype %s, not %s' % (part, part_dtype, dtype)
            dtype = part_dtype
            offset = sum(len(x) for x in lengths)
            lengths.append(part_lengths)
            documents.extend((part_docs + offset)[1:])
            with open(part + '.bin', 'rb') as f:
                shutil.copyfileobj(f, merged)
    write_index(out + '.idx', dtype, np.concatenate(lengths), documents)
    return {'millis': (time.perf_counter() - start) * 1000}


def shards(out, count, sequences):
    rng = np.random.default_rng(15)
    prefixes = []
    for p in range(count):
        n = sequences * (p + 1) // count - sequences * p // count
        lengths = rng.integers(1, 2049, n).astype(np.int32)
        prefix = os.path.join(out, 'shard-%d_text_document' % p)
        rng.integers(0, 65500, int(lengths.sum()), dtype=np.uint16).tofile(prefix + '.bin')
        cuts = np.cumsum(rng.integers(1, 9, n))
        write_index(prefix + '.idx', np.uint16, lengths, np.concatenate([[0], cuts[cuts < n], [n]]))
        prefixes.append(prefix)
    return {'prefixes': prefixes}


print(json.dumps({'numpy': np.__version__, 'python': sys.version.split()[0]}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if request['op'] == 'merge':
        print(json.dumps(merge(request['parts'], request['out'])), flush=True)
    elif request['op'] == 'shards':
        print(json.dumps(shards(request['out'], request['count'], request['sequences'])), flush=True)
    else:
        print(json.dumps(validate(request['prefix'])), flush=True)
