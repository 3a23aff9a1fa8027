// Every command against a 3-shard database, with Redis's exact replies and error texts.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorReply } from '../../dist/src/index.js';
import { errorOf, SlotDB } from '../support/db.js';

let db: SlotDB;
beforeAll(async () => {
  db = await SlotDB.open({ shards: 3 });
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  await db.flushAll();
});

const send = (...args: (string | number | Buffer)[]): Promise<unknown> => db.sendCommand(args);

describe('GET / SET', () => {
  it('sets and gets, binary-safe', async () => {
    expect(await db.set('k', 'v')).toBe('OK');
    expect(await db.get('k')).toBe('v');
    expect(await db.get('missing')).toBeNull();
    const bytes = Buffer.from([0, 0xff, 0x80, 0x0a]);
    await db.set(Buffer.from([1, 2, 0xfe]), bytes);
    const back = await db.withBuffers().get(Buffer.from([1, 2, 0xfe]));
    expect(Buffer.isBuffer(back) && back.equals(bytes)).toBe(true);
    await db.set('unicode', 'ключ 🙂');
    expect(await db.get('unicode')).toBe('ключ 🙂');
    expect(await db.strLen('unicode')).toBe(Buffer.byteLength('ключ 🙂'));
  });

  it('honours NX, XX, GET, KEEPTTL and the expiry options', async () => {
    expect(await db.set('k', '1', { NX: true })).toBe('OK');
    expect(await db.set('k', '2', { NX: true })).toBeNull();
    expect(await db.set('other', '2', { XX: true })).toBeNull();
    expect(await db.set('k', '3', { XX: true, GET: true })).toBe('1');
    expect(await db.set('k', '4', { NX: true, GET: true })).toBe('3');
    expect(await db.get('k')).toBe('3');
    expect(await db.set('k', '5', { EX: 100 })).toBe('OK');
    expect(await db.ttl('k')).toBe(100);
    expect(await db.set('k', '6', { KEEPTTL: true })).toBe('OK');
    expect(await db.ttl('k')).toBe(100);
    expect(await db.set('k', '7')).toBe('OK');
    expect(await db.ttl('k')).toBe(-1);
    expect(
      await db.set('k', '8', { expiration: { type: 'PX', value: 50_000 }, condition: 'XX' }),
    ).toBe('OK');
    expect(await db.pTTL('k')).toBeGreaterThan(49_000);
    const at = Math.floor(Date.now() / 1000) + 1000;
    await db.set('k', '9', { EXAT: at });
    expect(await db.expireTime('k')).toBe(at);
    await db.set('k', '10', { PXAT: at * 1000 + 5 });
    expect(await db.pExpireTime('k')).toBe(at * 1000 + 5);
    await db.set('gone', 'x', { PXAT: 1 });
    expect(await db.exists('gone')).toBe(0);
  });

  it('rejects bad SET options with Redis texts', async () => {
    expect(await errorOf(send('SET', 'k', 'v', 'NX', 'XX'))).toBe('ERR syntax error');
    expect(await errorOf(send('SET', 'k', 'v', 'EX', '10', 'PX', '10'))).toBe('ERR syntax error');
    expect(await errorOf(send('SET', 'k', 'v', 'EX'))).toBe('ERR syntax error');
    expect(await errorOf(send('SET', 'k', 'v', 'KEEPTTL', 'EX', '1'))).toBe('ERR syntax error');
    expect(await errorOf(send('SET', 'k', 'v', 'BOGUS'))).toBe('ERR syntax error');
    expect(await errorOf(send('SET', 'k', 'v', 'EX', 'ten'))).toBe(
      'ERR value is not an integer or out of range',
    );
    expect(await errorOf(send('SET', 'k', 'v', 'EX', '0'))).toBe(
      "ERR invalid expire time in 'set' command",
    );
    expect(await errorOf(send('SET', 'k', 'v', 'PX', '-5'))).toBe(
      "ERR invalid expire time in 'set' command",
    );
    expect(await errorOf(send('SET', 'k', 'v', 'EX', '9223372036854775807'))).toBe(
      "ERR invalid expire time in 'set' command",
    );
    expect(await errorOf(send('SET', 'k'))).toBe("ERR wrong number of arguments for 'set' command");
    expect(await send('SET', 'k', 'v', 'ex', '10', 'nx')).toBe('OK');
    expect(await send('SET', 'k', 'v', 'EX', '10', 'EX', '20')).toBe('OK');
    expect(await db.ttl('k')).toBe(20);
  });

  it('SETNX, SETEX, PSETEX, GETSET', async () => {
    expect(await db.setNX('k', 'a')).toBe(1);
    expect(await db.setNX('k', 'b')).toBe(0);
    expect(await db.setEx('e', 10, 'v')).toBe('OK');
    expect(await db.ttl('e')).toBe(10);
    expect(await db.pSetEx('p', 10_000, 'v')).toBe('OK');
    expect(await db.ttl('p')).toBe(10);
    expect(await errorOf(db.setEx('e', 0, 'v'))).toBe("ERR invalid expire time in 'setex' command");
    expect(await errorOf(db.pSetEx('e', -1, 'v'))).toBe(
      "ERR invalid expire time in 'psetex' command",
    );
    expect(await db.getSet('k', 'c')).toBe('a');
    expect(await db.getSet('new', 'c')).toBeNull();
  });

  it('GETDEL and GETEX', async () => {
    await db.set('k', 'v', { EX: 100 });
    expect(await db.getEx('k')).toBe('v');
    expect(await db.ttl('k')).toBe(100);
    expect(await db.getEx('k', { PERSIST: true })).toBe('v');
    expect(await db.ttl('k')).toBe(-1);
    expect(await db.getEx('k', { EX: 50 })).toBe('v');
    expect(await db.ttl('k')).toBe(50);
    expect(await db.getEx('k', { type: 'PX', value: 20_000 })).toBe('v');
    expect(await db.ttl('k')).toBe(20);
    expect(await db.getEx('k', { EXAT: 1 })).toBe('v');
    expect(await db.exists('k')).toBe(0);
    expect(await db.getEx('missing', { EX: 10 })).toBeNull();
    // The amount is checked only once the key is known to exist, as Redis does.
    expect(await send('GETEX', 'missing', 'EX', '-1')).toBeNull();
    await db.set('k', 'v');
    expect(await errorOf(send('GETEX', 'k', 'EX', '-1'))).toBe(
      "ERR invalid expire time in 'getex' command",
    );
    expect(await errorOf(send('GETEX', 'k', 'PERSIST', 'EX', '1'))).toBe('ERR syntax error');
    expect(await errorOf(send('GETEX', 'k', 'GET'))).toBe('ERR syntax error');
    expect(await db.getDel('k')).toBe('v');
    expect(await db.getDel('k')).toBeNull();
  });
});

describe('counters', () => {
  it('INCR, DECR, INCRBY, DECRBY within int64', async () => {
    expect(await db.incr('n')).toBe(1);
    expect(await db.incrBy('n', 41)).toBe(42);
    expect(await db.decr('n')).toBe(41);
    expect(await db.decrBy('n', 50)).toBe(-9);
    expect(await db.get('n')).toBe('-9');
    await db.set('big', '9223372036854775806');
    // INT64_MAX as the JS number the integer reply decodes to (2^63, the nearest double).
    expect(await send('INCR', 'big')).toBe(2 ** 63);
    expect(await db.get('big')).toBe('9223372036854775807');
    expect(await errorOf(send('INCR', 'big'))).toBe('ERR increment or decrement would overflow');
    await db.set('small', '-9223372036854775808');
    expect(await errorOf(send('DECR', 'small'))).toBe('ERR increment or decrement would overflow');
    expect(await errorOf(send('DECRBY', 'n', '-9223372036854775808'))).toBe(
      'ERR decrement would overflow',
    );
    await db.set('text', 'abc');
    expect(await errorOf(send('INCR', 'text'))).toBe('ERR value is not an integer or out of range');
    expect(await errorOf(send('INCRBY', 'n', '1.5'))).toBe(
      'ERR value is not an integer or out of range',
    );
    await db.set('spaced', ' 1');
    expect(await errorOf(send('INCR', 'spaced'))).toBe(
      'ERR value is not an integer or out of range',
    );
  });

  it('keeps the TTL of a counter', async () => {
    await db.set('n', '1', { EX: 100 });
    await db.incr('n');
    expect(await db.ttl('n')).toBe(100);
  });

  it('INCRBYFLOAT', async () => {
    await db.set('f', '10.50');
    expect(await db.incrByFloat('f', 0.1)).toBe('10.6');
    expect(await db.incrByFloat('f', -5)).toBe('5.6');
    await db.set('e', '5.0e3');
    expect(await send('INCRBYFLOAT', 'e', '2.0e2')).toBe('5200');
    expect(await errorOf(send('INCRBYFLOAT', 'e', 'abc'))).toBe('ERR value is not a valid float');
    expect(await errorOf(send('INCRBYFLOAT', 'e', 'inf'))).toBe(
      'ERR increment would produce NaN or Infinity',
    );
    await db.set('t', 'abc');
    expect(await errorOf(send('INCRBYFLOAT', 't', '1'))).toBe('ERR value is not a valid float');
  });
});

describe('byte ranges', () => {
  it('APPEND and STRLEN', async () => {
    expect(await db.append('a', 'Hello')).toBe(5);
    expect(await db.append('a', ' World')).toBe(11);
    expect(await db.get('a')).toBe('Hello World');
    expect(await db.strLen('a')).toBe(11);
    expect(await db.strLen('missing')).toBe(0);
  });

  it('GETRANGE with Redis index rules', async () => {
    await db.set('s', 'This is a string');
    expect(await db.getRange('s', 0, 3)).toBe('This');
    expect(await db.getRange('s', -3, -1)).toBe('ing');
    expect(await db.getRange('s', 0, -1)).toBe('This is a string');
    expect(await db.getRange('s', 10, 100)).toBe('string');
    expect(await db.getRange('s', 5, 2)).toBe('');
    expect(await db.getRange('s', -1, -5)).toBe('');
    expect(await db.getRange('missing', 0, 10)).toBe('');
    expect(await errorOf(send('GETRANGE', 's', 'a', '1'))).toBe(
      'ERR value is not an integer or out of range',
    );
  });

  it('SETRANGE pads with zero bytes', async () => {
    await db.set('s', 'Hello World');
    expect(await db.setRange('s', 6, 'Redis')).toBe(11);
    expect(await db.get('s')).toBe('Hello Redis');
    expect(await db.setRange('pad', 3, 'x')).toBe(4);
    expect(await db.get('pad')).toBe('\u0000\u0000\u0000x');
    expect(await db.setRange('none', 5, '')).toBe(0);
    expect(await db.exists('none')).toBe(0);
    expect(await errorOf(send('SETRANGE', 's', '-1', 'x'))).toBe('ERR offset is out of range');
    expect(
      await errorOf(send('SETRANGE', 's', '536870900', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')),
    ).toBe('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  });
});

describe('multi-key commands', () => {
  const spread = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

  it('MSET and MGET across slots and shards, merged in key order', async () => {
    expect(await db.mSet(spread.map((k) => [k, `v-${k}`] as [string, string]))).toBe('OK');
    expect(await db.mGet([...spread, 'missing'])).toEqual([...spread.map((k) => `v-${k}`), null]);
    expect(await db.mSet({ x: '1', y: '2' })).toBe('OK');
    expect(await db.mSet(['p', '1', 'q', '2'])).toBe('OK');
    expect(await db.mGet(['p', 'q', 'x', 'y'])).toEqual(['1', '2', '1', '2']);
    expect(await errorOf(send('MSET', 'a', '1', 'b'))).toBe(
      "ERR wrong number of arguments for 'mset' command",
    );
  });

  it('DEL, UNLINK, EXISTS and TOUCH count over every slot, repeats included', async () => {
    await db.mSet(spread.map((k) => [k, 'v'] as [string, string]));
    expect(await db.exists([...spread, 'a', 'missing'])).toBe(spread.length + 1);
    expect(await db.touch(['a', 'b', 'missing'])).toBe(2);
    expect(await db.del(['a', 'b', 'missing'])).toBe(2);
    expect(await db.unlink(['c', 'd'])).toBe(2);
    expect(await db.exists(spread)).toBe(spread.length - 4);
    expect(await db.del('e')).toBe(1);
  });

  it('MSETNX is all-or-nothing within a slot and refuses keys of several slots', async () => {
    expect(await db.mSetNX({ '{t}a': '1', '{t}b': '2' })).toBe(1);
    expect(await db.mSetNX({ '{t}b': '3', '{t}c': '4' })).toBe(0);
    expect(await db.mGet(['{t}a', '{t}b', '{t}c'])).toEqual(['1', '2', null]);
    expect(await errorOf(db.mSetNX({ a: '1', b: '2' }))).toBe(
      "CROSSSLOT Keys in request don't hash to the same slot",
    );
  });
});

describe('expiry commands', () => {
  it('EXPIRE family with NX, XX, GT, LT', async () => {
    await db.set('k', 'v');
    expect(await db.expire('missing', 10)).toBe(0);
    expect(await db.expire('k', 100, 'XX')).toBe(0);
    expect(await db.expire('k', 100, 'NX')).toBe(1);
    expect(await db.expire('k', 200, 'NX')).toBe(0);
    expect(await db.expire('k', 50, 'GT')).toBe(0);
    expect(await db.expire('k', 200, 'GT')).toBe(1);
    expect(await db.expire('k', 300, 'LT')).toBe(0);
    expect(await db.expire('k', 150, 'LT')).toBe(1);
    expect(await db.ttl('k')).toBe(150);
    expect(await db.pExpire('k', 5000)).toBe(1);
    expect(await db.ttl('k')).toBe(5);
    const at = Math.floor(Date.now() / 1000) + 500;
    expect(await db.expireAt('k', at)).toBe(1);
    expect(await db.expireTime('k')).toBe(at);
    expect(await db.pExpireAt('k', new Date(at * 1000 + 1000))).toBe(1);
    expect(await db.expireTime('k')).toBe(at + 1);
    expect(await db.persist('k')).toBe(1);
    expect(await db.persist('k')).toBe(0);
    expect(await db.ttl('k')).toBe(-1);
    expect(await db.pTTL('missing')).toBe(-2);
    expect(await db.expireTime('k')).toBe(-1);
    await db.set('lt', 'v');
    expect(await db.expire('lt', 10, 'LT')).toBe(1);
    expect(await db.expire('k', -1)).toBe(1);
    expect(await db.exists('k')).toBe(0);
  });

  it('rejects bad EXPIRE input with Redis texts', async () => {
    await db.set('k', 'v');
    expect(await errorOf(send('EXPIRE', 'k', '10', 'NX', 'XX'))).toBe(
      'ERR NX and XX, GT or LT options at the same time are not compatible',
    );
    expect(await errorOf(send('EXPIRE', 'k', '10', 'GT', 'LT'))).toBe(
      'ERR GT and LT options at the same time are not compatible',
    );
    expect(await errorOf(send('EXPIRE', 'k', '10', 'bogus'))).toBe('ERR Unsupported option bogus');
    expect(await errorOf(send('EXPIRE', 'k', 'ten'))).toBe(
      'ERR value is not an integer or out of range',
    );
    expect(await errorOf(send('EXPIRE', 'k', '9223372036854775'))).toBe(
      "ERR invalid expire time in 'expire' command",
    );
    expect(await errorOf(send('PEXPIRE', 'k', '9223372036854775807'))).toBe(
      "ERR invalid expire time in 'pexpire' command",
    );
    // An absolute deadline needs no addition, so the largest one is accepted, as in Redis.
    expect(await send('PEXPIREAT', 'k', '9223372036854775807')).toBe(1);
  });
});

describe('keyspace', () => {
  it('TYPE, DBSIZE, FLUSHALL, KEYS', async () => {
    await db.mSet({ a: '1', b: '2', c: '3' });
    expect(await db.type('a')).toBe('string');
    expect(await db.type('missing')).toBe('none');
    expect(await db.dbSize()).toBe(3);
    expect((await db.keys('*')).sort()).toEqual(['a', 'b', 'c']);
    expect(await db.keys('[ab]')).toHaveLength(2);
    expect(await errorOf(send('FLUSHALL', 'NOW'))).toBe('ERR syntax error');
    expect(await db.flushAll('ASYNC')).toBe('OK');
    expect(await db.dbSize()).toBe(0);
  });

  it('SCAN visits every key exactly once, with MATCH, COUNT and TYPE', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `scan:${i}`);
    await db.mSet(keys.flatMap((k) => [k, 'v']));
    await db.set('other', 'v');
    const seen: string[] = [];
    for await (const batch of db.scanIterator({ MATCH: 'scan:*', COUNT: 50 })) seen.push(...batch);
    expect(seen.sort()).toEqual([...keys].sort());
    const steps: number[] = [];
    let cursor = '0';
    do {
      const reply = await db.scan(cursor, { COUNT: 100 });
      steps.push(reply.keys.length);
      cursor = reply.cursor;
    } while (cursor !== '0');
    expect(steps.reduce((a, b) => a + b, 0)).toBe(501);
    expect((await db.scan('0', { TYPE: 'hash', COUNT: 10000 })).keys).toEqual([]);
    expect(await errorOf(send('SCAN', 'abc'))).toBe('ERR invalid cursor');
    expect(await errorOf(send('SCAN', '99999'))).toBe('ERR invalid cursor');
    expect(await errorOf(send('SCAN', '0', 'COUNT', '0'))).toBe('ERR syntax error');
    expect(await errorOf(send('SCAN', '0', 'COUNT'))).toBe('ERR syntax error');
    expect(await errorOf(send('SCAN', '0', 'TYPE', 'nope'))).toBe("ERR unknown type name 'nope'");
  });

  it('CLUSTER KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT', async () => {
    expect(await db.clusterKeySlot('foo')).toBe(12182);
    expect(await send('CLUSTER', 'KEYSLOT', '{user1000}.following')).toBe(
      await db.clusterKeySlot('user1000'),
    );
    await db.mSet({ '{s}1': 'a', '{s}2': 'b', '{s}3': 'c' });
    const slot = await db.clusterKeySlot('s');
    expect(await db.clusterCountKeysInSlot(slot)).toBe(3);
    expect((await db.clusterGetKeysInSlot(slot, 2)).length).toBe(2);
    expect((await db.clusterGetKeysInSlot(slot, 10)).sort()).toEqual(['{s}1', '{s}2', '{s}3']);
    expect(await errorOf(send('CLUSTER', 'COUNTKEYSINSLOT', '16384'))).toBe('ERR Invalid slot');
    expect(await errorOf(send('CLUSTER', 'COUNTKEYSINSLOT', 'x'))).toBe(
      'ERR value is not an integer or out of range',
    );
    expect(await errorOf(send('CLUSTER', 'GETKEYSINSLOT', '1', '-1'))).toBe(
      'ERR Invalid slot or number of keys',
    );
    expect(await errorOf(send('CLUSTER', 'NOPE'))).toBe(
      "ERR unknown subcommand 'NOPE'. Try CLUSTER HELP.",
    );
  });

  it('PING and ECHO', async () => {
    expect(await db.ping()).toBe('PONG');
    expect(await db.ping('hi')).toBe('hi');
    expect(await db.echo('hello')).toBe('hello');
  });
});

describe('errors for bad calls', () => {
  it('unknown commands and wrong arity, with Redis texts', async () => {
    expect(await errorOf(send('NOPE', 'a', 'b'))).toBe(
      "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ",
    );
    expect(await errorOf(send('GET'))).toBe("ERR wrong number of arguments for 'get' command");
    expect(await errorOf(send('GET', 'a', 'b'))).toBe(
      "ERR wrong number of arguments for 'get' command",
    );
    expect(await errorOf(db.del([]))).toBe("ERR wrong number of arguments for 'del' command");
    const error = await db.sendCommand(['GET']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorReply);
  });

  it('arguments of the wrong type are refused, not sent', async () => {
    expect(await errorOf(db.set('k', undefined as never))).toMatch(
      /must be a string, Buffer, Uint8Array or number/,
    );
    expect(await errorOf(db.get({} as never))).toMatch(
      /must be a string, Buffer, Uint8Array or number/,
    );
    expect(await db.set('k', 'still works')).toBe('OK');
  });

  it('numbers are sent as their decimal text', async () => {
    await db.set('n', 42);
    expect(await db.get('n')).toBe('42');
    await db.set(7, 1.5);
    expect(await db.get('7')).toBe('1.5');
  });
});
