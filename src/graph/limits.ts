// Hard limits that keep a hostile or broken graph file from freezing the editor.

/** A graph file larger than this is refused before it is parsed. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** Deeper JSON nesting than this is refused (no legitimate graph needs it; deep trees blow stacks). */
export const MAX_JSON_DEPTH = 64;
/** every repair pass is near-linear, so a graph this big parses and repairs in seconds */
export const MAX_NODES = 100_000;
export const MAX_CONNECTIONS = 100_000;
export const MAX_ASSETS = 256;
export const MAX_PACKS = 64;
/** ids and type names */
export const MAX_ID_LENGTH = 128;
/** graph names and node labels are cut to this many characters for display */
export const MAX_NAME_LENGTH = 200;
/** string params (URLs, sample names) */
export const MAX_STRING_PARAM_LENGTH = 4096;
/** node positions are clamped into ±this, so a 1e308 coordinate cannot break the canvas */
export const MAX_COORDINATE = 1e7;
/** at most this many messages are listed; the rest are counted */
export const MAX_MESSAGES = 50;
/** Images (Load Face sources, uploads) are refused from their header, before decoding, past these */
export const MAX_IMAGE_SIDE = 16_384;
export const MAX_IMAGE_PIXELS = 25_000_000;
