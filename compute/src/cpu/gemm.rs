//! The one matrix multiply every CPU layer goes through: strided, optionally accumulating, backed by `matrixmultiply`.

use super::Real;

/// Where a matrix's elements live: element (i, j) is at `data[offset + i * row + j * col]`. Transposing a matrix is
/// swapping `row` and `col`, so `Aᵀ` costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strides {
    pub offset: usize,
    pub row: usize,
    pub col: usize,
}

impl Strides {
    /// A row-major matrix with `cols` columns starting at element 0.
    pub fn rows(cols: usize) -> Strides {
        Strides { offset: 0, row: cols, col: 1 }
    }

    /// The transpose of a row-major matrix with `cols` columns: reads it column by column.
    pub fn cols(cols: usize) -> Strides {
        Strides { offset: 0, row: 1, col: cols }
    }

    /// The same layout starting `offset` elements further in.
    pub fn at(self, offset: usize) -> Strides {
        Strides { offset: self.offset + offset, ..self }
    }

    /// Largest index an (r, c) matrix reaches, or None when it is empty.
    fn last(&self, r: usize, c: usize) -> Option<usize> {
        (r > 0 && c > 0).then(|| self.offset + (r - 1) * self.row + (c - 1) * self.col)
    }
}

/// `c (m, n) = a (m, k) · b (k, n)`, or `c += a · b` when `accumulate`. Panics, naming the operand, when a matrix
/// reaches past its slice.
#[allow(clippy::too_many_arguments)]
pub fn gemm<F: Real>(
    m: usize,
    k: usize,
    n: usize,
    a: &[F],
    sa: Strides,
    b: &[F],
    sb: Strides,
    c: &mut [F],
    sc: Strides,
    accumulate: bool,
) {
    let fits = |name: &str, len: usize, s: &Strides, r: usize, cols: usize| {
        if let Some(last) = s.last(r, cols) {
            assert!(last < len, "gemm: {name} ({r}, {cols}) with {s:?} reaches index {last} of a slice of {len}");
        }
    };
    fits("a", a.len(), &sa, m, k);
    fits("b", b.len(), &sb, k, n);
    fits("c", c.len(), &sc, m, n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                for j in 0..n {
                    c[sc.offset + i * sc.row + j * sc.col] = F::zero();
                }
            }
        }
        return;
    }
    let beta = if accumulate { F::one() } else { F::zero() };
    let (a, b, c) = (a[sa.offset..].as_ptr(), b[sb.offset..].as_ptr(), c[sc.offset..].as_mut_ptr());
    // SAFETY: every index reached was bounds-checked above; `c` is a unique borrow, so it cannot overlap `a` or `b`.
    // Strides fit in isize because they index into live slices.
    unsafe {
        F::gemm_raw(
            m,
            k,
            n,
            a,
            sa.row as isize,
            sa.col as isize,
            b,
            sb.row as isize,
            sb.col as isize,
            beta,
            c,
            sc.row as isize,
            sc.col as isize,
        )
    }
}
