// Expiry commands: deadlines of one key.

import { type Declaration, Flag, SplitPolicy } from './declaration.js';
import { FIRST_KEY } from './key-spec.js';

const WRITE = Flag.Write;
const READ = Flag.ReadOnly;
const ONE_KEY = SplitPolicy.SingleKey;

export const EXPIRE_COMMANDS = [
  { name: 'expire', arity: -3, keys: FIRST_KEY, flags: WRITE, split: ONE_KEY, methods: ['expire'] },
  {
    name: 'pexpire',
    arity: -3,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['pExpire'],
  },
  {
    name: 'expireat',
    arity: -3,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['expireAt'],
  },
  {
    name: 'pexpireat',
    arity: -3,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['pExpireAt'],
  },
  {
    name: 'expiretime',
    arity: 2,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['expireTime'],
  },
  {
    name: 'pexpiretime',
    arity: 2,
    keys: FIRST_KEY,
    flags: READ,
    split: ONE_KEY,
    methods: ['pExpireTime'],
  },
  { name: 'ttl', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['ttl'] },
  { name: 'pttl', arity: 2, keys: FIRST_KEY, flags: READ, split: ONE_KEY, methods: ['pTTL'] },
  {
    name: 'persist',
    arity: 2,
    keys: FIRST_KEY,
    flags: WRITE,
    split: ONE_KEY,
    methods: ['persist'],
  },
] as const satisfies readonly Declaration[];
