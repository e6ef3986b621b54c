// Frames label parts of a graph (ComfyUI's groups, Blender's frames): made around the selected
// nodes with Ctrl+G, renamed, recoloured, resized, dragged with the nodes inside them, undone,
// kept by the autosave over a reload, and carried by export/import; deleting one keeps its nodes.
import assert from 'node:assert/strict';
import {
  SEL,
  exportThroughUi,
  importThroughUi,
  openEditor,
  waitForPersistedParam,
  waitForSettled,
} from '../lib/browser.mjs';

const FRAME = SEL.node('frame');
// the editor's own markup beyond the stable hooks, named once
const UI = { nodeTitle: '.dnode-title', frameHead: '.dframe-head' };

/** Screen boxes of the first node of each type. */
async function boxes(page, types) {
  const out = {};
  for (const type of types) out[type] = await page.locator(SEL.node(type)).first().boundingBox();
  return out;
}

function assertMoved(before, after, [dx, dy], what) {
  for (const [type, b] of Object.entries(before)) {
    const a = after[type];
    const [mx, my] = [a.x - b.x, a.y - b.y];
    assert.ok(
      Math.abs(mx - dx) <= 2 && Math.abs(my - dy) <= 2,
      `${what}: ${type} moved by ${mx.toFixed(1)}, ${my.toFixed(1)} px, expected ${dx}, ${dy}`,
    );
  }
}

function assertInside(frame, node, what) {
  assert.ok(
    node.x >= frame.x &&
      node.y >= frame.y &&
      node.x + node.width <= frame.x + frame.width &&
      node.y + node.height <= frame.y + frame.height,
    `${what}: the node ${JSON.stringify(node)} is not inside the frame ${JSON.stringify(frame)}`,
  );
}

async function dragBy(page, selector, [dx, dy]) {
  const box = await page.locator(selector).boundingBox();
  const [x, y] = [box.x + Math.min(60, box.width / 3), box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 8 });
  await page.mouse.up();
}

export const tests = [
  {
    name: 'a frame around the selected nodes: rename, recolour, resize, drag moves its nodes, undo, reload, export/import, delete keeps the nodes',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      // select the pair and its encoder, frame them
      await page.locator(`${SEL.node('synthetic-pair')} ${UI.nodeTitle}`).click();
      await page.locator(`${SEL.node('encode-delta')} ${UI.nodeTitle}`).click({ modifiers: ['Control'] });
      await page.keyboard.press('Control+g');
      const frame = page.locator(FRAME);
      await frame.waitFor({ timeout: 5_000 });
      const inside = ['synthetic-pair', 'encode-delta'];
      let frameBox = await frame.boundingBox();
      for (const [type, box] of Object.entries(await boxes(page, inside)))
        assertInside(frameBox, box, `Ctrl+G (${type})`);
      // the frame is drawn behind the nodes: the middle of a framed node is the node
      const pair = await page.locator(SEL.node('synthetic-pair')).boundingBox();
      const hit = await page.evaluate(
        ([x, y]) => document.elementFromPoint(x, y)?.closest('[data-node-type]')?.getAttribute('data-node-type'),
        [pair.x + pair.width / 2, pair.y + 20],
      );
      assert.equal(hit, 'synthetic-pair', 'the frame is drawn over the node it holds');

      // rename (double-click the title) and recolour (a swatch)
      await frame.locator('[data-testid="frame-title"]').dblclick();
      await frame.locator('[data-testid="frame-title-input"]').fill('Head-turn delta');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        () => document.querySelector('[data-testid="frame-title"]')?.textContent.trim() === 'Head-turn delta',
        null,
        { timeout: 5_000 },
      );
      await frame.locator(UI.frameHead).hover();
      await frame.locator('.swatch[data-color="green"]').click();
      await page.waitForFunction(
        () => document.querySelector('[data-node-type="frame"]')?.dataset.frameColor === 'green',
        null,
        { timeout: 5_000 },
      );

      // resize with the corner handle
      const widthBefore = await frame.evaluate((el) => el.offsetWidth);
      await dragBy(page, `${FRAME} [data-testid="frame-resize"]`, [90, 40]);
      const width = await frame.evaluate((el) => el.offsetWidth);
      assert.ok(width > widthBefore + 60, `the corner handle did not widen the frame (${widthBefore} → ${width} px)`);

      // dragging the title moves the frame and the nodes in it, nothing else
      const outside = ['load-face', 'scale', 'generate'];
      const before = await boxes(page, [...inside, ...outside]);
      frameBox = await frame.boundingBox();
      await dragBy(page, `${FRAME} ${UI.frameHead}`, [120, 70]);
      await page.waitForTimeout(300);
      let after = await boxes(page, [...inside, ...outside]);
      assertMoved(Object.fromEntries(inside.map((t) => [t, before[t]])), after, [120, 70], 'frame drag');
      assertMoved(Object.fromEntries(outside.map((t) => [t, before[t]])), after, [0, 0], 'frame drag (outside)');
      assertMoved({ frame: frameBox }, { frame: await frame.boundingBox() }, [120, 70], 'frame drag');
      // one undo step takes the frame and its nodes back; redo moves them again
      await page.keyboard.press('Control+z');
      await page.waitForTimeout(300);
      assertMoved(before, await boxes(page, [...inside, ...outside]), [0, 0], 'undo of the frame drag');
      await page.keyboard.press('Control+Shift+z');
      await page.waitForTimeout(300);
      after = await boxes(page, [...inside, ...outside]);
      assertMoved(Object.fromEntries(inside.map((t) => [t, before[t]])), after, [120, 70], 'redo of the frame drag');

      // the autosave keeps it: reload
      await waitForPersistedParam(page, 'frame', 'width', width);
      frameBox = await frame.boundingBox();
      const framed = await boxes(page, inside);
      await page.reload({ waitUntil: 'load' });
      await frame.waitFor({ timeout: 30_000 });
      await waitForSettled(page);
      assert.equal(await frame.locator('[data-testid="frame-title"]').innerText(), 'Head-turn delta');
      assert.equal(await frame.getAttribute('data-frame-color'), 'green');
      assert.equal(await frame.evaluate((el) => el.offsetWidth), width);
      // same layout (the view may sit elsewhere after the reload: compare with the frame's corner)
      const reloaded = await frame.boundingBox();
      const now = await boxes(page, inside);
      for (const type of inside)
        assertMoved(
          { [type]: { x: framed[type].x - frameBox.x, y: framed[type].y - frameBox.y } },
          { [type]: { x: now[type].x - reloaded.x, y: now[type].y - reloaded.y } },
          [0, 0],
          'after a reload, relative to the frame',
        );

      // export: a node of the file, with its title, colour and size
      const { bytes } = await exportThroughUi(page, 'export-json');
      const doc = JSON.parse(bytes.toString('utf8'));
      const saved = doc.nodes.find((n) => n.type === 'frame');
      assert.ok(saved, 'the exported file has no frame');
      assert.equal(saved.label, 'Head-turn delta');
      assert.equal(saved.params.color, 'green');
      assert.equal(saved.params.width, width);
      // import into an empty graph
      await page.locator('[data-testid="new-graph"]').click();
      await frame.waitFor({ state: 'detached', timeout: 10_000 });
      await importThroughUi(page, { name: 'framed.dge.json', mimeType: 'application/json', buffer: bytes });
      await frame.waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('[data-testid="frame-title"]').innerText(), 'Head-turn delta');
      frameBox = await frame.boundingBox();
      for (const [type, box] of Object.entries(await boxes(page, inside)))
        assertInside(frameBox, box, `import (${type})`);

      // delete the frame: its nodes stay
      const count = await page.locator('[data-node-type]').count();
      await frame.locator('[data-testid="frame-title"]').click();
      await page.keyboard.press('Delete');
      await frame.waitFor({ state: 'detached', timeout: 5_000 });
      assert.equal(await page.locator('[data-node-type]').count(), count - 1);
      for (const type of inside)
        assert.equal(await page.locator(SEL.node(type)).count(), 1, `${type} went with the frame`);
    },
  },
];
