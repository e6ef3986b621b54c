// Kept for older imports of the wiring check; new code imports from wiring.ts (wiring), repair.ts
// (validation and repair) or document.ts (loading).
export { canConnect } from './wiring';
