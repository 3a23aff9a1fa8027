// List commands (t_list.c): LPUSH, LRANGE, LMOVE, LMPOP, ... The blocking forms (BLPOP, BLMOVE...)
// build on the same handlers.

import { type Declaration, Flag, SplitPolicy } from './declaration.js';
import { FIRST_KEY } from './key-spec.js';

const WRITE = Flag.Write;
const READ = Flag.ReadOnly;
const ONE_KEY = SplitPolicy.SingleKey;
/** LMOVE's and RPOPLPUSH's source and destination. */
const SOURCE_AND_DESTINATION = { first: 0, last: 1, step: 1 } as const;
/** LMPOP's `numkeys key [key ...]`. */
const NUMKEYS_KEYS = { numkeysAt: 0, first: 1, step: 1 } as const;

export const LIST_COMMANDS = [
  { name: 'lpush', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['lPush'] },
  { name: 'rpush', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['rPush'] },
  { name: 'lpushx', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['lPushX'] },
  { name: 'rpushx', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['rPushX'] },
  {
    name: 'lpop',
    arity: -2,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['lPop', 'lPopCount'],
  },
  {
    name: 'rpop',
    arity: -2,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['rPop', 'rPopCount'],
  },
  { name: 'llen', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['lLen'] },
  { name: 'lrange', arity: 4, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['lRange'] },
  { name: 'lindex', arity: 3, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['lIndex'] },
  { name: 'lset', arity: 4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['lSet'] },
  {
    name: 'linsert',
    arity: 5,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['lInsert'],
  },
  { name: 'lrem', arity: 4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['lRem'] },
  { name: 'ltrim', arity: 4, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['lTrim'] },
  {
    name: 'lpos',
    arity: -3,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['lPos', 'lPosCount'],
  },
  {
    name: 'lmove',
    arity: 5,
    keys: SOURCE_AND_DESTINATION,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['lMove'],
  },
  {
    name: 'rpoplpush',
    arity: 3,
    keys: SOURCE_AND_DESTINATION,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['rPopLPush'],
  },
  {
    name: 'lmpop',
    arity: -4,
    keys: NUMKEYS_KEYS,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['lmPop'],
  },
] as const satisfies readonly Declaration[];
