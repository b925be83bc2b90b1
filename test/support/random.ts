// Seeded pseudo-random numbers for reproducible randomized tests: the seed is printed by each test,
// and TEST_SEED=<n> replays a failing run.
import { mulberry32 } from "../../local/prng";

export { mulberry32 };

export function seededRandom(seed?: number): { rand: () => number; seed: number } {
  const fromEnv = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : undefined;
  const chosen = seed ?? fromEnv ?? Math.floor(Math.random() * 2 ** 31);
  return { rand: mulberry32(chosen), seed: chosen };
}
