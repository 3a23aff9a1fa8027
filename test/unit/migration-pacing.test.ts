// The migration's pace: the adaptive controller against a scripted client rate (a control block
// whose counters the test advances, a clock and wall clock the test moves), and the fixed
// ceilings (keys and bytes per second).

import { describe, expect, it } from 'vitest';
import { checkMoveOrder } from '../../src/migration/options.js';
import { ControlBlock, ShardStat } from '../../src/shared/control-block.js';
import {
  AdaptivePace,
  IDLE_LIMITS,
  LOADED_LIMITS,
  PaceMode,
} from '../../workers/migration/pacing/adaptive-pace.js';
import { RateBudget } from '../../workers/migration/pacing/rate-budget.js';

/**
 * A pace over two workers whose clients do `rate(now, probing)` requests per second; the test
 * steps time 1 ms per loop turn and sends a batch (costing `costMs`) whenever the pace allows.
 */
function simulate(
  rate: (probing: boolean, duty: number) => number,
  ms: number,
  costMs = 0.05,
): { pace: AdaptivePace; sent: number; duties: number[] } {
  const control = new ControlBlock();
  control.workerCount = 2;
  let wall = 1_000_000 + 500; // mid-way between two probe windows
  let now = 0;
  const pace = new AdaptivePace(control, now, () => wall);
  const duties: number[] = [];
  pace.onPeriod = (p) => duties.push(p.duty);
  let ops = 0;
  let sent = 0;
  for (let t = 0; t < ms; t++) {
    now += 1;
    wall += 1;
    ops += rate(pace.probing, pace.duty) / 1000;
    // Half the requests on each worker, one of them forwarded once (counted twice, redirected once).
    control.stats[control.statIndex(0, ShardStat.Ops)] = ops / 2 + 10;
    control.stats[control.statIndex(0, ShardStat.Redirected)] = 10;
    control.stats[control.statIndex(1, ShardStat.Ops)] = ops / 2;
    pace.beginTurn(now);
    if (pace.maySend(now)) {
      pace.charge(costMs, true);
      pace.charge(costMs, false); // the target's apply, from its ack
      sent++;
    }
  }
  return { pace, sent, duties };
}

describe('adaptive pace', () => {
  it('without client load it leaves moves unpaced, with the chosen batch limits', () => {
    const { pace, sent } = simulate(() => 0, 500);
    expect(pace.mode).toBe(PaceMode.Idle);
    expect(pace.limits()).toEqual(IDLE_LIMITS);
    expect(pace.parallel(16)).toBe(16);
    // Every turn after the first period sent.
    expect(sent).toBeGreaterThan(440);
  });

  it('under load it uses small batches, one slot at a time, and probes the clients without moves', () => {
    const { pace } = simulate(() => 100_000, 1200);
    expect(pace.mode).toBe(PaceMode.Loaded);
    expect(pace.limits()).toEqual(LOADED_LIMITS);
    expect(pace.parallel(16)).toBe(1);
    // The probe measured the clients' 100,000 requests a second (the forward counted once).
    expect(pace.reference).toBeGreaterThan(95_000);
    expect(pace.reference).toBeLessThan(105_000);
  });

  it('grows its duty while the clients keep their rate', () => {
    const { pace, duties } = simulate(() => 100_000, 3000);
    expect(pace.duty).toBeGreaterThan(0.3);
    expect(duties.at(-1)).toBeGreaterThan(duties[2]!);
  });

  it('backs off when moves cost the clients more than the target share, and settles near it', () => {
    // Clients lose half their rate per unit of duty: 0.92 of the reference at a duty of 0.16.
    const clients = (probing: boolean, duty: number): number =>
      probing ? 100_000 : 100_000 * (1 - duty / 2);
    const { pace, duties } = simulate(clients, 10_000);
    expect(pace.duty).toBeLessThan(0.2);
    const late = duties.slice(-40);
    const mean = late.reduce((a, b) => a + b, 0) / late.length;
    expect(mean).toBeGreaterThan(0.03);
    expect(mean).toBeLessThan(0.2);
  });

  it('sends no batch during a probe window, and parks no longer than the probe', () => {
    const control = new ControlBlock();
    control.workerCount = 1;
    let wall = 10_000 - 100;
    let now = 0;
    let ops = 0;
    const pace = new AdaptivePace(control, now, () => wall);
    const step = (): boolean => {
      now += 1;
      wall += 1;
      ops += 100;
      control.stats[control.statIndex(0, ShardStat.Ops)] = ops;
      pace.beginTurn(now);
      return pace.maySend(now);
    };
    for (let i = 0; i < 99; i++) step(); // the first period found clients: loaded
    expect(pace.mode).toBe(PaceMode.Loaded);
    const during: boolean[] = [];
    for (let i = 0; i < 40; i++) during.push(step());
    expect(during.every((allowed) => !allowed)).toBe(true);
    expect(pace.parkMs(now)).toBeLessThanOrEqual(100);
    for (let i = 0; i < 70; i++) step();
    expect(pace.probing).toBe(false);
    expect(pace.reference).toBeGreaterThan(90_000);
  });

  it('a target descheduled while applying is charged at most a few ms', () => {
    const control = new ControlBlock();
    control.workerCount = 1;
    const pace = new AdaptivePace(control, 0, () => 500);
    // Two 0.5 s "applies": the target lost its CPU. Uncapped, the debt would hold moves for 10 s
    // at the starting duty; capped, for about 20 ms.
    pace.charge(500, false);
    pace.charge(500, false);
    pace.beginTurn(1);
    expect(pace.maySend(1)).toBe(false);
    expect(pace.parkMs(1)).toBeLessThan(100);
  });
});

describe('adaptive pace, its debt and its flags', () => {
  it('carries at most 10 ms of debt, whatever it was charged', () => {
    const control = new ControlBlock();
    control.workerCount = 1;
    const pace = new AdaptivePace(control, 0, () => 500);
    // A big key's 1,600 pieces, charged but never held back.
    for (let i = 0; i < 1600; i++) pace.charge(2, true);
    pace.beginTurn(1);
    expect(pace.maySend(1)).toBe(false);
    // 10 ms of debt at the starting duty of 0.1: about 100 ms, not 32 s.
    expect(pace.parkMs(1)).toBeLessThanOrEqual(100);
  });

  it('forgets a held-back frame at the next turn, so an ended move does not keep the shard awake', () => {
    const control = new ControlBlock();
    control.workerCount = 1;
    const pace = new AdaptivePace(control, 0, () => 500);
    pace.charge(2, false);
    pace.charge(2, false);
    expect(pace.maySend(0)).toBe(false);
    expect(pace.parkMs(0)).toBeGreaterThan(0);
    pace.beginTurn(1);
    expect(pace.parkMs(1)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('rate budget', () => {
  it('lets a batch bigger than its burst go once the bucket is full, rather than never', () => {
    // Burst of 256 keys (the plan's batch), asked for the idle pace's 4096.
    const budget = new RateBudget(10_000, 0, 256, 0);
    budget.take(256, 0);
    expect(budget.allows(4096, 1)).toBe(false);
    expect(budget.allows(4096, 30)).toBe(true);
  });

  it('holds a sender to keys per second, a whole batch at a time', () => {
    const budget = new RateBudget(1000, 0, 100, 0);
    expect(budget.allows(100, 0)).toBe(true);
    budget.take(100, 0);
    expect(budget.allows(100, 50)).toBe(false);
    expect(budget.starved).toBe(true);
    expect(budget.msUntil(100)).toBeCloseTo(50, 5);
    expect(budget.allows(100, 100)).toBe(true);
  });

  it('holds a sender to bytes per second once a batch ran it into debt', () => {
    const budget = new RateBudget(0, 1_000_000, 256, 0);
    expect(budget.allows(256, 0)).toBe(true);
    budget.take(256, 200_000);
    expect(budget.allows(256, 1)).toBe(false);
    // 200,000 - 10,000 bytes of debt (a 10 ms burst) at 1 MB/s: about 190 ms.
    expect(budget.msUntil(256)).toBeGreaterThan(185);
    expect(budget.allows(256, 195)).toBe(true);
  });
});

describe('move order options', () => {
  it('defaults to the adaptive pace, and a fixed rate alone to max under it', () => {
    expect(checkMoveOrder({}, 4)).toEqual({
      parallel: 4,
      keysPerSecond: 0,
      bytesPerSecond: 0,
      pace: 'adaptive',
    });
    expect(checkMoveOrder({ keysPerSecond: 10 }, 4).pace).toBe('max');
    expect(checkMoveOrder({ bytesPerSecond: 1e6 }, 4).pace).toBe('max');
    expect(checkMoveOrder({ bytesPerSecond: 1e6, pace: 'adaptive' }, 4).pace).toBe('adaptive');
  });

  it('refuses a bad pace or rate, naming the option', () => {
    expect(() => checkMoveOrder({ pace: 'fast' as never }, 4)).toThrow(/option 'pace'/);
    expect(() => checkMoveOrder({ bytesPerSecond: -1 }, 4)).toThrow(/option 'bytesPerSecond'/);
    expect(() => checkMoveOrder({ bytesPerSecond: 1.5 }, 4)).toThrow(/option 'bytesPerSecond'/);
  });
});
