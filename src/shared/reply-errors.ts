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
 * Prefix of an error reply that means "the worker this request went to died and a replica took
 * over its shard": the client turns it into a FailoverError (the request may or may not have run).
 */
export const FAILOVER_PREFIX = 'FAILOVER ';

/** The reply for a request in flight to `worker`, `shard`'s primary, when `primary` took over. */
export function failedOver(shard: number, worker: number, primary: number, code: number): string {
  return `${FAILOVER_PREFIX}${shard} ${worker} ${primary} ${code}`;
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

/** LPOP, RPOP and SPOP's count when it is negative or not an integer (getPositiveLongFromObject). */
export const NOT_POSITIVE = 'ERR value is out of range, must be positive';
/** LSET on a missing key; RENAME of a missing key. */
export const NO_SUCH_KEY = 'ERR no such key';
export const INDEX_OUT_OF_RANGE = 'ERR index out of range';
export const LPOS_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use " +
  'negative to start from the end of the list';
export const LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative";
export const LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
/** LMPOP's, SINTERCARD's (and ZMPOP's) numkeys when it is not a positive integer. */
export const NUMKEYS_NOT_POSITIVE = 'ERR numkeys should be greater than 0';
/** LMPOP's (and ZMPOP's) COUNT when it is not a positive integer. */
export const COUNT_NOT_POSITIVE = 'ERR count should be greater than 0';

// ---- sets ---------------------------------------------------------------------------------

export const NUMKEYS_OVER_ARGS = "ERR Number of keys can't be greater than number of args";
export const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

/** A set that would grow past slotdb's limit (the largest table V8 holds as one array). */
export function setTooLarge(membersMax: number): string {
  return `ERR slotdb: a set holds at most ${membersMax} members`;
}

// ---- hashes (t_hash.c) ----------------------------------------------------------------------

export const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
export const HASH_NOT_FLOAT = 'ERR hash value is not a float';
/** HINCRBYFLOAT's increment is inf (its result overflowing is FLOAT_NAN). */
export const NAN_OR_INFINITY = 'ERR value is NaN or Infinity';
/** HRANDFIELD's count with WITHVALUES beyond ±LONG_MAX / 2 (the reply would hold 2 × count). */
export const VALUE_OUT_OF_RANGE = 'ERR value is out of range';
/** HRANDFIELD's and SRANDMEMBER's count is LONG_MIN: Redis takes counts within ±LONG_MAX only. */
export const RANDOM_COUNT_RANGE =
  'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

// ---- keys: RENAME, RENAMENX, COPY ---------------------------------------------------------

export const SAME_OBJECT = 'ERR source and destination objects are the same';
/** COPY ... DB n for any n but 0: slotdb has one database, as a Redis with `databases 1`. */
export const DB_INDEX_RANGE = 'ERR DB index is out of range';

// ---- transactions (multi.c) ---------------------------------------------------------------

export const EXEC_WITHOUT_MULTI = 'ERR EXEC without MULTI';
export const DISCARD_WITHOUT_MULTI = 'ERR DISCARD without MULTI';
export const MULTI_NESTED = 'ERR MULTI calls can not be nested';
export const WATCH_INSIDE_MULTI = 'ERR WATCH inside MULTI is not allowed';
export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

/** EXEC itself refused (its arity): Redis quotes the reason without its 'ERR ' prefix. */
export function execAbortBecause(error: string): string {
  return `EXECABORT Transaction discarded because of: ${error.replace(/^ERR /, '')}`;
}

/**
 * A command a transaction cannot hold: a transaction runs on the one shard that owns its slot,
 * and this command answers for every shard (DBSIZE, KEYS, FLUSHALL) or for a slot named by an
 * argument or a cursor (SCAN, CLUSTER GETKEYSINSLOT).
 */
export function notInTransaction(name: string): string {
  return (
    `ERR slotdb: '${name}' cannot run inside a transaction ` +
    '(a transaction runs on the one shard of its slot, and this command looks beyond one slot)'
  );
}

// ---- sorted sets (t_zset.c) --------------------------------------------------------------

export const ZADD_NX_AND_XX = 'ERR XX and NX options at the same time are not compatible';
export const ZADD_GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
export const ZADD_INCR_PAIRS = 'ERR INCR option supports a single increment-element pair';
export const ZSCORE_NAN = 'ERR resulting score is not a number (NaN)';
export const ZRANGE_NOT_FLOAT = 'ERR min or max is not a float';
export const ZRANGE_NOT_LEX = 'ERR min or max not valid string range item';
export const ZRANGE_LIMIT_WITH_RANK =
  'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
export const ZRANGE_WITHSCORES_WITH_LEX =
  'ERR syntax error, WITHSCORES not supported in combination with BYLEX';
export const WEIGHT_NOT_FLOAT = 'ERR weight value is not a float';

export function inputKeysNeeded(name: string): string {
  return `ERR at least 1 input key is needed for '${name}' command`;
}

// ---- blocking commands (BLPOP, BLMOVE, BLMPOP...) --------------------------------------------

export const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';
