// What tripped a new user in the first hour (issue "the first hour of a new user"): each test
// here failed before its fix.
import assert from 'node:assert/strict';
import { SEL, openEditor, waitForSettled, nodeStates, previewStats, waitForImageChange } from '../lib/browser.mjs';

/** The number fields (value beside each slider) of a node, by param label. */
async function numberFields(page, nodeType) {
  return page.locator(`${SEL.node(nodeType)} .param-number`).evaluateAll((rows) =>
    Object.fromEntries(
      rows.map((row) => {
        const range = row.querySelector('input[type="range"]');
        return [
          row.querySelector('label').textContent.trim(),
          {
            value: Number(row.querySelector('input.num').value),
            min: Number(range.min),
            max: Number(range.max),
            width: range.offsetWidth,
          },
        ];
      }),
    ),
  );
}

async function waitForField(page, nodeType, label, value) {
  await page.waitForFunction(
    ({ sel, label, value }) =>
      [...document.querySelectorAll(sel)].some(
        (row) =>
          row.querySelector('label')?.textContent.trim() === label &&
          Number(row.querySelector('input.num')?.value) === value,
      ),
    { sel: `${SEL.node(nodeType)} .param-number`, label, value },
    { timeout: 5_000 },
  );
}

export const tests = [
  {
    name: "Synthetic Pair's From/To follow the attribute: its range, its step, and a reset on change",
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const pair = SEL.node('synthetic-pair');
      // the first-visit example changes yaw: the sliders span yaw's range, not every attribute's
      let fields = await numberFields(page, 'synthetic-pair');
      assert.deepEqual(
        [fields.To.min, fields.To.max],
        [-60, 60],
        `To should span yaw's -60…60, spans ${fields.To.min}…${fields.To.max}`,
      );
      await page.locator(`${pair} select`).nth(1).selectOption('smile');
      // a new attribute starts from its neutral value towards a typical target
      await waitForField(page, 'synthetic-pair', 'To', 1);
      fields = await numberFields(page, 'synthetic-pair');
      assert.deepEqual(
        [fields.From.value, fields.To.value],
        [0, 1],
        `From/To after choosing smile: ${JSON.stringify(fields)}`,
      );
      assert.deepEqual([fields.To.min, fields.To.max], [0, 1]);
      // a nudge of To stays inside smile's range and the graph keeps running
      const to = page.locator(`${pair} .param-number`).nth(1).locator('input[type="range"]');
      await to.focus();
      await page.keyboard.press('ArrowLeft');
      await waitForField(page, 'synthetic-pair', 'To', 0.95);
      await page.waitForTimeout(300);
      await waitForSettled(page);
      const states = await nodeStates(page);
      const failed = Object.entries(states).filter(([, list]) => list.includes('error'));
      assert.deepEqual(failed, [], `nodes in error after nudging smile's To: ${JSON.stringify(failed)}`);
      // back to yaw: From/To reset to yaw's neutral and target, not smile's 0 → 0.95
      await page.locator(`${pair} select`).nth(1).selectOption('yaw');
      await waitForField(page, 'synthetic-pair', 'To', 30);
      fields = await numberFields(page, 'synthetic-pair');
      assert.equal(fields.From.value, 0);
      await to.focus();
      await page.keyboard.press('ArrowRight');
      await waitForField(page, 'synthetic-pair', 'To', 31); // yaw steps in whole degrees
    },
  },
  {
    name: 'number sliders give fine control: wide, arrow keys by step, wheel, Shift for a tenth',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const fields = await numberFields(page, 'scale');
      assert.ok(
        fields['α'].width >= 180,
        `the Scale slider is ${fields['α'].width.toFixed(0)} px wide; a range of 6 needs room`,
      );
      assert.equal(fields['α'].value, 1);
      // the tooltip says what α does to the edit
      assert.match(
        await page.locator(`${SEL.node('scale')} .param-number`).getAttribute('title'),
        /twice as much.*opposite/,
      );
      const slider = page.locator(`${SEL.node('scale')} input[type="range"]`);
      await slider.focus();
      await page.keyboard.press('ArrowRight');
      await waitForField(page, 'scale', 'α', 1.05);
      await page.keyboard.press('Shift+ArrowRight');
      await waitForField(page, 'scale', 'α', 1.055);
      const box = await slider.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -100);
      await waitForField(page, 'scale', 'α', 1.105);
      // Shift-drag: 50 px move a tenth as far as a plain drag would, from where the drag started
      const x0 = box.x + box.width / 2;
      await page.keyboard.down('Shift');
      await page.mouse.move(x0, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(x0 + 25, box.y + box.height / 2, { steps: 3 });
      await page.mouse.move(x0 + 50, box.y + box.height / 2, { steps: 3 });
      await page.mouse.up();
      await page.keyboard.up('Shift');
      const fine = (await numberFields(page, 'scale'))['α'].value;
      const expected = 1.105 + (50 * 6) / box.width / 10;
      assert.ok(
        Math.abs(fine - expected) < 0.02,
        `a 50-px Shift-drag moved α to ${fine}, expected about ${expected.toFixed(3)}`,
      );
    },
  },
  {
    name: 'New graph starts an empty, unnamed graph; its first save asks for a name; the title follows',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      await page.locator('[data-testid="new-graph"]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-node-type]').length === 0, null, {
        timeout: 5_000,
      });
      assert.equal(await page.locator('[data-testid="graph-name"]').inputValue(), 'Untitled graph');
      assert.match(await page.title(), /Untitled graph/);
      // the empty canvas says what to do
      assert.ok(await page.locator('[data-testid="empty-canvas"]').isVisible(), 'an empty canvas shows no hint');
      await page.locator(`${SEL.library} [data-testid="library-save"]`).click();
      const name = page.locator('[data-testid="library-name-input"]');
      await name.waitFor({ timeout: 5_000 });
      assert.equal(await name.inputValue(), 'Untitled graph', 'the name prompt is prefilled');
      await name.fill('My first graph');
      await page.locator('[data-testid="library-name-confirm"]').click();
      await page.locator('[data-testid="library-item"][data-name="My first graph"]').waitFor({ timeout: 5_000 });
      assert.equal(await page.locator('[data-testid="graph-name"]').inputValue(), 'My first graph');
      assert.match(await page.title(), /My first graph/);
      // undo brings back the example that New replaced
      await page.locator('[data-testid="graph-name"]').focus();
      await page.locator('[data-testid="graph-name"]').blur();
      await page.keyboard.press('Control+z'); // the name
      await page.keyboard.press('Control+z'); // the graph
      await page.waitForFunction(() => document.querySelectorAll('[data-node-type="generate"]').length === 1, null, {
        timeout: 5_000,
      });
    },
  },
  {
    name: 'no cut-off text: the toolbar at 1024 px, node selects and labels, library names, Save as new at 1440 px',
    async run(ctx) {
      const { page } = await ctx.newProfile({ viewport: { width: 1024, height: 720 } });
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const bar = await page.evaluate(() => {
        const controls = [...document.querySelectorAll('.topbar button, .topbar [data-testid="graph-name"]')];
        return {
          outside: controls
            .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
            .map((el) => el.textContent.trim() || el.getAttribute('aria-label')),
          nameWidth: document.querySelector('[data-testid="graph-name"]').getBoundingClientRect().width,
        };
      });
      assert.deepEqual(bar.outside, [], 'toolbar controls off-screen at 1024 px');
      assert.ok(bar.nameWidth >= 80, `the graph name is ${bar.nameWidth} px wide at 1024 px`);
      const cut = await page.evaluate(() => {
        const ctx2d = document.createElement('canvas').getContext('2d');
        const out = [];
        for (const select of document.querySelectorAll('[data-node-type] select')) {
          ctx2d.font = getComputedStyle(select).font;
          const text = select.selectedOptions[0]?.textContent ?? '';
          if (ctx2d.measureText(text).width + 18 > select.clientWidth) out.push(text);
        }
        for (const label of document.querySelectorAll('[data-node-type] .param > label'))
          if (label.scrollWidth > label.clientWidth) out.push(label.textContent);
        return out;
      });
      assert.deepEqual(cut, [], 'node texts cut');
      // a long library name is shown whole (two lines)
      const long = 'Combine: smile + head turn, second try';
      await page.locator('[data-testid="library-toggle"]').click();
      await page.locator('[data-testid="graph-name"]').fill(long);
      await page.locator('[data-testid="graph-name"]').press('Enter');
      await page.locator(`${SEL.library} [data-testid="library-save"]`).click();
      const item = page.locator(`[data-testid="library-item"][data-name="${long}"] [data-testid="library-name"]`);
      await item.waitFor({ timeout: 5_000 });
      assert.ok(await item.evaluate((el) => el.scrollHeight <= el.clientHeight + 1), 'the library name is cut');
      // 1440 px with the unsaved marker: Save as new stays whole inside the library dock
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.locator(`${SEL.node('scale')} input.num`).fill('1.5');
      await page.locator(`${SEL.node('scale')} input.num`).press('Enter');
      await page.waitForFunction(
        () => document.querySelector('[data-testid="library-save"]')?.getAttribute('data-dirty') === 'true',
        null,
        { timeout: 10_000 },
      );
      const clipped = await page.evaluate(() => {
        const dock = document.querySelector('.library-dock').getBoundingClientRect();
        return [...document.querySelectorAll('.library-actions button')]
          .filter((b) => b.getBoundingClientRect().right > dock.right || b.scrollWidth > b.clientWidth)
          .map((b) => b.textContent.trim());
      });
      assert.deepEqual(clipped, [], 'library buttons clipped at 1440 px');
    },
  },
  {
    name: 'the minimap and the legend never hide a node: a node pasted under them shows through',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const minimap = page.locator('.minimap');
      const box = await minimap.boundingBox();
      assert.notEqual(await minimap.getAttribute('data-covering'), 'true', 'the minimap fades with no node under it');
      await page.locator(`${SEL.node('scale')} .dnode-title`).click();
      await page.keyboard.press('Control+c');
      await page.mouse.move(box.x + 20, box.y + 20);
      await page.keyboard.press('Control+v');
      await page.waitForFunction(() => document.querySelectorAll('[data-node-type="scale"]').length === 2, null, {
        timeout: 5_000,
      });
      await page.waitForFunction(() => document.querySelector('.minimap')?.dataset.covering === 'true', null, {
        timeout: 5_000,
      });
      // the fade is a CSS transition: wait for it to end rather than read opacity mid-way
      await page
        .waitForFunction(() => Number(getComputedStyle(document.querySelector('.minimap')).opacity) < 0.3, null, {
          timeout: 5_000,
        })
        .catch(() => {});
      const top = await page.evaluate(
        ({ x, y }) => {
          const el = document.elementFromPoint(x, y);
          return {
            inNode: !!el?.closest('[data-node-type]'),
            opacity: Number(getComputedStyle(document.querySelector('.minimap')).opacity),
          };
        },
        { x: box.x + 60, y: box.y + 40 },
      );
      assert.ok(top.inNode, 'the pasted node is under the minimap');
      assert.ok(top.opacity < 0.3, `the minimap stays opaque (${top.opacity}) over a node`);
      // the legend likewise: drag the pasted node onto it
      const legend = await page.locator('.legend').boundingBox();
      const title = page.locator(`${SEL.node('scale')} .dnode-title`).nth(1);
      const t = await title.boundingBox();
      await page.mouse.move(t.x + 5, t.y + 5);
      await page.mouse.down();
      await page.mouse.move(legend.x + 20, legend.y - 10, { steps: 8 });
      await page.mouse.up();
      await page.waitForFunction(() => document.querySelector('.legend')?.dataset.covering === 'true', null, {
        timeout: 5_000,
      });
    },
  },
  {
    name: 'bypass (Ctrl+B) passes a node input on, mute (Ctrl+M) stops it and what needs it; a preview click enlarges it',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const original = await previewStats(page, SEL.preview('generate'));
      await page.locator(`${SEL.node('scale')} input.num`).fill('2');
      await page.locator(`${SEL.node('scale')} input.num`).press('Enter');
      const doubled = await waitForImageChange(page, SEL.preview('generate'), original.hash);
      await page.locator(`${SEL.node('scale')} .dnode-title`).click();
      await page.keyboard.press('Control+b');
      await page.locator(`${SEL.node('scale')}[data-node-bypassed="true"]`).waitFor({ timeout: 5_000 });
      // Scale bypassed: the delta reaches Add unscaled, which is the α = 1 picture
      const bypassed = await waitForImageChange(page, SEL.preview('generate'), doubled.hash);
      assert.equal(bypassed.hash, original.hash, 'a bypassed Scale should pass its delta on unchanged');
      await page.keyboard.press('Control+b');
      await page.waitForFunction(
        (sel) => !document.querySelector(sel),
        `${SEL.node('scale')}[data-node-bypassed="true"]`,
        { timeout: 5_000 },
      );
      const back = await waitForImageChange(page, SEL.preview('generate'), original.hash);
      assert.equal(back.hash, doubled.hash);
      await page.keyboard.press('Control+m');
      await page.locator(`${SEL.node('scale')}[data-node-muted="true"]`).waitFor({ timeout: 5_000 });
      await page.waitForFunction(
        () => document.querySelector('[data-node-type="generate"]')?.dataset.nodeState === 'idle',
        null,
        { timeout: 10_000 },
      );
      assert.match(await page.locator(`${SEL.node('add')} [data-testid="node-note"]`).innerText(), /muted/);
      assert.equal(await page.locator(SEL.alert).count(), 0, 'muting raised an alert');
      await page.keyboard.press('Control+m');
      await page.waitForFunction(
        () => ['done', 'cached'].includes(document.querySelector('[data-node-type="generate"]')?.dataset.nodeState),
        null,
        { timeout: 30_000 },
      );
      await waitForSettled(page);
      // the enlarged preview: native size, then x2 nearest-neighbour
      await page.locator(SEL.preview('generate')).click();
      const large = page.locator('[data-testid="preview-large"]');
      await large.waitFor({ timeout: 5_000 });
      await large.locator('[data-testid="preview-zoom-1"]').click();
      const native = await large.locator('canvas').evaluate((c) => ({
        w: c.width,
        css: c.getBoundingClientRect().width,
        pixelated: getComputedStyle(c).imageRendering,
      }));
      assert.equal(native.css, native.w, 'native size is one screen pixel per image pixel');
      assert.equal(native.pixelated, 'pixelated');
      await large.locator('[data-testid="preview-zoom-2"]').click();
      assert.equal(await large.locator('canvas').evaluate((c) => c.getBoundingClientRect().width), native.w * 2);
      await page.keyboard.press('Escape');
      await large.waitFor({ state: 'detached', timeout: 5_000 });
    },
  },
  {
    name: 'a Note node labels the graph and is saved with it; the DGE guide opens from ?',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      await page.locator('[data-testid="editor-canvas"]').dblclick({ position: { x: 700, y: 760 } });
      await page.locator('[data-testid="quick-add"] input').fill('note');
      await page.keyboard.press('Enter');
      const note = page.locator(SEL.node('note'));
      await note.waitFor({ timeout: 5_000 });
      await note.locator('textarea').fill('Head turn: raise α for more');
      await note.locator('textarea').blur();
      await page.waitForFunction(
        () => document.querySelector('[data-node-type="note"]')?.dataset.nodeState !== 'error',
        null,
        { timeout: 5_000 },
      );
      // export carries it
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(SEL.export).click()]);
      const doc = JSON.parse(await (await import('node:fs/promises')).readFile(await download.path(), 'utf8'));
      assert.ok(
        doc.nodes.some((n) => n.type === 'note' && n.params.text === 'Head turn: raise α for more'),
        'the note is not in the exported file',
      );
      await page.locator('button[aria-label="Help"]').click();
      await page.locator('[data-testid="help-guide"]').click();
      await page.locator('[data-testid="dge-guide"] svg').waitFor({ timeout: 5_000 });
    },
  },
  {
    name: 'a real photo given to the FaceWorld demo pack: GAN Inversion says it is far from the pack and where to get one for photos',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const inversionNote = page.locator(`${SEL.node('gan-inversion')} [data-testid="node-note"]`);
      assert.equal(await inversionNote.count(), 0, 'a FaceWorld sample face should raise no warning');
      const face = SEL.node('load-face');
      await page.locator(`${face} select`).nth(2).selectOption('face');
      await page
        .locator(`${face} input[type="file"]`)
        .setInputFiles('/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg');
      await inversionNote.filter({ hasText: /far from/ }).waitFor({ timeout: 60_000 });
      const text = await inversionNote.innerText();
      assert.match(text, /Models panel/);
      assert.match(text, /models\/README\.md/);
    },
  },
  {
    name: 'Fit keeps node text readable at 1024 px: the nodes nearest the outputs at a readable zoom, the minimap shows the rest',
    async run(ctx) {
      const { page } = await ctx.newProfile({ viewport: { width: 1024, height: 720 } });
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      await page.getByRole('button', { name: 'Fit' }).click();
      await page.waitForTimeout(300);
      const seen = await page.evaluate(() => {
        const canvas = document.querySelector('[data-testid="editor-canvas"]');
        const k = Number(/scale\(([-\d.e]+)\)/.exec(canvas.firstElementChild.style.transform)[1]);
        const label = document.querySelector('[data-node-type="generate"] .param > label');
        const box = canvas.getBoundingClientRect();
        const inside = (el) => {
          const r = el.getBoundingClientRect();
          return (
            r.left >= box.left - 1 && r.top >= box.top - 1 && r.right <= box.right + 1 && r.bottom <= box.bottom + 1
          );
        };
        const nodes = [...document.querySelectorAll('[data-node-type]')];
        return {
          k,
          labelPx: parseFloat(getComputedStyle(label).fontSize) * k,
          outputsInside: ['compare', 'save-image'].map((t) =>
            inside(document.querySelector(`[data-node-type="${t}"]`)),
          ),
          outside: nodes.filter((el) => !inside(el)).length,
          minimap: !!document.querySelector('[data-testid="minimap"] canvas'),
        };
      });
      assert.ok(seen.labelPx >= 11, `after Fit the node labels are ${seen.labelPx.toFixed(1)} px (zoom ${seen.k})`);
      assert.deepEqual(seen.outputsInside, [true, true], 'Fit left an output node (Compare, Save Image) out of view');
      assert.ok(seen.outside > 0 && seen.minimap, 'the 5-column example should not fit readably at 1024 px');
    },
  },
];
