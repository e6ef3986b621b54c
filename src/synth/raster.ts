// A small z-buffered triangle rasteriser for grid meshes: it fills a G-buffer (depth, material,
// normal, three surface parameters) that the shading pass turns into colour.

export interface GBuffer {
  size: number;
  depth: Float32Array;
  material: Uint8Array;
  nx: Float32Array;
  ny: Float32Array;
  nz: Float32Array;
  p0: Float32Array;
  p1: Float32Array;
  p2: Float32Array;
}

/**
 * The share of each output pixel (`size` px; the G-buffer is `size × supersample`) whose surface
 * point passes `inside(material, u, v, w)`: a region's coverage, box-filtered like the image.
 */
export function gbufferCoverage(
  gb: GBuffer,
  size: number,
  supersample: number,
  inside: (mat: number, u: number, v: number, w: number) => boolean,
): Float32Array {
  const out = new Float32Array(size * size);
  const S = gb.size;
  const share = 1 / (supersample * supersample);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = y * S + x;
      const m = gb.material[i];
      if (m !== 0 && inside(m, gb.p0[i], gb.p1[i], gb.p2[i]))
        out[Math.floor(y / supersample) * size + Math.floor(x / supersample)] += share;
    }
  }
  return out;
}

/** A quad grid of nu × nv vertices in the head or world frame, drawn as two triangles per cell. */
export interface GridMesh {
  material: number;
  nu: number;
  nv: number;
  /** the last column connects back to the first (closed around) */
  wrapU: boolean;
  /** positions, xyz per vertex */
  pos: Float32Array;
  /** unit normals, xyz per vertex, pointing out of the surface */
  nrm: Float32Array;
  /** three surface parameters per vertex, interpolated per pixel (materials, holes, edges) */
  prm: Float32Array;
  /** true: faces seen from behind are skipped; false: they are drawn with the normal flipped */
  cull: boolean;
  /** cells between row skipRow and skipRow + 1 are not drawn (the parted lips); -1 for none */
  skipRow: number;
  /** per-pixel cut-out test on the interpolated parameters (eye openings, ear outline, hair edge) */
  discard: ((a: number, b: number, c: number) => boolean) | null;
  /** 0: rigid with the head; 1: fixed in the world; 2: blended by per-vertex weight in prm[2] (the neck) */
  rig: 0 | 1 | 2;
}

// the last G-buffer is kept and cleared for the next render of the same size: allocating
// ~30 bytes per supersample on every render made garbage collection a seventh of the time
let pooled: GBuffer | null = null;

/** A cleared G-buffer; it is reused (and overwritten) by the next call with the same size. */
export function createGBuffer(size: number): GBuffer {
  if (pooled && pooled.size === size) {
    pooled.depth.fill(-Infinity);
    pooled.material.fill(0);
    return pooled;
  }
  pooled = allocGBuffer(size);
  return pooled;
}

function allocGBuffer(size: number): GBuffer {
  const n = size * size;
  return {
    size,
    depth: new Float32Array(n).fill(-Infinity),
    material: new Uint8Array(n),
    nx: new Float32Array(n),
    ny: new Float32Array(n),
    nz: new Float32Array(n),
    p0: new Float32Array(n),
    p1: new Float32Array(n),
    p2: new Float32Array(n),
  };
}

export interface Camera {
  /** camera position on the z axis (looking down -z) */
  distance: number;
  /** world y at the image centre */
  centerY: number;
  /** world half-extent visible at z = 0 */
  halfExtent: number;
}

/** Rotation matrix (row-major 3×3) for yaw (about y), then pitch (about x), then roll (about z), in degrees. */
export function headRotation(yawDeg: number, pitchDeg: number, rollDeg: number): Float64Array {
  const y = (yawDeg * Math.PI) / 180;
  const p = (-pitchDeg * Math.PI) / 180;
  const r = (rollDeg * Math.PI) / 180;
  const cy = Math.cos(y),
    sy = Math.sin(y),
    cp = Math.cos(p),
    sp = Math.sin(p),
    cr = Math.cos(r),
    sr = Math.sin(r);
  // Ry · Rx · Rz: the head tilts and nods in its own frame, then turns
  const rz = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  const rx = [1, 0, 0, 0, cp, -sp, 0, sp, cp];
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const m1 = mul3(rx, rz);
  return Float64Array.from(mul3(ry, m1));
}

function mul3(a: number[], b: number[]): number[] {
  const o = new Array<number>(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) o[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  return o;
}

export interface Pose {
  yaw: number;
  pitch: number;
  roll: number;
  pivot: [number, number, number];
}

/** A mesh's vertices and normals in world space (after the head pose). */
export interface WorldGrid {
  wx: Float32Array;
  wy: Float32Array;
  wz: Float32Array;
  qx: Float32Array;
  qy: Float32Array;
  qz: Float32Array;
}

export function transformGrid(mesh: GridMesh, pose: Pose, headRot: Float64Array): WorldGrid {
  const count = mesh.nu * mesh.nv;
  const wx = new Float32Array(count),
    wy = new Float32Array(count),
    wz = new Float32Array(count);
  const qx = new Float32Array(count),
    qy = new Float32Array(count),
    qz = new Float32Array(count);
  const { pos, nrm, prm } = mesh;
  const [px0, py0, pz0] = pose.pivot;
  for (let v = 0; v < count; v++) {
    let x = pos[v * 3],
      y = pos[v * 3 + 1],
      z = pos[v * 3 + 2];
    let nx = nrm[v * 3],
      ny = nrm[v * 3 + 1],
      nz = nrm[v * 3 + 2];
    let m: Float64Array | null = null;
    if (mesh.rig === 0) m = headRot;
    else if (mesh.rig === 2) {
      const w = prm[v * 3 + 2];
      m = w > 0.999 ? headRot : w < 0.001 ? null : headRotation(pose.yaw * w, pose.pitch * w, pose.roll * w);
    }
    if (m) {
      const lx = x - px0,
        ly = y - py0,
        lz = z - pz0;
      x = m[0] * lx + m[1] * ly + m[2] * lz + px0;
      y = m[3] * lx + m[4] * ly + m[5] * lz + py0;
      z = m[6] * lx + m[7] * ly + m[8] * lz + pz0;
      const ax = m[0] * nx + m[1] * ny + m[2] * nz;
      const ay = m[3] * nx + m[4] * ny + m[5] * nz;
      const az = m[6] * nx + m[7] * ny + m[8] * nz;
      nx = ax;
      ny = ay;
      nz = az;
    }
    wx[v] = x;
    wy[v] = y;
    wz[v] = z;
    qx[v] = nx;
    qy[v] = ny;
    qz[v] = nz;
  }
  return { wx, wy, wz, qx, qy, qz };
}

/** Depth map seen from the key light (orthographic), for cast shadows. */
export interface ShadowMap {
  size: number;
  /** light-space basis: right, up, and the direction towards the light */
  rx: number;
  ry: number;
  rz: number;
  ux: number;
  uy: number;
  uz: number;
  lx: number;
  ly: number;
  lz: number;
  /** light-space centre and half extent covered by the map */
  ca: number;
  cb: number;
  half: number;
  /** largest distance towards the light per texel (-Infinity: nothing there) */
  depth: Float32Array;
}

export function createShadowMap(
  size: number,
  lx: number,
  ly: number,
  lz: number,
  ca: number,
  cb: number,
  half: number,
): ShadowMap {
  // right = normalize(up × L), unless the light is (nearly) overhead
  let rx = ly * 0 - lz * 1,
    ry = 0,
    rz = lx * 1 - ly * 0;
  let rl = Math.hypot(rx, ry, rz);
  if (rl < 1e-3) {
    rx = 1;
    ry = 0;
    rz = 0;
    rl = 1;
  }
  rx /= rl;
  ry /= rl;
  rz /= rl;
  const ux = ly * rz - lz * ry,
    uy = lz * rx - lx * rz,
    uz = lx * ry - ly * rx;
  return {
    size,
    rx,
    ry,
    rz,
    ux,
    uy,
    uz,
    lx,
    ly,
    lz,
    ca,
    cb,
    half,
    depth: new Float32Array(size * size).fill(-Infinity),
  };
}

/** Rasterises a mesh's depth (distance towards the light) into the shadow map, holes included. */
export function drawShadow(sm: ShadowMap, mesh: GridMesh, w: WorldGrid): void {
  const count = mesh.nu * mesh.nv;
  const sx = new Float32Array(count),
    sy = new Float32Array(count),
    sd = new Float32Array(count);
  const S = sm.size;
  const k = S / (2 * sm.half);
  for (let v = 0; v < count; v++) {
    const x = w.wx[v],
      y = w.wy[v],
      z = w.wz[v];
    sx[v] = S / 2 + (x * sm.rx + y * sm.ry + z * sm.rz - sm.ca) * k;
    sy[v] = S / 2 - (x * sm.ux + y * sm.uy + z * sm.uz - sm.cb) * k;
    sd[v] = x * sm.lx + y * sm.ly + z * sm.lz;
  }
  const depth = sm.depth;
  const prm = mesh.prm;
  const discard = mesh.discard;
  const tri = (a: number, b: number, c: number): void => {
    const xa = sx[a],
      ya = sy[a],
      xb = sx[b],
      yb = sy[b],
      xc = sx[c],
      yc = sy[c];
    const area = (xb - xa) * (yc - ya) - (xc - xa) * (yb - ya);
    if (area > -1e-9 && area < 1e-9) return;
    let minX = Math.ceil(Math.min(xa, xb, xc) - 0.5),
      maxX = Math.floor(Math.max(xa, xb, xc) - 0.5);
    let minY = Math.ceil(Math.min(ya, yb, yc) - 0.5),
      maxY = Math.floor(Math.max(ya, yb, yc) - 0.5);
    if (minX < 0) minX = 0;
    if (minY < 0) minY = 0;
    if (maxX > S - 1) maxX = S - 1;
    if (maxY > S - 1) maxY = S - 1;
    if (minX > maxX || minY > maxY) return;
    const inv = 1 / area;
    const dAx = (yb - yc) * inv,
      dBx = (yc - ya) * inv;
    const da = sd[a],
      db = sd[b],
      dc = sd[c];
    for (let y = minY; y <= maxY; y++) {
      const py = y + 0.5,
        px = minX + 0.5;
      let wA = ((xb - px) * (yc - py) - (yb - py) * (xc - px)) * inv;
      let wB = ((xc - px) * (ya - py) - (yc - py) * (xa - px)) * inv;
      for (let x = minX; x <= maxX; x++, wA += dAx, wB += dBx) {
        const wC = 1 - wA - wB;
        if (wA < 0 || wB < 0 || wC < 0) continue;
        const d = wA * da + wB * db + wC * dc;
        const idx = y * S + x;
        if (d <= depth[idx]) continue;
        if (discard !== null) {
          const a0 = wA * prm[a * 3] + wB * prm[b * 3] + wC * prm[c * 3];
          const a1 = wA * prm[a * 3 + 1] + wB * prm[b * 3 + 1] + wC * prm[c * 3 + 1];
          const a2 = wA * prm[a * 3 + 2] + wB * prm[b * 3 + 2] + wC * prm[c * 3 + 2];
          if (discard(a0, a1, a2)) continue;
        }
        depth[idx] = d;
      }
    }
  };
  forEachGridTriangle(mesh, tri);
}

/** Fraction of light reaching world point (x, y, z): 1 lit, 0 in shadow (filtered over ~3 texels). */
export function shadowLookup(sm: ShadowMap, x: number, y: number, z: number, bias: number): number {
  const S = sm.size;
  const k = S / (2 * sm.half);
  const cx = S / 2 + (x * sm.rx + y * sm.ry + z * sm.rz - sm.ca) * k - 0.5;
  const cy = S / 2 - (x * sm.ux + y * sm.uy + z * sm.uz - sm.cb) * k - 0.5;
  const d = x * sm.lx + y * sm.ly + z * sm.lz + bias;
  const depth = sm.depth;
  let lit = 0;
  // four bilinear taps around the point: soft penumbrae instead of texel stair-steps
  for (let t = 0; t < 4; t++) {
    const fx = cx + (t & 1 ? 1.1 : -1.1),
      fy = cy + (t & 2 ? 1.1 : -1.1);
    const x0 = Math.floor(fx),
      y0 = Math.floor(fy);
    const tx = fx - x0,
      ty = fy - y0;
    for (let j = 0; j < 2; j++) {
      const yy = y0 + j;
      const wy = j === 0 ? 1 - ty : ty;
      for (let i = 0; i < 2; i++) {
        const xx = x0 + i;
        const occ = xx >= 0 && yy >= 0 && xx < S && yy < S ? depth[yy * S + xx] : -Infinity;
        if (d >= occ) lit += (i === 0 ? 1 - tx : tx) * wy;
      }
    }
  }
  return lit * 0.25;
}

/** Rasterises a (transformed) mesh into the G-buffer as seen by the camera. */
export function drawGrid(gb: GBuffer, mesh: GridMesh, world: WorldGrid, cam: Camera): void {
  const { wx, wy, wz, qx, qy, qz } = world;
  const count = mesh.nu * mesh.nv;
  const sx = new Float32Array(count),
    sy = new Float32Array(count);
  const prm = mesh.prm;
  const S = gb.size;
  const scale = (cam.distance / cam.halfExtent) * (S / 2);
  for (let v = 0; v < count; v++) {
    const persp = scale / (cam.distance - wz[v]);
    sx[v] = S / 2 + wx[v] * persp;
    sy[v] = S / 2 - (wy[v] - cam.centerY) * persp;
  }
  const nu = mesh.nu,
    nv = mesh.nv;
  const cols = mesh.wrapU ? nu : nu - 1;
  const camZ = cam.distance,
    camY = cam.centerY;
  const { depth, material, p0, p1, p2 } = gb;
  const gnx = gb.nx,
    gny = gb.ny,
    gnz = gb.nz;
  const mat = mesh.material;
  const discard = mesh.discard;
  const cull = mesh.cull;

  // the grid's triangles all wind the same way: find once which way is "out" (majority vote
  // against the vertex normals), instead of trusting vertex normals per triangle
  let vote = 0;
  const step = Math.max(1, Math.floor(((nv - 1) * cols) / 400));
  for (let k = 0; k < (nv - 1) * cols; k += step) {
    const j = Math.floor(k / cols),
      i = k % cols;
    const a = j * nu + i,
      b = j * nu + (i + 1 === nu ? 0 : i + 1),
      c = (j + 1) * nu + (i + 1 === nu ? 0 : i + 1);
    const e1x = wx[b] - wx[a],
      e1y = wy[b] - wy[a],
      e1z = wz[b] - wz[a];
    const e2x = wx[c] - wx[a],
      e2y = wy[c] - wy[a],
      e2z = wz[c] - wz[a];
    const d = (e1y * e2z - e1z * e2y) * qx[a] + (e1z * e2x - e1x * e2z) * qy[a] + (e1x * e2y - e1y * e2x) * qz[a];
    vote += d > 0 ? 1 : d < 0 ? -1 : 0;
  }
  const winding = vote >= 0 ? 1 : -1;

  const tri = (a: number, b: number, c: number): void => {
    const xa = sx[a],
      ya = sy[a],
      xb = sx[b],
      yb = sy[b],
      xc = sx[c],
      yc = sy[c];
    const area = (xb - xa) * (yc - ya) - (xc - xa) * (yb - ya);
    if (area > -1e-9 && area < 1e-9) return;
    // facing: geometric normal oriented like the vertex normals, compared with the view ray
    const e1x = wx[b] - wx[a],
      e1y = wy[b] - wy[a],
      e1z = wz[b] - wz[a];
    const e2x = wx[c] - wx[a],
      e2y = wy[c] - wy[a],
      e2z = wz[c] - wz[a];
    const gx = winding * (e1y * e2z - e1z * e2y),
      gy = winding * (e1z * e2x - e1x * e2z),
      gz = winding * (e1x * e2y - e1y * e2x);
    const facing = gx * (0 - wx[a]) + gy * (camY - wy[a]) + gz * (camZ - wz[a]) > 0;
    if (!facing && cull) return;
    const flip = facing ? 1 : -1;
    let minX = Math.floor(Math.min(xa, xb, xc) - 0.5) + 1;
    let maxX = Math.ceil(Math.max(xa, xb, xc) - 0.5) - 1;
    let minY = Math.floor(Math.min(ya, yb, yc) - 0.5) + 1;
    let maxY = Math.ceil(Math.max(ya, yb, yc) - 0.5) - 1;
    if (minX < 0) minX = 0;
    if (minY < 0) minY = 0;
    if (maxX > S - 1) maxX = S - 1;
    if (maxY > S - 1) maxY = S - 1;
    if (minX > maxX || minY > maxY) return;
    const inv = 1 / area;
    const dAx = (yb - yc) * inv;
    const dBx = (yc - ya) * inv;
    const za = wz[a],
      zb = wz[b],
      zc = wz[c];
    for (let y = minY; y <= maxY; y++) {
      const py = y + 0.5;
      const px = minX + 0.5;
      let wA = ((xb - px) * (yc - py) - (yb - py) * (xc - px)) * inv;
      let wB = ((xc - px) * (ya - py) - (yc - py) * (xa - px)) * inv;
      const row = y * S;
      for (let x = minX; x <= maxX; x++, wA += dAx, wB += dBx) {
        const wC = 1 - wA - wB;
        if (wA < 0 || wB < 0 || wC < 0) continue;
        const z = wA * za + wB * zb + wC * zc;
        const idx = row + x;
        if (z <= depth[idx]) continue;
        const a0 = wA * prm[a * 3] + wB * prm[b * 3] + wC * prm[c * 3];
        const a1 = wA * prm[a * 3 + 1] + wB * prm[b * 3 + 1] + wC * prm[c * 3 + 1];
        const a2 = wA * prm[a * 3 + 2] + wB * prm[b * 3 + 2] + wC * prm[c * 3 + 2];
        if (discard !== null && discard(a0, a1, a2)) continue;
        depth[idx] = z;
        material[idx] = mat;
        gnx[idx] = flip * (wA * qx[a] + wB * qx[b] + wC * qx[c]);
        gny[idx] = flip * (wA * qy[a] + wB * qy[b] + wC * qy[c]);
        gnz[idx] = flip * (wA * qz[a] + wB * qz[b] + wC * qz[c]);
        p0[idx] = a0;
        p1[idx] = a1;
        p2[idx] = a2;
      }
    }
  };

  forEachGridTriangle(mesh, tri);
}

/** Fills normals of a grid by central differences; `outwardFrom` orients them away from a point. */
export function gridNormals(
  mesh: GridMesh,
  outwardFrom: [number, number, number] | null,
  outwardDir: [number, number, number] | null,
  splitRow = -1,
): void {
  const { nu, nv, pos, nrm, wrapU } = mesh;
  for (let j = 0; j < nv; j++) {
    // at the parted-lips seam each side takes its derivative from its own side only
    let jd = j === 0 ? 0 : j - 1;
    let ju = j === nv - 1 ? nv - 1 : j + 1;
    if (splitRow >= 0 && j === splitRow) ju = j;
    if (splitRow >= 0 && j === splitRow + 1) jd = j;
    for (let i = 0; i < nu; i++) {
      const il = wrapU ? (i - 1 + nu) % nu : Math.max(0, i - 1);
      const ir = wrapU ? (i + 1) % nu : Math.min(nu - 1, i + 1);
      const a = (j * nu + il) * 3,
        b = (j * nu + ir) * 3,
        c = (jd * nu + i) * 3,
        d = (ju * nu + i) * 3;
      const ux = pos[b] - pos[a],
        uy = pos[b + 1] - pos[a + 1],
        uz = pos[b + 2] - pos[a + 2];
      const vx = pos[d] - pos[c],
        vy = pos[d + 1] - pos[c + 1],
        vz = pos[d + 2] - pos[c + 2];
      let nx = uy * vz - uz * vy,
        ny = uz * vx - ux * vz,
        nz = ux * vy - uy * vx;
      const o = (j * nu + i) * 3;
      let len = Math.hypot(nx, ny, nz);
      if (len < 1e-12 && outwardFrom) {
        nx = pos[o] - outwardFrom[0];
        ny = pos[o + 1] - outwardFrom[1];
        nz = pos[o + 2] - outwardFrom[2];
        len = Math.hypot(nx, ny, nz) || 1;
      } else if (len < 1e-12) {
        nx = 0;
        ny = 0;
        nz = 1;
        len = 1;
      }
      nx /= len;
      ny /= len;
      nz /= len;
      let ox = 0,
        oy = 0,
        oz = 0;
      if (outwardFrom) {
        ox = pos[o] - outwardFrom[0];
        oy = pos[o + 1] - outwardFrom[1];
        oz = pos[o + 2] - outwardFrom[2];
      } else if (outwardDir) {
        ox = outwardDir[0];
        oy = outwardDir[1];
        oz = outwardDir[2];
      }
      if (nx * ox + ny * oy + nz * oz < 0) {
        nx = -nx;
        ny = -ny;
        nz = -nz;
      }
      nrm[o] = nx;
      nrm[o + 1] = ny;
      nrm[o + 2] = nz;
    }
  }
}

/** Calls `tri` with the vertex indices of both triangles of every grid cell (wrapping in u when
 * the mesh is closed, skipping the mesh's split row) — the one walk the shadow and colour passes share. */
function forEachGridTriangle(mesh: GridMesh, tri: (a: number, b: number, c: number) => void): void {
  const nu = mesh.nu,
    nv = mesh.nv;
  const cols = mesh.wrapU ? nu : nu - 1;
  for (let j = 0; j < nv - 1; j++) {
    if (j === mesh.skipRow) continue;
    const r0 = j * nu,
      r1 = (j + 1) * nu;
    for (let i = 0; i < cols; i++) {
      const i1 = i + 1 === nu ? 0 : i + 1;
      tri(r0 + i, r0 + i1, r1 + i1);
      tri(r0 + i, r1 + i1, r1 + i);
    }
  }
}
