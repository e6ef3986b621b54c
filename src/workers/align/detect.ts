// Face detection, 68 landmarks and 128-d descriptors with @vladmandic/face-api, whose weights
// ship inside its npm package. The face-api module and the weight bytes are injected, so the
// browser worker (fetch) and Node (fs) share this code; only loading differs (browser.ts, node.ts).
import { ffhqQuad, fitWithin, resampleQuad, type FfhqQuad, type Point } from './ffhq';
import { applyOrientation, readOrientation } from './exif';
import type { PhotoCrop, RgbaImage } from '../../graph/types';
import { cosineSimilarity } from '../../image';

/** The weight files of the package's `model/` folder the aligner uses. */
export const FACE_MODELS = ['ssd_mobilenetv1_model', 'face_landmark_68_model', 'face_recognition_model'] as const;
export type FaceModelName = (typeof FACE_MODELS)[number];

/** Reads `<name>-weights_manifest.json` or `<name>.bin` of face-api's model folder. */
export type FaceModelSource = (file: string) => Promise<Uint8Array>;

/** The slice of face-api used here (its full typings pull in all of tfjs). */
export interface FaceApiModule {
  tf: {
    io: { decodeWeights(buffer: ArrayBuffer, specs: unknown): Record<string, unknown> };
    tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): { dispose(): void };
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    getBackend(): string;
    env(): { set(flag: string, value: unknown): void };
    setWasmPaths(paths: string | Record<string, string>, usePlatformFetch?: boolean): void;
  };
  nets: Record<
    'ssdMobilenetv1' | 'faceLandmark68Net' | 'faceRecognitionNet',
    { loadFromWeightMap(map: Record<string, unknown>): void; isLoaded: boolean }
  >;
  env: { getEnv(): unknown; setEnv(env: Record<string, unknown>): void };
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults?: number }) => unknown;
  detectAllFaces(
    input: unknown,
    options: unknown,
  ): {
    withFaceLandmarks(): {
      withFaceDescriptors(): Promise<
        {
          detection: { score: number; box: { x: number; y: number; width: number; height: number } };
          landmarks: { positions: Point[] };
          descriptor: Float32Array;
        }[]
      >;
    };
  };
}

/**
 * face-api looks for DOM classes (to tell canvases from tensors) and finds none in a worker or
 * under Node; the aligner only ever passes tensors, so placeholder classes are all it needs.
 */
function useTensorOnlyEnv(api: FaceApiModule): void {
  try {
    api.env.getEnv();
    return; // a page with a DOM: keep face-api's own environment
  } catch {
    // no environment: set the tensor-only one below
  }
  const none = () => {
    throw new Error('face-api: DOM elements are not available here; pass pixels');
  };
  api.env.setEnv({
    Canvas: class {},
    CanvasRenderingContext2D: class {},
    Image: class {},
    ImageData: class {},
    Video: class {},
    createCanvasElement: none,
    createImageElement: none,
    createVideoElement: none,
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
    readFile: none,
  });
}

export interface DetectedFace {
  /** box in upright-photo pixels */
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: Point[];
  /** 128-d face-recognition embedding (compare with cosineSimilarity) */
  descriptor: Float32Array;
}

export class NoFaceError extends Error {
  constructor(width: number, height: number) {
    super(`no face found in the photo (${width}×${height}); use a photo with a clearly visible, roughly frontal face`);
    this.name = 'NoFaceError';
  }
}

/** Longest side of the photo an aligned face keeps for pasting an edit back (Region Blend). */
export const PASTE_BACK_MAX_SIDE = 1024;
/** Longest side the detector sees: SSD resizes to 512 anyway, and big photos would cost memory. */
const DETECT_MAX_SIDE = 1024;
/** Side small images are upscaled to before the identity readout looks for a face. */
const DESCRIBE_MIN_SIDE = 256;
/** Generated faces score lower than photos; the readout accepts weaker detections than alignment. */
const DESCRIBE_MIN_CONFIDENCE = 0.3;

export class FaceAligner {
  private constructor(private readonly api: FaceApiModule) {}

  /** The tfjs backend the networks run on ('wasm' or 'cpu'). */
  get backend(): string {
    return this.api.tf.getBackend();
  }

  /** Loads the three networks from their weight files on the first tfjs backend that starts (wasm is ~10x faster than cpu). */
  static async create(
    api: FaceApiModule,
    readModel: FaceModelSource,
    backends: string[] = ['cpu'],
  ): Promise<FaceAligner> {
    useTensorOnlyEnv(api);
    const failed: string[] = [];
    for (const name of backends) {
      if (await api.tf.setBackend(name).catch(() => false)) break;
      failed.push(name);
    }
    if (failed.length === backends.length)
      throw new Error(`face-api: no tfjs backend could start (tried ${backends.join(', ')})`);
    await api.tf.ready();
    const nets: Record<FaceModelName, keyof FaceApiModule['nets']> = {
      ssd_mobilenetv1_model: 'ssdMobilenetv1',
      face_landmark_68_model: 'faceLandmark68Net',
      face_recognition_model: 'faceRecognitionNet',
    };
    for (const name of FACE_MODELS) {
      let manifest: { weights: unknown }[];
      let bin: Uint8Array;
      try {
        manifest = JSON.parse(new TextDecoder().decode(await readModel(`${name}-weights_manifest.json`)));
        bin = await readModel(`${name}.bin`);
      } catch (e) {
        throw new Error(`face-api weights ${name} cannot be read: ${(e as Error).message}`);
      }
      const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
      api.nets[nets[name]].loadFromWeightMap(api.tf.io.decodeWeights(buffer, manifest[0].weights));
    }
    return new FaceAligner(api);
  }

  /** All faces in an upright RGBA photo, largest first; throws NoFaceError when there is none. */
  async detect(img: RgbaImage, minConfidence = 0.5): Promise<DetectedFace[]> {
    const { image, scale } = fitWithin(img, DETECT_MAX_SIDE);
    const rgb = new Uint8Array(image.width * image.height * 3);
    for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgb[i] = image.data[j];
      rgb[i + 1] = image.data[j + 1];
      rgb[i + 2] = image.data[j + 2];
    }
    const input = this.api.tf.tensor3d(rgb, [image.height, image.width, 3], 'int32');
    try {
      const found = await this.api
        .detectAllFaces(input, new this.api.SsdMobilenetv1Options({ minConfidence, maxResults: 20 }))
        .withFaceLandmarks()
        .withFaceDescriptors();
      if (found.length === 0) throw new NoFaceError(img.width, img.height);
      const back = (p: Point) => ({ x: p.x / scale, y: p.y / scale });
      return found
        .map((f) => ({
          box: {
            x: f.detection.box.x / scale,
            y: f.detection.box.y / scale,
            width: f.detection.box.width / scale,
            height: f.detection.box.height / scale,
          },
          score: f.detection.score,
          landmarks: f.landmarks.positions.map(back),
          descriptor: f.descriptor,
        }))
        .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    } finally {
      input.dispose();
    }
  }

  /**
   * A photo as the generator's training data was cut: EXIF-upright, face `faceIndex` (0 = the
   * largest) aligned FFHQ-style to `outputSize`². Also returns every face found, for a picker.
   */
  async alignPhoto(
    bytes: Uint8Array,
    decode: (bytes: Uint8Array) => Promise<RgbaImage>,
    { outputSize = 256, faceIndex = 0 }: { outputSize?: number; faceIndex?: number } = {},
  ): Promise<AlignedPhoto> {
    const upright = applyOrientation(await decode(bytes), await readOrientation(bytes));
    const faces = await this.detect(upright);
    if (!Number.isInteger(faceIndex) || faceIndex < 0 || faceIndex >= faces.length) {
      throw new Error(
        `face ${faceIndex} does not exist: the photo has ${faces.length} face${faces.length === 1 ? '' : 's'} (0 = largest)`,
      );
    }
    const crop = ffhqQuad(faces[faceIndex].landmarks);
    const small = fitWithin(upright, PASTE_BACK_MAX_SIDE);
    return {
      image: resampleQuad(upright, crop.quad, outputSize),
      crop,
      faces,
      faceIndex,
      photo: { width: upright.width, height: upright.height },
      pasteBack: {
        image: small.image,
        quad: crop.quad.map((p) => ({ x: p.x * small.scale, y: p.y * small.scale })) as PhotoCrop['quad'],
      },
    };
  }

  /**
   * The largest face in an image (descriptor, landmarks and box in the image's own pixels), or
   * null when none is found. Small images (64-px generator outputs) are upscaled first, and a face
   * that fills the whole frame gets a margin on a second try: the detector misses both otherwise.
   */
  async describe(img: RgbaImage): Promise<DetectedFace | null> {
    const side = Math.max(img.width, img.height);
    const target = Math.max(side, DESCRIBE_MIN_SIDE);
    for (const margin of [0, 0.25]) {
      const pad = side * margin;
      const out = Math.round(target * (1 + 2 * margin));
      const framed =
        target === side && margin === 0
          ? img
          : resampleQuad(
              img,
              [
                { x: -pad, y: -pad },
                { x: -pad, y: side + pad },
                { x: side + pad, y: side + pad },
                { x: side + pad, y: -pad },
              ],
              out,
            );
      let face: DetectedFace;
      try {
        face = (await this.detect(framed, DESCRIBE_MIN_CONFIDENCE))[0];
      } catch (e) {
        if (!(e instanceof NoFaceError)) throw e;
        continue;
      }
      if (framed === img) return face;
      // back from the framed picture to the image's pixels
      const k = (side + 2 * pad) / out;
      const back = (p: Point) => ({ x: p.x * k - pad, y: p.y * k - pad });
      const { x, y, width, height } = face.box;
      return {
        ...face,
        box: { ...back({ x, y }), width: width * k, height: height * k },
        landmarks: face.landmarks.map(back),
      };
    }
    return null;
  }

  /**
   * Identity similarity of two images' largest faces (cosine of face descriptors), the paper's
   * "CS": 1 = the same face. `similarity` is null when either image has no detectable face.
   */
  async identitySimilarity(a: RgbaImage, b: RgbaImage): Promise<IdentityReadout> {
    // one after the other: tfjs runs one graph at a time anyway
    const fa = await this.describe(a);
    const fb = await this.describe(b);
    const noFaceIn = [...(fa ? [] : (['a'] as const)), ...(fb ? [] : (['b'] as const))];
    return { similarity: fa && fb ? cosineSimilarity(fa.descriptor, fb.descriptor) : null, noFaceIn };
  }
}

/** Identity readout of two images: cosine similarity of their face descriptors, or null with the image(s) lacking a face. */
export interface IdentityReadout {
  similarity: number | null;
  noFaceIn: ('a' | 'b')[];
}

export interface AlignedPhoto {
  image: RgbaImage;
  crop: FfhqQuad;
  faces: DetectedFace[];
  faceIndex: number;
  photo: { width: number; height: number };
  /** the photo at most PASTE_BACK_MAX_SIDE px and the crop in it: where an edit is pasted back */
  pasteBack: PhotoCrop;
}
