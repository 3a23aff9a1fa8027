// What a command declaration says, and the command the table makes of it. A declaration is data:
// the client routes, splits and merges by it, a shard dispatches and locks by it, and the
// node-redis methods name it. docs/commands.md describes every field.

import type { KeySpec } from './key-spec.js';

/** Command flags, a bit each; the table keeps them by opcode in one Uint8Array for the shard. */
export const Flag = {
  /** Changes data: during a migration it waits for keys in flight (reads do not). */
  Write: 1,
  /** Reads data and changes none. */
  ReadOnly: 2,
  /**
   * Looks at a whole slot (SCAN, CLUSTER GETKEYSINSLOT): while its slot migrates, it runs under
   * the slot lock.
   */
  SlotWide: 4,
  /** Empties the shard's keyspace: the shard resets what it keeps about the keys afterwards. */
  Flushes: 8,
} as const;

/** How a client sends a call: which shard(s) get a frame. */
export const SplitPolicy = {
  /** One key: to the shard that owns its slot. */
  SingleKey: 0,
  /** Several keys: one frame per slot, replies merged (atomic per slot, not across slots). */
  PerSlot: 1,
  /** Several keys that must share a slot (atomic only there): CROSSSLOT otherwise. */
  SameSlot: 2,
  /** Keyless, every shard answers, replies merged by the reply policy (DBSIZE, FLUSHALL, KEYS). */
  AllShards: 3,
  /** Argument 0 is a slot number, checked as the slot check says: to the shard that owns it. */
  SlotArgument: 4,
  /** SCAN: to the shard that owns the slot the cursor points at. */
  Cursor: 5,
  /** Answered by the client without a round trip (PING, ECHO, CLUSTER KEYSLOT/SLOTS/SHARDS). */
  Local: 6,
  /**
   * To the primary of every shard this thread wrote to since its last call of such a command
   * (every primary when it wrote nowhere yet): WAIT, WAITAOF.
   */
  Written: 7,
} as const;
export type SplitPolicy = (typeof SplitPolicy)[keyof typeof SplitPolicy];

/** How the replies of the parts of one call become its reply (replies.ts has one reducer each). */
export const ReplyPolicy = {
  /** One frame, its reply as it is. */
  Single: 0,
  /** Integer replies added up (DEL, EXISTS, DBSIZE). */
  Sum: 1,
  /** 'OK' once every part answered (MSET, FLUSHALL). */
  AllOk: 2,
  /** Each part's array of values put back at its keys' positions in the call (MGET). */
  ByKeyPosition: 3,
  /** Every part's array once, duplicates dropped (KEYS, while a key in flight is on two shards). */
  ConcatUnique: 4,
  /** The least of the parts' integer replies (WAIT: the replicas every shard reached). */
  Min: 5,
  /**
   * Each part a pair of integers; the least of each element over the parts (WAITAOF: the local
   * fsyncs and the replicas every shard reached).
   */
  MinPair: 6,
  /**
   * The first part's reply, once every part answered with no error (BGSAVE: each shard started its
   * snapshot; their statuses differ only when some were already saving).
   */
  First: 7,
} as const;
export type ReplyPolicy = (typeof ReplyPolicy)[keyof typeof ReplyPolicy];

/** How a SlotArgument command checks its arguments before it is routed (slot-checks.ts). */
export const SlotCheck = {
  /** Argument 0 is a slot: ERR not an integer, or ERR Invalid slot. */
  Slot: 0,
  /** Argument 0 a slot, 1 a count: ERR not an integer, or ERR Invalid slot or number of keys. */
  SlotAndCount: 1,
} as const;
export type SlotCheck = (typeof SlotCheck)[keyof typeof SlotCheck];

/** One command, as a family file declares it. */
export interface Declaration {
  /** Lower-case full name as Redis prints it in errors: 'get', 'cluster|keyslot'. */
  readonly name: string;
  /** Redis's arity: it counts the command name (both words of a subcommand); -n: at least n. */
  readonly arity: number;
  /** Where the keys are; none for a keyless command. */
  readonly keys?: KeySpec | readonly KeySpec[];
  /** Flag bits (Flag). */
  readonly flags: number;
  readonly split: SplitPolicy;
  /** How the parts' replies merge; Single when omitted (one frame per call). */
  readonly reply?: ReplyPolicy;
  /** For SplitPolicy.SlotArgument: how the slot argument is checked. */
  readonly slotCheck?: SlotCheck;
  /** The node-redis method(s) of the command in methods.ts; none for sendCommand-only commands. */
  readonly methods: readonly string[];
}

/** A declared command, with the opcode the table gave it. */
export interface CommandSpec {
  readonly name: string;
  /** Opcode on the wire (REQ_OP): the declaration's position in the table, from 1. */
  readonly op: number;
  readonly arity: number;
  readonly keys: readonly KeySpec[];
  /** Index of the first key (profiles name a call by it); -1 when keyless. */
  readonly firstKey: number;
  readonly flags: number;
  readonly write: boolean;
  readonly slotWide: boolean;
  readonly flushes: boolean;
  readonly split: SplitPolicy;
  readonly reply: ReplyPolicy;
  readonly slotCheck: SlotCheck | undefined;
  readonly methods: readonly string[];
}
