// Types for browser.mjs (used by the TypeScript benchmark).
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH: string;
export const CHROMIUM_ARGS: string[];
export const SEL: {
  node(type: string): string;
  preview(type: string): string;
  run: string;
  library: string;
  import: string;
  export: string;
  alert: string;
};
export interface Profile {
  context: BrowserContext;
  page: Page;
  dir: string;
  consoleLines: string[];
  close(options?: { removeDir?: boolean }): Promise<void>;
}
export interface ImageStats {
  width: number;
  height: number;
  mean: number;
  std: number;
  hash: string;
}
export function launchProfile(options?: {
  dir?: string;
  keep?: boolean;
  viewport?: { width: number; height: number };
}): Promise<Profile>;
export function previewStats(page: Page, selector: string): Promise<ImageStats | null>;
export function waitForImage(
  page: Page,
  selector: string,
  options?: { timeout?: number; minStd?: number },
): Promise<ImageStats>;
export function waitForImageChange(
  page: Page,
  selector: string,
  oldHash: string,
  options?: { timeout?: number },
): Promise<ImageStats>;
export function nodeStates(page: Page): Promise<Record<string, string[]>>;
export function waitForSettled(page: Page, options?: { timeout?: number }): Promise<void>;
export function openEditor(page: Page, url: string, options?: { timeout?: number }): Promise<ImageStats>;
export function setSlider(page: Page, nodeType: string, value: number, options?: { index?: number }): Promise<void>;
export function sliderValue(page: Page, nodeType: string, options?: { index?: number }): Promise<string>;
export function importThroughUi(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void>;
export function exportThroughUi(page: Page, itemTestId: string): Promise<{ name: string; bytes: Buffer }>;
export function dropFile(
  page: Page,
  selector: string,
  file: { name: string; mimeType: string; buffer: Buffer },
): Promise<void>;
export function alertTexts(page: Page): Promise<string[]>;
export function waitForPersistedParam(
  page: Page,
  nodeType: string,
  param: string,
  value: number,
  options?: { timeout?: number },
): Promise<void>;
export function dropBatchFaces(page: Page, count?: number): Promise<void>;
