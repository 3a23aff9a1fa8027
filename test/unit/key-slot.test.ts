import { describe, expect, it } from 'vitest';
import { crc16, keySlot, keySlotOfLatin1 } from '../../src/shared/key-slot.js';

describe('keySlot', () => {
  it('matches the CRC16/XMODEM check value', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
  });

  it('matches CLUSTER KEYSLOT for known keys', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('foo{hash_tag}')).toBe(2515);
    expect(keySlot('bar{hash_tag}')).toBe(2515);
    expect(keySlot('123456789')).toBe(0x31c3 & 0x3fff);
    expect(keySlot('')).toBe(0);
  });

  it('hashes only the first non-empty tag', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
    expect(keySlot('{a}{b}')).toBe(keySlot('a'));
    expect(keySlot('x{a}y{b}z')).toBe(keySlot('a'));
    expect(keySlot('{{a}}')).toBe(keySlot('{a'));
  });

  it('hashes the whole key when the tag is empty or unterminated', () => {
    expect(keySlot('{}')).toBe(crc16(Buffer.from('{}')) & 0x3fff);
    expect(keySlot('{}foo')).toBe(crc16(Buffer.from('{}foo')) & 0x3fff);
    expect(keySlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) & 0x3fff);
    expect(keySlot('a{')).toBe(crc16(Buffer.from('a{')) & 0x3fff);
    expect(keySlot('a}b{')).toBe(crc16(Buffer.from('a}b{')) & 0x3fff);
  });

  it('hashes the UTF-8 bytes of a string, the same as the equal Buffer', () => {
    for (const key of ['ключ', 'clé{ü}', '键:{标签}:1', '🙂{🙂}', 'plain']) {
      expect(keySlot(key)).toBe(keySlot(Buffer.from(key, 'utf8')));
    }
  });

  it('reads a one-byte string as the bytes it stands for', () => {
    const bytes = Buffer.from([0xff, 0x7b, 0x00, 0x80, 0x7d, 0x41]);
    expect(keySlotOfLatin1(bytes.toString('latin1'))).toBe(keySlot(bytes));
    for (const key of ['foo', '{a}{b}', 'a{', '{}x'])
      expect(keySlotOfLatin1(key)).toBe(keySlot(key));
  });
});
