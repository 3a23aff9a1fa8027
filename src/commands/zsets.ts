// Sorted-set commands (t_zset.c): ZADD, ZRANGE, ZSCORE, ... Commands on two or more keys
// (ZRANGESTORE, ZUNIONSTORE, ZINTERSTORE) need every key in one slot.

import { type Declaration, Flag, SplitPolicy } from './declaration.js';
import { FIRST_KEY } from './key-spec.js';

const WRITE = Flag.Write;
const READ = Flag.ReadOnly;
const ONE_KEY = SplitPolicy.SingleKey;
const SAME_SLOT = SplitPolicy.SameSlot;
/** ZUNIONSTORE and ZINTERSTORE: the destination, then numkeys keys after the count. */
const DESTINATION_AND_NUMKEYS = [FIRST_KEY, { numkeysAt: 1, first: 2, step: 1 }] as const;

export const ZSET_COMMANDS = [
  {
    name: 'zadd',
    arity: -4,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['zAdd', 'zAddIncr'],
  },
  {
    name: 'zincrby',
    arity: 4,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['zIncrBy'],
  },
  { name: 'zrem', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['zRem'] },
  { name: 'zscore', arity: 3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['zScore'] },
  {
    name: 'zmscore',
    arity: -3,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['zmScore'],
  },
  { name: 'zcard', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['zCard'] },
  { name: 'zcount', arity: 4, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['zCount'] },
  {
    name: 'zlexcount',
    arity: 4,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['zLexCount'],
  },
  {
    name: 'zrange',
    arity: -4,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['zRange', 'zRangeWithScores'],
  },
  {
    name: 'zrangestore',
    arity: -5,
    keys: { first: 0, last: 1, step: 1 },
    flags: WRITE,
    split: SAME_SLOT,
    methods: ['zRangeStore'],
  },
  { name: 'zrank', arity: 3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['zRank'] },
  {
    name: 'zrevrank',
    arity: 3,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['zRevRank'],
  },
  {
    name: 'zpopmin',
    arity: -2,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['zPopMin', 'zPopMinCount'],
  },
  {
    name: 'zpopmax',
    arity: -2,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['zPopMax', 'zPopMaxCount'],
  },
  {
    name: 'zrandmember',
    arity: -2,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['zRandMember', 'zRandMemberCount', 'zRandMemberCountWithScores'],
  },
  {
    name: 'zremrangebyscore',
    arity: 4,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['zRemRangeByScore'],
  },
  {
    name: 'zremrangebyrank',
    arity: 4,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['zRemRangeByRank'],
  },
  {
    name: 'zunionstore',
    arity: -4,
    keys: DESTINATION_AND_NUMKEYS,
    flags: WRITE,
    split: SAME_SLOT,
    methods: ['zUnionStore'],
  },
  {
    name: 'zinterstore',
    arity: -4,
    keys: DESTINATION_AND_NUMKEYS,
    flags: WRITE,
    split: SAME_SLOT,
    methods: ['zInterStore'],
  },
  { name: 'zscan', arity: -3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['zScan'] },
] as const satisfies readonly Declaration[];
