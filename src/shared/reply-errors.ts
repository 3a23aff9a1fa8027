// Error replies with Redis's exact texts, so that code written against Redis matches on them.

import { REPLY_BYTES_MAX } from './limits.js';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const SYNTAX = 'ERR syntax error';
export const INCR_OVERFLOW = 'ERR increment or decrement would overflow';
export const DECR_OVERFLOW = 'ERR decrement would overflow';
export const FLOAT_NAN = 'ERR increment would produce NaN or Infinity';
export const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const OFFSET_RANGE = 'ERR offset is out of range';
export const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
export const INVALID_CURSOR = 'ERR invalid cursor';
export const INVALID_SLOT = 'ERR Invalid slot';
export const INVALID_SLOT_OR_COUNT = 'ERR Invalid slot or number of keys';
export const EXPIRE_NX_WITH_OTHERS =
  'ERR NX and XX, GT or LT options at the same time are not compatible';
export const EXPIRE_GT_WITH_LT = 'ERR GT and LT options at the same time are not compatible';

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function invalidExpireTime(name: string): string {
  return `ERR invalid expire time in '${name}' command`;
}

export function unsupportedOption(option: string): string {
  return `ERR Unsupported option ${option}`;
}

/** Redis's text for an unknown command, which quotes the first arguments. */
export function unknownCommand(name: string, args: readonly string[]): string {
  let text = `ERR unknown command '${name.slice(0, 128)}', with args beginning with: `;
  for (const arg of args.slice(0, 20)) text += `'${arg.slice(0, 128)}' `;
  return text;
}

export function unknownSubcommand(sub: string, parent: string): string {
  return `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${parent.toUpperCase()} HELP.`;
}

/**
 * Prefix of an error reply that means "a shard on this request's path died"; the client turns it
 * into a ShardDownError, the same error it raises itself for requests sent to a dead shard.
 */
export const SHARD_DOWN_PREFIX = 'SHARDDOWN ';

export function shardDown(shard: number): string {
  return `${SHARD_DOWN_PREFIX}${shard} it died before executing the request`;
}

/**
 * A reply that would not fit in one frame (FRAME_BYTES_MAX, about 513 MiB: every frame on a ring,
 * replies too, must fit the reader's reassembly bound). The shard drops it and answers this.
 */
export function replyTooLarge(bytes: number | string): string {
  return (
    `ERR slotdb: reply of ${bytes} bytes exceeds slotdb's reply limit of ${REPLY_BYTES_MAX} bytes ` +
    '(one frame: a reply must fit in a single ring frame); ask for fewer or smaller values'
  );
}

// ---- lists ------------------------------------------------------------------------------------

/** LPOP and RPOP's count when it is negative or not an integer (getPositiveLongFromObject). */
export const NOT_POSITIVE = 'ERR value is out of range, must be positive';
export const NO_SUCH_KEY = 'ERR no such key';
export const INDEX_OUT_OF_RANGE = 'ERR index out of range';
export const LPOS_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use " +
  'negative to start from the end of the list';
export const LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative";
export const LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
/** LMPOP's (and ZMPOP's) numkeys when it is not a positive integer. */
export const NUMKEYS_NOT_POSITIVE = 'ERR numkeys should be greater than 0';
/** LMPOP's (and ZMPOP's) COUNT when it is not a positive integer. */
export const COUNT_NOT_POSITIVE = 'ERR count should be greater than 0';

// ---- blocking commands (BLPOP, BLMOVE, BLMPOP...) --------------------------------------------

export const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';
