// String commands: values of one key, and the multi-key MGET/MSET/MSETNX.

import { type Declaration, Flag, ReplyPolicy, SplitPolicy } from './declaration.js';
import { ALL_KEYS, FIRST_KEY, KEY_VALUE_PAIRS } from './key-spec.js';

const WRITE = Flag.Write;
const READ = Flag.ReadOnly;
const ONE_KEY = SplitPolicy.SingleKey;

export const STRING_COMMANDS = [
  { name: 'get', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['get'] },
  { name: 'set', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['set'] },
  { name: 'setnx', arity: 3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['setNX'] },
  { name: 'setex', arity: 4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['setEx'] },
  { name: 'psetex', arity: 4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['pSetEx'] },
  { name: 'getset', arity: 3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['getSet'] },
  { name: 'getdel', arity: 2, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['getDel'] },
  { name: 'getex', arity: -2, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['getEx'] },
  { name: 'incr', arity: 2, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['incr'] },
  { name: 'incrby', arity: 3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['incrBy'] },
  { name: 'decr', arity: 2, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['decr'] },
  { name: 'decrby', arity: 3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['decrBy'] },
  {
    name: 'incrbyfloat',
    arity: 3,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['incrByFloat'],
  },
  { name: 'append', arity: 3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['append'] },
  { name: 'strlen', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['strLen'] },
  {
    name: 'getrange',
    arity: 4,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['getRange'],
  },
  {
    name: 'setrange',
    arity: 4,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['setRange'],
  },
  {
    name: 'mget',
    arity: -2,
    keys: ALL_KEYS,
    flags: READ,
    split: SplitPolicy.PerSlot,
    reply: ReplyPolicy.ByKeyPosition,
    methods: ['mGet'],
  },
  {
    name: 'mset',
    arity: -3,
    keys: KEY_VALUE_PAIRS,
    flags: WRITE,
    split: SplitPolicy.PerSlot,
    reply: ReplyPolicy.AllOk,
    methods: ['mSet'],
  },
  // Split per slot, MSETNX could set some keys and not others: it is refused with CROSSSLOT.
  {
    name: 'msetnx',
    arity: -3,
    keys: KEY_VALUE_PAIRS,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['mSetNX'],
  },
] as const satisfies readonly Declaration[];
