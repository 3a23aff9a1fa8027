// Latency histograms: logarithmic bins of µs, the same in every client thread's slab, so the
// report merges them by adding counts and reads percentiles from the merged bins.

/**
 * Bins per octave (power of two) of µs: a bin is 2^(1/16) wide, so a percentile is read to within
 * 4.4% (reported as its bin's upper edge), fine enough for profile-diff to see a 5% change.
 */
const BINS_PER_OCTAVE = 16;
/** Octaves of µs covered: 1 µs to 2^26 µs (67 s); longer lands in the last bin. */
const OCTAVES = 26;
export const HISTOGRAM_BINS = BINS_PER_OCTAVE * OCTAVES;

export function binOf(micros: number): number {
  if (!(micros >= 1)) return 0;
  const bin = Math.floor(Math.log2(micros) * BINS_PER_OCTAVE);
  return bin >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : bin;
}

/** The upper edge of a bin, µs. */
export function binUpperMicros(bin: number): number {
  return 2 ** ((bin + 1) / BINS_PER_OCTAVE);
}

/** Rounds to `digits` decimals (the report's figures are rounded so its JSON stays readable). */
export const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The `p` percentile (0..1) of `count` latencies in `bins`, ms (its bin's upper edge); null when
 * there are none.
 */
export function percentileOfBins(bins: ArrayLike<number>, count: number, p: number): number | null {
  if (count === 0) return null;
  const rank = Math.ceil(count * p);
  let seen = 0;
  for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
    seen += bins[bin]!;
    if (seen >= rank) return round(binUpperMicros(bin) / 1000);
  }
  return round(binUpperMicros(HISTOGRAM_BINS - 1) / 1000);
}
