// The seeded generator of the fuzz tests' client threads (plain JavaScript: worker threads load
// it without vitest's transform). mulberry32, as test/support/random.ts.

export function random(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { int, pick: (items) => items[int(items.length)], chance: (p) => next() < p };
}
