// Writes the example graphs. The pack they use is one constant: `npx tsx examples/make-examples.ts faceworld`
// switches them to the demo pack (its manifest sha256 is read from models/<pack>/manifest.json).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeRegistry } from '../src/nodes';

const PACK = process.argv[2] ?? 'fixture';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const manifestBytes = readFileSync(here(`../models/${PACK}/manifest.json`));
const packs = [
  { id: PACK, sha256: createHash('sha256').update(manifestBytes).digest('hex'), url: `models/${PACK}/manifest.json` },
];

type Node = {
  id: string;
  type: string;
  params: Record<string, number | string | boolean>;
  position: [number, number];
  label?: string;
};
const wire = (from: string, fromSocket: string, to: string, toSocket: string) => ({
  id: `${from}.${fromSocket}->${to}.${toSocket}`,
  from: { node: from, socket: fromSocket },
  to: { node: to, socket: toSocket },
});

/** Every param spelled out (defaults first), so the examples load without repairs. */
function withDefaults(node: Node): Node {
  const def = nodeRegistry.get(node.type);
  if (!def) throw new Error(`unknown node type ${node.type}`);
  const defaults = Object.fromEntries(def.params.map((p) => [p.name, p.kind === 'pack' ? PACK : p.default]));
  return { ...node, params: { ...defaults, ...node.params } };
}

function graph(name: string, nodes: Node[], connections: ReturnType<typeof wire>[]) {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name,
    nodes: nodes.map(withDefaults),
    connections,
    packs,
    assets: {},
  };
}

function write(file: string, doc: object) {
  writeFileSync(here(file), JSON.stringify(doc, null, 2) + '\n');
  console.log(`wrote examples/${file} (pack ${PACK})`);
}

const pairNode = (id: string, attribute: string, from: number, to: number, y: number, label: string): Node => ({
  id,
  type: 'synthetic-pair',
  label,
  params: { pack: PACK, attribute, from, to, identitySeed: 1, count: 4 },
  position: [0, y],
});

/** A face, its inversion, one attribute's pairs → Δ → Scale (α) → Add → Generate. */
const editChain = (pairs: Node, alpha: number) => ({
  nodes: [
    { id: 'face', type: 'load-face', params: { pack: PACK, source: 'sample:1' }, position: [0, 0] },
    { id: 'invert', type: 'gan-inversion', params: { pack: PACK }, position: [280, 0] },
    pairs,
    { id: 'delta', type: 'encode-delta', params: { pack: PACK, method: 'dge' }, position: [280, 380] },
    { id: 'scale', type: 'scale', params: { alpha }, position: [560, 380] },
    { id: 'add', type: 'add', params: { pack: PACK, combine: 'sum' }, position: [560, 0] },
    { id: 'generate', type: 'generate', params: { pack: PACK }, position: [840, 0] },
  ] satisfies Node[],
  wires: [
    wire('face', 'image', 'invert', 'image'),
    wire('invert', 'latent', 'add', 'latent'),
    wire('pairs', 'pairs', 'delta', 'pairs'),
    wire('delta', 'delta', 'scale', 'delta'),
    wire('scale', 'delta', 'add', 'deltas'),
    wire('add', 'latent', 'generate', 'latent'),
  ],
});

/** One edit: the edit chain, compared with the source and saved. */
function singleEdit(file: string, name: string, pairs: Node, saveAs: string): void {
  const chain = editChain(pairs, 1);
  write(
    file,
    graph(
      name,
      [
        ...chain.nodes,
        { id: 'compare', type: 'compare', params: {}, position: [1120, 0], label: 'Source vs edited' },
        { id: 'save', type: 'save-image', params: { filename: saveAs }, position: [1120, 380] },
      ],
      [
        ...chain.wires,
        wire('face', 'image', 'compare', 'a'),
        wire('generate', 'image', 'compare', 'b'),
        wire('generate', 'image', 'save', 'image'),
      ],
    ),
  );
}

singleEdit(
  'edit-smile.dge.json',
  'Edit: smile',
  pairNode('pairs', 'smile', 0, 1, 380, 'Smile pairs'),
  'edited-smile.png',
);
// the editor opens this one on a first visit: the demo pack shows a head turn clearly
singleEdit(
  'edit-head-turn.dge.json',
  'Edit: head turn',
  pairNode('pairs', 'yaw', 0, 25, 380, 'Head turn pairs'),
  'edited-head-turn.png',
);

write(
  'combine-smile-yaw.dge.json',
  graph(
    'Combine: smile + head turn',
    [
      { id: 'face', type: 'load-face', params: { pack: PACK, source: 'sample:2' }, position: [0, 0] },
      { id: 'invert', type: 'gan-inversion', params: { pack: PACK }, position: [280, 0] },
      pairNode('smile-pairs', 'smile', 0, 1, 380, 'Smile pairs'),
      { id: 'smile-delta', type: 'encode-delta', params: { pack: PACK, method: 'dge' }, position: [280, 380] },
      { id: 'smile-scale', type: 'scale', params: { alpha: 1 }, position: [560, 380] },
      pairNode('yaw-pairs', 'yaw', 0, 25, 860, 'Head turn pairs'),
      { id: 'yaw-delta', type: 'encode-delta', params: { pack: PACK, method: 'dge' }, position: [280, 860] },
      { id: 'yaw-scale', type: 'scale', params: { alpha: 1 }, position: [560, 860] },
      { id: 'add', type: 'add', params: { pack: PACK, combine: 'sum' }, position: [840, 0] },
      { id: 'generate', type: 'generate', params: { pack: PACK }, position: [1120, 0] },
      { id: 'compare', type: 'compare', params: {}, position: [1400, 0], label: 'Source vs edited' },
      // the attribute estimator reads pose, expression and light off the plain inversion and the
      // edit: both come out of the same generator, so the difference is the edit's
      {
        id: 'generate-inversion',
        type: 'generate',
        params: { pack: PACK },
        position: [840, 380],
        label: 'Inversion (no edit)',
      },
      {
        id: 'measure-inversion',
        type: 'measure',
        params: { pack: PACK },
        position: [1120, 380],
        label: 'Inversion, measured',
      },
      {
        id: 'measure-edited',
        type: 'measure',
        params: { pack: PACK },
        position: [1400, 380],
        label: 'Edited, measured',
      },
    ],
    [
      wire('face', 'image', 'invert', 'image'),
      wire('invert', 'latent', 'add', 'latent'),
      wire('invert', 'latent', 'generate-inversion', 'latent'),
      wire('generate-inversion', 'image', 'measure-inversion', 'image'),
      wire('generate', 'image', 'measure-edited', 'image'),
      wire('smile-pairs', 'pairs', 'smile-delta', 'pairs'),
      wire('smile-delta', 'delta', 'smile-scale', 'delta'),
      wire('smile-scale', 'delta', 'add', 'deltas'),
      wire('yaw-pairs', 'pairs', 'yaw-delta', 'pairs'),
      wire('yaw-delta', 'delta', 'yaw-scale', 'delta'),
      wire('yaw-scale', 'delta', 'add', 'deltas'),
      wire('add', 'latent', 'generate', 'latent'),
      wire('face', 'image', 'compare', 'a'),
      wire('generate', 'image', 'compare', 'b'),
    ],
  ),
);

write(
  'random-face.dge.json',
  graph(
    'Random face',
    [
      { id: 'random', type: 'random-face', params: { pack: PACK, seed: 42, truncation: 0.7 }, position: [0, 0] },
      { id: 'generate', type: 'generate', params: { pack: PACK }, position: [280, 0] },
      { id: 'save', type: 'save-image', params: { filename: 'random-face.png' }, position: [560, 0] },
    ],
    [wire('random', 'latent', 'generate', 'latent'), wire('generate', 'image', 'save', 'image')],
  ),
);

// Aim + Lock: "head turn +20°, light held". Lock removes from the head-turn delta, layer by layer,
// what the light delta changes; Aim solves α so the estimator reads +20° on the edit.
write(
  'aim-lock-head-turn.dge.json',
  graph(
    'Aim + lock: head turn +20°, light held',
    [
      { id: 'face', type: 'load-face', params: { pack: PACK, source: 'sample:2' }, position: [0, 0] },
      { id: 'invert', type: 'gan-inversion', params: { pack: PACK }, position: [280, 0] },
      pairNode('yaw-pairs', 'yaw', 0, 25, 380, 'Head turn pairs'),
      { id: 'yaw-delta', type: 'encode-delta', params: { pack: PACK, method: 'dge' }, position: [280, 380] },
      pairNode('light-pairs', 'lightAzimuth', 0, 45, 860, 'Light pairs'),
      { id: 'light-delta', type: 'encode-delta', params: { pack: PACK, method: 'dge' }, position: [280, 860] },
      { id: 'lock', type: 'lock', params: { pack: PACK }, position: [560, 380], label: 'Head turn, light held' },
      {
        id: 'aim',
        type: 'aim',
        params: { pack: PACK, attribute: 'yaw', mode: 'by', target: 20 },
        position: [840, 0],
        label: 'Aim: yaw +20°',
      },
      { id: 'generate', type: 'generate', params: { pack: PACK }, position: [1120, 0] },
      { id: 'compare', type: 'compare', params: {}, position: [1400, 0], label: 'Source vs edited' },
      {
        id: 'generate-inversion',
        type: 'generate',
        params: { pack: PACK },
        position: [840, 560],
        label: 'Inversion (no edit)',
      },
      {
        id: 'measure-inversion',
        type: 'measure',
        params: { pack: PACK },
        position: [1120, 560],
        label: 'Inversion, measured',
      },
      {
        id: 'measure-edited',
        type: 'measure',
        params: { pack: PACK },
        position: [1400, 560],
        label: 'Edited, measured',
      },
    ],
    [
      wire('face', 'image', 'invert', 'image'),
      wire('yaw-pairs', 'pairs', 'yaw-delta', 'pairs'),
      wire('light-pairs', 'pairs', 'light-delta', 'pairs'),
      wire('yaw-delta', 'delta', 'lock', 'delta'),
      wire('light-delta', 'delta', 'lock', 'hold'),
      wire('invert', 'latent', 'lock', 'latent'),
      wire('invert', 'latent', 'aim', 'latent'),
      wire('lock', 'delta', 'aim', 'deltas'),
      wire('aim', 'latent', 'generate', 'latent'),
      wire('invert', 'latent', 'generate-inversion', 'latent'),
      wire('generate-inversion', 'image', 'measure-inversion', 'image'),
      wire('generate', 'image', 'measure-edited', 'image'),
      wire('face', 'image', 'compare', 'a'),
      wire('generate', 'image', 'compare', 'b'),
    ],
  ),
);

// Region Blend: the smile pasted back into the source face inside a soft mask of the mouth, so
// nothing outside the mouth changes (the sample's mask comes from FaceWorld's own regions).
const smileChain = editChain(pairNode('pairs', 'smile', 0, 1, 380, 'Smile pairs'), 2);
write(
  'smile-mouth-only.dge.json',
  graph(
    'Region blend: smile, mouth only',
    [
      ...smileChain.nodes,
      {
        id: 'blend',
        type: 'region-blend',
        params: { region: 'mouth', grow: 2, feather: 3 },
        position: [1120, 0],
        label: 'Mouth only',
      },
      { id: 'compare', type: 'compare', params: {}, position: [1400, 0], label: 'Source vs mouth edit' },
      { id: 'save', type: 'save-image', params: { filename: 'smile-mouth-only.png' }, position: [1400, 380] },
    ],
    [
      ...smileChain.wires,
      wire('face', 'image', 'blend', 'source'),
      wire('generate', 'image', 'blend', 'edited'),
      wire('face', 'image', 'compare', 'a'),
      wire('blend', 'image', 'compare', 'b'),
      wire('blend', 'image', 'save', 'image'),
    ],
  ),
);
