// Measure in the editor: added by quick-add, wired to Generate's image, it runs and shows its
// readouts (pose in degrees, expressions, light, CGI probability) as numbers at its output ports.
import assert from 'node:assert/strict';
import { SEL, openEditor, waitForSettled } from '../lib/browser.mjs';

const CANVAS = '[data-testid="editor-canvas"]';
const QUICK_ADD = '[data-testid="quick-add"]';
const byId = (id) => `[data-node-id="${id}"]`;

/** The socket element of the port labelled `label` on the node matched by `nodeSel`. */
function socket(page, nodeSel, side, label) {
  return page
    .locator(`${nodeSel} ${side === 'output' ? '.port-out' : '.port-in'}`)
    .filter({ has: page.locator('.port-label', { hasText: new RegExp(`^${label}$`) }) })
    .locator('.socket');
}

async function centre(locator) {
  const box = await locator.boundingBox();
  assert.ok(box, 'element has no box (not rendered?)');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A point on empty canvas with `room` px free to its right and below. */
async function emptyCanvasPoint(page, room) {
  const point = await page.evaluate(
    ({ canvasSel, room }) => {
      const canvas = document.querySelector(canvasSel);
      const box = canvas.getBoundingClientRect();
      const isEmpty = (x, y) => {
        const el = document.elementFromPoint(x, y);
        return el === canvas || el === canvas.firstElementChild;
      };
      for (let y = box.top + 30; y < box.bottom - room; y += 20) {
        for (let x = box.right - room - 30; x > box.left + 30; x -= 20) {
          if ([0, room / 2, room].every((dx) => [0, room / 2, room].every((dy) => isEmpty(x + dx, y + dy))))
            return { x, y };
        }
      }
      return null;
    },
    { canvasSel: CANVAS, room },
  );
  assert.ok(point, 'no empty spot on the canvas');
  return point;
}

export const tests = [
  {
    name: 'a Measure node wired to Generate shows its readouts as numbers (degrees, 0–1, CGI probability)',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);

      // quick-add (Space at an empty spot, type, Enter)
      const before = await page.locator(SEL.node('measure')).count();
      const at = await emptyCanvasPoint(page, 160);
      await page.mouse.move(at.x, at.y);
      await page.keyboard.press('Space');
      await page.locator(QUICK_ADD).waitFor({ state: 'visible', timeout: 5_000 });
      await page.keyboard.type('measure');
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.getAttribute('data-type') === 'measure',
        `${QUICK_ADD} [role="option"][aria-selected="true"]`,
        { timeout: 5_000 },
      );
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        ({ sel, n }) => document.querySelectorAll(sel).length === n,
        { sel: SEL.node('measure'), n: before + 1 },
        { timeout: 10_000 },
      );
      const id = await page.locator(SEL.node('measure')).last().getAttribute('data-node-id');
      const measure = byId(id);

      // wire Generate's image into it, as a user drags a wire
      const a = await centre(socket(page, SEL.node('generate'), 'output', 'Image'));
      const b = await centre(socket(page, measure, 'input', 'Image'));
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 6 });
      await page.mouse.move(b.x, b.y, { steps: 6 });
      await page.mouse.up();

      await page
        .waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-node-state') === 'done', measure, {
          timeout: 60_000,
          polling: 100,
        })
        .catch(async () => {
          const state = await page.locator(measure).getAttribute('data-node-state');
          const text = await page.locator(measure).innerText();
          throw new Error(`Measure never ran to "done" (state "${state}"): ${text}`);
        });

      // every readout is a number at its port, next to a label that says its unit
      const readouts = await page.locator(`${measure} .port-out`).evaluateAll((ports) =>
        ports.map((p) => ({
          label: p.querySelector('.port-label')?.textContent?.trim(),
          value: p.querySelector('[data-testid="node-value"]')?.textContent?.trim(),
        })),
      );
      const byLabel = Object.fromEntries(readouts.map((r) => [r.label, r.value]));
      for (const label of [
        'Yaw (°)',
        'Pitch (°)',
        'Smile',
        'Mouth open',
        'Eye closed L',
        'Eye closed R',
        'Brow raise',
        'Light azimuth (°)',
        'CGI (0–1)',
      ]) {
        assert.ok(label in byLabel, `Measure has no output labelled "${label}" (${JSON.stringify(readouts)})`);
        assert.match(byLabel[label] ?? '', /^-?\d+\.\d+$/, `"${label}" shows "${byLabel[label]}", not a number`);
      }
      assert.ok(Math.abs(Number(byLabel['Yaw (°)'])) <= 90, `yaw ${byLabel['Yaw (°)']}° is not a head angle`);
      const cgi = Number(byLabel['CGI (0–1)']);
      assert.ok(cgi >= 0 && cgi <= 1, `CGI ${cgi} is not a probability`);
      assert.equal(await page.locator(`${measure} [role="alert"]`).count(), 0, 'Measure shows an error');
    },
  },
];
