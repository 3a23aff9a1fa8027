// The rebalance plan: which slots to move so that keys (or slots) per shard follow the weights.
// A pure function of the slot map and the load per slot, so it is tested without shards.

/**
 * A greedy plan: while the most overloaded shard (load above its share) has a slot whose move to
 * the most underloaded shard reduces the larger of their two deviations, move the best such slot.
 */
export function planRebalance(
  owner: readonly number[],
  load: ArrayLike<number>,
  weights: readonly number[],
): { slot: number; source: number; target: number }[] {
  const shards = weights.length;
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const perShard = new Array<number>(shards).fill(0);
  const slotsOf: number[][] = Array.from({ length: shards }, () => []);
  let total = 0;
  for (let slot = 0; slot < owner.length; slot++) {
    perShard[owner[slot]!]! += load[slot]!;
    slotsOf[owner[slot]!]!.push(slot);
    total += load[slot]!;
  }
  const share = weights.map((w) => (total * w) / totalWeight);
  const moves: { slot: number; source: number; target: number }[] = [];
  const owners = [...owner];
  for (let step = 0; step < owner.length; step++) {
    let over = 0;
    let under = 0;
    for (let s = 1; s < shards; s++) {
      if (perShard[s]! - share[s]! > perShard[over]! - share[over]!) over = s;
      if (perShard[s]! - share[s]! < perShard[under]! - share[under]!) under = s;
    }
    const excess = perShard[over]! - share[over]!;
    const room = share[under]! - perShard[under]!;
    if (over === under || excess <= 0 || room <= 0) break;
    // The slot whose load is closest to min(excess, room) without exceeding what helps.
    const ideal = Math.min(excess, room);
    let best = -1;
    let bestScore = Infinity;
    for (const slot of slotsOf[over]!) {
      if (owners[slot] !== over) continue;
      const l = load[slot]!;
      if (l === 0 || l >= 2 * ideal) continue;
      const score = Math.abs(ideal - l);
      if (score < bestScore) {
        bestScore = score;
        best = slot;
      }
    }
    if (best < 0) break;
    owners[best] = under;
    perShard[over]! -= load[best]!;
    perShard[under]! += load[best]!;
    moves.push({ slot: best, source: over, target: under });
  }
  return moves;
}
