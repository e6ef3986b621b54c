// FaceWorld parameters: the identity (who) and the attributes (what they do, how they are lit),
// each with a documented range and a neutral value, plus the validation every entry point uses.
import { mulberry32 } from './noise';

export interface ParamInfo {
  name: string;
  min: number;
  max: number;
  neutral: number;
  doc: string;
  /** whole numbers only (hair style index) */
  integer?: boolean;
}

export const ATTRIBUTES = [
  {
    name: 'yaw',
    min: -60,
    max: 60,
    neutral: 0,
    doc: "Head turn in degrees; + turns the face towards the image right (the subject's left).",
  },
  { name: 'pitch', min: -30, max: 30, neutral: 0, doc: 'Head nod in degrees; + lifts the chin (looks up).' },
  {
    name: 'roll',
    min: -30,
    max: 30,
    neutral: 0,
    doc: 'Head tilt in degrees; + tilts the top of the head towards the image left.',
  },
  {
    name: 'smile',
    min: 0,
    max: 1,
    neutral: 0,
    doc: 'Mouth corners up and back, cheeks raised and fuller, nasolabial folds.',
  },
  {
    name: 'mouthOpen',
    min: 0,
    max: 1,
    neutral: 0,
    doc: 'Jaw drop: lips part, showing teeth and the dark mouth cavity.',
  },
  {
    name: 'eyeClosedLeft',
    min: 0,
    max: 1,
    neutral: 0,
    doc: "Upper lid of the subject's left eye (image right) comes down; 1 = closed.",
  },
  {
    name: 'eyeClosedRight',
    min: 0,
    max: 1,
    neutral: 0,
    doc: "Upper lid of the subject's right eye (image left) comes down; 1 = closed.",
  },
  { name: 'browRaise', min: 0, max: 1, neutral: 0, doc: 'Both brows move up, the forehead creases.' },
  {
    name: 'frown',
    min: 0,
    max: 1,
    neutral: 0,
    doc: 'Inner brows pulled down and together, vertical creases between them.',
  },
  { name: 'squint', min: 0, max: 1, neutral: 0, doc: 'Both eyes narrow: lower lids rise, upper lids drop a little.' },
  {
    name: 'lightAzimuth',
    min: -90,
    max: 90,
    neutral: 0,
    doc: 'Key light direction around the head in degrees; + lights from the image right.',
  },
  { name: 'lightElevation', min: -30, max: 80, neutral: 25, doc: 'Key light height in degrees above the horizon.' },
  { name: 'lightIntensity', min: 0.3, max: 1.5, neutral: 1, doc: 'Key light strength (1 = normal exposure).' },
] as const satisfies readonly ParamInfo[];

export const HAIR_STYLES = ['bald', 'buzz', 'short', 'bob', 'long', 'curly'] as const;

export const IDENTITY_PARAMS = [
  { name: 'faceWidth', min: 0.85, max: 1.18, neutral: 1, doc: 'Overall head width.' },
  { name: 'faceLength', min: 0.9, max: 1.12, neutral: 1, doc: 'Overall head height.' },
  {
    name: 'jawWidth',
    min: 0.75,
    max: 1.25,
    neutral: 1,
    doc: 'Width of the jaw relative to the cheeks (narrow/square).',
  },
  { name: 'cheekFullness', min: 0, max: 1, neutral: 0.4, doc: 'Soft tissue on the lower cheeks.' },
  { name: 'cheekbones', min: 0, max: 1, neutral: 0.4, doc: 'Prominence of the cheekbones.' },
  { name: 'chinLength', min: 0.88, max: 1.18, neutral: 1, doc: 'Length of the lower face (mouth to chin).' },
  { name: 'chinProjection', min: 0, max: 1, neutral: 0.4, doc: 'How far the chin sticks out.' },
  { name: 'noseLength', min: 0.82, max: 1.2, neutral: 1, doc: 'Nose length (bridge to tip).' },
  { name: 'noseWidth', min: 0.78, max: 1.3, neutral: 1, doc: 'Width of the nose and nostril wings.' },
  { name: 'noseProjection', min: 0.7, max: 1.35, neutral: 1, doc: 'How far the nose sticks out.' },
  { name: 'eyeSize', min: 0.85, max: 1.15, neutral: 1, doc: 'Size of the eyes and eye openings.' },
  { name: 'eyeSpacing', min: 0.9, max: 1.1, neutral: 1, doc: 'Distance between the eyes.' },
  { name: 'browThickness', min: 0.5, max: 1.5, neutral: 1, doc: 'Thickness of the eyebrows.' },
  { name: 'browArch', min: 0, max: 1, neutral: 0.5, doc: 'Arch of the eyebrows (flat to arched).' },
  { name: 'lipFullness', min: 0.6, max: 1.5, neutral: 1, doc: 'Fullness of the lips.' },
  { name: 'mouthWidth', min: 0.85, max: 1.18, neutral: 1, doc: 'Width of the mouth.' },
  { name: 'earSize', min: 0.8, max: 1.2, neutral: 1, doc: 'Size of the ears.' },
  { name: 'earProtrusion', min: 0, max: 1, neutral: 0.3, doc: 'How far the ears stand out.' },
  {
    name: 'skinTone',
    min: 0,
    max: 1,
    neutral: 0.3,
    doc: 'Skin lightness, 0 = very light to 1 = very dark (photo style only).',
  },
  {
    name: 'skinWarmth',
    min: 0,
    max: 1,
    neutral: 0.5,
    doc: 'Skin undertone, 0 = pink to 1 = olive/golden (photo style only).',
  },
  {
    name: 'eyeColor',
    min: 0,
    max: 1,
    neutral: 0.15,
    doc: 'Iris colour along dark brown, brown, hazel, green, blue, grey (photo style only).',
  },
  {
    name: 'hairStyle',
    min: 0,
    max: 5,
    neutral: 2,
    integer: true,
    doc: `Hair style index: ${HAIR_STYLES.map((s, i) => `${i} ${s}`).join(', ')}.`,
  },
  { name: 'hairLength', min: 0, max: 1, neutral: 0.5, doc: 'Length / volume within the hair style.' },
  {
    name: 'hairColor',
    min: 0,
    max: 1,
    neutral: 0.25,
    doc: 'Hair colour along black, dark brown, brown, light brown, blond, platinum (photo style only).',
  },
  { name: 'hairRed', min: 0, max: 1, neutral: 0.1, doc: 'Red tint of the hair (auburn, ginger) (photo style only).' },
  { name: 'hairGrey', min: 0, max: 1, neutral: 0, doc: 'Greying of the hair (photo style only).' },
  {
    name: 'stubble',
    min: 0,
    max: 1,
    neutral: 0,
    doc: 'Beard shadow on jaw, chin and upper lip, in the hair colour (photo style only).',
  },
] as const satisfies readonly ParamInfo[];

export type AttributeName = (typeof ATTRIBUTES)[number]['name'];
export type IdentityParamName = (typeof IDENTITY_PARAMS)[number]['name'];
export type Attributes = Record<AttributeName, number>;
export type Identity = Record<IdentityParamName, number>;
export type RenderStyle = 'cgi' | 'photo';
export interface RenderOptions {
  /** square image side in pixels, 32..512 */
  size: number;
  style: RenderStyle;
  /** photo style: background, clothing and camera noise; default 0 */
  seed?: number;
  /** supersampling factor per axis (antialiasing); default chosen from size */
  supersample?: number;
}

export const ATTRIBUTE_NAMES: readonly AttributeName[] = ATTRIBUTES.map((a) => a.name);

export function neutralAttributes(): Attributes {
  return Object.fromEntries(ATTRIBUTES.map((a) => [a.name, a.neutral])) as Attributes;
}

export function neutralIdentity(): Identity {
  return Object.fromEntries(IDENTITY_PARAMS.map((p) => [p.name, p.neutral])) as Identity;
}

/** A random but plausible identity; the same seed always gives the same identity. */
export function sampleIdentity(seed: number): Identity {
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new Error(`sampleIdentity: seed must be a finite number, got ${String(seed)}`);
  const rand = mulberry32((Math.trunc(seed) ^ 0x5eed1d) >>> 0);
  // the first draws are discarded so that neighbouring seeds decorrelate
  for (let i = 0; i < 4; i++) rand();
  const out: Record<string, number> = {};
  for (const p of IDENTITY_PARAMS as readonly ParamInfo[]) {
    if (p.integer) {
      out[p.name] = Math.min(p.max, Math.floor(p.min + rand() * (p.max - p.min + 1)));
    } else {
      // sum of two uniforms: values near the middle are more common, extremes still occur
      const t = (rand() + rand()) / 2;
      out[p.name] = p.min + t * (p.max - p.min);
    }
  }
  // skin tone is spread evenly so that light and dark skins are equally represented
  out.skinTone = rand();
  // dark hair and brown eyes are the most common, as in people
  out.hairColor = Math.pow(rand(), 1.7);
  out.eyeColor = Math.pow(rand(), 1.4);
  out.hairGrey = rand() < 0.8 ? 0 : rand();
  out.stubble = rand() < 0.65 ? 0 : 0.3 + 0.7 * rand();
  return out as Identity;
}

const EXPRESSIONS: readonly AttributeName[] = [
  'smile',
  'mouthOpen',
  'eyeClosedLeft',
  'eyeClosedRight',
  'browRaise',
  'frown',
  'squint',
];

/**
 * Random attributes for training data: pose and light spread over their whole range, each
 * expression neutral half of the time and uniform over its range otherwise.
 * `spread` < 1 shrinks every range towards the neutral value.
 */
export function sampleAttributes(seed: number, spread = 1): Attributes {
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new Error(`sampleAttributes: seed must be a finite number, got ${String(seed)}`);
  const rand = mulberry32((Math.trunc(seed) ^ 0xa77b) >>> 0);
  for (let i = 0; i < 4; i++) rand();
  const out: Record<string, number> = {};
  for (const a of ATTRIBUTES as readonly ParamInfo[]) {
    const isExpr = (EXPRESSIONS as readonly string[]).includes(a.name);
    const r = rand();
    const pick = a.min + rand() * (a.max - a.min);
    const value = isExpr && r < 0.5 ? a.neutral : pick;
    out[a.name] = a.neutral + (value - a.neutral) * spread;
  }
  return out as Attributes;
}

function checkGroup(what: string, specs: readonly ParamInfo[], value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(
      `${what}: expected an object of numbers, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  const rec = value as Record<string, unknown>;
  for (const s of specs) {
    const v = rec[s.name];
    if (v === undefined) throw new Error(`${what}.${s.name}: missing (expected a number in [${s.min}, ${s.max}])`);
    if (typeof v !== 'number') throw new Error(`${what}.${s.name}: expected a number, got ${typeof v}`);
    if (!Number.isFinite(v)) throw new Error(`${what}.${s.name}: expected a finite number, got ${v}`);
    if (v < s.min || v > s.max) throw new Error(`${what}.${s.name}: ${v} is out of range [${s.min}, ${s.max}]`);
    if (s.integer && !Number.isInteger(v)) throw new Error(`${what}.${s.name}: expected a whole number, got ${v}`);
  }
  const known = new Set(specs.map((s) => s.name));
  for (const k of Object.keys(rec))
    if (!known.has(k)) throw new Error(`${what}.${k}: unknown parameter (known: ${[...known].join(', ')})`);
}

export function validateIdentity(identity: unknown): asserts identity is Identity {
  checkGroup('identity', IDENTITY_PARAMS, identity);
}

export function validateAttributes(attributes: unknown): asserts attributes is Attributes {
  checkGroup('attributes', ATTRIBUTES, attributes);
}

export function validateRenderOptions(options: unknown): asserts options is RenderOptions {
  if (typeof options !== 'object' || options === null)
    throw new Error(`options: expected an object, got ${options === null ? 'null' : typeof options}`);
  const o = options as Record<string, unknown>;
  if (typeof o.size !== 'number' || !Number.isInteger(o.size))
    throw new Error(`options.size: expected a whole number of pixels, got ${String(o.size)}`);
  if (o.size < 32 || o.size > 512) throw new Error(`options.size: ${o.size} is out of range [32, 512]`);
  if (o.style !== 'cgi' && o.style !== 'photo')
    throw new Error(`options.style: expected "cgi" or "photo", got ${JSON.stringify(o.style)}`);
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isFinite(o.seed)))
    throw new Error(`options.seed: expected a finite number, got ${String(o.seed)}`);
  if (
    o.supersample !== undefined &&
    (typeof o.supersample !== 'number' || !Number.isInteger(o.supersample) || o.supersample < 1 || o.supersample > 4)
  ) {
    throw new Error(`options.supersample: expected a whole number in [1, 4], got ${String(o.supersample)}`);
  }
}

/** Throws an Error naming the first bad parameter (NaN, out of range, wrong type, unknown). */
export function validateParams(identity: unknown, attributes: unknown, options?: unknown): void {
  validateIdentity(identity);
  validateAttributes(attributes);
  if (options !== undefined) validateRenderOptions(options);
}
