// Persistence commands (docs/persistence-commands.md). WAITAOF goes where WAIT goes: to the primary
// of every shard the calling thread wrote to since its last WAIT or WAITAOF (every primary when it
// wrote nowhere yet); each answers [local, replicas] for the caller's writes there and the call
// answers the least of each. SAVE, BGSAVE and BGREWRITEAOF go to every primary: each writes its
// own snapshot. LASTSAVE is answered by the client from shared memory.

import { type Declaration, ReplyPolicy, SplitPolicy } from './declaration.js';

const ALL_SHARDS = SplitPolicy.AllShards;

export const PERSISTENCE_COMMANDS = [
  {
    name: 'waitaof',
    arity: 4,
    flags: 0,
    split: SplitPolicy.Written,
    reply: ReplyPolicy.MinPair,
    methods: ['waitAof'],
  },
  {
    name: 'save',
    arity: 1,
    flags: 0,
    split: ALL_SHARDS,
    reply: ReplyPolicy.AllOk,
    methods: ['save'],
  },
  {
    name: 'bgsave',
    arity: -1,
    flags: 0,
    split: ALL_SHARDS,
    reply: ReplyPolicy.First,
    methods: ['bgSave'],
  },
  {
    name: 'bgrewriteaof',
    arity: 1,
    flags: 0,
    split: ALL_SHARDS,
    reply: ReplyPolicy.First,
    methods: ['bgRewriteAof'],
  },
  { name: 'lastsave', arity: 1, flags: 0, split: SplitPolicy.Local, methods: ['lastSave'] },
] as const satisfies readonly Declaration[];
