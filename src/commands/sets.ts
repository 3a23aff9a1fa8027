// Set commands (t_set.c): members of one set, random picks, SSCAN, and the multi-key algebra
// (SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD, SMOVE), whose keys must share a slot.

import { type Declaration, Flag, SplitPolicy } from './declaration.js';
import { ALL_KEYS, FIRST_KEY, type KeySpec } from './key-spec.js';

const WRITE = Flag.Write;
const READ = Flag.ReadOnly;
const ONE_KEY = SplitPolicy.SingleKey;
const SAME_SLOT = SplitPolicy.SameSlot;

/** SMOVE source destination member: two keys, then the member. */
const SOURCE_AND_DESTINATION: KeySpec = { first: 0, last: 1, step: 1 };
/** The *STORE forms: the destination, then every source key. */
const DESTINATION_THEN_KEYS: readonly KeySpec[] = [FIRST_KEY, { first: 1, last: -1, step: 1 }];
/** SINTERCARD numkeys key [key ...] [LIMIT limit]. */
const NUMKEYS_KEYS: KeySpec = { numkeysAt: 0, first: 1, step: 1 };

export const SET_COMMANDS = [
  { name: 'sadd', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['sAdd'] },
  { name: 'srem', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['sRem'] },
  {
    name: 'smembers',
    arity: 2,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['sMembers'],
  },
  {
    name: 'sismember',
    arity: 3,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['sIsMember'],
  },
  {
    name: 'smismember',
    arity: -3,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['smIsMember'],
  },
  { name: 'scard', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['sCard'] },
  {
    name: 'spop',
    arity: -2,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['sPop', 'sPopCount'],
  },
  {
    name: 'srandmember',
    arity: -2,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['sRandMember', 'sRandMemberCount'],
  },
  {
    name: 'smove',
    arity: 4,
    keys: SOURCE_AND_DESTINATION,
    flags: WRITE,
    split: SAME_SLOT,
    methods: ['sMove'],
  },
  { name: 'sinter', arity: -2, keys: ALL_KEYS, flags: READ, split: SAME_SLOT, methods: ['sInter'] },
  {
    name: 'sintercard',
    arity: -3,
    keys: NUMKEYS_KEYS,
    flags: READ,
    split: SAME_SLOT,
    methods: ['sInterCard'],
  },
  { name: 'sunion', arity: -2, keys: ALL_KEYS, flags: READ, split: SAME_SLOT, methods: ['sUnion'] },
  { name: 'sdiff', arity: -2, keys: ALL_KEYS, flags: READ, split: SAME_SLOT, methods: ['sDiff'] },
  {
    name: 'sinterstore',
    arity: -3,
    keys: DESTINATION_THEN_KEYS,
    flags: WRITE,
    split: SAME_SLOT,
    methods: ['sInterStore'],
  },
  {
    name: 'sunionstore',
    arity: -3,
    keys: DESTINATION_THEN_KEYS,
    flags: WRITE,
    split: SAME_SLOT,
    methods: ['sUnionStore'],
  },
  {
    name: 'sdiffstore',
    arity: -3,
    keys: DESTINATION_THEN_KEYS,
    flags: WRITE,
    split: SAME_SLOT,
    methods: ['sDiffStore'],
  },
  {
    name: 'sscan',
    arity: -3,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['sScan', 'sScanIterator'],
  },
] as const satisfies readonly Declaration[];
