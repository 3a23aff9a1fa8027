// A big list in pieces. Operations:
//
//   APPEND    (element)          at the tail of the copy: the cursor's next element
//   PUSH_HEAD (u32 n, n elements, head first)   pushed at the head of the source
//   POP_HEAD  (u32 n)            popped from the head of the source
//   POP_TAIL  (u32 n)            popped from the tail, as far as the copy reaches
//   CLEAR                        the list changed in the middle: the copy starts over
//
// `sent` counts the elements at the head of the source that the copy holds once every operation
// written or queued is applied: the copy is always source[0, sent). The tracker keeps it so:
//
// - n pushed at the head: the copy needs them too (queued, with their values read now); sent + n;
// - n pushed at the tail: past the cursor, later pieces carry them;
// - n popped at the head: the copy pops the ones it has, min(n, sent);
// - popped at the tail: the copy pops what now lies past the end, if it reaches that far;
// - LSET, LINSERT, LREM, LTRIM (rewritten): nothing says what moved, so the copy starts over.
//
// A piece writes the queued operations, then APPENDs source[sent...]. The copy equals the list
// when nothing is queued and sent is the list's size.

import { ListValue } from '../../keyspace/list-value.js';
import type { CollectionValue } from '../../keyspace/value.js';
import { PieceSource, type StagedValue } from './piece.js';
import { type OpReader, type OpWriter, textBytes, U32_BYTES } from './piece-frame.js';

const Op = { Append: 1, PushHead: 2, PopHead: 3, PopTail: 4, Clear: 5 } as const;

/** A change waiting for the next piece: elements pushed at the head, or a pop count. */
type Queued =
  | { readonly op: typeof Op.PushHead; readonly elements: string[] }
  | { readonly op: typeof Op.PopHead | typeof Op.PopTail; readonly count: number }
  | { readonly op: typeof Op.Clear };

export class ListPieceSource extends PieceSource {
  private sent = 0;
  private queued: Queued[] = [];
  private next = 0;

  constructor(readonly value: ListValue) {
    super();
  }

  override pushed(head: boolean, count: number): void {
    if (!head) return;
    const elements = new Array<string>(count);
    for (let i = 0; i < count; i++) elements[i] = this.value.at(i);
    this.queued.push({ op: Op.PushHead, elements });
    this.sent += count;
  }

  override popped(head: boolean, count: number): void {
    if (head) {
      const popped = Math.min(count, this.sent);
      if (popped > 0) this.queued.push({ op: Op.PopHead, count: popped });
      this.sent -= popped;
      return;
    }
    const size = this.value.size;
    if (this.sent > size) {
      this.queued.push({ op: Op.PopTail, count: this.sent - size });
      this.sent = size;
    }
  }

  override rewritten(): void {
    // What was queued only changed the copy that is now dropped.
    this.queued = [{ op: Op.Clear }];
    this.next = 0;
    this.sent = 0;
    this.restarts++;
  }

  write(ops: OpWriter, bytes: number): void {
    const queued = this.queued;
    while (this.next < queued.length) {
      if (ops.bytes >= bytes) return;
      putQueued(ops, queued[this.next++]!);
    }
    if (queued.length > 0) this.queued = [];
    this.next = 0;
    const list = this.value;
    while (ops.bytes < bytes && this.sent < list.size) {
      const element = list.at(this.sent++);
      ops.text(ops.op(Op.Append, textBytes(element)), element);
    }
  }

  get caughtUp(): boolean {
    return this.next === this.queued.length && this.sent === this.value.size;
  }
}

function putQueued(ops: OpWriter, change: Queued): void {
  if (change.op === Op.Clear) {
    ops.op(Op.Clear, 0);
    return;
  }
  if (change.op !== Op.PushHead) {
    ops.u32(ops.op(change.op, U32_BYTES), change.count);
    return;
  }
  let bytes = U32_BYTES;
  for (const element of change.elements) bytes += textBytes(element);
  let at = ops.u32(ops.op(Op.PushHead, bytes), change.elements.length);
  for (const element of change.elements) at = ops.text(at, element);
}

export class StagedList implements StagedValue {
  private list: ListValue;

  constructor(members: number) {
    this.list = new ListValue(members);
  }

  apply(code: number, ops: OpReader): boolean {
    const list = this.list;
    switch (code) {
      case Op.Append: {
        const element = ops.text();
        if (!ops.bad) list.push(false, element);
        return !ops.bad;
      }
      case Op.PushHead:
        return pushHead(list, ops);
      case Op.PopHead:
      case Op.PopTail: {
        const count = ops.u32();
        if (ops.bad || count > list.size) return false;
        for (let i = 0; i < count; i++) list.pop(code === Op.PopHead);
        return true;
      }
      case Op.Clear:
        this.list = new ListValue();
        return true;
      default:
        return false;
    }
  }

  finish(members: number): CollectionValue | undefined {
    return this.list.size === members && members > 0 ? this.list : undefined;
  }
}

/** PUSH_HEAD: the elements come head first, so they are pushed from the last. */
function pushHead(list: ListValue, ops: OpReader): boolean {
  const count = ops.u32();
  if (ops.bad || count > (ops.end - ops.p) / U32_BYTES) return false;
  const elements = new Array<string>(count);
  for (let i = 0; i < count; i++) elements[i] = ops.text();
  if (ops.bad) return false;
  for (let i = count - 1; i >= 0; i--) list.push(true, elements[i]!);
  return true;
}
