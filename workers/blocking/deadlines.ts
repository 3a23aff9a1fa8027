// The deadlines of blocked requests, soonest first: a binary heap. A request that left the
// registry early (served, dropped, moved) stays in the heap, marked done, until it reaches the
// top, where it is thrown away: removing it from the middle would cost a search.

/** What the heap orders: a deadline (Unix ms), the order the request blocked in, and whether it left. */
export interface Deadline {
  readonly deadline: number;
  readonly sequence: number;
  readonly done: boolean;
}

export class DeadlineHeap<T extends Deadline> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** The soonest deadline of a request still blocked (done ones on top are thrown away). */
  peek(): T | undefined {
    const items = this.items;
    while (items.length > 0 && items[0]!.done) this.pop();
    return items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let next = i;
      if (left < items.length && before(items[left]!, items[next]!)) next = left;
      if (right < items.length && before(items[right]!, items[next]!)) next = right;
      if (next === i) break;
      [items[i], items[next]] = [items[next]!, items[i]!];
      i = next;
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** Sooner deadline first; of two equal ones, the request that blocked first. */
function before(a: Deadline, b: Deadline): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
}
