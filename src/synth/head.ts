// The parametric head: a deformed sphere grid for the skin (identity shape + facial features +
// expression), eyeballs behind lid shells, ears, teeth, a mouth cavity, hair, neck and shoulders.
// Units: the head is about 2 tall; x to the image right (the subject's left), y up, z to the camera.
// Feature placement uses the skin grid's own coordinates u = azimuth θ and v = elevation φ (radians).
import type { Attributes, Identity } from './params';
import type { GridMesh } from './raster';
import { gridNormals } from './raster';
import * as noise from './noise';

// local bindings: module-namespace getters are measurably slow in the per-vertex loops
const smoothstep = noise.smoothstep;
const valueNoise = noise.valueNoise;

export const MAT = {
  skin: 1,
  eyeball: 2,
  lid: 3,
  ear: 4,
  hair: 5,
  neck: 6,
  torso: 7,
  teeth: 8,
  cavity: 9,
  hairCurtain: 10,
} as const;

export interface EyeRig {
  /** +1 subject's left (x > 0), -1 subject's right */
  side: number;
  cx: number;
  cy: number;
  cz: number;
  /** eyeball radius */
  re: number;
  /** lid shell radius */
  rl: number;
  /** skin-grid coordinates of the eye centre and their scale to lid-shell units */
  u: number;
  v: number;
  du: number;
  dv: number;
  /** 0 open .. 1 closed (upper lid) and 0..1 lower lid rise */
  closeUpper: number;
  raiseLower: number;
}

export interface HeadScene {
  meshes: GridMesh[];
  pivot: [number, number, number];
  eyes: EyeRig[];
  /** skin-grid coordinates of the mouth line and half-width, for materials */
  mouthV: number;
  mouthHalfU: number;
  noseTipV: number;
}

const fall = (e0: number, e1: number, x: number): number => 1 - smoothstep(e0, e1, x);

/** Neutral almond of the eye opening in lid-shell units: upper and lower edge at q = x / 0.92. */
export function eyeOpenUpper(q: number, qOuter: number): number {
  const s = 1 - q * q;
  return s <= 0 ? 0.04 + 0.06 * qOuter : 0.04 + 0.31 * Math.pow(s, 0.55) + 0.06 * qOuter;
}
export function eyeOpenLower(q: number, qOuter: number): number {
  const s = 1 - q * q;
  return s <= 0 ? 0.04 + 0.06 * qOuter : 0.04 - 0.26 * Math.pow(s, 0.8) + 0.06 * qOuter;
}

/** Lower lid edge in lid-shell units for the current expression (the eye shows above it). */
export function lidLower(eye: EyeRig, lx: number): number {
  const q = lx / 0.92;
  const qo = q * eye.side;
  const lo0 = eyeOpenLower(q, qo);
  return lo0 + (eyeOpenUpper(q, qo) - lo0) * eye.raiseLower;
}

/** Upper lid edge in lid-shell units for the current expression (the eye shows below it). */
export function lidUpper(eye: EyeRig, lx: number): number {
  const q = lx / 0.92;
  const up0 = eyeOpenUpper(q, q * eye.side);
  return up0 + (lidLower(eye, lx) - up0) * eye.closeUpper;
}

export function buildHead(id: Identity, at: Attributes, detail: number): HeadScene {
  const FW = id.faceWidth,
    FL = id.faceLength,
    CL = id.chinLength,
    JW = id.jawWidth;
  // ---- base skull and face shape, before features
  const base = (th: number, ph: number, out: Float64Array): void => {
    const st = Math.sin(th),
      ct = Math.cos(th),
      sp = Math.sin(ph),
      cp = Math.max(0, Math.cos(ph));
    const lower = sp < 0 ? -sp : 0;
    const y = sp >= 0 ? 1.0 * FL * sp : 1.0 * FL * CL * sp;
    let hw = 0.74 * FW * Math.pow(cp, 0.62);
    // the jaw narrows the lower face towards the chin; a wide jaw keeps it square
    hw *= 1 - (1.12 - 0.3 * JW) * 0.34 * smoothstep(0.25, 1, lower) * (0.6 + 0.4 * Math.max(0, ct));
    const zf = (0.86 + 0.1 * lower * lower) * Math.pow(cp, 0.5);
    const zb = 0.98 * Math.pow(cp, 0.8) * (1 - 0.32 * lower);
    const ex = 0.84;
    const x = hw * Math.sign(st) * Math.pow(Math.abs(st), ex);
    const z = ct >= 0 ? zf * Math.pow(ct, ex) : -zb * Math.pow(-ct, ex);
    out[0] = x;
    out[1] = y;
    out[2] = z - 0.04;
  };

  const tmp = new Float64Array(3);
  const tmp2 = new Float64Array(3);
  // ---- eyes
  const eyeU = 0.44 * id.eyeSpacing;
  const eyeV = 0.02;
  const re = 0.118 * id.eyeSize;
  const rl = re * 1.07;
  const eyes: EyeRig[] = [];
  for (const side of [1, -1]) {
    base(side * eyeU, eyeV, tmp);
    const cx = tmp[0],
      cy = tmp[1],
      cz = tmp[2] - re * 1.12;
    base(side * eyeU + 0.01, eyeV, tmp2);
    const dxdu = Math.abs(tmp2[0] - tmp[0]) / 0.01;
    base(side * eyeU, eyeV + 0.01, tmp2);
    const dydv = Math.abs(tmp2[1] - tmp[1]) / 0.01;
    const closed = side > 0 ? at.eyeClosedLeft : at.eyeClosedRight;
    eyes.push({
      side,
      cx,
      cy,
      cz,
      re,
      rl,
      u: side * eyeU,
      v: eyeV,
      du: dxdu / rl,
      dv: dydv / rl,
      closeUpper: Math.min(1, closed + 0.42 * at.squint * (1 - closed)),
      raiseLower: 0.6 * at.squint,
    });
  }

  // ---- mouth and nose layout in grid coordinates
  const mouthV = -0.5;
  const mw = 0.25 * id.mouthWidth;
  // the nose base must stay clear of the upper lip, whatever the nose length
  const noseTipV = -0.25 - 0.05 * (id.noseLength - 1);
  const NP = id.noseProjection,
    NW = id.noseWidth,
    LF = id.lipFullness;
  const drop = 0.17 * at.mouthOpen;

  // ---- skin grid
  const NU = detail >= 2 ? 160 : detail >= 1 ? 128 : 84;
  const NVb = detail >= 2 ? 120 : detail >= 1 ? 96 : 64;
  const warpU = (s: number): number => Math.PI * (0.42 * s + 0.58 * s * s * s);
  const warpV = (t: number): number => (Math.PI / 2) * (0.5 * t + 0.5 * t * t * t);
  // rows: a uniform t grid plus the mouth line twice (upper and lower lip edge)
  let tm = 0;
  {
    let lo = -1,
      hi = 0;
    for (let k = 0; k < 50; k++) {
      const mid = (lo + hi) / 2;
      if (warpV(mid) < mouthV) lo = mid;
      else hi = mid;
    }
    tm = (lo + hi) / 2;
  }
  const ts: number[] = [];
  for (let j = 0; j <= NVb; j++) {
    const t = -1 + (2 * j) / NVb;
    if (Math.abs(t - tm) > 0.35 / NVb) ts.push(t);
  }
  ts.push(tm, tm);
  ts.sort((a, b) => a - b);
  const splitRow = ts.indexOf(tm); // lower edge row; splitRow + 1 is the upper edge row
  const nv = ts.length;
  const nu = NU;
  const skin: GridMesh = {
    material: MAT.skin,
    nu,
    nv,
    wrapU: true,
    pos: new Float32Array(nu * nv * 3),
    nrm: new Float32Array(nu * nv * 3),
    prm: new Float32Array(nu * nv * 3),
    cull: true,
    skipRow: splitRow,
    discard: null,
    rig: 0,
  };
  const b = new Float64Array(3);
  const smile = at.smile,
    raise = at.browRaise,
    frown = at.frown,
    squint = at.squint;
  for (let j = 0; j < nv; j++) {
    const v = warpV(ts[j]);
    const upperSide = j > splitRow;
    for (let i = 0; i < nu; i++) {
      const u = warpU(-1 + (2 * i) / nu);
      base(u, v, b);
      let x = b[0],
        y = b[1],
        z = b[2];
      const au = Math.abs(u),
        sg = u < 0 ? -1 : 1;
      if (Math.cos(u) > 0.05) {
        let dx = 0,
          dy = 0,
          dz = 0;
        // brow ridge and forehead
        dz += 0.035 * Math.exp(-((v - 0.17) * (v - 0.17)) / 0.008 - (u * u) / 0.4);
        // nose: a ridge growing from the bridge to the tip, then the base
        if (v < 0.2 && v > noseTipV - 0.14 && au < 0.4) {
          let h: number, wr: number;
          if (v >= noseTipV) {
            const s = Math.min(1, Math.max(0, (0.06 - v) / (0.06 - noseTipV)));
            h = NP * (0.035 + 0.2 * Math.pow(s, 1.5)) * fall(0.06, 0.2, v);
            wr = NW * (0.045 + 0.035 * s);
          } else {
            h = NP * 0.235 * fall(noseTipV, noseTipV - 0.13, v);
            wr = NW * (0.06 - 0.15 * (noseTipV - v));
          }
          dz += h * Math.exp(-(u * u) / (wr * wr));
          const tv = v - (noseTipV + 0.005);
          dz += NP * 0.035 * Math.exp(-(u * u) / 0.004 - (tv * tv) / 0.003);
          const av = v - (noseTipV - 0.03),
            aw = au - 0.085 * NW;
          dz += NP * 0.055 * Math.exp(-(aw * aw) / 0.0012 - (av * av) / 0.0018);
        }
        // cheekbones and cheeks
        const cbu = au - 0.56,
          cbv = v + 0.13;
        const cbw = Math.exp(-(cbu * cbu) / 0.025 - (cbv * cbv) / 0.012);
        dz += 0.035 * id.cheekbones * cbw;
        dx += sg * 0.02 * id.cheekbones * cbw;
        const cfu = au - 0.62,
          cfv = v + 0.45;
        const cfw = Math.exp(-(cfu * cfu) / 0.06 - (cfv * cfv) / 0.05);
        dx += sg * 0.05 * id.cheekFullness * cfw;
        dz += 0.02 * id.cheekFullness * cfw;
        // chin and the groove under the lower lip
        const chv = v + 0.98;
        dz += 0.05 * (0.4 + id.chinProjection) * Math.exp(-(u * u) / 0.06 - (chv * chv) / 0.03);
        const lgv = v - mouthV + 0.16;
        dz -= 0.01 * Math.exp(-(u * u) / 0.03 - (lgv * lgv) / 0.0015);
        // lips: the upper lip above the mouth line, the lower lip below it
        const pu = au < mw ? Math.sqrt(1 - (au / mw) * (au / mw)) : 0;
        if (pu > 0) {
          const thin = 1 - 0.35 * smile;
          if (upperSide) {
            const lv = v - mouthV - 0.03;
            dz += LF * 0.036 * thin * pu * Math.exp(-(lv * lv) / 0.0006);
          } else {
            const lv = v - mouthV + 0.045;
            dz += LF * 0.042 * thin * pu * Math.exp(-(lv * lv) / 0.001);
          }
        }
        // philtrum groove
        const phv = v - (mouthV + noseTipV) / 2;
        dz -= 0.004 * Math.exp(-(u * u) / 0.0012 - (phv * phv) / 0.004);
        // ---- expression: smile (corners up/back, cheeks up, nasolabial folds)
        if (smile > 0) {
          const cu = au - mw,
            cv = v - mouthV;
          const wc = Math.exp(-(cu * cu) / 0.014 - (cv * cv) / 0.014);
          dy += 0.1 * smile * wc;
          dz -= 0.04 * smile * wc;
          dx += sg * 0.05 * smile * wc;
          const ku = au - 0.4,
            kv = v + 0.3;
          // cheeks rise, but never into the lower lids: smile must not move the eyes
          const wk = Math.exp(-(ku * ku) / 0.02 - (kv * kv) / 0.015) * fall(-0.2, -0.1, v);
          dz += 0.055 * smile * wk;
          dy += 0.035 * smile * wk;
          // fold line from the nose wing to beyond the mouth corner
          const ax = 0.16,
            ay = noseTipV - 0.02,
            bx = mw + 0.08,
            by = mouthV - 0.12;
          const ex = bx - ax,
            ey = by - ay;
          const tl = Math.max(0, Math.min(1, ((au - ax) * ex + (v - ay) * ey) / (ex * ex + ey * ey)));
          const fx = au - (ax + tl * ex),
            fy = v - (ay + tl * ey);
          dz -= 0.028 * smile * Math.exp(-(fx * fx + fy * fy) / 0.0012);
        }
        // ---- mouth open: the jaw drops and moves back; the upper lip lifts a little
        if (drop > 0) {
          if (!upperSide) {
            const below = Math.max(0, mouthV - v);
            const hwJ = mw * (1 + 6 * Math.min(1, below));
            const wj = fall(0.55 * hwJ, hwJ, au) * fall(1.15, 1.5, -v);
            dy -= drop * wj;
            dz -= 0.3 * drop * wj;
          } else {
            const lv = v - mouthV;
            dy += 0.07 * drop * pu * Math.exp(-(lv * lv) / 0.004);
          }
        }
        // ---- brows: the eyebrow band and the skin around it move with browRaise and frown
        const wb = smoothstep(0.09, 0.15, v) * fall(0.45, 0.8, v) * fall(0.75, 1.0, au);
        if (wb > 0) {
          const inner = 1 - 0.6 * smoothstep(0.1, 0.7, au);
          dy += 0.14 * raise * wb - 0.09 * frown * wb * inner;
          dx -= sg * 0.065 * frown * wb * inner;
          dz += 0.02 * frown * wb * inner;
          // horizontal forehead creases when raised, vertical ones between the brows when frowning
          dz -=
            0.014 *
            raise *
            (0.5 + 0.5 * Math.sin(v * 60)) *
            smoothstep(0.3, 0.38, v) *
            fall(0.58, 0.68, v) *
            fall(0.45, 0.75, au);
          const cr = au - 0.06;
          dz -= 0.02 * frown * Math.exp(-(cr * cr) / 0.0005) * smoothstep(0.1, 0.15, v) * fall(0.28, 0.38, v);
        }
        // eyebrow hair sits slightly proud of the skin (so brows read in the grey style too)
        dz += 0.032 * browMask(u, v, id);
        // squint: the cheek under the eyes rises with the lower lids
        if (squint > 0) {
          for (const e of eyes) {
            const su = u - e.u,
              sv = v - (e.v - 0.13);
            dy += 0.03 * squint * Math.exp(-(su * su) / 0.03 - (sv * sv) / 0.006);
            dz += 0.015 * squint * Math.exp(-(su * su) / 0.03 - (sv * sv) / 0.006);
          }
        }
        x += dx;
        y += dy;
        z += dz;
        // around each eye the skin wraps onto the lid shell, so lids and socket meet seamlessly
        for (const e of eyes) {
          const lx = (b[0] - e.cx) / e.rl,
            ly = (b[1] - e.cy) / e.rl;
          const d = Math.sqrt(lx * lx * 0.85 + ly * ly * 1.3);
          if (d < 1.9) {
            const k = fall(0.95, 1.9, d);
            const r2 = Math.min(0.94, lx * lx + ly * ly);
            const zs = e.cz + e.rl * Math.sqrt(1 - r2) + 0.004;
            z = z + (zs - z) * k;
          }
        }
      }
      const o = (j * nu + i) * 3;
      skin.pos[o] = x;
      skin.pos[o + 1] = y;
      skin.pos[o + 2] = z;
      // the third parameter is the rest x: eye openings are cut in true head units
      skin.prm[o] = u;
      skin.prm[o + 1] = v;
      skin.prm[o + 2] = b[0];
    }
  }
  gridNormals(skin, [0, 0, -0.05], null, splitRow);
  // the skin is cut open where the eyes show (the widest, neutral opening)
  skin.discard = (_u, v, restX) => {
    if (v > 0.2 || v < -0.2) return false;
    for (let k = 0; k < eyes.length; k++) {
      const e = eyes[k];
      // a margin around the widest opening: the lid shell behind defines the visible outline
      // (grid coordinates map to the shell only approximately)
      const lx = (restX - e.cx) / e.rl;
      if (lx <= -0.93 || lx >= 0.93) continue;
      const ly = (v - e.v) * e.dv;
      const q = lx / 0.93;
      if (ly < 1.1 * eyeOpenUpper(q, q * e.side) + 0.015 && ly > 1.1 * eyeOpenLower(q, q * e.side) - 0.015) return true;
    }
    return false;
  };

  const meshes: GridMesh[] = [skin];
  // ---- eyeballs and lid shells
  for (const e of eyes) {
    const ball = spherePatch(MAT.eyeball, e.cx, e.cy, e.cz, e.re, e.re, e.re, 1.45, 1.3, 18, 16, false);
    meshes.push(ball);
    const lid = spherePatch(MAT.lid, e.cx, e.cy, e.cz, e.rl, e.rl, e.rl, 1.3, 1.2, 22, 20, true);
    // the third parameter tells the shader which eye a pixel belongs to
    for (let k = 0; k < ball.nu * ball.nv; k++) ball.prm[k * 3 + 2] = e.side;
    for (let k = 0; k < lid.nu * lid.nv; k++) lid.prm[k * 3 + 2] = e.side;
    lid.discard = (lx, ly) => {
      if (lx <= -0.92 || lx >= 0.92) return false;
      return ly > lidLower(e, lx) && ly < lidUpper(e, lx);
    };
    meshes.push(lid);
    // a dark socket bowl behind the eye: grazing views past the eyeball end here, not in the skull
    const socket = spherePatch(
      MAT.cavity,
      e.cx,
      e.cy,
      e.cz,
      e.rl * 1.15,
      e.rl * 1.15,
      e.rl * 1.15,
      Math.PI / 2,
      1.4,
      10,
      8,
      false,
    );
    for (let k = 0; k < socket.nu * socket.nv; k++) {
      socket.pos[k * 3 + 2] = e.cz - Math.abs(socket.pos[k * 3 + 2] - e.cz);
      socket.nrm[k * 3] = -socket.nrm[k * 3];
      socket.nrm[k * 3 + 1] = -socket.nrm[k * 3 + 1];
      socket.nrm[k * 3 + 2] = Math.abs(socket.nrm[k * 3 + 2]);
    }
    meshes.push(socket);
  }

  // ---- mouth interior: teeth and a dark cavity
  {
    const pm = new Float64Array(3);
    base(0, mouthV, pm);
    const ym = pm[1],
      zm = pm[2] + 0.02;
    const tw = mw * 0.74 * 0.78;
    const teeth = (y0: number, y1: number, dy: number, dz: number, lower: number): GridMesh => {
      const nu2 = 16,
        nv2 = 3;
      const m: GridMesh = {
        material: MAT.teeth,
        nu: nu2,
        nv: nv2,
        wrapU: false,
        pos: new Float32Array(nu2 * nv2 * 3),
        nrm: new Float32Array(nu2 * nv2 * 3),
        prm: new Float32Array(nu2 * nv2 * 3),
        cull: false,
        skipRow: -1,
        discard: null,
        rig: 0,
      };
      for (let j = 0; j < nv2; j++)
        for (let i = 0; i < nu2; i++) {
          const s = -1 + (2 * i) / (nu2 - 1);
          const o = (j * nu2 + i) * 3;
          const xx = s * tw;
          m.pos[o] = xx;
          m.pos[o + 1] = y0 + ((y1 - y0) * j) / (nv2 - 1) + dy;
          m.pos[o + 2] = zm - 0.045 - 1.6 * xx * xx + dz;
          m.prm[o] = s;
          m.prm[o + 1] = j / (nv2 - 1);
          m.prm[o + 2] = lower;
        }
      gridNormals(m, null, [0, 0, 1]);
      return m;
    };
    // with the mouth closed the seam cells are drawn, so no sliver between the lips shows the teeth
    if (drop === 0) skin.skipRow = -1;
    meshes.push(teeth(ym + 0.012, ym - 0.034, 0, 0, 0));
    meshes.push(teeth(ym - 0.03, ym - 0.07, -drop, -0.3 * drop, 1));
    const cav = spherePatch(MAT.cavity, 0, ym - 0.05, zm - 0.12, 0.27, 0.2, 0.28, Math.PI / 2, 1.45, 16, 12, false);
    // keep only the far half: a bowl that faces the camera
    for (let k = 0; k < cav.nu * cav.nv; k++) {
      cav.pos[k * 3 + 2] = zm - 0.12 - Math.abs(cav.pos[k * 3 + 2] - (zm - 0.12));
      cav.nrm[k * 3 + 2] = Math.abs(cav.nrm[k * 3 + 2]);
      cav.nrm[k * 3] = -cav.nrm[k * 3];
      cav.nrm[k * 3 + 1] = -cav.nrm[k * 3 + 1];
    }
    meshes.push(cav);
  }

  // ---- ears
  for (const side of [1, -1]) {
    base(side * 1.5, -0.08, tmp);
    const ex = tmp[0],
      ey = tmp[1] - 0.02,
      ez = tmp[2] - 0.02;
    const nu2 = 12,
      nv2 = 16;
    const m: GridMesh = {
      material: MAT.ear,
      nu: nu2,
      nv: nv2,
      wrapU: false,
      pos: new Float32Array(nu2 * nv2 * 3),
      nrm: new Float32Array(nu2 * nv2 * 3),
      prm: new Float32Array(nu2 * nv2 * 3),
      cull: false,
      skipRow: -1,
      discard: null,
      rig: 0,
    };
    const h = 0.19 * id.earSize,
      w = 0.11 * id.earSize;
    const stick = 0.03 + 0.12 * id.earProtrusion;
    for (let j = 0; j < nv2; j++)
      for (let i = 0; i < nu2; i++) {
        const a = -1 + (2 * i) / (nu2 - 1),
          bb = -1.05 + (2.1 * j) / (nv2 - 1);
        const r2 = a * a + bb * bb;
        const back = (a + 1) / 2;
        const out = stick * back * back - 0.03 * Math.max(0, 1 - r2) + 0.012 * smoothstep(0.55, 0.9, r2);
        const o = (j * nu2 + i) * 3;
        m.pos[o] = ex + side * (0.005 + out);
        m.pos[o + 1] = ey + bb * h + 0.03 * a;
        m.pos[o + 2] = ez - a * w - 0.05 * bb;
        m.prm[o] = a;
        m.prm[o + 1] = bb;
        m.prm[o + 2] = 0;
      }
    gridNormals(m, null, [side, 0, 0]);
    m.discard = (a, bb) => {
      // narrower lobe at the bottom
      const wa = 0.62 + 0.38 * smoothstep(-1, 0.2, bb);
      const aa = a / wa;
      return aa * aa + bb * bb > 1;
    };
    meshes.push(m);
  }

  // ---- hair cap and hanging hair
  const style = id.hairStyle;
  if (style > 0) meshes.push(...buildHair(id, base, detail));

  // ---- neck (bends with the head) and shoulders (fixed)
  {
    const nu2 = 24,
      nv2 = 10;
    const m: GridMesh = {
      material: MAT.neck,
      nu: nu2,
      nv: nv2,
      wrapU: true,
      pos: new Float32Array(nu2 * nv2 * 3),
      nrm: new Float32Array(nu2 * nv2 * 3),
      prm: new Float32Array(nu2 * nv2 * 3),
      cull: true,
      skipRow: -1,
      discard: null,
      rig: 2,
    };
    const rx = 0.42 * (0.9 + 0.1 * JW),
      rz = 0.4;
    for (let j = 0; j < nv2; j++)
      for (let i = 0; i < nu2; i++) {
        const a = (2 * Math.PI * i) / nu2;
        const y = -0.35 - (1.6 * j) / (nv2 - 1);
        const flare = 1 + 0.25 * smoothstep(-1.45, -1.95, y);
        const o = (j * nu2 + i) * 3;
        m.pos[o] = rx * flare * Math.sin(a);
        m.pos[o + 1] = y;
        m.pos[o + 2] = -0.2 + rz * flare * Math.cos(a);
        m.prm[o] = a;
        m.prm[o + 1] = y;
        m.prm[o + 2] = smoothstep(-1.5, -0.8, y);
      }
    gridNormals(m, null, null);
    for (let k = 0; k < nu2 * nv2; k++) {
      const o = k * 3;
      const ox = m.pos[o],
        oz = m.pos[o + 2] + 0.2;
      if (m.nrm[o] * ox + m.nrm[o + 2] * oz < 0) {
        m.nrm[o] *= -1;
        m.nrm[o + 1] *= -1;
        m.nrm[o + 2] *= -1;
      }
    }
    meshes.push(m);
    const torso = spherePatch(MAT.torso, 0, -2.2, -0.2, 1.6, 0.88, 0.66, Math.PI, 1.5, 32, 12, false);
    torso.rig = 1;
    torso.cull = true;
    meshes.push(torso);
  }
  return { meshes, pivot: [0, -0.5, -0.15], eyes, mouthV, mouthHalfU: mw, noseTipV };
}

/** Eyebrow coverage 0..1 at skin-grid coordinates (identity only; expression moves the skin). */
export function browMask(u: number, v: number, id: Identity): number {
  const au = Math.abs(u);
  const inner = 0.13,
    outer = 0.74;
  if (au < inner - 0.03 || au > outer + 0.04 || v < 0.05 || v > 0.35) return 0;
  const t = Math.min(1, Math.max(0, (au - inner) / (outer - inner)));
  const centre = 0.155 + id.browArch * 0.05 * Math.sin(Math.PI * Math.min(1, t * 1.25)) - 0.03 * t * t;
  const half = id.browThickness * 0.021 * (1.25 - 0.75 * t);
  const dv = Math.abs(v - centre);
  return (
    fall(half * 0.55, half, dv) * smoothstep(inner - 0.03, inner + 0.02, au) * fall(outer - 0.05, outer + 0.03, au)
  );
}

/** Front-facing patch of an ellipsoid: azimuth ±az, elevation ±el; params = offsets / radius. */
function spherePatch(
  material: number,
  cx: number,
  cy: number,
  cz: number,
  rx: number,
  ry: number,
  rz: number,
  az: number,
  el: number,
  nu: number,
  nv: number,
  cull: boolean,
): GridMesh {
  const m: GridMesh = {
    material,
    nu,
    nv,
    wrapU: false,
    pos: new Float32Array(nu * nv * 3),
    nrm: new Float32Array(nu * nv * 3),
    prm: new Float32Array(nu * nv * 3),
    cull,
    skipRow: -1,
    discard: null,
    rig: 0,
  };
  for (let j = 0; j < nv; j++)
    for (let i = 0; i < nu; i++) {
      const a = -az + (2 * az * i) / (nu - 1);
      const e = -el + (2 * el * j) / (nv - 1);
      const dx = Math.sin(a) * Math.cos(e),
        dy = Math.sin(e),
        dz = Math.cos(a) * Math.cos(e);
      const o = (j * nu + i) * 3;
      m.pos[o] = cx + rx * dx;
      m.pos[o + 1] = cy + ry * dy;
      m.pos[o + 2] = cz + rz * dz;
      // ellipsoid normal: gradient of the implicit form
      const nx = dx / rx,
        ny = dy / ry,
        nz = dz / rz;
      const l = Math.hypot(nx, ny, nz) || 1;
      m.nrm[o] = nx / l;
      m.nrm[o + 1] = ny / l;
      m.nrm[o + 2] = nz / l;
      m.prm[o] = dx;
      m.prm[o + 1] = dy;
      m.prm[o + 2] = dz;
    }
  return m;
}

/** Hairline: elevation above which hair grows, by |azimuth|, per style family. */
function hairline(au: number, covered: boolean, fringe: number): number {
  // table of (|azimuth|, elevation) points, linearly interpolated
  const pts: number[][] = covered
    ? [
        [0, fringe],
        [0.55, fringe + 0.04],
        [0.8, 0.5],
        [1.0, 0.3],
        [1.3, 0.2],
        [1.85, 0.2],
        [2.25, -0.3],
        [Math.PI, -0.4],
      ]
    : [
        [0, 0.58],
        [0.45, 0.6],
        [0.75, 0.6],
        [1.0, 0.25],
        [1.15, -0.02],
        [1.3, 0.22],
        [1.85, 0.2],
        [2.25, -0.42],
        [Math.PI, -0.5],
      ];
  for (let k = 1; k < pts.length; k++) {
    if (au <= pts[k][0]) {
      const t = (au - pts[k - 1][0]) / (pts[k][0] - pts[k - 1][0]);
      return pts[k - 1][1] + (pts[k][1] - pts[k - 1][1]) * t;
    }
  }
  return pts[pts.length - 1][1];
}

function buildHair(
  id: Identity,
  base: (th: number, ph: number, out: Float64Array) => void,
  detail: number,
): GridMesh[] {
  const style = id.hairStyle,
    len = id.hairLength;
  const covered = style === 3 || style === 4 || style === 5;
  const fringe = style === 3 ? 0.36 + 0.12 * (1 - len) : style === 5 ? 0.5 : 0.56;
  const seed = Math.round(id.hairLength * 1000 + id.hairColor * 7919 + id.faceWidth * 104729) | 0;
  const nu = detail >= 1 ? 96 : 64,
    nv = detail >= 1 ? 56 : 40;
  const m: GridMesh = {
    material: MAT.hair,
    nu,
    nv,
    wrapU: true,
    pos: new Float32Array(nu * nv * 3),
    nrm: new Float32Array(nu * nv * 3),
    prm: new Float32Array(nu * nv * 3),
    cull: false,
    skipRow: -1,
    discard: null,
    rig: 0,
  };
  const b = new Float64Array(3);
  const cx = 0,
    cy = 0.05,
    cz = -0.1;
  for (let j = 0; j < nv; j++) {
    const v = -0.75 + ((Math.PI / 2 + 0.75) * j) / (nv - 1);
    for (let i = 0; i < nu; i++) {
      const u = -Math.PI + (2 * Math.PI * i) / nu;
      const au = Math.abs(u);
      base(u, v, b);
      // noise in |u| keeps the hair mirror-symmetric, so a symmetric identity stays symmetric
      const line =
        hairline(au, covered, fringe) + (style === 5 ? 0.05 : 0.025) * (valueNoise(au * 11, 0.5, seed) - 0.5);
      const cov = smoothstep(-0.05, 0.05, v - line);
      let thick: number;
      if (style === 1) thick = 0.014;
      else if (style === 2) thick = 0.03 + 0.08 * len * smoothstep(0.1, 1.0, v);
      else if (style === 5) thick = 0.12 + 0.14 * len + 0.05 * valueNoise(u * 5, v * 5, seed);
      else thick = 0.05 + 0.03 * len * smoothstep(0.2, 1.2, v);
      // clumps of hair: a gentle relief instead of a smooth helmet
      if (style >= 2) thick += 0.014 * (valueNoise(au * 13, v * 9, seed + 1) - 0.5);
      // hanging styles fall straight down past the cheeks instead of hugging the jaw
      let flare = 0;
      if (style === 5 && v < 0.3) flare = (0.3 - v) * 0.5;
      // hair thins out towards the hairline instead of ending in a step
      const taper = 0.35 + 0.65 * smoothstep(0, 0.3, v - line);
      const t = thick * taper * cov - 0.03 * (1 - cov);
      let dx = b[0] - cx,
        dy = b[1] - cy,
        dz = b[2] - cz;
      const l = Math.hypot(dx, dy, dz) || 1;
      dx /= l;
      dy /= l;
      dz /= l;
      const o = (j * nu + i) * 3;
      const hl = Math.hypot(b[0], b[2] - cz) || 1;
      m.pos[o] = b[0] + dx * t + (flare * cov * b[0]) / hl;
      m.pos[o + 1] = b[1] + dy * t;
      m.pos[o + 2] = b[2] + dz * t + (flare * cov * (b[2] - cz)) / hl;
      m.prm[o] = u;
      m.prm[o + 1] = v;
      m.prm[o + 2] = cov;
    }
  }
  gridNormals(m, [cx, cy, cz], null);
  m.discard = (_u, _v, c) => c < 0.5;
  const out: GridMesh[] = [m];
  if (style === 3 || style === 4 || (style === 5 && len > 0.5)) {
    // a curtain of hair from the temples down to the hair length, open at the face
    const nuc = 64,
      nvc = 14;
    const c: GridMesh = {
      material: MAT.hairCurtain,
      nu: nuc,
      nv: nvc,
      wrapU: true,
      pos: new Float32Array(nuc * nvc * 3),
      nrm: new Float32Array(nuc * nvc * 3),
      prm: new Float32Array(nuc * nvc * 3),
      cull: false,
      skipRow: -1,
      discard: null,
      rig: 0,
    };
    const top = 0.5;
    const length = style === 3 ? 0.62 + 0.3 * len : style === 5 ? 0.6 + 0.3 * len : 1.05 + 0.55 * len;
    const frontEdge = style === 3 ? 1.0 : 1.05;
    const vol = style === 5 ? 0.2 : 0.06;
    for (let j = 0; j < nvc; j++) {
      const t = j / (nvc - 1);
      for (let i = 0; i < nuc; i++) {
        const u = -Math.PI + (2 * Math.PI * i) / nuc;
        const y = top - t * (length + top);
        // follow the skull above the ears, then fall straight down
        base(u, y > 0 ? Math.asin(Math.min(0.99, y / (1.05 * id.faceLength))) : 0, b);
        const spread = vol + 0.02 + 0.1 * t * (style === 3 ? 1 - 0.7 * t : 1) + 0.05 * smoothstep(0.3, 0, y);
        const hx = b[0],
          hz = b[2] - cz;
        const hl2 = Math.hypot(hx, hz) || 1;
        const o = (j * nuc + i) * 3;
        c.pos[o] = hx + (hx / hl2) * spread;
        c.pos[o + 1] = y;
        c.pos[o + 2] = cz + hz + (hz / hl2) * spread;
        c.prm[o] = u;
        c.prm[o + 1] = t;
        c.prm[o + 2] = smoothstep(frontEdge - 0.05, frontEdge + 0.05, Math.abs(u));
      }
    }
    gridNormals(c, null, null);
    for (let k = 0; k < nuc * nvc; k++) {
      const o = k * 3;
      const ox = c.pos[o],
        oz = c.pos[o + 2] - cz;
      if (c.nrm[o] * ox + c.nrm[o + 2] * oz < 0) {
        c.nrm[o] *= -1;
        c.nrm[o + 1] *= -1;
        c.nrm[o + 2] *= -1;
      }
    }
    c.discard = (u, t, cov) => cov < 0.5 || t > 1 - 0.08 * valueNoise(Math.abs(u) * 14, 0.5, seed);
    out.push(c);
  }
  return out;
}
