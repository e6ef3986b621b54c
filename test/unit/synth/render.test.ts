// FaceWorld renderer behaviour: determinism, neutral values, locality of every attribute (measured
// on the G-buffer's surface coordinates), mirror symmetry of yaw, shared geometry of both styles.
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES,
  neutralAttributes,
  neutralIdentity,
  render,
  renderLayers,
  sampleIdentity,
  type Attributes,
  type Identity,
} from '../../../src/synth/index';
import { MAT } from '../../../src/synth/head';
import {
  bothEyes,
  browRegion,
  eyeRegion,
  mouthRegion,
  regionCoverage,
  featureRegion,
  type RegionTest,
} from '../../../src/synth/regions';

const SIZE = 64;
const SS = 2;

function withAttr(patch: Partial<Attributes>): Attributes {
  return { ...neutralAttributes(), ...patch };
}

/** Per output pixel: 1 if any of its supersamples lies on the surface region. */
function regionMask(identity: Identity, attributes: Attributes, inRegion: RegionTest): Uint8Array {
  return Uint8Array.from(regionCoverage(identity, attributes, SIZE, inRegion, SS), (c) => (c > 0 ? 1 : 0));
}

/** Sum of absolute RGB differences inside and outside a pixel mask. */
function changedMass(
  a: Uint8ClampedArray,
  b: Uint8ClampedArray,
  mask: Uint8Array,
): { inside: number; outside: number } {
  let inside = 0,
    outside = 0;
  for (let p = 0; p < mask.length; p++) {
    const d =
      Math.abs(a[p * 4] - b[p * 4]) + Math.abs(a[p * 4 + 1] - b[p * 4 + 1]) + Math.abs(a[p * 4 + 2] - b[p * 4 + 2]);
    if (mask[p]) inside += d;
    else outside += d;
  }
  return { inside, outside };
}

// a short-haired identity: its hair is mirror-symmetric (curly and long styles have random strands)
const ID: Identity = { ...sampleIdentity(5), hairStyle: 2 };

const isSkinLike = (m: number) =>
  m === MAT.skin || m === MAT.lid || m === MAT.eyeball || m === MAT.teeth || m === MAT.cavity;

describe('FaceWorld render', () => {
  it('is deterministic and honours the size', () => {
    const a = render(ID, neutralAttributes(), { size: SIZE, style: 'photo', seed: 3 });
    const b = render(ID, neutralAttributes(), { size: SIZE, style: 'photo', seed: 3 });
    expect(a.width).toBe(SIZE);
    expect(a.height).toBe(SIZE);
    expect(a.data.length).toBe(SIZE * SIZE * 4);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    // the photo seed changes background and noise, so the image changes
    const c = render(ID, neutralAttributes(), { size: SIZE, style: 'photo', seed: 4 });
    expect(Buffer.from(a.data).equals(Buffer.from(c.data))).toBe(false);
  });

  it('renders any square size from 32 to 512', () => {
    for (const size of [32, 47, 100]) {
      const img = render(ID, neutralAttributes(), { size, style: 'cgi' });
      expect(img.width).toBe(size);
      expect(img.data.length).toBe(size * size * 4);
    }
  });

  it('gives the neutral render for every attribute at its neutral value, whatever was rendered before', () => {
    const neutral = render(ID, neutralAttributes(), { size: SIZE, style: 'cgi' });
    for (const a of ATTRIBUTES) {
      // render the attribute away from neutral first, so that leftover state would show
      render(ID, withAttr({ [a.name]: a.max }), { size: SIZE, style: 'cgi' });
      const back = render(ID, withAttr({ [a.name]: a.neutral }), { size: SIZE, style: 'cgi' });
      expect(Buffer.from(back.data).equals(Buffer.from(neutral.data)), a.name).toBe(true);
    }
  });

  it('different identities look different', () => {
    const a = render(sampleIdentity(1), neutralAttributes(), { size: SIZE, style: 'photo', seed: 1 });
    const b = render(sampleIdentity(2), neutralAttributes(), { size: SIZE, style: 'photo', seed: 1 });
    const mass = changedMass(a.data, b.data, new Uint8Array(SIZE * SIZE).fill(1));
    expect(mass.inside / (SIZE * SIZE * 3)).toBeGreaterThan(5);
  });

  // each expression changes mostly its own region of the face (measured: ≥ 85 % of the change)
  const local: [string, Partial<Attributes>, RegionTest][] = [
    ['smile', { smile: 1 }, mouthRegion],
    ['mouthOpen', { mouthOpen: 1 }, mouthRegion],
    ['eyeClosedLeft', { eyeClosedLeft: 1 }, eyeRegion(1)],
    ['eyeClosedRight', { eyeClosedRight: 1 }, eyeRegion(-1)],
    ['browRaise', { browRaise: 1 }, browRegion],
    ['frown', { frown: 1 }, browRegion],
    ['squint', { squint: 1 }, bothEyes],
  ];
  for (const [name, patch, region] of local) {
    it(`${name} changes the image mostly where it should`, () => {
      const neutral = render(ID, neutralAttributes(), { size: SIZE, style: 'cgi' });
      const changed = render(ID, withAttr(patch), { size: SIZE, style: 'cgi' });
      const mask = regionMask(ID, neutralAttributes(), region);
      const mask2 = regionMask(ID, withAttr(patch), region);
      for (let i = 0; i < mask.length; i++) mask[i] |= mask2[i];
      const { inside, outside } = changedMass(neutral.data, changed.data, mask);
      expect(inside, `${name}: nothing changed`).toBeGreaterThan(500);
      expect(inside / (inside + outside), `${name}: share of the change inside its region`).toBeGreaterThan(0.85);
    });
  }

  it('the feature coverage mask (training weight) holds what expressions change, and follows the pose', () => {
    for (const pose of [{}, { yaw: 40, pitch: -15 }]) {
      const base = withAttr(pose);
      const cov = regionCoverage(ID, base, SIZE, featureRegion);
      const covered = cov.reduce((s, c) => s + c, 0);
      // a small part of the image: the features an L1 loss would average away
      expect(covered / (SIZE * SIZE), JSON.stringify(pose)).toBeGreaterThan(0.01);
      expect(covered / (SIZE * SIZE), JSON.stringify(pose)).toBeLessThan(0.2);
      expect(Math.max(...cov)).toBeLessThanOrEqual(1 + 1e-6);
      const neutral = render(ID, base, { size: SIZE, style: 'cgi' });
      const mask = Uint8Array.from(cov, (c) => (c > 0 ? 1 : 0)); // the same pixels as regionMask, without rasterising twice
      // mouth open also drops the jaw, whose outline lies outside the features
      for (const [patch, least] of [
        [{ smile: 1 }, 0.6],
        [{ eyeClosedLeft: 1 }, 0.6],
        [{ browRaise: 1 }, 0.6],
        [{ mouthOpen: 1 }, 0.4],
      ] as const) {
        const changed = render(ID, { ...base, ...patch }, { size: SIZE, style: 'cgi' });
        const changedMask = regionMask(ID, { ...base, ...patch }, featureRegion);
        const union = mask.map((v, i) => v | changedMask[i]);
        const { inside, outside } = changedMass(neutral.data, changed.data, union);
        expect(inside / (inside + outside), `${JSON.stringify(pose)} ${JSON.stringify(patch)}`).toBeGreaterThan(least);
      }
    }
  });

  it('closing one eye leaves the other eye alone', () => {
    const neutral = render(ID, neutralAttributes(), { size: SIZE, style: 'photo' });
    const wink = render(ID, withAttr({ eyeClosedLeft: 1 }), { size: SIZE, style: 'photo' });
    const right = regionMask(ID, neutralAttributes(), (m, u, v, w) => eyeRegion(-1)(m, u, v, w));
    expect(changedMass(neutral.data, wink.data, right).inside).toBe(0);
  });

  it('smile does not move the eyes', () => {
    const neutral = render(ID, neutralAttributes(), { size: SIZE, style: 'cgi' });
    const smile = render(ID, withAttr({ smile: 1 }), { size: SIZE, style: 'cgi' });
    const eyes = regionMask(ID, neutralAttributes(), (m, _u, _v, w) => (m === MAT.eyeball || m === MAT.lid) && w !== 0);
    expect(changedMass(neutral.data, smile.data, eyes).inside).toBe(0);
  });

  it('yaw turns the whole head; light changes the head and never the background', () => {
    const neutral = renderLayers(ID, neutralAttributes(), { size: SIZE, style: 'cgi' });
    const turned = render(ID, withAttr({ yaw: 45 }), { size: SIZE, style: 'cgi' });
    const head = regionMask(ID, neutralAttributes(), (m) => isSkinLike(m) || m === MAT.hair || m === MAT.ear);
    const moved = changedMass(neutral.image.data, turned.data, head);
    let headPixels = 0;
    for (const h of head) headPixels += h;
    // on average every head pixel changes noticeably
    expect(moved.inside / headPixels).toBeGreaterThan(30);
    for (const patch of [{ lightAzimuth: 60 }, { lightElevation: -20 }, { lightIntensity: 0.5 }]) {
      const lit = render(ID, withAttr(patch), { size: SIZE, style: 'cgi' });
      const bg = new Uint8Array(SIZE * SIZE);
      for (let i = 0; i < bg.length; i++) bg[i] = neutral.coverage[i] === 0 ? 1 : 0;
      const m = changedMass(neutral.image.data, lit.data, bg);
      expect(m.inside, JSON.stringify(patch)).toBe(0);
      expect(m.outside, JSON.stringify(patch)).toBeGreaterThan(1000);
    }
  });

  it('yaw +θ of a symmetric identity is the mirror image of yaw −θ', () => {
    for (const yaw of [25, 60]) {
      const a = render(ID, withAttr({ yaw }), { size: SIZE, style: 'cgi' });
      const b = render(ID, withAttr({ yaw: -yaw }), { size: SIZE, style: 'cgi' });
      let sum = 0,
        big = 0;
      for (let y = 0; y < SIZE; y++)
        for (let x = 0; x < SIZE; x++) {
          for (let c = 0; c < 3; c++) {
            const d = Math.abs(a.data[(y * SIZE + x) * 4 + c] - b.data[(y * SIZE + SIZE - 1 - x) * 4 + c]);
            sum += d;
            if (d > 40) big++;
          }
        }
      // only rasterisation differences along edges remain (triangle diagonals are not mirrored)
      expect(sum / (SIZE * SIZE * 3), `yaw ${yaw}: mean difference`).toBeLessThan(1.5);
      expect(big / (SIZE * SIZE * 3), `yaw ${yaw}: share of strongly different values`).toBeLessThan(0.01);
    }
  });

  it('a non-mirror pose is not symmetric (the mirror test has teeth)', () => {
    const a = render(ID, withAttr({ yaw: 30 }), { size: SIZE, style: 'cgi' });
    const b = render(ID, withAttr({ yaw: 30 }), { size: SIZE, style: 'cgi' });
    let sum = 0;
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        sum += Math.abs(a.data[(y * SIZE + x) * 4] - b.data[(y * SIZE + SIZE - 1 - x) * 4]);
    expect(sum / (SIZE * SIZE)).toBeGreaterThan(5);
  });

  it('both styles share the silhouette, and the cgi background is plain', () => {
    for (const attrs of [neutralAttributes(), withAttr({ yaw: -50, mouthOpen: 1, pitch: 20 })]) {
      const cgi = renderLayers(ID, attrs, { size: SIZE, style: 'cgi' });
      const photo = renderLayers(ID, attrs, { size: SIZE, style: 'photo', seed: 9 });
      expect(Array.from(photo.coverage)).toEqual(Array.from(cgi.coverage));
      let covered = 0;
      const bgValues = new Set<number>();
      for (let i = 0; i < SIZE * SIZE; i++) {
        if (cgi.coverage[i] > 0) covered++;
        else bgValues.add(cgi.image.data[i * 4] * 65536 + cgi.image.data[i * 4 + 1] * 256 + cgi.image.data[i * 4 + 2]);
      }
      expect(covered).toBeGreaterThan(SIZE * SIZE * 0.25);
      expect(bgValues.size).toBe(1);
    }
  });

  it('cgi is grey, photo is coloured', () => {
    const cgi = render(sampleIdentity(3), neutralAttributes(), { size: SIZE, style: 'cgi' });
    const photo = render(sampleIdentity(3), neutralAttributes(), { size: SIZE, style: 'photo' });
    let cgiChroma = 0,
      photoChroma = 0;
    for (let i = 0; i < SIZE * SIZE; i++) {
      const c = cgi.data,
        p = photo.data;
      cgiChroma += Math.max(c[i * 4], c[i * 4 + 1], c[i * 4 + 2]) - Math.min(c[i * 4], c[i * 4 + 1], c[i * 4 + 2]);
      photoChroma += Math.max(p[i * 4], p[i * 4 + 1], p[i * 4 + 2]) - Math.min(p[i * 4], p[i * 4 + 1], p[i * 4 + 2]);
    }
    expect(cgiChroma).toBe(0);
    expect(photoChroma / (SIZE * SIZE)).toBeGreaterThan(10);
  });

  it('renders the neutral identity too', () => {
    const img = render(neutralIdentity(), neutralAttributes(), { size: 32, style: 'photo' });
    expect(img.data.some((v) => v > 0)).toBe(true);
  });
});
