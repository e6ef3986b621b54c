// The contracts shared by the graph core, the node modules, the worker runtime and the UI.
// Pure TypeScript: no DOM, no Vue, no Rete. Change with care: every layer depends on it.

/** A dense float32 tensor, row-major, as onnxruntime uses them. */
export interface Tensor {
  data: Float32Array;
  dims: number[];
}

/** A decoded picture: `width`×`height` RGBA bytes, row by row (the layout of the DOM's ImageData).
 * Helpers for it are in `src/image`. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Socket (wire) types. `any` only for generic nodes such as Compare inputs. */
export type SocketType = 'image' | 'latent' | 'pairs' | 'delta' | 'number';

/** RGB image, `[1,3,H,W]` in `[-1,1]`. */
export interface ImageValue {
  kind: 'image';
  tensor: Tensor;
  /**
   * Set when the picture is a FaceWorld render exactly as drawn (Load Face's samples): the
   * renderer's identity and attributes (`src/synth`) and its framing, so a node that needs the
   * face's regions (Region Blend) takes them from the renderer rather than from detected landmarks.
   * Any change to the pixels (resizing, generating) gives a value without it.
   */
  render?: FaceRender;
  /**
   * Set when the picture is a face aligned out of a photo (Load Face's "Detect & align"): the photo
   * and where the crop lies in it, so Region Blend can paste its result back into the photo.
   */
  photo?: PhotoCrop;
}

/** The photo an aligned face was cut from and the crop's place in it (see `ImageValue.photo`). */
export interface PhotoCrop {
  /** the upright photo, scaled down to at most `PASTE_BACK_MAX_SIDE` px (src/workers/align) */
  image: RgbaImage;
  /** the crop square's corners in `image`, at pixel edges: top-left, bottom-left, bottom-right, top-right */
  quad: [{ x: number; y: number }, { x: number; y: number }, { x: number; y: number }, { x: number; y: number }];
}

/** The parameters of a FaceWorld render (see `ImageValue.render`). */
export interface FaceRender {
  identity: Record<string, unknown>;
  attributes: Record<string, unknown>;
  framing: 'frame' | 'face';
}

/** W+ latent `[1,L,D]`, tagged with the model pack it belongs to. */
export interface LatentValue {
  kind: 'latent';
  pack: string;
  tensor: Tensor;
}

/** One pair: two pictures of the same face differing in one attribute (CGI renders, or photos). */
export interface SyntheticPair {
  from: ImageValue;
  to: ImageValue;
  /** The exact renderer parameters of both renders (identity + attributes), for provenance. */
  params: { from: Record<string, unknown>; to: Record<string, unknown> };
  /** Both pictures already inverted in `pack` (Photo Pair): Encode Delta uses these latents. */
  latents?: { pack: string; from: Tensor; to: Tensor };
}

/** K synthetic pairs showing the same attribute change. */
export interface PairsValue {
  kind: 'pairs';
  attribute: string;
  fromValue: number;
  toValue: number;
  pairs: SyntheticPair[];
}

/**
 * An edit that can be scaled and added.
 * - `dge`: the Δ-encoder code δ `[1,C]` of a pack; applied as `w + Dec(w, δ)`.
 * - `linear`: a W+ offset `[1,L,D]`; applied as `w + offset`.
 * `parts` lists the single deltas a combined delta was made of (for apply-in-sequence).
 */
export interface DeltaValue {
  kind: 'delta';
  method: 'dge' | 'linear';
  pack: string;
  tensor: Tensor;
  label: string;
  /** where it came from, kept in saved delta files: the pairs' attribute, from → to, K */
  source?: { attribute: string; from: number; to: number; k: number };
}

export interface NumberValue {
  kind: 'number';
  value: number;
}

export type Value = ImageValue | LatentValue | PairsValue | DeltaValue | NumberValue;

// ---------------------------------------------------------------------------------------------
// Node definitions

/** Show a param's control only while another param has one of these values (its value is kept either way). */
export interface ParamVisibility {
  /**
   * A param added to a node type after files were written, whose default is exactly the
   * behaviour before it existed: a file without it takes the default silently (no repair warning).
   */
  optional?: boolean;
  /** shown only while `param` has one of the values `is`, or none of the values `isNot` */
  when?:
    { param: string; is: ParamValue[]; isNot?: undefined } | { param: string; isNot: ParamValue[]; is?: undefined };
}

/** The range of a number param per value of another param (see `follows`). */
export interface ParamRangeCases {
  param: string;
  cases: Record<string, { min: number; max: number; step: number; default: number }>;
}

export type ParamSpec = ParamVisibility &
  (
    | {
        kind: 'number';
        name: string;
        label: string;
        default: number;
        min: number;
        max: number;
        step: number;
        /** integer-valued (K pairs, sizes) */
        integer?: boolean;
        doc?: string;
        /**
         * Range, step and default that follow another param's value (Synthetic Pair's From/To follow
         * its attribute). `min`/`max` above stay the outer bounds a file may hold; the editor offers
         * the range of the current case, and a change of `param` resets this one to the case's default.
         */
        follows?: ParamRangeCases;
      }
    | { kind: 'seed'; name: string; label: string; default: number; doc?: string }
    | {
        kind: 'enum';
        name: string;
        label: string;
        default: string;
        options: { value: string; label: string }[];
        doc?: string;
      }
    /** `multiline`: a text area (a Note's text); `picker: 'delta'`: the editor also offers the library's saved deltas */
    | {
        kind: 'string';
        name: string;
        label: string;
        default: string;
        doc?: string;
        multiline?: boolean;
        picker?: 'delta';
      }
    | { kind: 'boolean'; name: string; label: string; default: boolean; doc?: string }
    /** a model pack id; the UI offers the installed packs */
    | { kind: 'pack'; name: string; label: string; default: string; doc?: string }
    /** an image asset: the value is an asset id (see GraphDocument.assets) or a sample/URL ref */
    | { kind: 'image'; name: string; label: string; default: string; doc?: string }
  );

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface SocketSpec {
  name: string;
  label: string;
  type: SocketType;
  /** an input that accepts several connections (Add's deltas) */
  multi?: boolean;
  /** the node can run without it */
  optional?: boolean;
}

/** Inputs as seen by compute: multi inputs get an array (in connection order), others a value. */
export type NodeInputs = Record<string, Value | Value[] | undefined>;
export type NodeOutputs = Record<string, Value>;

/**
 * What a node type is, without its code: sockets, params, docs. Validation, repair, wiring and the
 * editor need only this (the engine serves the UI the specs of its node definitions).
 */
export interface NodeSpec {
  type: string; // e.g. 'load-face'
  title: string; // e.g. 'Load Face'
  category: 'input' | 'model' | 'edit' | 'output' | 'analysis' | 'annotation';
  doc: string; // one or two sentences shown in quick-add and on hover
  inputs: SocketSpec[];
  outputs: SocketSpec[];
  params: ParamSpec[];
  /** Which output holds the image shown as the node preview, if any. */
  preview?: string;
  /** What the editor does with this node beyond the generic view. */
  ui?: NodeUi;
}

/**
 * What the editor offers on a node beyond the generic view (sockets, a control per param, state,
 * preview, number outputs, note). All optional and plain data: the engine sends specs to the UI.
 * A node with an `image` param needs nothing here to take a picture dropped on it.
 */
export interface NodeUi {
  /** The preview is a strip of images side by side: drawn at the node's full width, at most 120 px tall. */
  widePreview?: boolean;
  /** The preview can stand for the whole graph (library thumbnail, PNG export): of the previews shown, the highest rank wins. */
  resultRank?: number;
  /**
   * Its part in the Compare view's suggestion: `'before'`, a source face (the first such type in
   * the registry's order that the graph has); `'after'`, an edited face (the graph's last such
   * node); or the names of the two inputs whose sources this node already compares.
   */
  compare?: 'before' | 'after' | { before: string; after: string };
  /** A "Download PNG" button: the full-size image of `output`, named by the string param `fileName`. */
  download?: { output: string; fileName: string };
}

/** A node type with its code: the spec plus `compute`, which the executor runs. */
export interface NodeDefinition extends NodeSpec {
  compute(inputs: NodeInputs, params: Params, ctx: ComputeContext): Promise<NodeOutputs>;
}

// ---------------------------------------------------------------------------------------------
// What compute functions may use. Implemented by the worker runtime (browser) and by the Node
// runtime (headless run, tests) with the same code underneath.

export interface PackModelIO {
  name: string;
  shape: (number | string)[]; // a string names a dynamic dim, e.g. 'batch'
  range?: [number, number];
}

export interface PackModelEntry {
  file: string;
  sha256: string;
  bytes?: number;
  /** other precisions of the same model with the same inputs/outputs, e.g. `fp16` (used on WebGPU) */
  variants?: Record<string, { file: string; sha256: string; bytes?: number }>;
  inputs: PackModelIO[];
  outputs: PackModelIO[];
  doc?: string;
}

/** models/<pack-id>/manifest.json — see src/workers/pack/manifest.ts for the zod schema. */
export interface PackManifest {
  format: 'delta-studio/model-pack';
  version: 1;
  id: string;
  name: string;
  license: string;
  source: string;
  description?: string;
  latent: { layers: number; dim: number };
  image: {
    size: number;
    channels: 3;
    range: [number, number];
    layout: 'NCHW';
    /** how FaceWorld renders (synthetic pairs, sample faces) are framed for this pack's encoder:
     *  'face' = cut around the features as an aligned face set (src/synth/framing.ts); default 'frame' */
    framing?: 'frame' | 'face';
  };
  /** Δ-encoder code size, when the pack has one */
  deltaDim?: number;
  /** z size of the mapping network, when the pack has one */
  zDim?: number;
  models: {
    generator: PackModelEntry; // w [batch,L,D] -> image [batch,3,S,S]
    encoder: PackModelEntry; // image [batch,3,S,S] -> w [batch,L,D]
    mapping?: PackModelEntry; // z [batch,Z] -> w [batch,L,D]
    delta_encoder?: PackModelEntry; // w_from, w_to [batch,L,D] -> delta [batch,C]
    delta_decoder?: PackModelEntry; // w [batch,L,D], delta [batch,C] -> dw [batch,L,D]
    attributes?: PackModelEntry; // image -> attributes [batch,A] (+ identity) ; names in `outputs`
    domain?: PackModelEntry; // image -> logit [batch,1], >0 means cgi
    [extra: string]: PackModelEntry | undefined;
  };
  /** free-form metadata (training time, parity figures, attribute names...) */
  meta?: Record<string, unknown>;
}

export interface PackRuntime {
  /** the manifest of an installed pack; rejects with a clear message if it is missing */
  manifest(packId: string): Promise<PackManifest>;
  /** run one model of a pack; sessions are created once per model and reused */
  run(
    packId: string,
    model: string,
    feeds: Record<string, Tensor>,
    signal?: AbortSignal,
  ): Promise<Record<string, Tensor>>;
}

export interface AssetStore {
  /** raw bytes of an image asset embedded in the graph (uploaded face) */
  get(id: string): Uint8Array | undefined;
}

export interface ComputeContext {
  packs: PackRuntime;
  assets: AssetStore;
  /** decode an encoded image (PNG/JPEG/...) to RGBA; the browser and Node provide their own */
  decodeImage(bytes: Uint8Array): Promise<RgbaImage>;
  /** fetch bytes from a URL or a bundled sample path */
  fetchBytes(url: string): Promise<Uint8Array>;
  /**
   * Optional: the largest face of an encoded photo, EXIF-upright and aligned FFHQ-style, as
   * `size`×`size` RGBA (Load Face's "align face" mode; real-photo packs such as e4e expect it).
   */
  alignFace?(
    bytes: Uint8Array,
    size: number,
    /** which face, 0 = the largest (default) */
    options?: { faceIndex?: number },
  ): Promise<
    RgbaImage & {
      /** how many faces the photo has */
      faces?: number;
      /** the photo and the crop's place in it, for pasting an edit back */
      photo?: PhotoCrop;
    }
  >;
  /**
   * Optional: the 128-d face-recognition descriptor of the largest face in an RGBA image, or null
   * when no face is found (Compare's identity readout, the paper's "CS").
   */
  faceDescriptor?(image: RgbaImage): Promise<Float32Array | null>;
  /**
   * Optional: the 68 landmarks (iBUG order, as face-api and dlib give them) of the largest face in
   * an RGBA image, in its pixels, or null when no face is found (Region Blend's masks of photos).
   */
  faceLandmarks?(image: RgbaImage): Promise<{ x: number; y: number }[] | null>;
  /** Optional: a short remark shown on the node after it ran ("3 faces found, using face 0"). */
  note?(text: string): void;
  signal: AbortSignal;
  /** report progress in [0,1] for the running node */
  progress(fraction: number): void;
}

// ---------------------------------------------------------------------------------------------
// Execution events (the executor emits them; the UI shows them on nodes)

export type NodeState = 'idle' | 'running' | 'cached' | 'done' | 'error';

export type ExecEvent =
  | { type: 'run-start'; runId: number; nodes: string[] }
  | { type: 'node-state'; runId: number; nodeId: string; state: NodeState; message?: string }
  | { type: 'node-progress'; runId: number; nodeId: string; fraction: number }
  | {
      type: 'run-end';
      runId: number;
      status: 'done' | 'cancelled' | 'error';
      executed: string[];
      cached: string[];
      ms: number;
    };
