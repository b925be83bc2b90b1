// Seeded pseudo-random numbers, shared by the emulator's fault injection, the tests and the benchmarks,
// so that every random sequence can be replayed from the seed it printed.

/** mulberry32: tiny, fast, and good enough for test data and fault schedules (not for cryptography). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
