// Photo alignment for Load Face and the identity readout: pure FFHQ geometry, EXIF handling,
// and the face-api based aligner (load it with node.ts or browser.ts).
export { ffhqQuad, resampleQuad, shrinkImage, fitWithin } from './ffhq';
export type { Point } from './ffhq';
export { applyOrientation } from './exif';
export { FaceAligner, NoFaceError } from './detect';
