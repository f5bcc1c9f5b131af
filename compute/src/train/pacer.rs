//! Keeping a page responsive while the CPU backend trains on its main thread: a step (and an evaluation) is split
//! into chunks of whole sequences that each take at most a set time, and the trainer awaits the page's `pause`
//! between chunks so input, layout and paint run. Gradients of equal chunks are averaged, so a chunked step is the
//! same step up to float rounding.

use std::future::Future;
use std::pin::Pin;

/// Hands the thread back for a moment (the page passes a zero-delay timeout).
pub type Pause = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

/// How many sequences go in one chunk, from the measured time per sequence.
pub struct Pacer {
    pub pause: Pause,
    /// Longest a chunk should take, in seconds.
    max_s: f64,
    /// Measured seconds per sequence of a training chunk (smoothed).
    secs_per_row: Option<f64>,
    /// Rows per chunk now; 0 until decided. Kept between steps (a new size reallocates the activations) until a
    /// chunk runs far over or far under the limit.
    rows: usize,
}

impl Pacer {
    pub fn new(pause: Pause, max_s: f64) -> Pacer {
        Pacer { pause, max_s: max_s.max(0.0), secs_per_row: None, rows: 0 }
    }

    /// Rows per chunk for a batch of `batch` rows: a divisor of it (so every chunk weighs the same), the largest that
    /// fits the limit at the measured speed; one row until a speed is measured.
    pub fn rows(&mut self, batch: usize) -> usize {
        if self.rows == 0 || !batch.is_multiple_of(self.rows) {
            let fit = match self.secs_per_row {
                Some(per_row) if per_row > 0.0 => (self.max_s / per_row).floor() as usize,
                _ => 1,
            };
            self.rows = (1..=batch.max(1)).rev().find(|r| batch.is_multiple_of(*r) && *r <= fit.max(1)).unwrap_or(1);
        }
        self.rows
    }

    /// Records that a training chunk of `rows` took `secs`.
    pub fn observe(&mut self, rows: usize, secs: f64) {
        let per_row = secs / rows.max(1) as f64;
        let first = self.secs_per_row.is_none();
        self.secs_per_row = Some(self.secs_per_row.map_or(per_row, |old| 0.7 * old + 0.3 * per_row));
        if first || secs > 1.5 * self.max_s || secs < 0.3 * self.max_s {
            self.rows = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(max_s: f64) -> Pacer {
        Pacer::new(Box::new(|| Box::pin(async {})), max_s)
    }

    #[test]
    fn one_row_until_measured_then_the_largest_divisor_that_fits() {
        let mut p = pacer(0.025);
        assert_eq!(p.rows(16), 1);
        p.observe(1, 0.004); // 6.25 rows fit: 4 is the largest divisor of 16 under it
        assert_eq!(p.rows(16), 4);
        p.observe(4, 0.016); // within limits: kept
        assert_eq!(p.rows(16), 4);
        assert_eq!(p.rows(10), 5, "a batch the rows do not divide is re-decided");
    }

    #[test]
    fn a_slow_chunk_shrinks_the_chunks_and_a_fast_machine_takes_the_whole_batch() {
        let mut p = pacer(0.025);
        p.rows(8);
        p.observe(1, 0.020);
        assert_eq!(p.rows(8), 1);
        let mut fast = pacer(0.025);
        fast.rows(8);
        fast.observe(1, 0.0001);
        assert_eq!(fast.rows(8), 8);
        fast.observe(8, 0.2); // suddenly slow (another tab): re-decided from the smoothed speed
        assert!(fast.rows(8) < 8);
    }
}
