// The model manager's UI state (reactive): packs bundled and stored, storage used, the execution
// provider in use, the panel and its add/download progress. The engine owns the truth; this mirrors it.
import { reactive } from 'vue';
import type { PackRef } from '../../graph/document';
import type { PackManifest } from '../../graph/types';
import type { EpPreference, EpStatus, PackListing } from '../../workers/pack/manager';
import type { StoredPackInfo } from '../../workers/pack/store';
import { appState } from '../editor/run-state';

const EP_KEY = 'delta-studio.executionProvider';

export const packState = reactive({
  open: false,
  bundled: [] as string[],
  stored: [] as StoredPackInfo[],
  ep: null as EpStatus | null,
  usage: null as number | null,
  quota: null as number | null,
  /** an add or download in progress: what and how far (0..1, or null when unknown) */
  busy: null as null | { label: string; fraction: number | null },
  /** why the last add was refused: one line per problem */
  problems: [] as string[],
  /** what a graph file's `packs` list says for each installed pack: manifest sha256 and where to get it */
  refs: [] as PackRef[],
});

/** The engine's answer to init / add / delete, taken over by the UI (pack pickers read appState.packs). */
export function applyPackListing(result: {
  packs: PackManifest[];
  defaultPack: string;
  listing: PackListing;
  packRefs?: PackRef[];
}): void {
  appState.packs = result.packs;
  appState.defaultPack = result.defaultPack;
  packState.bundled = result.listing.bundled;
  packState.stored = result.listing.stored;
  packState.ep = result.listing.ep;
  packState.refs = (result.packRefs ?? []).map((ref) => {
    const stored = result.listing.stored.find((s) => s.id === ref.id);
    // a stored pack is fetched again from where it was downloaded; one from local files has no address
    return stored
      ? { ...ref, sha256: stored.manifestSha256, url: /^https?:\/\//.test(stored.origin) ? stored.origin : '' }
      : ref;
  });
}

/**
 * The graph with its `packs` list naming every pack its nodes use (sha256 + where to get it), for
 * export and share: whoever opens the file is told which packs it needs. Entries of packs that
 * are not installed here are kept as they were.
 */
export function withPackRefs<T extends { nodes: { params: Record<string, unknown> }[]; packs?: PackRef[] }>(doc: T): T {
  const used = new Set(
    doc.nodes.map((n) => n.params.pack).filter((p): p is string => typeof p === 'string' && p !== ''),
  );
  const listed = new Map((doc.packs ?? []).map((p) => [p.id, p]));
  const packs: PackRef[] = [];
  for (const id of new Set([...listed.keys(), ...used])) {
    const ref = packState.refs.find((r) => r.id === id) ?? listed.get(id);
    if (ref) packs.push({ ...listed.get(id), ...ref });
  }
  return { ...doc, packs };
}

export function readEpPreference(): EpPreference {
  try {
    const v = localStorage.getItem(EP_KEY);
    return v === 'wasm' || v === 'webgpu' || v === 'auto' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export function writeEpPreference(pref: EpPreference): void {
  try {
    localStorage.setItem(EP_KEY, pref);
  } catch {
    // storage blocked: the choice lasts for this visit only
  }
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
