// The one summary of repeated runs the bench uses: the middle of the sorted values.

/** The middle value of the sorted values (the upper one of the two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
