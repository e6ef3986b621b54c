// Ordered migrations from older graph-file versions to the current one. Each step validates its
// input with that version's schema (so errors name paths in the file as written) and returns
// the next version. Unknown fields are carried along at every level.
import { z } from 'zod';
import { formatIssues, capMessages } from './issues';
import { restoreProtoKeys } from './plain-data';

/**
 * Version 0 (the first prototype's format): nodes as a map keyed by id with flat x/y, a `title`,
 * and connections as `[fromNode, fromSocket, toNode, toSocket]` tuples under `links`.
 */
export const zGraphDocumentV0 = z.looseObject({
  format: z.literal('delta-studio/graph'),
  version: z.literal(0),
  title: z.string().default('Untitled graph'),
  nodes: z.record(
    z.string(),
    z.looseObject({
      type: z.string(),
      params: z.record(z.string(), z.unknown()).default({}),
      x: z.number().default(0),
      y: z.number().default(0),
      label: z.string().optional(),
    }),
  ),
  links: z.array(z.tuple([z.string(), z.string(), z.string(), z.string()])).default([]),
});

export interface Migration {
  from: number;
  to: number;
  /** validates a document of version `from` */
  schema: z.ZodType;
  /** what changed, shown as a warning when a file is upgraded */
  note: string;
  up(doc: Record<string, unknown>): Record<string, unknown>;
}

export const migrations: readonly Migration[] = [
  {
    from: 0,
    to: 1,
    schema: zGraphDocumentV0,
    note: 'upgraded from graph format version 0 to 1',
    up(doc) {
      const { title, nodes, links, ...rest } = doc as z.infer<typeof zGraphDocumentV0>;
      return {
        ...rest,
        format: 'delta-studio/graph',
        version: 1,
        name: title,
        nodes: Object.entries(nodes).map(([id, node]) => {
          const { x, y, ...nodeRest } = node;
          return { ...nodeRest, id, position: [x, y] };
        }),
        connections: links.map(([fromNode, fromSocket, toNode, toSocket], i) => ({
          id: `c${i + 1}`,
          from: { node: fromNode, socket: fromSocket },
          to: { node: toNode, socket: toSocket },
        })),
        packs: Array.isArray(rest.packs) ? rest.packs : [],
        assets: rest.assets && typeof rest.assets === 'object' ? rest.assets : {},
      };
    },
  },
];

/** Runs every migration from the document's version up to the current one (graph files by default; delta files pass theirs). */
export function migrate(
  doc: Record<string, unknown>,
  steps: readonly Migration[] = migrations,
): { ok: true; value: Record<string, unknown>; warnings: string[] } | { ok: false; errors: string[] } {
  let current = doc;
  const warnings: string[] = [];
  for (const step of steps) {
    if (current.version !== step.from) continue;
    const parsed = step.schema.safeParse(current);
    if (!parsed.success) {
      return {
        ok: false,
        errors: capMessages(formatIssues(parsed.error.issues, current).map((m) => `(version ${step.from} file) ${m}`)),
      };
    }
    restoreProtoKeys(current, parsed.data);
    current = step.up(parsed.data as Record<string, unknown>);
    warnings.push(step.note);
  }
  return { ok: true, value: current, warnings };
}
