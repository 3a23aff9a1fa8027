// A reply in the form the differential tests compare: bulk strings as hex, errors as their text,
// and integers past 2^53 to 12 digits. Both sides answer those as doubles (slotdb's replies carry
// numbers as doubles; node-redis parses Redis's digits one at a time), and the two roundings can
// land one double apart, so only the digits both keep are compared.

export function show(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
    return value.toPrecision(12);
  }
  if (Buffer.isBuffer(value)) return `<${value.toString('hex')}>`;
  if (Array.isArray(value)) return value.map(show);
  if (value instanceof Error) return `error: ${value.message}`;
  return value;
}
