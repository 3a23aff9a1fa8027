// A migration stall profile session, started by `db.profile()` on the opening thread and ended by
// `profile.stop()`. Starting sets the session in the control block (every client thread sees it
// and times its requests) and tells every live worker, primaries and replicas, to record;
// stopping collects the dumps of those still alive and every client thread's slab and builds the
// report. Failovers during the profile are kept for the report, and the last one is published in
// the control block so that clients explain the slow operations it caused by it.

import { availableParallelism, cpus } from 'node:os';
import { OptionError, ProfileError } from '../errors.js';
import type { FailoverRecord } from '../replication/replica-sets.js';
import type { ShardPool } from '../shard-pool.js';
import type { ControlBlock } from '../shared/control-block.js';
import {
  absoluteNow,
  PROFILE_BUCKETS_MAX,
  type ShardProfileDump,
} from '../shared/timing-layout.js';
import { setFailoverWindow } from './failover-window.js';
import { buildReport } from './report/build.js';
import type { ProfileReport, ReportInput } from './report/types.js';

export interface ProfileOptions {
  /**
   * Width of a time bucket, ms (default 100). A profile holds 1200 buckets; later time lands in
   * the last.
   */
  bucketMs?: number;
  /** An operation at least this slow (ms, default 10) is explained and counted as a stall. */
  thresholdMs?: number;
}

const BUCKET_MS_DEFAULT = 100;
const BUCKET_MS_MIN = 1;
const BUCKET_MS_MAX = 60_000;
const THRESHOLD_MS_DEFAULT = 10;

let sessions = 0;

export class Profile {
  private readonly session: number;
  private readonly startAbs: number;
  private readonly bucketMs: number;
  private readonly thresholdMs: number;
  /** Resolves once every worker records. */
  private readonly started: Promise<unknown>;
  /** The worker seats told to record (live when the profile started). */
  private readonly seats: number[] = [];
  private readonly failovers: FailoverRecord[] = [];
  private readonly onFailover = (record: FailoverRecord): void => {
    this.failovers.push(record);
    const origin = performance.timeOrigin;
    setFailoverWindow(
      this.control,
      record.shard,
      origin + record.startedAt,
      origin + record.endedAt,
    );
  };
  private stopped: Promise<ProfileReport> | undefined;

  /** Starts a profile (throws at once for bad options, or when one already runs). */
  constructor(
    private readonly pool: ShardPool,
    private readonly control: ControlBlock,
    options: ProfileOptions = {},
  ) {
    if (options === null || typeof options !== 'object') {
      throw new OptionError('options', 'an object', options);
    }
    const bucketMs = options.bucketMs ?? BUCKET_MS_DEFAULT;
    if (typeof bucketMs !== 'number' || !(bucketMs >= BUCKET_MS_MIN && bucketMs <= BUCKET_MS_MAX)) {
      throw new OptionError(
        'bucketMs',
        `a number from ${BUCKET_MS_MIN} to ${BUCKET_MS_MAX}`,
        options.bucketMs,
      );
    }
    const thresholdMs = options.thresholdMs ?? THRESHOLD_MS_DEFAULT;
    if (typeof thresholdMs !== 'number' || !(thresholdMs >= 0)) {
      throw new OptionError('thresholdMs', 'a number of ms, 0 or more', options.thresholdMs);
    }
    if (control.profileSession !== 0) throw new ProfileError('a profile is already running');
    this.session = ++sessions;
    this.startAbs = absoluteNow();
    this.bucketMs = bucketMs;
    this.thresholdMs = thresholdMs;
    // Clients time their requests from now on; shards start counting when the message arrives.
    control.setProfile(this.session, this.startAbs, bucketMs, thresholdMs);
    pool.replicaSets.failoverListeners.add(this.onFailover);
    for (let seat = 0; seat < pool.options.workers; seat++)
      if (pool.live(seat)) this.seats.push(seat);
    const start = { type: 'profile-start', startAbs: this.startAbs, bucketMs } as const;
    this.started = Promise.all(
      this.seats.map((seat) => pool.request(seat, start).catch(() => undefined)),
    );
  }

  /** Stops recording and resolves with the report. Calling it again returns the same report. */
  stop(): Promise<ProfileReport> {
    this.stopped ??= this.finish();
    return this.stopped;
  }

  private async finish(): Promise<ProfileReport> {
    await this.started;
    const endAbs = absoluteNow();
    this.control.setProfile(0);
    this.pool.replicaSets.failoverListeners.delete(this.onFailover);
    const replies = await Promise.all(
      this.seats.map((seat) =>
        this.pool.live(seat)
          ? this.pool.request(seat, { type: 'profile-stop', endAbs }).catch(() => undefined)
          : undefined,
      ),
    );
    const dumps = replies.flatMap((reply) =>
      reply?.profile === undefined ? [] : [reply.profile as ShardProfileDump],
    );
    const buckets = Math.min(
      PROFILE_BUCKETS_MAX,
      Math.max(1, Math.ceil((endAbs - this.startAbs) / this.bucketMs)),
    );
    const clients = this.pool.profileSlabs
      .filter((slab) => slab !== undefined && slab.session === this.session)
      .map((slab) => slab!.read(buckets));
    return buildReport({
      startAbs: this.startAbs,
      endAbs,
      bucketMs: this.bucketMs,
      thresholdMs: this.thresholdMs,
      machine: {
        cores: availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
      shards: this.pool.options.shards,
      clients,
      dumps,
      failovers: this.failoverWindows(),
      shardOfWorker: Array.from({ length: this.pool.options.workers }, (_, seat) =>
        this.control.workerShard(seat),
      ),
    });
  }

  /** The failovers during the profile, their times in ms since it started. */
  private failoverWindows(): ReportInput['failovers'] {
    const origin = performance.timeOrigin - this.startAbs;
    return this.failovers.map(({ shard, from, to, startedAt, endedAt, offset, planned }) => ({
      shard,
      from,
      to,
      startMs: Math.max(0, origin + startedAt),
      endMs: Math.max(0, origin + endedAt),
      offset,
      planned,
    }));
  }
}
