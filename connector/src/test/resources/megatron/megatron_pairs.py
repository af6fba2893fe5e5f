"""Megatron-LM indexed dataset pairs (.bin + .idx) in NumPy alone, for the connector's tests.

write_pair / write_index: a reimplementation of Megatron's _IndexWriter from the documented layout (magic
MMIDIDX\\0\\0, <Q version 1, <B dtype code, <Q sequence count S, <Q document count D, int32 lengths[S], int64 byte
pointers[S] (running sum of lengths x item size), int64 document indices[D], optional int8 modes[S]).

validate: stricter than Megatron's _IndexReader, which trusts the pointers and never looks at the .bin's size: it also
checks that every pointer is the running sum of lengths x item size, that document indices start at 0, never
decrease and end at S, that the file is exactly as long as the arrays, and that the .bin holds exactly the tokens.
"""
import os
import struct

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


def write_index(path, dtype, lengths, document_indices, modes=None):
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
        if modes is not None:
            np.asarray(modes, dtype='<i1').tofile(f)


def write_pair(prefix, dtype, sequences, document_indices=None, modes=None):
    """Writes prefix.bin and prefix.idx as Megatron's builder does: add_item per sequence, end_document per document
    (one sequence each unless document_indices says otherwise)."""
    dtype = np.dtype(dtype)
    lengths = [len(s) for s in sequences]
    if document_indices is None:
        document_indices = list(range(len(sequences) + 1))
    with open(prefix + '.bin', 'wb') as f:
        for s in sequences:
            f.write(np.asarray(s, dtype=dtype).tobytes(order='C'))
    write_index(prefix + '.idx', dtype, lengths, document_indices, modes)


def parse(path, multimodal=None):
    """The arrays as Megatron's _IndexReader finds them (np.frombuffer at computed offsets); multimodal None: from the
    file size."""
    buf = open(path, 'rb').read()
    assert buf[:9] == MAGIC, '%s: magic %r' % (path, buf[:9])
    version, = struct.unpack('<Q', buf[9:17])
    assert version == 1, '%s: version %d' % (path, version)
    code, = struct.unpack('<B', buf[17:18])
    assert code in DTYPES, '%s: dtype code %d' % (path, code)
    dtype = DTYPES[code]
    s, = struct.unpack('<Q', buf[18:26])
    d, = struct.unpack('<Q', buf[26:34])
    size = 34 + 12 * s + 8 * d
    if multimodal is None:
        multimodal = len(buf) == size + s and s > 0
    off = 34
    lengths = np.frombuffer(buf, dtype='<i4', count=s, offset=off); off += 4 * s
    pointers = np.frombuffer(buf, dtype='<i8', count=s, offset=off); off += 8 * s
    docs = np.frombuffer(buf, dtype='<i8', count=d, offset=off); off += 8 * d
    modes = None
    if multimodal:
        modes = np.frombuffer(buf, dtype='<i1', count=s, offset=off); off += s
    assert off == len(buf), '%s: size %d, arrays end at %d' % (path, len(buf), off)
    return dtype, s, d, lengths, pointers, docs, modes


def validate(prefix, multimodal=None):
    """Checks a pair strictly; returns (dtype, lengths, pointers, docs, modes, tokens)."""
    idx, bin_path = prefix + '.idx', prefix + '.bin'
    dtype, s, d, lengths, pointers, docs, modes = parse(idx, multimodal)
    assert (lengths >= 0).all(), '%s: negative length' % idx
    sizes = lengths.astype(np.int64) * dtype.itemsize
    assert np.array_equal(pointers, sequence_pointers(lengths, dtype.itemsize)), '%s: pointers' % idx
    assert d >= 1 and docs[0] == 0, '%s: document indices start at %r' % (idx, docs[:1])
    assert (np.diff(docs) >= 0).all(), '%s: document indices decrease' % idx
    assert docs[-1] == s, '%s: document indices end at %d, not %d' % (idx, docs[-1], s)
    total = int(sizes.sum())
    assert total == os.path.getsize(bin_path), '%s: .bin has %d bytes, index says %d' % (
        bin_path, os.path.getsize(bin_path), total)
    tokens = np.fromfile(bin_path, dtype=dtype) if total else np.zeros(0, dtype)
    return dtype, lengths, pointers, docs, modes, tokens


def sequences(prefix, multimodal=None):
    """Each sequence as a list, in order, after validate."""
    dtype, lengths, pointers, docs, modes, tokens = validate(prefix, multimodal)
    starts = pointers // dtype.itemsize
    return [tokens[a:a + n].tolist() for a, n in zip(starts, lengths)]


def documents(prefix):
    """The document of each sequence, numbered from 0."""
    dtype, lengths, pointers, docs, modes, tokens = validate(prefix)
    return (np.searchsorted(docs[:-1], np.arange(len(lengths)), side='right') - 1).tolist()


def merge(prefixes, out):
    """Megatron's tools/merge_datasets.py: IndexedDatasetBuilder.add_index of each pair in order (lengths and modes
    appended, document indices but the first offset by the sequences before, the .bin's bytes copied)."""
    dtype, lengths, docs, modes = None, [], [0], None
    with open(out + '.bin', 'wb') as f:
        for p in prefixes:
            dt, s, d, l, ptr, dc, md = parse(p + '.idx')
            assert dtype is None or dt == dtype, '%s: dtype %s, not %s' % (p, dt, dtype)
            dtype = dt
            docs.extend((len(lengths) + dc)[1:].tolist())
            lengths.extend(l.tolist())
            if md is not None:
                modes = (modes or []) + md.tolist()
            with open(p + '.bin', 'rb') as b:
                f.write(b.read(int(l.astype(np.int64).sum()) * dt.itemsize))
    write_index(out + '.idx', dtype, lengths, docs, modes)
