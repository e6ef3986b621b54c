// Rendering: rasterise the head into a supersampled G-buffer, shade it in the chosen style,
// box-filter down to the output size, and (photo style) add camera noise.
import { buildHead, browMask, lidLower, lidUpper, MAT, type HeadScene } from './head';
import * as noise from './noise';
import { validateParams, type Attributes, type Identity, type RenderOptions } from './params';
import type { RegionTest } from './regions';
import {
  createGBuffer,
  createShadowMap,
  gbufferCoverage,
  drawGrid,
  drawShadow,
  headRotation,
  shadowLookup,
  transformGrid,
  type Camera,
  type GBuffer,
  type ShadowMap,
} from './raster';
import type { RgbaImage } from '../graph/types';

// local bindings: module-namespace getters are measurably slow in the per-pixel loops
const { fbm2, hash2, mulberry32, smoothstep, valueNoise, clamp01 } = noise;
const browMaskL = browMask;

export const CAMERA: Camera = { distance: 12, centerY: -0.2, halfExtent: 1.42 };

type RGB = [number, number, number];
const mix = (a: RGB, b: RGB, t: number): RGB => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];
function palette(stops: RGB[], t: number): RGB {
  const x = clamp01(t) * (stops.length - 1);
  const k = Math.min(stops.length - 2, Math.floor(x));
  return mix(stops[k], stops[k + 1], x - k);
}
const SKIN: RGB[] = [
  [0.97, 0.82, 0.72],
  [0.86, 0.66, 0.53],
  [0.7, 0.5, 0.36],
  [0.5, 0.33, 0.22],
  [0.32, 0.2, 0.13],
  [0.2, 0.12, 0.08],
];
const IRIS: RGB[] = [
  [0.2, 0.11, 0.05],
  [0.36, 0.21, 0.1],
  [0.46, 0.38, 0.17],
  [0.3, 0.45, 0.24],
  [0.3, 0.46, 0.68],
  [0.52, 0.57, 0.62],
];
const HAIR: RGB[] = [
  [0.05, 0.045, 0.04],
  [0.14, 0.09, 0.06],
  [0.3, 0.19, 0.1],
  [0.5, 0.36, 0.22],
  [0.76, 0.62, 0.38],
  [0.9, 0.86, 0.74],
];

// linear-light colour buffer, reused between renders of the same size (every pixel is written)
let hiPool: Float32Array | null = null;

/** Supersampling used when the caller does not choose: small images need more for clean edges. */
export function defaultSupersample(size: number): number {
  return size <= 48 ? 3 : 2;
}

/**
 * The whole-head scene and its G-buffer, exposed for tests (silhouette masks) and tools.
 * The G-buffer is reused by the next rasterisation of the same size: read it before rendering again.
 */
export function rasterize(
  identity: Identity,
  attributes: Attributes,
  size: number,
  supersample: number,
): { gb: GBuffer; scene: HeadScene; shadow: ShadowMap } {
  const detail = size * supersample >= 500 ? 2 : size * supersample >= 200 ? 1 : 0;
  const scene = buildHead(identity, attributes, detail);
  const gb = createGBuffer(size * supersample);
  const rot = headRotation(attributes.yaw, attributes.pitch, attributes.roll);
  const pose = { yaw: attributes.yaw, pitch: attributes.pitch, roll: attributes.roll, pivot: scene.pivot };
  // cast shadows from the key light: a depth map seen from the light, coarser for small images
  const az = (attributes.lightAzimuth * Math.PI) / 180,
    el = (attributes.lightElevation * Math.PI) / 180;
  const smSize = size * supersample >= 400 ? 256 : size * supersample >= 200 ? 160 : 112;
  const shadow = createShadowMap(
    smSize,
    Math.sin(az) * Math.cos(el),
    Math.sin(el),
    Math.cos(az) * Math.cos(el),
    0,
    0,
    1.9,
  );
  for (const mesh of scene.meshes) {
    const world = transformGrid(mesh, pose, rot);
    drawGrid(gb, mesh, world, CAMERA);
    drawShadow(shadow, mesh, world);
  }
  return { gb, scene, shadow };
}

/** Renders one face. Deterministic: the same identity, attributes and options give the same pixels. */
export function render(identity: Identity, attributes: Attributes, options: RenderOptions): RgbaImage {
  return renderLayers(identity, attributes, options).image;
}

/**
 * The image plus its coverage (fraction of each pixel covered by the head, neck and shoulders),
 * both from the same rasterisation; the coverage depends on geometry only, never on the style.
 * With `region`, also the share of each pixel that lies in that surface region (as
 * `regionCoverage` gives it) from the same rasterisation.
 */
export function renderLayers(
  identity: Identity,
  attributes: Attributes,
  options: RenderOptions,
  region?: RegionTest,
): { image: RgbaImage; coverage: Float32Array; regionCoverage?: Float32Array } {
  validateParams(identity, attributes, options);
  const size = options.size;
  const ss = options.supersample ?? defaultSupersample(size);
  const seed = Math.trunc(options.seed ?? 0);
  const photo = options.style === 'photo';
  const { gb, scene, shadow } = rasterize(identity, attributes, size, ss);
  const S = gb.size;
  const inRegion = region ? gbufferCoverage(gb, size, ss, region) : undefined;
  if (!hiPool || hiPool.length !== S * S * 3) hiPool = new Float32Array(S * S * 3);
  const hi = hiPool;

  // ---- light
  const az = (attributes.lightAzimuth * Math.PI) / 180,
    el = (attributes.lightElevation * Math.PI) / 180;
  const lx = Math.sin(az) * Math.cos(el),
    ly = Math.sin(el),
    lz = Math.cos(az) * Math.cos(el);
  const hx0 = lx,
    hy0 = ly,
    hz0 = lz + 1;
  const hl = Math.hypot(hx0, hy0, hz0) || 1;
  const hx = hx0 / hl,
    hy = hy0 / hl,
    hz = hz0 / hl;
  const inten = attributes.lightIntensity;
  const camScale = (CAMERA.distance / CAMERA.halfExtent) * (S / 2);
  // bias of about two shadow texels keeps lit surfaces from shadowing themselves
  const shadowBias = (1.5 * 1.9 * 2) / shadow.size;
  const shadowOffset = (2 * 1.9 * 2) / shadow.size;

  // ---- per-photo randomness: background, clothing, white balance, noise (seeded)
  const rand = mulberry32((seed * 2654435761) ^ 0x1234567);
  const bgA: RGB = [rand(), rand(), rand()];
  const bgB: RGB = [rand(), rand(), rand()];
  const bgDark = 0.25 + 0.55 * rand();
  const bgAngle = rand() * Math.PI * 2;
  const blob: [number, number, number, RGB][] = [0, 1, 2].map(() => [
    rand() * 2 - 1,
    rand() * 2 - 1,
    0.3 + 0.6 * rand(),
    [rand(), rand(), rand()] as RGB,
  ]);
  const cloth: RGB = mix([rand(), rand(), rand()], [0.5, 0.5, 0.5], 0.35 * rand());
  const clothShade = 0.25 + 0.7 * rand();
  const wb: RGB = [1 + 0.08 * (rand() - 0.5), 1 + 0.04 * (rand() - 0.5), 1 + 0.08 * (rand() - 0.5)];
  const noiseSigma = (1.5 + 4 * rand()) / 255;
  const lightTint: RGB = [1 + 0.06 * (rand() - 0.5), 1, 1 - 0.06 * (rand() - 0.5)];

  // ---- identity colours
  let skinBase = palette(SKIN, identity.skinTone);
  skinBase = [
    skinBase[0] * (1.03 - 0.06 * identity.skinWarmth),
    skinBase[1] * (0.97 + 0.05 * identity.skinWarmth),
    skinBase[2] * (1.02 - 0.1 * identity.skinWarmth),
  ];
  const iris = palette(IRIS, identity.eyeColor);
  let hair = palette(HAIR, identity.hairColor);
  hair = mix(hair, [0.55, 0.2, 0.07], identity.hairRed * 0.75 * (1 - 0.6 * identity.hairColor * identity.hairColor));
  hair = mix(hair, [0.72, 0.72, 0.72], identity.hairGrey);
  const browCol = mix(hair, [0.1, 0.07, 0.05], 0.35);
  const lipCol: RGB = mix([skinBase[0] * 0.9, skinBase[1] * 0.55, skinBase[2] * 0.58], [0.6, 0.25, 0.28], 0.35);
  const skinSeed = Math.round(identity.skinTone * 9973 + identity.noseWidth * 7919 + identity.cheekbones * 6151) | 0;

  const mouthV = scene.mouthV,
    mw = scene.mouthHalfU,
    tipV = scene.noseTipV;
  const eyes = scene.eyes;
  const { material, nx, ny, nz, p0, p1, p2 } = gb;
  const GREY = 0.78;
  const bgCgi = 0.36;
  const col: RGB = [0, 0, 0];
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const idx = y * S + x;
      const m = material[idx];
      const o = idx * 3;
      if (m === 0) {
        if (!photo) {
          hi[o] = bgCgi;
          hi[o + 1] = bgCgi;
          hi[o + 2] = bgCgi;
          continue;
        }
        const fx = (x / S) * 2 - 1,
          fy = (y / S) * 2 - 1;
        const g = clamp01(0.5 + 0.5 * (fx * Math.cos(bgAngle) + fy * Math.sin(bgAngle)));
        let r = bgA[0] + (bgB[0] - bgA[0]) * g,
          gg = bgA[1] + (bgB[1] - bgA[1]) * g,
          bb = bgA[2] + (bgB[2] - bgA[2]) * g;
        for (const [bx, by, br, bc] of blob) {
          const d2 = ((fx - bx) * (fx - bx) + (fy - by) * (fy - by)) / (br * br);
          if (d2 < 4) {
            const w = Math.exp(-d2) * 0.6;
            r += (bc[0] - r) * w;
            gg += (bc[1] - gg) * w;
            bb += (bc[2] - bb) * w;
          }
        }
        const n = 0.85 + 0.3 * valueNoise(fx * 3, fy * 3, seed);
        hi[o] = r * bgDark * n;
        hi[o + 1] = gg * bgDark * n;
        hi[o + 2] = bb * bgDark * n;
        continue;
      }
      let ax = nx[idx],
        ay = ny[idx],
        azn = nz[idx];
      const nl = Math.hypot(ax, ay, azn) || 1;
      ax /= nl;
      ay /= nl;
      azn /= nl;
      const u = p0[idx],
        v = p1[idx],
        w = p2[idx];
      // albedo, specular strength/exponent, wrap lighting, ambient occlusion per material
      let ks = 0.05,
        pe = 16,
        wrap = 0,
        ao = 1;
      if (!photo) {
        col[0] = col[1] = col[2] = GREY;
        if (m === MAT.eyeball) {
          // the mannequin's eyes: a darker grey ball with a darker iris disc (no colour)
          const rr = u * u + v * v;
          const g = rr < 0.3 ? 0.22 : rr < 0.36 ? 0.38 : 0.66;
          col[0] = col[1] = col[2] = g;
          ks = 0.3;
          pe = 60;
          ao = eyeAO(eyes[w > 0 ? 0 : 1], u, v);
        } else if (m === MAT.cavity) {
          col[0] = col[1] = col[2] = 0.16;
          ao = 0.5;
        } else if (m === MAT.teeth) {
          col[0] = col[1] = col[2] = 0.8;
          ao = 0.75;
        }
      } else {
        switch (m) {
          case MAT.skin:
          case MAT.lid:
          case MAT.ear:
          case MAT.neck: {
            let r = skinBase[0],
              g = skinBase[1],
              b = skinBase[2];
            let su = u,
              sv = v;
            if (m === MAT.neck) {
              su = u * 0.5;
              sv = v;
            }
            if (m === MAT.lid || m === MAT.ear) {
              su = u * 0.3 + (m === MAT.ear ? 5 : 9);
              sv = v * 0.3;
            }
            const blotch = fbm2(su * 7, sv * 7, skinSeed) - 0.5;
            const pores = valueNoise(su * 90, sv * 90, skinSeed + 3) - 0.5;
            const tone = 1 + 0.1 * blotch + 0.05 * pores;
            r *= tone;
            g *= tone * (1 - 0.02 * blotch);
            b *= tone;
            ks = 0.1 + 0.06 * pores;
            pe = 18;
            wrap = 0.3;
            if (m === MAT.skin) {
              // cheek blush and a redder nose
              const ch = Math.exp(-((Math.abs(u) - 0.45) ** 2) / 0.02 - (v + 0.25) ** 2 / 0.02);
              const no = Math.exp(-(u * u) / 0.01 - (v - tipV) ** 2 / 0.01);
              const red = 0.07 * ch + 0.05 * no;
              r *= 1 + red * 0.5;
              g *= 1 - red;
              b *= 1 - red * 0.8;
              // lips
              const au = Math.abs(u);
              if (au < mw * 1.05) {
                const pu = Math.sqrt(Math.max(0, 1 - (au / (mw * 1.02)) ** 2));
                const bow = 1 + 0.35 * Math.exp(-((au - 0.05) ** 2) / 0.002) - 0.3 * Math.exp(-(au * au) / 0.0008);
                const hu = 0.06 * identity.lipFullness * Math.sqrt(pu) * bow;
                const hl2 = 0.075 * identity.lipFullness * Math.sqrt(pu);
                const dv = v - mouthV;
                let lip = 0;
                if (dv >= 0) lip = 1 - smoothstep(hu * 0.85, hu * 1.1, dv);
                else lip = 1 - smoothstep(hl2 * 0.85, hl2 * 1.1, -dv);
                if (lip > 0) {
                  r += (lipCol[0] * tone - r) * lip;
                  g += (lipCol[1] * tone - g) * lip;
                  b += (lipCol[2] * tone - b) * lip;
                  ks = 0.16 + 0.1 * lip;
                  pe = 30;
                  // the line between the lips is darker
                  ao = 1 - 0.45 * (1 - smoothstep(0, 0.012, Math.abs(dv))) * pu;
                }
              }
              // nostrils
              for (const sgn of [-1, 1]) {
                const du = u - sgn * 0.05 * identity.noseWidth,
                  dvn = v - (tipV - 0.045);
                const nn = (du * du) / 0.0005 + (dvn * dvn) / 0.00015;
                if (nn < 1.5) ao = Math.min(ao, 0.5 + 0.5 * smoothstep(0.5, 1.5, nn));
              }
              // beard shadow: jaw, chin and upper lip, dotted, fading towards the cheeks; not on the lips
              if (identity.stubble > 0 && v < tipV - 0.04 && Math.abs(u) < 1.45) {
                const au = Math.abs(u);
                const cheekLine = tipV - 0.06 - 0.28 * smoothstep(0.15, 0.9, au) + 0.1 * smoothstep(0.9, 1.4, au);
                let beard = smoothstep(0, 0.08, cheekLine - v) * (1 - smoothstep(1.25, 1.45, au));
                // skip the lips and a clean band just around them
                const nearLips =
                  Math.abs(v - mouthV) < 0.09 && au < mw * 1.05 ? 1 - smoothstep(0.065, 0.09, Math.abs(v - mouthV)) : 0;
                beard *= 1 - nearLips;
                if (beard > 0) {
                  const dots = valueNoise(u * 180, v * 180, skinSeed + 17);
                  const k = clamp01(beard * identity.stubble * (0.35 + 0.5 * dots));
                  r += (browCol[0] - r) * k * 0.8;
                  g += (browCol[1] - g) * k * 0.8;
                  b += (browCol[2] - b) * k * 0.8;
                }
              }
              // eyebrows
              const bm = browMaskL(u, v, identity);
              if (bm > 0) {
                const strand = 0.75 + 0.5 * valueNoise(u * 160, v * 30, skinSeed + 5);
                const k = clamp01(bm * strand * 0.95);
                r += (browCol[0] - r) * k;
                g += (browCol[1] - g) * k;
                b += (browCol[2] - b) * k;
              }
              // darker eye sockets and lash line on the skin around the openings
              for (let k = 0; k < eyes.length; k++) {
                const e = eyes[k];
                const ex = (u - e.u) * e.du,
                  ey = (v - e.v) * e.dv;
                const d = ex * ex + ey * ey * 1.6;
                if (d < 2.6) {
                  const sh = 1 - 0.06 * (1 - smoothstep(0.8, 2.6, d));
                  r *= sh;
                  g *= sh * 0.98;
                  b *= sh * 0.98;
                  if (d < 1.05) ao = Math.min(ao, 0.7 + 0.3 * smoothstep(0.85, 1.05, d));
                }
              }
            } else if (m === MAT.lid) {
              // lashes and lid-edge shadow at the opening
              const e = eyes[w > 0 ? 0 : 1];
              const lxv = Math.max(-0.95, Math.min(0.95, u));
              const lo = lidLower(e, lxv),
                up = lidUpper(e, lxv);
              const du = v - up,
                dl = lo - v;
              const lash = Math.min(Math.abs(du), Math.abs(dl));
              const upperLash = Math.abs(du) <= Math.abs(dl);
              const band = upperLash ? 0.11 : 0.07;
              if (Math.abs(u) < 0.95 && lash < band) {
                const k = 1 - smoothstep(0.0, band, lash);
                const dark = upperLash ? 0.9 : 0.4;
                r *= 1 - dark * k;
                g *= 1 - dark * k;
                b *= 1 - dark * k;
              }
            } else if (m === MAT.ear) {
              ao = 0.7 + 0.3 * smoothstep(0.1, 0.8, u * u + v * v);
              r *= 1.02;
              g *= 0.95;
              b *= 0.95;
            } else if (m === MAT.neck) {
              ao = 0.8 + 0.2 * smoothstep(-1.0, -0.5, v);
            }
            col[0] = r;
            col[1] = g;
            col[2] = b;
            break;
          }
          case MAT.eyeball: {
            const rr = Math.sqrt(u * u + v * v);
            const ir = 0.6;
            if (rr < ir) {
              const ang = Math.atan2(v, u);
              const streak = 0.8 + 0.4 * valueNoise(ang * 12, rr * 4, skinSeed + 7);
              const pup = 0.23;
              if (rr < pup) {
                col[0] = col[1] = col[2] = 0.03;
              } else {
                const limbal = smoothstep(ir * 0.8, ir, rr);
                const c = mix(iris, [0.06, 0.05, 0.04], limbal * 0.7);
                col[0] = c[0] * streak;
                col[1] = c[1] * streak;
                col[2] = c[2] * streak;
              }
              ks = 0.9;
              pe = 120;
            } else {
              const vein = valueNoise(u * 30, v * 30, skinSeed + 9);
              col[0] = 0.86;
              col[1] = 0.81 - 0.05 * vein * rr;
              col[2] = 0.78 - 0.05 * vein * rr;
              ks = 0.6;
              pe = 90;
            }
            ao = eyeAO(eyes[w > 0 ? 0 : 1], u, v);
            break;
          }
          case MAT.hair:
          case MAT.hairCurtain: {
            const strand =
              m === MAT.hair ? valueNoise(u * 70, v * 8, skinSeed + 11) : valueNoise(u * 70, v * 5, skinSeed + 11);
            const fine = valueNoise(u * 200, v * 20, skinSeed + 13);
            const t = 0.65 + 0.35 * strand + 0.2 * (fine - 0.5);
            col[0] = hair[0] * t;
            col[1] = hair[1] * t;
            col[2] = hair[2] * t;
            ks = 0.22 * (0.5 + strand);
            pe = 24;
            wrap = 0.15;
            if (identity.hairStyle === 1) {
              // buzz cut: skin shows through short hair
              col[0] = col[0] * 0.6 + skinBase[0] * 0.4;
              col[1] = col[1] * 0.6 + skinBase[1] * 0.4;
              col[2] = col[2] * 0.6 + skinBase[2] * 0.4;
            }
            if (m === MAT.hairCurtain) ao = 0.75 + 0.25 * (1 - v);
            break;
          }
          case MAT.torso: {
            const weave = 0.92 + 0.08 * valueNoise(u * 60, v * 60, seed + 3);
            // a darker collar band around the neck opening
            const collar = 1 - 0.35 * smoothstep(0.9, 0.95, v) * (1 - smoothstep(0.975, 0.99, v));
            col[0] = cloth[0] * clothShade * weave * collar;
            col[1] = cloth[1] * clothShade * weave * collar;
            col[2] = cloth[2] * clothShade * weave * collar;
            ks = 0.03;
            wrap = 0.2;
            break;
          }
          case MAT.teeth: {
            const gap = Math.abs(Math.sin(u * 9.5));
            const t = 0.55 + 0.3 * smoothstep(0.0, 0.25, gap);
            col[0] = 0.92 * t;
            col[1] = 0.88 * t;
            col[2] = 0.8 * t;
            ks = 0.3;
            pe = 40;
            ao = 0.8;
            break;
          }
          case MAT.cavity: {
            col[0] = 0.32;
            col[1] = 0.1;
            col[2] = 0.1;
            ao = 0.45;
            ks = 0.05;
            break;
          }
        }
      }
      const ndl = ax * lx + ay * ly + azn * lz;
      // world position from the depth buffer, then the shadow map decides how much key light arrives
      let sh = 1;
      if (ndl > -0.3) {
        const wz = gb.depth[idx];
        const persp = camScale / (CAMERA.distance - wz);
        const wx = (x + 0.5 - S / 2) / persp,
          wy = CAMERA.centerY - (y + 0.5 - S / 2) / persp;
        // normal offset: look the shadow up a little above the surface, which removes acne
        sh = shadowLookup(shadow, wx + ax * shadowOffset, wy + ay * shadowOffset, wz + azn * shadowOffset, shadowBias);
      }
      const diff = wrap > 0 ? Math.max(0, (ndl + wrap) / (1 + wrap)) : Math.max(0, ndl);
      const amb = (0.34 + 0.1 * ay) * ao;
      const nh = Math.max(0, ax * hx + ay * hy + azn * hz);
      const spec = ndl > 0 ? ks * Math.pow(nh, pe) * inten * ao * sh : 0;
      const lit = amb + 0.85 * inten * diff * ao * sh;
      if (photo) {
        if (wrap >= 0.3) {
          // light scattered under the skin reddens the edge between lit and unlit skin
          const edge = inten * 0.85 * ao * sh * Math.max(0, (ndl + 0.5) / 1.5) * (1 - Math.max(0, ndl)) * 0.18;
          hi[o] = (col[0] * (lit + edge) * lightTint[0] + spec) * wb[0];
          hi[o + 1] = (col[1] * (lit + edge * 0.35) * lightTint[1] + spec) * wb[1];
          hi[o + 2] = (col[2] * (lit + edge * 0.25) * lightTint[2] + spec) * wb[2];
          continue;
        }
        hi[o] = (col[0] * lit * lightTint[0] + spec) * wb[0];
        hi[o + 1] = (col[1] * lit * lightTint[1] + spec) * wb[1];
        hi[o + 2] = (col[2] * lit * lightTint[2] + spec) * wb[2];
      } else {
        hi[o] = col[0] * lit + spec;
        hi[o + 1] = col[1] * lit + spec;
        hi[o + 2] = col[2] * lit + spec;
      }
    }
  }

  // ---- box filter down to the output size; display gamma; camera noise for photos
  const out = new Uint8ClampedArray(size * size * 4);
  const coverage = new Float32Array(size * size);
  const inv = 1 / (ss * ss);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        c = 0;
      for (let sy = 0; sy < ss; sy++) {
        const m0 = (y * ss + sy) * S + x * ss;
        let o = m0 * 3;
        for (let sx = 0; sx < ss; sx++, o += 3) {
          r += hi[o];
          g += hi[o + 1];
          b += hi[o + 2];
          if (material[m0 + sx] !== 0) c++;
        }
      }
      coverage[y * size + x] = c * inv;
      r *= inv;
      g *= inv;
      b *= inv;
      if (photo) {
        const n1 = hash2(x, y, seed * 3 + 1) + hash2(x, y, seed * 3 + 2) - 1;
        const n2 = hash2(x + 7, y, seed * 3 + 1) - 0.5;
        r += noiseSigma * (n1 + 0.3 * n2);
        g += noiseSigma * n1;
        b += noiseSigma * (n1 - 0.3 * n2);
        const fx = (x + 0.5) / size - 0.5,
          fy = (y + 0.5) / size - 0.5;
        const vig = 1 - 0.25 * (fx * fx + fy * fy);
        r *= vig;
        g *= vig;
        b *= vig;
      }
      const q = (y * size + x) * 4;
      out[q] = 255 * Math.sqrt(r > 0 ? r : 0);
      out[q + 1] = 255 * Math.sqrt(g > 0 ? g : 0);
      out[q + 2] = 255 * Math.sqrt(b > 0 ? b : 0);
      out[q + 3] = 255;
    }
  }
  return {
    image: { width: size, height: size, data: out },
    coverage,
    ...(inRegion ? { regionCoverage: inRegion } : {}),
  };
}

/** Shadow of the upper lid on the eyeball (and darkening near the corners). */
function eyeAO(e: HeadScene['eyes'][number], u: number, v: number): number {
  // eyeball params are offsets / eyeball radius; lid edges are in lid-shell units (×1/1.07)
  let best = 1;
  const lx = u / 1.07,
    ly = v / 1.07;
  if (lx > -0.92 && lx < 0.92) {
    const lo = lidLower(e, lx),
      up = lidUpper(e, lx);
    const open = Math.max(1e-3, up - lo);
    best = 0.55 + 0.45 * smoothstep(0, 0.45, (up - ly) / open);
  }
  return best * (1 - 0.25 * smoothstep(0.5, 0.9, Math.abs(u)));
}
