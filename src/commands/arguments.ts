// The argument lists of the typed methods whose parameters are not the command's arguments as they
// stand (options objects, MSET's pair shapes, dates): built here, checked where a caller's mistake
// would otherwise surface as an internal TypeError.

import { ArgumentTypeError, OptionError } from '../errors.js';
import type {
  ExpireMode,
  GetExOptions,
  MSetArguments,
  RedisArgument,
  RedisVariadicArgument,
  ScanOptions,
  SetOptions,
} from './methods.js';

export function variadic(keys: RedisVariadicArgument): readonly RedisArgument[] {
  return Array.isArray(keys) ? keys : [keys as RedisArgument];
}

/** Throws an OptionError unless a method's options are an object (not null, not an array). */
function checkOptionsObject(options: unknown, name: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError(name, 'an object', options);
  }
}

export function setArguments(
  key: RedisArgument,
  value: RedisArgument,
  options: SetOptions,
): RedisArgument[] {
  checkOptionsObject(options, 'options');
  const args: RedisArgument[] = [key, value];
  const expiration = options.expiration;
  if (expiration !== undefined) {
    if (expiration !== 'KEEPTTL') checkOptionsObject(expiration, 'expiration');
    if (expiration === 'KEEPTTL' || expiration.type === 'KEEPTTL') args.push('KEEPTTL');
    else args.push(expiration.type, expiration.value);
  } else if (options.EX !== undefined) args.push('EX', options.EX);
  else if (options.PX !== undefined) args.push('PX', options.PX);
  else if (options.EXAT !== undefined) args.push('EXAT', options.EXAT);
  else if (options.PXAT !== undefined) args.push('PXAT', options.PXAT);
  else if (options.KEEPTTL) args.push('KEEPTTL');
  if (options.condition !== undefined) args.push(options.condition);
  else if (options.NX) args.push('NX');
  else if (options.XX) args.push('XX');
  if (options.GET) args.push('GET');
  return args;
}

export function getExArguments(key: RedisArgument, options: GetExOptions): RedisArgument[] {
  checkOptionsObject(options, 'options');
  if ('type' in options) {
    return options.type === 'PERSIST' ? [key, 'PERSIST'] : [key, options.type, options.value];
  }
  if ('EX' in options) return [key, 'EX', options.EX];
  if ('PX' in options) return [key, 'PX', options.PX];
  if ('EXAT' in options) return [key, 'EXAT', options.EXAT];
  if ('PXAT' in options) return [key, 'PXAT', options.PXAT];
  return [key, 'PERSIST'];
}

export function msetArguments(toSet: MSetArguments): RedisArgument[] {
  if (toSet === null || typeof toSet !== 'object') {
    throw new ArgumentTypeError(
      toSet,
      'mSet takes pairs as [[k, v], ...], [k, v, k, v] or { k: v }',
    );
  }
  if (Array.isArray(toSet)) {
    if (Array.isArray(toSet[0])) return (toSet as [RedisArgument, RedisArgument][]).flat();
    return [...(toSet as RedisArgument[])];
  }
  return Object.entries(toSet).flat();
}

export function unixSeconds(time: number | Date): number {
  return time instanceof Date ? Math.floor(time.getTime() / 1000) : time;
}

export function unixMilliseconds(time: number | Date): number {
  return time instanceof Date ? time.getTime() : time;
}

export function withMode(args: RedisArgument[], mode: ExpireMode | undefined): RedisArgument[] {
  if (mode !== undefined) args.push(mode);
  return args;
}

export function scanArguments(
  cursor: RedisArgument,
  options: ScanOptions | undefined,
): RedisArgument[] {
  const args: RedisArgument[] = [cursor];
  if (options?.MATCH !== undefined) args.push('MATCH', options.MATCH);
  if (options?.COUNT !== undefined) args.push('COUNT', options.COUNT);
  if (options?.TYPE !== undefined) args.push('TYPE', options.TYPE);
  return args;
}
