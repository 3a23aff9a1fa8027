// Hash commands (t_hash.c): one key each, so every one goes to the owner of its key's slot.

import { type Declaration, Flag, SplitPolicy } from './declaration.js';
import { FIRST_KEY } from './key-spec.js';

const WRITE = Flag.Write;
const READ = Flag.ReadOnly;
const ONE_KEY = SplitPolicy.SingleKey;

export const HASH_COMMANDS = [
  { name: 'hset', arity: -4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['hSet'] },
  // node-redis v5 has no HMSET method: sendCommand only.
  { name: 'hmset', arity: -4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: [] },
  { name: 'hsetnx', arity: 4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['hSetNX'] },
  { name: 'hget', arity: 3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hGet'] },
  { name: 'hmget', arity: -3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hmGet'] },
  { name: 'hgetall', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hGetAll'] },
  { name: 'hdel', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['hDel'] },
  { name: 'hexists', arity: 3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hExists'] },
  { name: 'hlen', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hLen'] },
  { name: 'hkeys', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hKeys'] },
  { name: 'hvals', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hVals'] },
  {
    name: 'hincrby',
    arity: 4,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['hIncrBy'],
  },
  {
    name: 'hincrbyfloat',
    arity: 4,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['hIncrByFloat'],
  },
  { name: 'hstrlen', arity: 3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['hStrLen'] },
  {
    name: 'hrandfield',
    arity: -2,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['hRandField', 'hRandFieldCount', 'hRandFieldCountWithValues'],
  },
  {
    name: 'hscan',
    arity: -3,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['hScan', 'hScanIterator'],
  },
] as const satisfies readonly Declaration[];
