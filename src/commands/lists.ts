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
/** BLPOP's and BRPOP's keys: every argument but the trailing timeout. */
const KEYS_THEN_TIMEOUT = { first: 0, last: -2, step: 1 } as const;
/** BLMPOP's `timeout numkeys key [key ...]`. */
const TIMEOUT_NUMKEYS_KEYS = { numkeysAt: 1, first: 2, step: 1 } as const;

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
  // The blocking forms (workers/commands/lists/blocking.ts, docs/types/blocking.md).
  {
    name: 'blpop',
    arity: -3,
    keys: KEYS_THEN_TIMEOUT,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['blPop'],
  },
  {
    name: 'brpop',
    arity: -3,
    keys: KEYS_THEN_TIMEOUT,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['brPop'],
  },
  {
    name: 'blmove',
    arity: 6,
    keys: SOURCE_AND_DESTINATION,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['blMove'],
  },
  {
    name: 'blmpop',
    arity: -5,
    keys: TIMEOUT_NUMKEYS_KEYS,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['blmPop'],
  },
  {
    name: 'brpoplpush',
    arity: 4,
    keys: SOURCE_AND_DESTINATION,
    flags: WRITE,
    split: SplitPolicy.SameSlot,
    methods: ['brPopLPush'],
  },
] as const satisfies readonly Declaration[];

/**
 * The commands that block when they find no data: their calls are not fenced by slot on the
 * client (a blocked call is its own connection, as in Redis), and a shard parks them.
 */
export const BLOCKING_LIST_COMMANDS = ['blpop', 'brpop', 'blmove', 'blmpop', 'brpoplpush'] as const;
