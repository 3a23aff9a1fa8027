// A migration stall profile session, started by `db.profile()` on the opening thread and ended by
// `profile.stop()`. Starting sets the session in the control block (every client thread sees it
// and times its requests) and tells every shard to record; stopping collects the shards' dumps and
// every client thread's slab and builds the report.

import { availableParallelism, cpus } from 'node:os';
import { OptionError, ProfileError } from '../errors.js';
import type { ShardPool } from '../shard-pool.js';
import type { ControlBlock } from '../shared/control-block.js';
import {
  absoluteNow,
  PROFILE_BUCKETS_MAX,
  type ShardProfileDump,
} from '../shared/timing-layout.js';
import { buildReport } from './report/build.js';
import type { ProfileReport } from './report/types.js';

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
  /** Resolves once every shard records. */
  private readonly started: Promise<unknown>;
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
    this.started = Promise.all(
      Array.from({ length: pool.options.shards }, (_, shard) =>
        pool.live(shard)
          ? pool
              .request(shard, { type: 'profile-start', startAbs: this.startAbs, bucketMs })
              .catch(() => undefined)
          : undefined,
      ),
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
    const replies = await Promise.all(
      Array.from({ length: this.pool.options.shards }, (_, shard) =>
        this.pool.live(shard)
          ? this.pool.request(shard, { type: 'profile-stop', endAbs }).catch(() => undefined)
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
    });
  }
}
