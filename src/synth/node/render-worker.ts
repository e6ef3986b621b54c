// Node worker_thread that renders batches of FaceWorld images for the data set tool and the
// benchmark; replies with packed RGB bytes (alpha dropped) transferred, not copied.
import { parentPort } from 'node:worker_threads';
import { type Attributes, type Identity, type RenderStyle } from '../index';
import { renderFramed, type Framing } from '../framing';

export interface RenderJob {
  index: number;
  identity: Identity;
  attributes: Attributes;
  style: RenderStyle;
  size: number;
  seed: number;
  /** default 'frame' (the whole head at the fixed camera); 'face': src/synth/framing.ts */
  framing?: Framing;
}

export interface RenderBatchReply {
  indices: number[];
  /** RGB bytes of all images of the batch, one after the other */
  rgb: Uint8Array;
  ms: number[];
  error?: string;
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (jobs: RenderJob[]) => {
    try {
      const first = jobs[0];
      const bytes = first ? first.size * first.size * 3 : 0;
      const rgb = new Uint8Array(bytes * jobs.length);
      const ms: number[] = [];
      jobs.forEach((job, k) => {
        const t0 = performance.now();
        const img = renderFramed(
          job.identity,
          job.attributes,
          { size: job.size, style: job.style, seed: job.seed },
          job.framing ?? 'frame',
        );
        ms.push(performance.now() - t0);
        const src = img.data;
        let d = k * bytes;
        for (let s = 0; s < src.length; s += 4) {
          rgb[d++] = src[s];
          rgb[d++] = src[s + 1];
          rgb[d++] = src[s + 2];
        }
      });
      const reply: RenderBatchReply = { indices: jobs.map((j) => j.index), rgb, ms };
      port.postMessage(reply, [rgb.buffer]);
    } catch (err) {
      port.postMessage({
        indices: jobs.map((j) => j.index),
        rgb: new Uint8Array(0),
        ms: [],
        error: (err as Error).message,
      } satisfies RenderBatchReply);
    }
  });
}
