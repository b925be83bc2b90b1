// Seeded pseudo-random numbers for reproducible randomized tests: the seed is printed by each test,
// and TEST_SEED=<n> replays a failing run.

/** mulberry32: small, fast, good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededRandom(seed?: number): { rand: () => number; seed: number } {
  const fromEnv = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : undefined;
  const chosen = seed ?? fromEnv ?? Math.floor(Math.random() * 2 ** 31);
  return { rand: mulberry32(chosen), seed: chosen };
}
