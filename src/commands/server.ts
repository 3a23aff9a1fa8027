// Server and cluster commands: the whole database, connection checks, and the slot map.

import { type Declaration, Flag, ReplyPolicy, SlotCheck, SplitPolicy } from './declaration.js';

const ALL_SHARDS = SplitPolicy.AllShards;
const LOCAL = SplitPolicy.Local;
const FLUSH = Flag.Write | Flag.Flushes;

export const SERVER_COMMANDS = [
  {
    name: 'dbsize',
    arity: 1,
    flags: Flag.ReadOnly,
    split: ALL_SHARDS,
    reply: ReplyPolicy.Sum,
    methods: ['dbSize'],
  },
  {
    name: 'flushall',
    arity: -1,
    flags: FLUSH,
    split: ALL_SHARDS,
    reply: ReplyPolicy.AllOk,
    methods: ['flushAll'],
  },
  {
    name: 'flushdb',
    arity: -1,
    flags: FLUSH,
    split: ALL_SHARDS,
    reply: ReplyPolicy.AllOk,
    methods: ['flushDb'],
  },
  { name: 'ping', arity: -1, flags: 0, split: LOCAL, methods: ['ping'] },
  { name: 'echo', arity: 2, flags: 0, split: LOCAL, methods: ['echo'] },
  { name: 'cluster|keyslot', arity: 3, flags: 0, split: LOCAL, methods: ['clusterKeySlot'] },
  {
    name: 'cluster|countkeysinslot',
    arity: 3,
    flags: Flag.ReadOnly | Flag.SlotWide,
    split: SplitPolicy.SlotArgument,
    slotCheck: SlotCheck.Slot,
    methods: ['clusterCountKeysInSlot'],
  },
  {
    name: 'cluster|getkeysinslot',
    arity: 4,
    flags: Flag.ReadOnly | Flag.SlotWide,
    split: SplitPolicy.SlotArgument,
    slotCheck: SlotCheck.SlotAndCount,
    methods: ['clusterGetKeysInSlot'],
  },
  // Reached through sendCommand only, as node-redis's cluster client asks for them.
  { name: 'cluster|slots', arity: 2, flags: 0, split: LOCAL, methods: [] },
  { name: 'cluster|shards', arity: 2, flags: 0, split: LOCAL, methods: [] },
  // INFO [section ...]: the replication section, per shard (info.ts).
  { name: 'info', arity: -1, flags: 0, split: LOCAL, methods: ['info'] },
] as const satisfies readonly Declaration[];
