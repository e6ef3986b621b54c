// Parameter contracts: documented ranges, seeded sampling, and errors that name the bad parameter.
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES,
  IDENTITY_PARAMS,
  neutralAttributes,
  render,
  sampleAttributes,
  sampleIdentity,
  validateParams,
  type Attributes,
  type Identity,
} from '../../../src/synth/index';
import { encodeNpy } from '../../../src/synth/npy';

const NAMES = [
  'yaw',
  'pitch',
  'roll',
  'smile',
  'mouthOpen',
  'eyeClosedLeft',
  'eyeClosedRight',
  'browRaise',
  'frown',
  'squint',
  'lightAzimuth',
  'lightElevation',
  'lightIntensity',
];

describe('FaceWorld parameters', () => {
  it('lists the contracted attributes in order, each with a range holding its neutral value', () => {
    expect(ATTRIBUTES.map((a) => a.name)).toEqual(NAMES);
    for (const p of [...ATTRIBUTES, ...IDENTITY_PARAMS]) {
      expect(p.min, p.name).toBeLessThan(p.max);
      expect(p.neutral, p.name).toBeGreaterThanOrEqual(p.min);
      expect(p.neutral, p.name).toBeLessThanOrEqual(p.max);
      expect(p.doc.length, p.name).toBeGreaterThan(5);
    }
  });

  it('samples identities deterministically, within range, different per seed', () => {
    expect(sampleIdentity(7)).toEqual(sampleIdentity(7));
    expect(sampleIdentity(7)).not.toEqual(sampleIdentity(8));
    for (let s = 0; s < 50; s++) {
      const id = sampleIdentity(s);
      expect(() => validateParams(id, sampleAttributes(s))).not.toThrow();
      expect(Number.isInteger(id.hairStyle)).toBe(true);
    }
    // every hair style occurs
    const styles = new Set(Array.from({ length: 200 }, (_, s) => sampleIdentity(s).hairStyle));
    expect(styles.size).toBe(6);
  });

  it('sampleAttributes with zero spread is the neutral setting', () => {
    expect(sampleAttributes(3, 0)).toEqual(neutralAttributes());
  });

  const id = sampleIdentity(1);
  const at = neutralAttributes();
  const cases: [string, () => unknown, RegExp][] = [
    [
      'NaN attribute',
      () => render(id, { ...at, smile: NaN }, { size: 64, style: 'cgi' }),
      /attributes\.smile: expected a finite number/,
    ],
    [
      'out of range attribute',
      () => render(id, { ...at, yaw: 95 }, { size: 64, style: 'cgi' }),
      /attributes\.yaw: 95 is out of range \[-60, 60\]/,
    ],
    [
      'wrong type attribute',
      () => render(id, { ...at, frown: '1' as unknown as number }, { size: 64, style: 'cgi' }),
      /attributes\.frown: expected a number, got string/,
    ],
    [
      'missing attribute',
      () => {
        const a: Partial<Attributes> = { ...at };
        delete a.roll;
        return render(id, a as Attributes, { size: 64, style: 'cgi' });
      },
      /attributes\.roll: missing/,
    ],
    [
      'unknown attribute',
      () => render(id, { ...at, blink: 1 } as Attributes, { size: 64, style: 'cgi' }),
      /attributes\.blink: unknown parameter/,
    ],
    [
      'NaN identity',
      () => render({ ...id, noseLength: NaN }, at, { size: 64, style: 'cgi' }),
      /identity\.noseLength: expected a finite number/,
    ],
    [
      'out of range identity',
      () => render({ ...id, eyeSize: 3 }, at, { size: 64, style: 'cgi' }),
      /identity\.eyeSize: 3 is out of range/,
    ],
    [
      'fractional hair style',
      () => render({ ...id, hairStyle: 1.5 } as Identity, at, { size: 64, style: 'cgi' }),
      /identity\.hairStyle: expected a whole number/,
    ],
    [
      'identity not an object',
      () => render(null as unknown as Identity, at, { size: 64, style: 'cgi' }),
      /identity: expected an object/,
    ],
    [
      'size too small',
      () => render(id, at, { size: 16, style: 'cgi' }),
      /options\.size: 16 is out of range \[32, 512\]/,
    ],
    ['fractional size', () => render(id, at, { size: 64.5, style: 'cgi' }), /options\.size: expected a whole number/],
    [
      'unknown style',
      () => render(id, at, { size: 64, style: 'oil' as 'cgi' }),
      /options\.style: expected "cgi" or "photo"/,
    ],
    ['NaN seed', () => render(id, at, { size: 64, style: 'photo', seed: NaN }), /options\.seed/],
    ['NaN identity seed', () => sampleIdentity(NaN), /seed must be a finite number/],
  ];
  for (const [name, fn, message] of cases) {
    it(`rejects ${name} with a message naming the parameter`, () => {
      expect(fn).toThrow(message);
    });
  }
});

describe('NPY encoding', () => {
  it('writes a version 1.0 header padded to 64 bytes, then the raw data', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const npy = encodeNpy(data, [2, 3]);
    expect(Array.from(npy.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = npy[8] + npy[9] * 256;
    expect((10 + headerLen) % 64).toBe(0);
    const header = new TextDecoder().decode(npy.subarray(10, 10 + headerLen));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    const back = new Float32Array(npy.slice(10 + headerLen).buffer);
    expect(Array.from(back)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new TextDecoder().decode(encodeNpy(new Uint8Array(4), [4]).subarray(10, 60))).toContain("'descr': '|u1'");
    expect(new TextDecoder().decode(encodeNpy(new Uint8Array(4), [4]).subarray(10, 70))).toContain("'shape': (4,)");
    expect(() => encodeNpy(new Uint8Array(5), [2, 2])).toThrow(/shape \[2, 2\] holds 4 values but the data has 5/);
  });
});
