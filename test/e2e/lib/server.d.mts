// Types for server.mjs (used by the TypeScript benchmark).
export const ROOT: string;
export function freePort(): Promise<number>;
export function buildApp(options?: { quiet?: boolean }): Promise<string>;
export function startPreview(): Promise<{ url: string; stop(): Promise<void> }>;
