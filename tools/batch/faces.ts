// Small test faces for batch tests and the batch benchmark: a few FaceWorld photo-style renders,
// each file with its own seeded noise so every file (and every result) differs. Rendering is the
// slow part, so only four faces are rendered per size and process.
import { encode } from 'fast-png';
import { neutralAttributes, renderFramed, sampleIdentity, type Framing } from '../../src/synth';

const bases = new Map<string, Uint8ClampedArray[]>();

/** PNG bytes of face `i`: one of 4 rendered faces with noise seeded by i (every file differs). */
export function facePng(i: number, size = 32, framing: Framing = 'frame'): Uint8Array {
  const id = `${size}/${framing}`;
  let set = bases.get(id);
  if (!set)
    bases.set(
      id,
      (set = [0, 1, 2, 3].map(
        (k) =>
          renderFramed(sampleIdentity(500 + k), neutralAttributes(), { size, style: 'photo', seed: k }, framing).data,
      )),
    );
  const base = set[i % set.length]!;
  const data = new Uint8Array(size * size * 3);
  let s = (i + 1) * 2654435761;
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      data[p * 3 + c] = Math.max(0, Math.min(255, base[p * 4 + c]! + ((s >>> 27) - 16)));
    }
  }
  return encode({ width: size, height: size, data, channels: 3 });
}
