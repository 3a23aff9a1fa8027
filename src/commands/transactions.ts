// Transactions (multi.c): what a shard executes for MULTI/EXEC/WATCH/UNWATCH.
//
// MULTI, EXEC, DISCARD, WATCH and UNWATCH are connection state in Redis. In slotdb that state is
// an isolated client's (src/transactions/isolated.ts): the client queues a transaction's commands
// itself and sends them in ONE frame, so a shard never sees MULTI or DISCARD. What it sees are the
// three frames below, which only slotdb's transaction code writes: sendCommand never reaches them
// (the shared db refuses the five names, an isolated client handles them; docs/types/transactions.md).
// Their arities describe these frames, not Redis's commands of the same names.

import { type Declaration, Flag, ReplyPolicy, SplitPolicy } from './declaration.js';

export const TRANSACTION_COMMANDS = [
  // EXEC token watchFrames slotMapChanged numkeys key... count (op argc arg...)...: the frame of
  // a whole transaction (src/transactions/exec-frame.ts). Its keys, listed up front, are every
  // watched key and every queued command's key, so a migrating slot makes it wait or forwards it
  // as any multi-key command (rule 5 of docs/migration.md).
  {
    name: 'exec',
    arity: -6,
    keys: { numkeysAt: 3, first: 4, step: 1 },
    flags: Flag.Write,
    split: SplitPolicy.SameSlot,
    methods: [],
  },
  // WATCH token key...: the isolated client `token` watches the keys (one slot).
  {
    name: 'watch',
    arity: -3,
    keys: { first: 1, last: -1, step: 1 },
    flags: Flag.ReadOnly,
    split: SplitPolicy.SameSlot,
    methods: [],
  },
  // UNWATCH token: every shard forgets what `token` watched.
  {
    name: 'unwatch',
    arity: 2,
    flags: 0,
    split: SplitPolicy.AllShards,
    reply: ReplyPolicy.AllOk,
    methods: [],
  },
] as const satisfies readonly Declaration[];
