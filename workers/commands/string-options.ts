// The options of SET and GETEX (NX, XX, GET, KEEPTTL, PERSIST, EX, PX, EXAT, PXAT), parsed as
// Redis's parseExtendedStringArgumentsOrReply parses them: the same errors at the same arguments.

import { SYNTAX } from '../../src/shared/reply-errors.js';
import type { Call } from './call.js';
import { ExpireUnit, setStyleDeadline } from './expiry-arguments.js';

/** Option flags of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply. */
export const SetOption = {
  NX: 1 << 0,
  XX: 1 << 1,
  EX: 1 << 2,
  PX: 1 << 3,
  KeepTtl: 1 << 4,
  Get: 1 << 5,
  EXAT: 1 << 6,
  PXAT: 1 << 7,
  Persist: 1 << 8,
} as const;
const ANY_EXPIRE = SetOption.EX | SetOption.PX | SetOption.EXAT | SetOption.PXAT;

/**
 * The options parseStringOptions read last: flags, and the index of the expiry amount (0 when
 * none). One shared record, so that parsing allocates nothing.
 */
export const parsed = { flags: 0, expireIndex: 0 };

/**
 * Parses SET (forSet) or GETEX options from argument `first` on. Replies a syntax error and
 * returns false on a repeated, conflicting or unknown option, exactly where Redis does.
 */
export function parseStringOptions(call: Call, first: number, forSet: boolean): boolean {
  let flags = 0;
  let expireIndex = 0;
  for (let j = first; j < call.argc; j++) {
    const hasNext = j + 1 < call.argc;
    if (forSet && call.argIs(j, 'NX') && !(flags & SetOption.XX)) {
      flags |= SetOption.NX;
    } else if (forSet && call.argIs(j, 'XX') && !(flags & SetOption.NX)) {
      flags |= SetOption.XX;
    } else if (forSet && call.argIs(j, 'GET')) {
      flags |= SetOption.Get;
    } else if (forSet && call.argIs(j, 'KEEPTTL') && !(flags & (SetOption.Persist | ANY_EXPIRE))) {
      flags |= SetOption.KeepTtl;
    } else if (!forSet && call.argIs(j, 'PERSIST') && !(flags & (ANY_EXPIRE | SetOption.KeepTtl))) {
      flags |= SetOption.Persist;
    } else {
      // EX, PX, EXAT, PXAT: a repeat of the same one is allowed (the last wins), a mix is not.
      const expiry = hasNext ? expiryFlag(call, j) : 0;
      if (
        expiry === 0 ||
        flags & (SetOption.KeepTtl | SetOption.Persist | (ANY_EXPIRE & ~expiry))
      ) {
        call.error(SYNTAX);
        return false;
      }
      flags |= expiry;
      expireIndex = ++j;
    }
  }
  parsed.flags = flags;
  parsed.expireIndex = expireIndex;
  return true;
}

function expiryFlag(call: Call, j: number): number {
  if (call.argIs(j, 'EX')) return SetOption.EX;
  if (call.argIs(j, 'PX')) return SetOption.PX;
  if (call.argIs(j, 'EXAT')) return SetOption.EXAT;
  if (call.argIs(j, 'PXAT')) return SetOption.PXAT;
  return 0;
}

/** The deadline the parsed options ask for, undefined when none; NaN after an error reply. */
export function parsedDeadline(call: Call): number | undefined {
  if (parsed.expireIndex === 0) return undefined;
  const flags = parsed.flags;
  const unit =
    flags & (SetOption.EX | SetOption.EXAT) ? ExpireUnit.Seconds : ExpireUnit.Milliseconds;
  const relative = (flags & (SetOption.EX | SetOption.PX)) !== 0;
  return setStyleDeadline(call, parsed.expireIndex, unit, relative) ?? Number.NaN;
}
