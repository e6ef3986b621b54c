// The example graphs bundled with the app (examples/*.dge.json): which one opens on a first
// visit, what each shows, and how to read one into a validated graph.
import { parseGraphFile, type GraphDocument, type NodeRegistry } from '../../graph/document';

export interface ExampleGraph {
  /** file name under examples/ */
  file: string;
  /** the graph's name (its file's `name`; a unit test keeps the two equal) */
  title: string;
  /** one line on what the example shows, and what the demo pack can and cannot do with it */
  note: string;
}

/**
 * In the order the Library lists them. The first opens on a first visit: a head turn, the edit
 * whose effect is plainest at 64 px (since round 8 the demo pack's generator draws eyes, brows and
 * mouths, so a smile shows too, more faintly; docs/results/README.md).
 */
export const EXAMPLES: readonly ExampleGraph[] = [
  { file: 'edit-head-turn.dge.json', title: 'Edit: head turn', note: 'One DGE edit: head turn 0° → 25°, scaled by α.' },
  {
    file: 'combine-smile-yaw.dge.json',
    title: 'Combine: smile + head turn',
    note: 'Two deltas added: smile + head turn, with Measure nodes reading the inversion and the edit.',
  },
  {
    file: 'edit-smile.dge.json',
    title: 'Edit: smile',
    note: 'One DGE edit: smile (0 → 1 on the synthetic pairs), scaled by α. At 64 px the mouth widens; raise α to see more.',
  },
  {
    file: 'aim-lock-head-turn.dge.json',
    title: 'Aim + lock: head turn +20°, light held',
    note: 'Aim solves α so the estimator reads +20° of head turn; Lock keeps the light direction out of the head-turn delta.',
  },
  {
    file: 'smile-mouth-only.dge.json',
    title: 'Region blend: smile, mouth only',
    note: 'A smile pasted back into the source face inside a soft mask of the mouth: nothing outside the mouth changes.',
  },
  { file: 'random-face.dge.json', title: 'Random face', note: 'The mapping network samples a face from a seed.' },
];

export const FIRST_EXAMPLE = EXAMPLES[0].file;

const files = import.meta.glob('../../../examples/*.dge.json', { query: '?raw', import: 'default' }) as Record<
  string,
  () => Promise<string>
>;

export type ExampleResult = { ok: true; doc: GraphDocument; warnings: string[] } | { ok: false; error: string };

/** Read and validate a bundled example; an error names the file and what is wrong with it. */
export async function loadExample(file: string, registry: NodeRegistry): Promise<ExampleResult> {
  const load = Object.entries(files).find(([path]) => path.endsWith(`/${file}`))?.[1];
  if (!load) return { ok: false, error: `The example graph examples/${file} is missing from this build.` };
  let text: string;
  try {
    text = await load();
  } catch (err) {
    return {
      ok: false,
      error: `The example graph examples/${file} could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const parsed = parseGraphFile(text, registry);
  if (!parsed.ok)
    return {
      ok: false,
      error: `The example graph examples/${file} is invalid: ${parsed.errors.slice(0, 3).join('; ')}`,
    };
  return { ok: true, doc: parsed.doc, warnings: parsed.warnings };
}
