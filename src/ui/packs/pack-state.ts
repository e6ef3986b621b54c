// The model manager's UI state (reactive): packs bundled and stored, storage used, the execution
// provider in use, the panel and its add/download progress. The engine owns the truth; this mirrors it.
import { reactive } from 'vue';
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
});

/** The engine's answer to init / add / delete, taken over by the UI (pack pickers read appState.packs). */
export function applyPackListing(result: { packs: PackManifest[]; defaultPack: string; listing: PackListing }): void {
  appState.packs = result.packs;
  appState.defaultPack = result.defaultPack;
  packState.bundled = result.listing.bundled;
  packState.stored = result.listing.stored;
  packState.ep = result.listing.ep;
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
