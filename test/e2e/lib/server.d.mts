// Types for server.mjs (used by the TypeScript benchmark).
export const ROOT: string;
export function freePort(): Promise<number>;
export function buildApp(options?: { quiet?: boolean }): Promise<string>;
export interface ViteServer {
  url: string;
  /** what the server printed so far */
  output(): string;
  stop(): Promise<void>;
}
export function startPreview(): Promise<ViteServer>;
export function startDevServer(): Promise<ViteServer>;
