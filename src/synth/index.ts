// FaceWorld: a procedural 3D face renderer (pure TypeScript, no DOM) for synthetic CGI pairs and
// photo-style training data. See docs/faceworld/README.md for the parameters and contact sheets.
export {
  ATTRIBUTES,
  ATTRIBUTE_NAMES,
  HAIR_STYLES,
  IDENTITY_PARAMS,
  neutralAttributes,
  neutralIdentity,
  sampleIdentity,
  sampleAttributes,
  validateAttributes,
  validateParams,
} from './params';
export type { AttributeName, Attributes, Identity, RenderStyle } from './params';
export { render, renderLayers } from './render';
export { renderFramed, framedFeatures, imageFraming } from './framing';
export type { Framing } from './framing';
