// Replication commands. WAIT goes to the primary of every shard the calling thread wrote to since
// its last WAIT (every primary when it wrote nowhere yet); each answers with the replicas that
// hold the caller's writes there, and the call answers the least of them. `WAIT ALL timeout` waits
// for every configured replica of those shards.

import { type Declaration, ReplyPolicy, SplitPolicy } from './declaration.js';

export const REPLICATION_COMMANDS = [
  {
    name: 'wait',
    arity: 3,
    flags: 0,
    split: SplitPolicy.Written,
    reply: ReplyPolicy.Min,
    methods: ['wait'],
  },
] as const satisfies readonly Declaration[];
