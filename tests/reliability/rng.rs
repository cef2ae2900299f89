//! A tiny seeded xorshift64* generator: reproducible randomness for tests
//! without a new dependency. Not for anything but tests.
#![allow(dead_code)]

pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (zero is replaced: xorshift needs a set bit).
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 { 0x2545_f491_4f6c_dd1d } else { seed })
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-enough in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    /// A seed from the clock, for runs that want a new one each time.
    pub fn clock_seed() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    }
}
