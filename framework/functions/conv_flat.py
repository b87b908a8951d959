"""Array kernels of stride-1 convolution on flattened, padded channel planes.

A stride-1 convolution reads, for kernel offset ``(i, j)``, the padded image shifted by
``i`` rows and ``j`` columns. Lay the padded batch out channel-major and flat,
``(C, N*Hp*Wp)``, and that shift is one offset ``i*Wp + j`` along the flat axis: the
im2col row of ``(c, i, j)`` is a single contiguous run of ``N*Hp*Wp`` values. So

* im2col is ``C*KH*KW`` long contiguous copies (one strided view copied at once),
  instead of ``C*KH*KW*N*OH`` copies of ``OW`` values each;
* the GEMM computes an output for every flat position; those whose window runs off
  the right or bottom edge (``Hp*Wp - OH*OW`` per image) are computed and dropped,
  and the output is a strided view of the valid ones (no copy);
* col2im adds ``KH*KW`` contiguous ``(C, N*Hp*Wp)`` slices into a flat buffer.

Gradients enter in the same flat layout with zeros at the dropped positions, so the
weight gradient is one GEMM and the input gradient one GEMM plus col2im. The extra
GEMM work is ``Hp*Wp / (OH*OW)`` (1.3x for a 3x3 kernel with padding 1 on 14x14);
:func:`worthwhile` keeps the path to shapes where that stays small: measured (CPU time,
1 thread, forward + backward), 3x3 pad 1 on 14x14 (1.31x the columns) took 0.87-0.92x
the generic path's time at batch 32-128, and 5x5 pad 2 on 16x16 (1.56x) took 1.06x.

The GEMMs run block by block over the flat axis (:func:`flat_conv`,
:func:`flat_weight_grad`, :func:`flat_transposed`): a block of im2col rows is copied and
multiplied while it is still in cache, and a block of the input gradient's columns is
added back (col2im) right after its GEMM. A large im2col matrix never exists whole, so
the forward pass keeps only the padded input for the weight gradient, ``KH*KW`` times
smaller (an im2col of up to two blocks' bytes is one block, kept whole as before). Measured on the 32->64 3x3 convolution of a 26x26 batch of 64 (1 thread):
forward 25.7 -> 19.4 ms, input gradient 23.8 -> 18.1 ms; the weight gradient
rebuilds its blocks (2.9 ms of copies) instead of reading a kept matrix.
"""
from framework import backend, threads

__all__ = ["worthwhile", "flat_padded", "flat_output", "flat_gradient", "geometry",
           "flat_conv", "flat_weight_grad", "flat_transposed", "Kept"]

#: Largest ``Hp*Wp / (OH*OW)`` (computed positions per kept output) worth it.
MAX_WASTE = 1.35

#: Bytes of im2col rows (or input-gradient columns) per GEMM block on the CPU. Blocks
#: of 0.8 MB were slower (narrow GEMMs), 3-5 MB fastest, on a 2 MB L2 cache.
BLOCK_BYTES = 4 << 20
#: Fewest columns per block (narrower GEMMs lose more than the cache gains).
MIN_BLOCK = 1024


def geometry(h, w, kh, kw, ph, pw):
    """``(hp, wp, oh, ow, tail)``: padded and output sizes, and the flat overhang.

    ``tail`` is the largest kernel offset ``(KH-1)*Wp + KW-1``: the flat buffers are
    that much longer so the last shifted run stays inside them.
    """
    hp, wp = h + 2 * ph, w + 2 * pw
    return hp, wp, hp - kh + 1, wp - kw + 1, (kh - 1) * wp + (kw - 1)


def worthwhile(h, w, kh, kw, ph, pw, stride):
    """Whether the flat path suits a convolution of this shape (stride 1, little waste)."""
    if tuple(stride) != (1, 1):
        return False
    hp, wp, oh, ow, _ = geometry(h, w, kh, kw, ph, pw)
    return oh > 0 and ow > 0 and hp * wp <= MAX_WASTE * oh * ow


def flat_padded(x, ph, pw, tail):
    """``(C, N*Hp*Wp + tail)``: ``x`` (N, C, H, W) zero-padded, channel-major and flat."""
    xp = backend.get_array_module(x)
    n, c, h, w = x.shape
    hp, wp = h + 2 * ph, w + 2 * pw
    length = n * hp * wp
    buf = xp.empty((c, length + tail), dtype=x.dtype)
    planes, src = buf[:, :length].reshape(c, n, hp, wp), x.transpose(1, 0, 2, 3)

    def fill(c0, c1):  # channels c0..c1-1: the image, zeros around it and in the tail
        planes[c0:c1, :, ph:ph + h, pw:pw + w] = src[c0:c1]
        planes[c0:c1, :, :ph] = 0
        planes[c0:c1, :, ph + h:] = 0
        planes[c0:c1, :, ph:ph + h, :pw] = 0
        planes[c0:c1, :, ph:ph + h, pw + w:] = 0
        buf[c0:c1, length:] = 0
    threads.split_work(fill, c, buf.size, numpy=_is_numpy(xp))
    return buf


def flat_output(y, n, hp, wp, oh, ow):
    """The valid ``(N, OC, OH, OW)`` view of a flat ``(OC, N*Hp*Wp)`` GEMM result."""
    return y.reshape(y.shape[0], n, hp, wp)[:, :, :oh, :ow].transpose(1, 0, 2, 3)


def flat_gradient(gy, hp, wp):
    """``(OC, N*Hp*Wp)``: ``gy`` (N, OC, OH, OW) in the flat layout, zero where dropped."""
    xp = backend.get_array_module(gy)
    n, oc, oh, ow = gy.shape
    g = xp.empty((oc, n * hp * wp), dtype=gy.dtype)
    planes, src = g.reshape(oc, n, hp, wp), gy.transpose(1, 0, 2, 3)

    def fill(c0, c1):  # output channels c0..c1-1: zeros only where outputs are dropped
        planes[c0:c1, :, :oh, :ow] = src[c0:c1]
        planes[c0:c1, :, :oh, ow:] = 0
        planes[c0:c1, :, oh:] = 0
    threads.split_work(fill, oc, g.size, numpy=_is_numpy(xp))
    return g


def _is_numpy(xp):
    return xp.__name__ == "numpy"


def _blocks(xp, length, rows, itemsize):
    """``(start, stop)`` column ranges of the flat axis, of equal size; one range on a
    GPU or for an im2col of at most two blocks' bytes (that one is kept whole, see
    :func:`flat_conv`). Work that threads share gets at least one block per thread."""
    if not _is_numpy(xp):
        return [(0, length)]
    total = rows * length * itemsize
    count = 1 if total <= 2 * BLOCK_BYTES else -(-total // BLOCK_BYTES)
    count = max(count, len(threads.bounds(length, rows * length)) - 1)
    step = max(MIN_BLOCK, -(-length // count))
    return [(s, min(length, s + step)) for s in range(0, length, step)]


def _block_im2col(xp, buf, kh, kw, wp, start, stop, storage):
    """im2col columns ``start:stop``, ``(C*KH*KW, stop-start)``, copied into ``storage``
    (threads share the channels of a large copy)."""
    c = buf.shape[0]
    s0, s1 = buf.strides
    runs = xp.lib.stride_tricks.as_strided(buf[:, start:], shape=(c, kh, kw, stop - start),
                                           strides=(s0, wp * s1, s1, s1))
    col = storage[:c * kh * kw * (stop - start)].reshape(c, kh, kw, stop - start)

    def copy(c0, c1):
        col[c0:c1] = runs[c0:c1]
    threads.split_work(copy, c, col.size, numpy=_is_numpy(xp))
    return col.reshape(c * kh * kw, stop - start)


class Kept(tuple):
    """What the forward pass keeps for the weight gradient: ``(padded, col)``, the
    padded flat input or, when im2col took one block, the whole im2col matrix."""

    @property
    def padded(self):
        return self[0]

    @property
    def col(self):
        return self[1]


def flat_conv(buf, Wm, b, kh, kw, wp, length):
    """``(OC, length)``: ``Wm`` (OC, C*KH*KW) times the im2col of ``buf`` (from
    :func:`flat_padded`), plus ``b`` (OC,) when given; block by block, threads taking
    runs of blocks (each writes its own columns of the result).

    Returns:
        ``(y, kept)``: the result, and a :class:`Kept` for :func:`flat_weight_grad`.
    """
    xp = backend.get_array_module(buf)
    rows = Wm.shape[1]
    y = xp.empty((Wm.shape[0], length), dtype=xp.result_type(Wm, buf))
    blocks = _blocks(xp, length, rows, buf.itemsize)
    whole = []

    def run(first, last):
        storage = xp.empty(rows * (blocks[0][1] - blocks[0][0]), dtype=buf.dtype)
        for start, stop in blocks[first:last]:
            out = y[:, start:stop]
            col = _block_im2col(xp, buf, kh, kw, wp, start, stop, storage)
            xp.matmul(Wm, col, out=out)
            if b is not None:
                out += b.reshape(-1, 1)
            if len(blocks) == 1:
                whole.append(col)
    threads.split_work(run, len(blocks), rows * length, blas=True, numpy=_is_numpy(xp))
    return y, Kept((None, whole[0]) if whole else (buf, None))


def flat_weight_grad(gy_flat, kept, kh, kw, wp):
    """``(OC, C*KH*KW)``: ``gy_flat`` (OC, length) times the im2col (``kept.col``, or
    rebuilt block by block from ``kept.padded``, threads summing runs of blocks),
    transposed."""
    xp = backend.get_array_module(gy_flat)
    # Computed transposed, (C*KH*KW, OC): OpenBLAS ran this orientation in 15.7 ms
    # against 19.4 ms for (OC, C*KH*KW) on the 32->64 convolution of 26x26 images.
    if kept.col is not None:
        return (kept.col @ gy_flat.T).T
    buf = kept.padded
    length = gy_flat.shape[1]
    rows = buf.shape[0] * kh * kw
    blocks = _blocks(xp, length, rows, buf.itemsize)
    sums = {}

    def run(first, last):
        storage = xp.empty(rows * (blocks[0][1] - blocks[0][0]), dtype=buf.dtype)
        total = scratch = None
        for start, stop in blocks[first:last]:
            col = _block_im2col(xp, buf, kh, kw, wp, start, stop, storage)
            if total is None:
                total = col @ gy_flat[:, start:stop].T
                scratch = xp.empty_like(total)
            else:
                xp.matmul(col, gy_flat[:, start:stop].T, out=scratch)
                total += scratch
        sums[first] = total
    threads.split_work(run, len(blocks), rows * length, blas=True, numpy=_is_numpy(xp))
    parts = [sums[k] for k in sorted(sums)]
    gWt = parts[0]
    for other in parts[1:]:
        gWt += other
    return gWt.T


def flat_transposed(gy_flat, Wt, c, kh, kw, n, h, w, ph, pw):
    """The ``(N, C, H, W)`` image (a view of channel-major memory) of ``Wt``
    (C*KH*KW, OC) times ``gy_flat`` (OC, N*Hp*Wp), added back by col2im; block by
    block, each block's columns added while in cache. Threads take the channels
    (each computes and adds its own rows of the image)."""
    xp = backend.get_array_module(gy_flat)
    hp, wp, _, _, tail = geometry(h, w, kh, kw, ph, pw)
    length = n * hp * wp
    dtype = xp.result_type(Wt, gy_flat)
    img = xp.zeros((c, length + tail), dtype=dtype)
    blocks = _blocks(xp, length, Wt.shape[0], img.itemsize)

    def run(c0, c1):  # channels c0..c1-1
        w_part = Wt[c0 * kh * kw:c1 * kh * kw]
        rows = w_part.shape[0]
        storage = xp.empty(rows * (blocks[0][1] - blocks[0][0]), dtype=dtype)
        for start, stop in blocks:
            gcol = storage[:rows * (stop - start)].reshape(rows, stop - start)
            xp.matmul(w_part, gy_flat[:, start:stop], out=gcol)
            gcol = gcol.reshape(c1 - c0, kh, kw, stop - start)
            for i in range(kh):
                for j in range(kw):
                    off = start + i * wp + j
                    img[c0:c1, off:off + stop - start] += gcol[:, i, j]
    threads.split_work(run, c, Wt.shape[0] * length, blas=True, numpy=_is_numpy(xp))
    return img[:, :length].reshape(c, n, hp, wp)[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3)
