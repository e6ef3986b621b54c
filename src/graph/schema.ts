// The graph file's shape (`*.dge.json`, version 1) as zod schemas, and the types read from them.
// Loading (size limits, migrations, repair) is in document.ts, which re-exports all of this.
import { z } from 'zod';
import type { NodeSpec } from './types';
import { MAX_CONNECTIONS, MAX_ID_LENGTH, MAX_NODES, MAX_PACKS } from './limits';

export const GRAPH_FORMAT = 'delta-studio/graph';
export const GRAPH_VERSION = 1;

/** The node types a graph is checked against, by type name: specs are enough (the executor takes definitions). */
export type NodeRegistry = ReadonlyMap<string, NodeSpec>;

/** Any number JSON can produce (1e999 parses to Infinity); repair clamps the non-finite ones. */
const zLooseNumber = z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), {
  message: 'expected number',
});

export const zId = z.string().min(1, 'expected a non-empty id').max(MAX_ID_LENGTH);
export const zParamValue = z.union([zLooseNumber, z.string(), z.boolean()]);
/**
 * Any JSON value is carried: a placeholder (unknown type) keeps array and object params as they
 * are, and repair refuses a declared param of the wrong type with its path. Typed as the values
 * the node code reads, which repair guarantees for every declared param.
 */
export const zParams = z.record(z.string(), z.unknown()) as unknown as z.ZodType<
  Record<string, z.infer<typeof zParamValue>>
>;

export const zGraphNode = z.looseObject({
  id: zId,
  type: z.string().min(1, 'expected a node type').max(MAX_ID_LENGTH),
  params: zParams.default({}),
  position: z.tuple([zLooseNumber, zLooseNumber]).default([0, 0]),
  label: z.string().optional(),
  /** 'bypass': the node passes its inputs on to outputs of the same type; 'mute': it and what needs it do not run */
  mode: z.enum(['bypass', 'mute']).optional().catch(undefined),
});

export const zEndpoint = z.looseObject({ node: zId, socket: zId });

export const zConnection = z.looseObject({
  /** an empty or duplicate id is replaced by repair */
  id: z.string().max(MAX_ID_LENGTH).default(''),
  from: zEndpoint,
  to: zEndpoint,
});

export const zPackRef = z.looseObject({
  id: zId,
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits'),
  url: z.string(),
});

export const zAsset = z.looseObject({
  mime: z.string().regex(/^image\/[a-z0-9.+-]+$/i, 'expected an image MIME type such as "image/png"'),
  name: z.string().optional(),
  data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64 data'),
});

export const zGraphDocument = z.looseObject({
  format: z.literal(GRAPH_FORMAT),
  version: z.literal(GRAPH_VERSION),
  name: z.string().default('Untitled graph'),
  nodes: z.array(zGraphNode).max(MAX_NODES),
  connections: z.array(zConnection).max(MAX_CONNECTIONS).default([]),
  packs: z.array(zPackRef).max(MAX_PACKS).default([]),
  assets: z.record(z.string(), zAsset).default({}),
});

export type GraphDocument = z.infer<typeof zGraphDocument>;
export type GraphNode = z.infer<typeof zGraphNode>;
export type GraphConnection = z.infer<typeof zConnection>;
export type Endpoint = z.infer<typeof zEndpoint>;
export type PackRef = z.infer<typeof zPackRef>;
export type GraphAsset = z.infer<typeof zAsset>;
