// Unit tests of pure functions, in-process and without a server: the request
// parameter reader, the HTTP Range parser, dialect 001's current_age and the
// ffmpeg command line of a trim. jest's moduleNameMapper lets these CommonJS
// tests import the ESM sources' `.js` specifiers.
import { ParamReader } from '../../src/rest/framework/params';
import { parseRange } from '../../src/media/range';
import { birthDateForAge } from '../../src/rest/d001-beach/birth-date';
import { trimArguments, trimCommand } from '../../src/media/trim-command';
import { AppError } from '../../src/common/errors';

/** The field errors a reader collected, as thrown by throwIfAny(). */
function problems(read: ParamReader): Array<{ field: string; message: string }> {
  try {
    read.throwIfAny();
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_USER_INPUT');
    return (error as AppError).extensions.fields as Array<{ field: string; message: string }>;
  }
}

describe('ParamReader', () => {
  it('reads strings, refuses other JSON types and reports missing required ones', () => {
    const read = new ParamReader();
    expect(read.string({ a: 'x' }, 'a', 'user[a]')).toBe('x');
    expect(read.string({ a: 5 }, 'a', 'user[a]')).toBeUndefined();
    expect(read.string({}, 'b', 'user[b]', { required: true })).toBeUndefined();
    expect(read.string({}, 'c', 'user[c]')).toBeUndefined();
    expect(problems(read)).toEqual([
      { field: 'user[a]', message: 'Invalid parameter user[a]: must be a string' },
      { field: 'user[b]', message: 'Missing parameter user[b]' },
    ]);
  });

  it('reads integers from numbers and digit strings, within bounds', () => {
    const read = new ParamReader();
    expect(read.integer({ n: 7 }, 'n', 'n')).toBe(7);
    expect(read.integer({ n: ' 42 ' }, 'n', 'n')).toBe(42);
    expect(read.integer({ n: '' }, 'n', 'n')).toBeUndefined();
    expect(read.integer({ n: '1.5' }, 'n', 'bad')).toBeUndefined();
    expect(read.integer({ n: 200 }, 'n', 'age', { min: 0, max: 150 })).toBeUndefined();
    expect(problems(read)).toEqual([
      { field: 'bad', message: 'Invalid parameter bad: must be an integer' },
      { field: 'age', message: 'Invalid parameter age: must be an integer from 0 to 150' },
    ]);
  });

  it('reads hashes and lists of hashes in the JSON, form and Rails index shapes', () => {
    const read = new ParamReader();
    expect(read.hash({ h: { a: 1 } }, 'h', 'h')).toEqual({ a: 1 });
    expect(read.hashes({ l: [{ a: 1 }] }, 'l', 'l')).toEqual([{ value: { a: 1 }, index: 0 }]);
    expect(read.hashes({ l: { 0: { a: 1 }, 1: { b: 2 } } }, 'l', 'l')).toEqual([
      { value: { a: 1 }, index: 0 },
      { value: { b: 2 }, index: 1 },
    ]);
    expect(read.hashes({ l: ['x'] }, 'l', 'list')).toBeUndefined();
    expect(read.hash({ h: 'x' }, 'h', 'hash')).toBeUndefined();
    expect(problems(read)).toEqual([
      { field: 'list', message: 'Invalid parameter list: must be an array of hashes' },
      { field: 'hash', message: 'Invalid parameter hash: must be a hash' },
    ]);
  });

  it('throws at once when the root hash is missing, and names unknown keys (constructor included)', () => {
    expect(() => new ParamReader().root({}, 'user', 'user')).toThrow('Missing parameter user');
    const read = new ParamReader();
    read.onlyKnown({ email: 'x', constructor: 'y' }, ['email'], (key) => `user[${key}]`);
    expect(problems(read)).toEqual([{ field: 'user[constructor]', message: 'Unknown parameter user[constructor]' }]);
  });
});

describe('parseRange', () => {
  it('answers the whole file for no header, another unit, several ranges or bad syntax', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,3-4', 'bytes=-', 'bytes=a-b']) expect(parseRange(header, 100)).toBeNull();
  });

  it('reads start-end, open-ended and suffix ranges, clamped to the size', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
  });

  it('refuses ranges past the end, backwards ones and any range of an empty file', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-5', 0)).toBe('unsatisfiable');
  });
});

describe('birthDateForAge', () => {
  it('is today minus the age in years, minus one day (UTC)', () => {
    expect(birthDateForAge(30, new Date('2026-06-15T12:00:00Z'))).toBe('1996-06-14');
    expect(birthDateForAge(0, new Date('2026-01-01T00:00:00Z'))).toBe('2025-12-31');
  });

  it('clamps 29 February to 28 February in a common year, as Ruby does', () => {
    expect(birthDateForAge(1, new Date('2024-02-29T08:00:00Z'))).toBe('2023-02-27');
    expect(birthDateForAge(4, new Date('2024-02-29T08:00:00Z'))).toBe('2020-02-28');
  });
});

describe('the trim command line', () => {
  const spec = { input: '/spool/in.mov', output: '/media/out.mp4', start: 1.5, duration: 2, preset: 'veryfast', timeoutSeconds: 30.9 };

  it('seeks in the input, cuts the duration and re-encodes to H.264/AAC MP4, with file: paths', () => {
    const args = trimArguments(spec);
    const input = args.indexOf('-i');
    expect(args[input + 1]).toBe('file:/spool/in.mov');
    expect(args.slice(0, input)).toEqual(expect.arrayContaining(['-nostdin', '-ss', '1.500']));
    expect(args.indexOf('-ss')).toBeLessThan(input);
    const output = args.slice(input + 2);
    expect(output.join(' ')).toContain('-t 2.000');
    expect(output.join(' ')).toContain('-c:v libx264 -preset veryfast');
    expect(output.join(' ')).toContain('-c:a aac');
    expect(output.slice(-3)).toEqual(['-f', 'mp4', 'file:/media/out.mp4']);
    expect(args).not.toContain('-y');
  });

  it('bounds the process in whole seconds, at least one', () => {
    expect(trimCommand(spec).timeoutSeconds).toBe(30);
    expect(trimCommand({ ...spec, timeoutSeconds: 0.2 }).timeoutSeconds).toBe(1);
  });

  it('refuses values that must not reach an argument', () => {
    expect(() => trimArguments({ ...spec, start: -1 })).toThrow(RangeError);
    expect(() => trimArguments({ ...spec, start: Number.NaN })).toThrow(RangeError);
    expect(() => trimArguments({ ...spec, duration: 0 })).toThrow('duration must be positive');
    expect(() => trimArguments({ ...spec, preset: 'fast; rm -rf /' })).toThrow('invalid preset');
  });
});
