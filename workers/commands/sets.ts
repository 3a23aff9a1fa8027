// Set commands (t_set.c): the handlers of workers/commands/sets/, by command name.

import type { ShardCommandName } from '../../src/commands/table.js';
import type { CommandHandler } from './call.js';
import {
  sDiff,
  sDiffStore,
  sInter,
  sInterCard,
  sInterStore,
  sUnion,
  sUnionStore,
} from './sets/algebra.js';
import { sAdd, sCard, sIsMember, sMembers, sMove, smIsMember, sRem } from './sets/members.js';
import { sPop, sRandMember } from './sets/random.js';
import { sScan } from './sets/scan.js';

export const handlers = {
  sadd: sAdd,
  srem: sRem,
  smembers: sMembers,
  sismember: sIsMember,
  smismember: smIsMember,
  scard: sCard,
  spop: sPop,
  srandmember: sRandMember,
  smove: sMove,
  sinter: sInter,
  sintercard: sInterCard,
  sunion: sUnion,
  sdiff: sDiff,
  sinterstore: sInterStore,
  sunionstore: sUnionStore,
  sdiffstore: sDiffStore,
  sscan: sScan,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
