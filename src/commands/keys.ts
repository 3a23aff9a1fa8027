// Keyspace commands: deleting, testing, renaming, copying and listing keys.

import { type Declaration, Flag, ReplyPolicy, SplitPolicy } from './declaration.js';
import { ALL_KEYS, FIRST_KEY, type RangeKeySpec } from './key-spec.js';

const PER_SLOT = SplitPolicy.PerSlot;
const SUM = ReplyPolicy.Sum;
/** RENAME and COPY: a source key and a destination key, in one slot (CROSSSLOT otherwise). */
const SOURCE_AND_DESTINATION: RangeKeySpec = { first: 0, last: 1, step: 1 };

export const KEY_COMMANDS = [
  {
    name: 'del',
    arity: -2,
    keys: ALL_KEYS,
    flags: Flag.Write,
    split: PER_SLOT,
    reply: SUM,
    methods: ['del'],
  },
  {
    name: 'unlink',
    arity: -2,
    keys: ALL_KEYS,
    flags: Flag.Write,
    split: PER_SLOT,
    reply: SUM,
    methods: ['unlink'],
  },
  {
    name: 'exists',
    arity: -2,
    keys: ALL_KEYS,
    flags: Flag.ReadOnly,
    split: PER_SLOT,
    reply: SUM,
    methods: ['exists'],
  },
  {
    name: 'touch',
    arity: -2,
    keys: ALL_KEYS,
    flags: Flag.ReadOnly,
    split: PER_SLOT,
    reply: SUM,
    methods: ['touch'],
  },
  {
    name: 'type',
    arity: 2,
    keys: FIRST_KEY,
    flags: Flag.ReadOnly,
    split: SplitPolicy.SingleKey,
    methods: ['type'],
  },
  {
    name: 'keys',
    arity: 2,
    flags: Flag.ReadOnly,
    split: SplitPolicy.AllShards,
    reply: ReplyPolicy.ConcatUnique,
    methods: ['keys'],
  },
  {
    name: 'rename',
    arity: 3,
    keys: SOURCE_AND_DESTINATION,
    flags: Flag.Write,
    split: SplitPolicy.SameSlot,
    methods: ['rename'],
  },
  {
    name: 'renamenx',
    arity: 3,
    keys: SOURCE_AND_DESTINATION,
    flags: Flag.Write,
    split: SplitPolicy.SameSlot,
    methods: ['renameNX'],
  },
  // COPY source destination [DB index] [REPLACE]: slotdb has one database, index 0.
  {
    name: 'copy',
    arity: -3,
    keys: SOURCE_AND_DESTINATION,
    flags: Flag.Write,
    split: SplitPolicy.SameSlot,
    methods: ['copy'],
  },
  {
    name: 'scan',
    arity: -2,
    flags: Flag.ReadOnly | Flag.SlotWide,
    split: SplitPolicy.Cursor,
    methods: ['scan'],
  },
] as const satisfies readonly Declaration[];
