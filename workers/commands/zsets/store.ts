// ZUNIONSTORE and ZINTERSTORE (Redis's zunionInterDiffGenericCommand):
//   destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
// The sources are looked up (WRONGTYPE first) before the options are read, as in Redis. They are
// then taken smallest first (a stable sort by size, as glibc's qsort sorts them), which fixes the
// order in which scores are added up: floating-point sums depend on it. A weighted score that is
// NaN (0 × inf) counts as 0, and so does a sum of inf and -inf.
//
// Sources may be sorted sets or plain sets, whose members each score 1, as in Redis.

import { inputKeysNeeded, SYNTAX, WEIGHT_NOT_FLOAT } from '../../../src/shared/reply-errors.js';
import { SetValue } from '../../keyspace/set-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import {
  COMPACT_MEMBER_BYTES_MAX,
  COMPACT_MEMBERS_MAX,
  ZSetValue,
} from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { integerArg } from './common.js';
import { parseScore } from './score-text.js';
import { storeResult } from './store-result.js';

const Aggregate = { Sum: 0, Min: 1, Max: 2 } as const;
type Aggregate = (typeof Aggregate)[keyof typeof Aggregate];

/** A source's members and scores, whether it is a sorted set or a set (every member 1). */
interface SourceValue {
  readonly size: number;
  walk(visit: (member: string, score: number) => void): void;
  score(member: string): number | undefined;
}

interface Source {
  value: SourceValue | undefined;
  weight: number;
}

function sortedSetSource(value: ZSetValue): SourceValue {
  return {
    size: value.size,
    walk: (visit) => value.walk(0, value.size, false, visit),
    score: (member) => value.score(member),
  };
}

function setSource(value: SetValue): SourceValue {
  return {
    size: value.size,
    walk: (visit) =>
      value.forEach((member) => {
        visit(member, 1);
      }),
    score: (member) => (value.has(member) ? 1 : undefined),
  };
}

/** Source `index` as Redis reads it: a sorted set, a set, missing, or WRONG_TYPE. */
function lookupSource(call: Call, index: number): SourceValue | undefined | typeof WRONG_TYPE {
  const value = call.keyspace.get(call.slot, call.arg(index));
  if (value === undefined) return undefined;
  if (value instanceof ZSetValue) return sortedSetSource(value);
  if (value instanceof SetValue) return setSource(value);
  return WRONG_TYPE;
}

/**
 * Redis's zunionInterAggregate. MIN and MAX are its comparisons, not Math.min and Math.max: on a
 * tie (-0 and 0) they keep the target, and a NaN value (an intersection's inf × 0) loses.
 */
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === Aggregate.Sum) {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === Aggregate.Min) {
    if (value < target) return value;
    return target;
  }
  if (value > target) return value;
  return target;
}

/** The sources, looked up; undefined after answering an error. */
function readSources(call: Call): Source[] | undefined {
  const count = integerArg(call, 1);
  if (count === undefined) return undefined;
  if (count < 1) {
    call.error(inputKeysNeeded(call.name));
    return undefined;
  }
  if (count > call.argc - 2) {
    call.error(SYNTAX);
    return undefined;
  }
  const sources: Source[] = [];
  for (let i = 0; i < count; i++) {
    const value = lookupSource(call, 2 + i);
    if (value === WRONG_TYPE) {
      call.wrongType();
      return undefined;
    }
    sources.push({ value, weight: 1 });
  }
  return sources;
}

/** Reads WEIGHTS and AGGREGATE after the keys; the aggregate, or undefined after an error. */
function readOptions(call: Call, sources: Source[]): Aggregate | undefined {
  let how: Aggregate = Aggregate.Sum;
  let j = 2 + sources.length;
  while (j < call.argc) {
    const left = call.argc - j;
    if (left >= sources.length + 1 && call.argIs(j, 'WEIGHTS')) {
      j++;
      for (const source of sources) {
        const weight = parseScore(call.arg(j++));
        if (weight === undefined) {
          call.error(WEIGHT_NOT_FLOAT);
          return undefined;
        }
        source.weight = weight;
      }
    } else if (left >= 2 && call.argIs(j, 'AGGREGATE')) {
      if (call.argIs(j + 1, 'SUM')) how = Aggregate.Sum;
      else if (call.argIs(j + 1, 'MIN')) how = Aggregate.Min;
      else if (call.argIs(j + 1, 'MAX')) how = Aggregate.Max;
      else {
        call.error(SYNTAX);
        return undefined;
      }
      j += 2;
    } else {
      call.error(SYNTAX);
      return undefined;
    }
  }
  return how;
}

/** Weighted score, NaN counted as 0. */
function weighted(score: number, weight: number): number {
  const value = score * weight;
  return Number.isNaN(value) ? 0 : value;
}

function union(sources: readonly Source[], how: Aggregate): Map<string, number> {
  const result = new Map<string, number>();
  for (const { value, weight } of sources) {
    if (value === undefined) continue;
    value.walk((member, score) => {
      const scored = weighted(score, weight);
      const existing = result.get(member);
      result.set(member, existing === undefined ? scored : aggregate(existing, scored, how));
    });
  }
  return result;
}

function intersection(sources: readonly Source[], how: Aggregate): Map<string, number> {
  const result = new Map<string, number>();
  const first = sources[0]!;
  if (first.value === undefined || first.value.size === 0) return result;
  first.value.walk((member, score) => {
    let total = weighted(score, first.weight);
    for (let j = 1; j < sources.length; j++) {
      const other = sources[j]!.value?.score(member);
      if (other === undefined) return;
      // Redis does not turn a NaN product into 0 here; the aggregate then decides.
      total = aggregate(total, other * sources[j]!.weight, how);
    }
    result.set(member, total);
  });
  return result;
}

/** The result as a sorted set, compact when Redis would convert it to a listpack. */
function toValue(result: Map<string, number>): ZSetValue | undefined {
  if (result.size === 0) return undefined;
  const members = [...result.keys()];
  let longest = 0;
  for (const member of members) longest = Math.max(longest, member.length);
  members.sort((a, b) => {
    const sa = result.get(a)!;
    const sb = result.get(b)!;
    if (sa !== sb) return sa < sb ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const scores = new Float64Array(members.length);
  for (let i = 0; i < members.length; i++) scores[i] = result.get(members[i]!)!;
  const compact = members.length <= COMPACT_MEMBERS_MAX && longest <= COMPACT_MEMBER_BYTES_MAX;
  return ZSetValue.fromSorted(members, scores, compact);
}

function storeGeneric(call: Call, inter: boolean): void {
  const sources = readSources(call);
  if (sources === undefined) return;
  const how = readOptions(call, sources);
  if (how === undefined) return;
  // Smallest first, stable (Array.prototype.sort is), as Redis's qsort leaves them.
  sources.sort((a, b) => (a.value?.size ?? 0) - (b.value?.size ?? 0));
  storeResult(call, toValue(inter ? intersection(sources, how) : union(sources, how)));
}

/** ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE SUM|MIN|MAX] */
export function zunionstore(call: Call): void {
  storeGeneric(call, false);
}

/** ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE SUM|MIN|MAX] */
export function zinterstore(call: Call): void {
  storeGeneric(call, true);
}
