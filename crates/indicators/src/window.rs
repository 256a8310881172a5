//! Fixed-capacity rolling windows allocated once: a ring buffer and monotonic max/min deques.

/// A ring buffer of the last `capacity` values; `push` returns the value it evicts once full.
#[derive(Debug, Clone)]
pub(crate) struct Ring {
    buf: Vec<f64>,
    head: usize,
    len: usize,
}

impl Ring {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            buf: vec![0.0; capacity.max(1)],
            head: 0,
            len: 0,
        }
    }

    /// Appends `x`; returns the evicted oldest value when the ring was already full.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) -> Option<f64> {
        let cap = self.buf.len();
        let slot = self.head;
        self.head = if slot + 1 == cap { 0 } else { slot + 1 };
        let old = std::mem::replace(&mut self.buf[slot], x);
        if self.len == cap {
            Some(old)
        } else {
            self.len += 1;
            None
        }
    }

    /// The value pushed `back` steps ago (0 = the newest); needs `back < len`.
    #[inline]
    pub(crate) fn get_back(&self, back: usize) -> f64 {
        // head + cap - 1 - back < 2 * cap, so one conditional subtraction replaces a modulo.
        let cap = self.buf.len();
        let idx = self.head + cap - 1 - back;
        self.buf[if idx >= cap { idx - cap } else { idx }]
    }

    /// The newest `count` values (`count <= len`), oldest first, as up to two contiguous slices.
    #[inline]
    pub(crate) fn newest(&self, count: usize) -> (&[f64], &[f64]) {
        let cap = self.buf.len();
        // The newest value sits just before `head`; the `count` newest start `count` slots before it.
        let start = (self.head + cap - count) % cap;
        if start + count <= cap {
            (&self.buf[start..start + count], &[])
        } else {
            (&self.buf[start..], &self.buf[..start + count - cap])
        }
    }

    /// The slot the next `push` writes.
    #[inline]
    pub(crate) fn head(&self) -> usize {
        self.head
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }

    /// The raw storage in slot order (not age order), as TA-Lib's circular buffers are summed.
    #[inline]
    pub(crate) fn slots(&self) -> &[f64] {
        &self.buf
    }

    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

/// Rolling maximum (or minimum) over the last `period` pushes, O(1) amortised per push: a monotonic deque
/// kept in fixed power-of-two ring arrays (allocated once) rather than a `VecDeque`.
#[derive(Debug, Clone)]
pub(crate) struct MonotonicDeque {
    // Values strictly decreasing (max) or increasing (min) from head to tail, with their sequence numbers.
    seqs: Vec<u64>,
    values: Vec<f64>,
    mask: u64,
    head: u64,
    tail: u64,
    period: u64,
    seq: u64,
    is_max: bool,
}

impl MonotonicDeque {
    pub(crate) fn new(period: usize, is_max: bool) -> Self {
        let cap = (period + 1).next_power_of_two();
        Self {
            seqs: vec![0; cap],
            values: vec![0.0; cap],
            mask: cap as u64 - 1,
            head: 0,
            tail: 0,
            period: period as u64,
            seq: 0,
            is_max,
        }
    }

    /// Pushes `x` and returns the extreme of the last `period` values (including `x`).
    #[inline]
    pub(crate) fn push(&mut self, x: f64) -> f64 {
        let mask = self.mask;
        // Ties drop the older value, which leaves the window first.
        while self.tail > self.head {
            let back = self.values[((self.tail - 1) & mask) as usize];
            let dominated = if self.is_max { back <= x } else { back >= x };
            if !dominated {
                break;
            }
            self.tail -= 1;
        }
        let slot = (self.tail & mask) as usize;
        self.values[slot] = x;
        self.seqs[slot] = self.seq;
        self.tail += 1;
        self.seq += 1;
        // Sequence numbers are distinct and increasing, so at most the head can have left the window.
        let front = (self.head & mask) as usize;
        if self.seqs[front] + self.period < self.seq {
            self.head += 1;
        }
        self.values[(self.head & mask) as usize]
    }

    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.tail = 0;
        self.seq = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_evicts_oldest_once_full() {
        let mut r = Ring::new(3);
        assert_eq!(r.push(1.0), None);
        assert_eq!(r.push(2.0), None);
        assert_eq!(r.push(3.0), None);
        assert_eq!(r.get_back(0), 3.0);
        assert_eq!(r.get_back(2), 1.0);
        assert_eq!(r.push(4.0), Some(1.0));
        assert_eq!(r.get_back(2), 2.0);
    }

    #[test]
    fn newest_returns_values_oldest_first() {
        let mut r = Ring::new(4);
        for x in 1..=6 {
            r.push(f64::from(x));
        }
        let (a, b) = r.newest(3);
        assert_eq!([a, b].concat(), vec![4.0, 5.0, 6.0]);
        let (a, b) = r.newest(4);
        assert_eq!([a, b].concat(), vec![3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn deque_tracks_rolling_max_and_min() {
        let xs = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0];
        let mut hi = MonotonicDeque::new(3, true);
        let mut lo = MonotonicDeque::new(3, false);
        for (i, &x) in xs.iter().enumerate() {
            let w = &xs[i.saturating_sub(2)..=i];
            assert_eq!(hi.push(x), w.iter().copied().fold(f64::MIN, f64::max));
            assert_eq!(lo.push(x), w.iter().copied().fold(f64::MAX, f64::min));
        }
    }
}
