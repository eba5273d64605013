//! Keys and values of past positions, one cache per layer.
//!
//! Grows by doubling (so a decode step copies nothing) and truncates in
//! place, which is what lets a request reuse the prefix it shares with the
//! previous one.

use candle_core::{Result, Tensor};

#[derive(Debug, Default)]
pub struct KvCache {
    /// (batch, kv_heads, capacity, head_dim) each; `None` before first use.
    buffers: Option<(Tensor, Tensor)>,
    len: usize,
}

const INITIAL_CAPACITY: usize = 256;

impl KvCache {
    pub fn len(&self) -> usize {
        self.len
    }

    /// Forgets every position from `len` on.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Appends `k` and `v` (batch, kv_heads, tokens, head_dim) and returns
    /// views of every cached position.
    pub fn append(&mut self, k: &Tensor, v: &Tensor) -> Result<(Tensor, Tensor)> {
        let tokens = k.dim(2)?;
        let needed = self.len + tokens;
        let capacity = self.buffers.as_ref().map_or(0, |(k, _)| k.dims()[2]);
        if needed > capacity {
            let capacity = needed.next_power_of_two().max(INITIAL_CAPACITY);
            let (batch, heads, _, dim) = k.dims4()?;
            let grown_k = Tensor::zeros((batch, heads, capacity, dim), k.dtype(), k.device())?;
            let grown_v = Tensor::zeros((batch, heads, capacity, dim), v.dtype(), v.device())?;
            if let Some((old_k, old_v)) = &self.buffers {
                grown_k.slice_set(&old_k.narrow(2, 0, self.len)?.contiguous()?, 2, 0)?;
                grown_v.slice_set(&old_v.narrow(2, 0, self.len)?.contiguous()?, 2, 0)?;
            }
            self.buffers = Some((grown_k, grown_v));
        }
        let (cache_k, cache_v) = self.buffers.as_ref().expect("allocated above");
        cache_k.slice_set(&k.contiguous()?, 2, self.len)?;
        cache_v.slice_set(&v.contiguous()?, 2, self.len)?;
        self.len = needed;
        Ok((cache_k.narrow(2, 0, needed)?, cache_v.narrow(2, 0, needed)?))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    fn positions(from: u32, to: u32) -> Tensor {
        Tensor::arange(from, to, &Device::Cpu)
            .unwrap()
            .to_dtype(candle_core::DType::F32)
            .unwrap()
            .reshape((1, 1, (to - from) as usize, 1))
            .unwrap()
    }

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn grows_past_its_capacity_and_keeps_what_it_held() {
        let mut cache = KvCache::default();
        cache
            .append(&positions(0, 200), &positions(0, 200))
            .unwrap();
        let (k, v) = cache
            .append(&positions(200, 300), &positions(200, 300))
            .unwrap();
        assert_eq!(cache.len(), 300);
        assert_eq!(values(&k), values(&positions(0, 300)));
        assert_eq!(values(&v), values(&positions(0, 300)));
    }

    #[test]
    fn truncating_replaces_the_tail() {
        let mut cache = KvCache::default();
        cache.append(&positions(0, 10), &positions(0, 10)).unwrap();
        cache.truncate(4);
        let (k, _) = cache
            .append(&positions(100, 102), &positions(100, 102))
            .unwrap();
        assert_eq!(values(&k), [0.0, 1.0, 2.0, 3.0, 100.0, 101.0]);
        cache.truncate(50);
        assert_eq!(cache.len(), 6);
    }
}
