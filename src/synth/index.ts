// FaceWorld: a procedural 3D face renderer (pure TypeScript, no DOM) for synthetic CGI pairs and
// photo-style training data. See docs/faceworld/README.md for the parameters and contact sheets.
export {
  ATTRIBUTES,
  ATTRIBUTE_NAMES,
  HAIR_STYLES,
  IDENTITY_PARAMS,
  IDENTITY_NAMES,
  neutralAttributes,
  neutralIdentity,
  sampleIdentity,
  sampleAttributes,
  validateAttributes,
  validateIdentity,
  validateParams,
  validateRenderOptions,
} from './params';
export type {
  AttributeName,
  Attributes,
  Identity,
  IdentityParamName,
  ParamInfo,
  RenderOptions,
  RenderStyle,
} from './params';
export { render, renderLayers, rasterize, defaultSupersample, CAMERA } from './render';
export { renderFramed, framedFeatures, faceCropBox, areaCrop, imageFraming, FACE_FRAMING, FRAMINGS } from './framing';
export type { Framing } from './framing';
export { encodeNpy } from './npy';
