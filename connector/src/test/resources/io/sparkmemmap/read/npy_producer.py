# A producer of growing arrays, as the stream tests use it: NumPy writes every file. The value of row r, item c of
# the array numbered `ident` is ident * 10**9 + r * cols + c, so a reader can tell which rows arrived, from where.
import io
import os
import numpy as np


def rows_of(ident, first, n, cols):
    r = np.arange(first, first + n, dtype='<i8')[:, None]
    return ident * 1_000_000_000 + r * cols + np.arange(cols, dtype='<i8')


def create(path, ident, n, cols=3, dtype='<i8'):
    """A new .npy of n rows."""
    replace(path, rows_of(ident, 0, n, cols).astype(dtype))


def replace(path, array):
    """Writes array to path under a hidden name and renames it, as a producer publishes a whole file."""
    hidden = os.path.join(os.path.dirname(path), '.' + os.path.basename(path) + '.tmp')
    with open(hidden, 'wb') as f:
        np.save(f, array)
    os.replace(hidden, path)


def append(path, ident, n):
    """Appends n rows to a C-order .npy in place: the data first, then the header's shape, rewritten in the same
    number of bytes (NumPy leaves growth space after the header's dict for axis 0 to gain digits)."""
    with open(path, 'r+b') as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        assert not fortran
        data_offset = f.tell()
        cols = int(np.prod(shape[1:]))
        f.seek(0, os.SEEK_END)
        assert f.tell() == data_offset + shape[0] * cols * dtype.itemsize
        f.write(rows_of(ident, shape[0], n, cols).astype(dtype).tobytes())
        f.flush()
        header = io.BytesIO()
        d = {'descr': np.lib.format.dtype_to_descr(dtype), 'fortran_order': False,
             'shape': (shape[0] + n,) + tuple(shape[1:])}
        if version == (1, 0):
            np.lib.format.write_array_header_1_0(header, d)
        else:
            np.lib.format.write_array_header_2_0(header, d)
        assert len(header.getvalue()) == data_offset, 'no growth space left in the header'
        f.seek(0)
        f.write(header.getvalue())
    return shape[0] + n


def check(path, ident, n):
    """NumPy's own view of the file after the appends: n rows of the expected values."""
    a = np.load(path)
    assert a.shape[0] == n, (path, a.shape, n)
    assert (a == rows_of(ident, 0, n, a.shape[1]).astype(a.dtype)).all(), path
