// What an arena entry reaches by handle: values kept as JS objects (collections, and strings too
// long for the arena) and keys too long for it (entry-layout.ts). A freed handle is reused first,
// so the arrays grow only with the objects held at once.

import type { StoredValue } from '../value.js';

export class HeapHandles {
  values: (StoredValue | undefined)[] = [];
  /** The key of a handle whose entry keeps its key here too (HEAP_KEY). */
  keys: (string | undefined)[] = [];
  private freed: number[] = [];

  /** Objects held now. */
  get held(): number {
    return this.values.length - this.freed.length;
  }

  add(value: StoredValue): number {
    const handle = this.freed.pop() ?? this.values.length;
    this.values[handle] = value;
    return handle;
  }

  free(handle: number): void {
    this.values[handle] = undefined;
    this.keys[handle] = undefined;
    this.freed.push(handle);
  }

  clear(): void {
    this.values = [];
    this.keys = [];
    this.freed = [];
  }
}
