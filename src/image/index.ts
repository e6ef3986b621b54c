// Pure image and tensor helpers, shared by the nodes, the batch, the engine, the headless run and
// the UI: RGBA operations, RGBA <-> tensor conversions, similarity measures and image headers.
// No DOM, no workers: everything here runs in the browser, in workers and in Node alike. The
// image type itself (`RgbaImage`) is in `src/graph/types.ts` with the other values.
export * from './rgba';
export * from './tensor';
export * from './similarity';
export * from './header';
export * from './mask';
