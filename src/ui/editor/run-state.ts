// What the engine last said about each node (state, progress, previews) and app-wide notices.
// Module-level reactive state: every Rete-mounted Vue app shares this one Vue instance.
import { reactive, shallowReactive, markRaw } from 'vue';
import type { NodeState, PackManifest } from '../../graph/types';

export interface NodeRunInfo {
  state: NodeState;
  progress: number;
  message: string;
}

export interface PreviewBitmap {
  output: string;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

const runInfo = shallowReactive(new Map<string, NodeRunInfo>());
/** Raw preview pixels (not reactive: big arrays); `previewVersion` says when one changed. */
const previews = new Map<string, PreviewBitmap>();
const previewVersion = shallowReactive(new Map<string, number>());

export const appState = reactive({
  packs: [] as PackManifest[],
  defaultPack: 'fixture',
  engineReady: false,
  running: false,
  lastRunMs: null as number | null,
  lastRun: null as null | { executed: number; cached: number; status: string },
});

export function nodeRunInfo(nodeId: string): NodeRunInfo {
  let info = runInfo.get(nodeId);
  if (!info) {
    info = reactive({ state: 'idle', progress: 0, message: '' }) as NodeRunInfo;
    runInfo.set(nodeId, info);
  }
  return info;
}

export function setNodeState(nodeId: string, state: NodeState, message = ''): void {
  const info = nodeRunInfo(nodeId);
  info.state = state;
  info.message = message;
  if (state !== 'running') info.progress = state === 'idle' ? 0 : 1;
  else info.progress = 0;
}

export function setNodeProgress(nodeId: string, fraction: number): void {
  nodeRunInfo(nodeId).progress = Math.max(0, Math.min(1, fraction));
}

/** Number outputs (Compare's PSNR) per node, shown on the node. */
const values = shallowReactive(new Map<string, Record<string, number>>());

export function setNodeValue(nodeId: string, output: string, value: number): void {
  values.set(nodeId, { ...(values.get(nodeId) ?? {}), [output]: value });
}

export function nodeValues(nodeId: string): Record<string, number> | undefined {
  return values.get(nodeId);
}

export function forgetNodes(keep: Set<string>): void {
  for (const id of [...runInfo.keys()]) {
    if (keep.has(id)) continue;
    // reset in place, never delete: a mounted view of a node with this id follows this object
    Object.assign(runInfo.get(id)!, { state: 'idle', progress: 0, message: '' });
  }
  for (const id of [...values.keys()]) if (!keep.has(id)) values.delete(id);
  for (const id of [...previews.keys()]) {
    if (!keep.has(id)) {
      previews.delete(id);
      previewVersion.delete(id);
    }
  }
}

export function setPreview(nodeId: string, bitmap: PreviewBitmap): void {
  previews.set(nodeId, markRaw(bitmap));
  previewVersion.set(nodeId, (previewVersion.get(nodeId) ?? 0) + 1);
}

export function clearPreview(nodeId: string): void {
  if (!previews.has(nodeId)) return;
  previews.delete(nodeId);
  previewVersion.set(nodeId, (previewVersion.get(nodeId) ?? 0) + 1);
}

export function getPreview(nodeId: string): PreviewBitmap | undefined {
  return previews.get(nodeId);
}

/** Reading this inside a render/watch makes it follow the node's preview. */
export function previewRevision(nodeId: string): number {
  return previewVersion.get(nodeId) ?? 0;
}

export function nodesWithPreview(): string[] {
  return [...previews.keys()];
}

// ---------------------------------------------------------------------------------------------
// toasts: errors carry role="alert" (a hook, docs/architecture.md#end-to-end-hooks), notices role="status"

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}
export const toasts = reactive<Toast[]>([]);
let toastSeq = 0;

export function notify(kind: Toast['kind'], text: string, ms = kind === 'error' ? 6000 : 2500): void {
  const id = ++toastSeq;
  toasts.push({ id, kind, text });
  if (toasts.length > 4) toasts.shift();
  setTimeout(() => dismissToast(id), ms);
}

export function dismissToast(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}

// ---------------------------------------------------------------------------------------------
// level of detail: nodes off-screen or at low zoom render only header and sockets, which keeps a
// 500-node graph fast to open and to pan (see rete-editor.ts updateDetail)

const simplified = shallowReactive(new Set<string>());

export function isSimplified(nodeId: string): boolean {
  return simplified.has(nodeId);
}

export function setSimplified(nodeId: string, value: boolean): void {
  if (value === simplified.has(nodeId)) return;
  if (value) simplified.add(nodeId);
  else simplified.delete(nodeId);
}

// ---------------------------------------------------------------------------------------------
// actions node views can trigger but that need the app (engine, file export); set by App.vue

export const nodeActions: {
  downloadImage?: (nodeId: string) => Promise<void>;
  /** keep a delta output of the last run in the library (.delta.json) */
  saveDelta?: (nodeId: string, output: string) => Promise<void>;
  /** download the α sweep of a Scale / Aim node as an animated GIF */
  sweepGif?: (nodeId: string) => Promise<void>;
  /** show the node's image enlarged (preview-large) */
  enlargePreview?: (nodeId: string) => Promise<void>;
} = {};
