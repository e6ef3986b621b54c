// Photo alignment for Load Face and the identity readout: pure FFHQ geometry, EXIF handling,
// and the face-api based aligner (load it with node.ts or browser.ts).
export { ffhqQuad, resampleQuad, shrinkImage, fitWithin } from './ffhq';
export type { Point, FfhqQuad } from './ffhq';
export { readOrientation, applyOrientation } from './exif';
export { FaceAligner, NoFaceError, FACE_MODELS } from './detect';
export type { DetectedFace, AlignedPhoto, FaceApiModule, FaceModelSource, IdentityReadout } from './detect';
