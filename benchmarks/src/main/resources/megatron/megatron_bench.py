"""The NumPy side of MegatronBenchmark, a process the benchmark talks to a line of JSON at a time. It runs after the
connector's test helper megatron/megatron_pairs.py (its write_index, parse and strict validate).

merge: what Megatron-LM's tools/merge_datasets.py does with the pairs of many workers, serially in one process:
for each part, in order, IndexedDatasetBuilder.add_index (copy the part's .bin onto the end of the merged .bin with
shutil.copyfileobj, append its sequence lengths, append its document indices offset by the sequences before it),
then finalize (write the .idx with the pointers as the running sum of lengths x item size). Answers its own time.

shards: count pairs of the given number of uint16 sequences in all (pseudo-random lengths 1..2048, documents of
1..8 sequences), written as Megatron's builder writes them: the inputs of a merge.

validate: megatron_pairs.validate (stricter than Megatron's _IndexReader). Answers the counts.
"""

import json
import os
import shutil
import sys
import time

import numpy as np


def counts(prefix):
    dtype, lengths, pointers, docs, modes, tokens = validate(prefix)
    return {'dtype': dtype.name, 'sequences': len(lengths), 'documents': len(docs) - 1,
            'tokens': int(lengths.astype(np.int64).sum()), 'tokenSum': int(tokens.sum(dtype=np.int64))}


def megatron_merge(parts, out):
    start = time.perf_counter()
    dtype, lengths, documents = None, [], [0]
    with open(out + '.bin', 'wb') as merged:
        for part in parts:
            part_dtype, s, d, part_lengths, _, part_docs, _ = parse(part + '.idx')
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
        print(json.dumps(megatron_merge(request['parts'], request['out'])), flush=True)
    elif request['op'] == 'shards':
        print(json.dumps(shards(request['out'], request['count'], request['sequences'])), flush=True)
    else:
        print(json.dumps(counts(request['prefix'])), flush=True)
