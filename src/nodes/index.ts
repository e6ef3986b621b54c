// The node registry: every node type the editor, the worker and the headless run know.
import type { NodeDefinition } from '../graph/types';
import { addNode } from './add';
import { aimNode } from './aim';
import { compareNode } from './compare';
import { encodeDeltaNode } from './encode-delta';
import { frameNode } from './frame';
import { ganInversionNode } from './gan-inversion';
import { generateNode } from './generate';
import { layerRangeNode } from './layer-range';
import { loadDeltaNode } from './load-delta';
import { loadFaceNode } from './load-face';
import { lockNode } from './lock';
import { measureNode } from './measure';
import { noteNode } from './note';
import { photoPairNode } from './photo-pair';
import { randomFaceNode } from './random-face';
import { regionBlendNode } from './region-blend';
import { saveImageNode } from './save-image';
import { scaleNode } from './scale';
import { syntheticPairNode } from './synthetic-pair';

export const nodeDefinitions: NodeDefinition[] = [
  loadFaceNode,
  randomFaceNode,
  ganInversionNode,
  syntheticPairNode,
  photoPairNode,
  encodeDeltaNode,
  loadDeltaNode,
  scaleNode,
  addNode,
  aimNode,
  lockNode,
  layerRangeNode,
  regionBlendNode,
  generateNode,
  compareNode,
  measureNode,
  saveImageNode,
  noteNode,
  frameNode,
];

export const nodeRegistry: ReadonlyMap<string, NodeDefinition> = new Map(nodeDefinitions.map((d) => [d.type, d]));

export { DEFAULT_PACK } from './common';
