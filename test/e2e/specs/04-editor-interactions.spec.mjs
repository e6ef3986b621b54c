// Editor interactions through the real UI (issue 2, points 3 and 4): quick-add, context menu,
// wiring (accepted, refused by type, refused as a cycle), selection, delete, copy/paste,
// undo/redo, fit view, minimap, node states and errors, and the Compare view.
import assert from 'node:assert/strict';
import {
  SEL,
  alertTexts,
  openEditor,
  previewStats,
  waitForImage,
  waitForImageChange,
  waitForSettled,
  nodeStates,
} from '../lib/browser.mjs';

const CANVAS = '[data-testid="editor-canvas"]';
const WIRE = `${CANVAS} [data-testid="connection"]`;
const QUICK_ADD = '[data-testid="quick-add"]';
const CONTEXT_MENU = '[data-testid="context-menu"]';
const UNDO = 'button[aria-label="Undo"]';
// the editor's own markup beyond the stable hooks (docs/architecture.md#end-to-end-hooks),
// named once here so a rename is one edit
const UI = {
  port: (side) => (side === 'output' ? '.port-out' : '.port-in'),
  portLabel: '.port-label',
  socket: '.socket',
  nodeHeader: '.dnode-head',
  selectedNode: '[data-node-type].selected',
  quickAddNoMatch: '.qa-none',
};

/** `[data-node-id]` of every node element of `type` (all nodes when omitted), in DOM order. */
async function nodeIds(page, type) {
  const sel = type ? SEL.node(type) : '[data-node-type]';
  return page.locator(sel).evaluateAll((els) => els.map((el) => el.getAttribute('data-node-id')));
}

const byId = (id) => `[data-node-id="${id}"]`;

/** The socket element of the port labelled `label` on the node matched by `nodeSel`. */
function socket(page, nodeSel, side, label) {
  return page
    .locator(`${nodeSel} ${UI.port(side)}`)
    .filter({ has: page.locator(UI.portLabel, { hasText: new RegExp(`^${label}$`) }) })
    .locator(UI.socket);
}

async function centre(locator) {
  const box = await locator.boundingBox();
  assert.ok(box, 'element has no box (not rendered?)');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drag a wire from one socket to another as a user would (press, move in steps, release). */
async function dragWire(page, fromSocket, toSocket) {
  const a = await centre(fromSocket);
  const b = await centre(toSocket);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 6 });
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
}

/**
 * A point on empty canvas (no node, wire, minimap or overlay under it), searched on a grid from
 * the preferred corner, keeping `room` px free to its right and below for a new node.
 */
async function emptyCanvasPoint(page, { from = 'bottom-left', room = 40 } = {}) {
  const point = await page.evaluate(
    ({ canvasSel, from, room }) => {
      const canvas = document.querySelector(canvasSel);
      const box = canvas.getBoundingClientRect();
      const holder = canvas.firstElementChild;
      const isEmpty = (x, y) => {
        const el = document.elementFromPoint(x, y);
        return el === canvas || el === holder;
      };
      const xs = [];
      const ys = [];
      for (let x = box.left + 30; x < box.right - room; x += 20) xs.push(x);
      for (let y = box.top + 30; y < box.bottom - room; y += 20) ys.push(y);
      if (from.includes('right')) xs.reverse();
      if (from.includes('bottom')) ys.reverse();
      for (const y of ys) {
        for (const x of xs) {
          // the whole square right-below must be free too, so a node dropped here is not hidden
          if ([0, room / 2, room].every((dx) => [0, room / 2, room].every((dy) => isEmpty(x + dx, y + dy))))
            return { x, y };
        }
      }
      return null;
    },
    { canvasSel: CANVAS, from, room },
  );
  assert.ok(point, 'no empty spot on the canvas');
  return point;
}

/** The area transform (translate + scale) of the editor canvas. */
async function canvasTransform(page) {
  return page.evaluate((canvasSel) => {
    const t = document.querySelector(canvasSel).firstElementChild.style.transform;
    const m = /translate\(([-\d.e]+)px,\s*([-\d.e]+)px\)\s*scale\(([-\d.e]+)\)/.exec(t);
    if (!m) throw new Error(`unexpected canvas transform "${t}"`);
    return { x: Number(m[1]), y: Number(m[2]), k: Number(m[3]) };
  }, CANVAS);
}

/** What the user sees of the graph: node ids with types, and the drawn wires. */
async function visibleGraph(page) {
  return page.evaluate(
    (wireSel) => ({
      nodes: [...document.querySelectorAll('[data-node-type]')]
        .map((el) => `${el.getAttribute('data-node-id')}:${el.getAttribute('data-node-type')}`)
        .sort(),
      wires: [...document.querySelectorAll(`${wireSel} path`)].map((p) => p.getAttribute('d')).sort(),
    }),
    WIRE,
  );
}

async function waitForCount(page, selector, count, what, timeout = 10_000) {
  await page
    .waitForFunction(
      ({ sel, n }) => document.querySelectorAll(sel).length === n,
      { sel: selector, n: count },
      { timeout, polling: 50 },
    )
    .catch(async () => {
      const got = await page.locator(selector).count();
      throw new Error(`${what}: expected ${count} × ${selector}, found ${got}`);
    });
}

/** Wait until the node's `data-node-state` is `state` (or one of a list of states). */
async function waitForState(page, nodeSel, state, timeout = 30_000) {
  const states = [state].flat();
  await page
    .waitForFunction(
      ({ sel, st }) => st.includes(document.querySelector(sel)?.getAttribute('data-node-state')),
      { sel: nodeSel, st: states },
      { timeout, polling: 50 },
    )
    .catch(async () => {
      const got = await page
        .locator(nodeSel)
        .first()
        .getAttribute('data-node-state')
        .catch(() => 'missing');
      throw new Error(`${nodeSel} never reached state ${states.join(' or ')} (is "${got}")`);
    });
}

/** Wait for a visible role="alert" whose text matches `pattern`; returns its text. */
async function waitForAlert(page, pattern, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  let texts = [];
  while (Date.now() < deadline) {
    texts = await alertTexts(page);
    const hit = texts.find((t) => pattern.test(t));
    if (hit) return hit;
    await page.waitForTimeout(50);
  }
  throw new Error(`no alert matching ${pattern} (alerts: ${JSON.stringify(texts)})`);
}

/** Click a node where it does nothing but select it (its state badge), with modifiers if any. */
async function clickNode(page, nodeSel, modifiers = []) {
  await page.locator(`${nodeSel} [data-testid="node-state"]`).first().click({ modifiers });
}

/** Quick-add through Space at `point`: type `query`, pick `type` by Enter; returns the new node's id. */
async function quickAdd(page, point, query, type) {
  const before = await nodeIds(page, type);
  await page.mouse.move(point.x, point.y);
  await page.keyboard.press('Space');
  await page.locator(QUICK_ADD).waitFor({ state: 'visible', timeout: 5_000 });
  await page.keyboard.type(query);
  await page.waitForFunction(
    ({ sel, type }) => document.querySelector(sel)?.getAttribute('data-type') === type,
    { sel: `${QUICK_ADD} [role="option"][aria-selected="true"]`, type },
    { timeout: 5_000 },
  );
  await page.keyboard.press('Enter');
  await waitForCount(page, SEL.node(type), before.length + 1, `quick-add "${query}"`);
  return (await nodeIds(page, type)).find((id) => !before.includes(id));
}

/** Drag the empty canvas background by (dx, dy) screen pixels. */
async function dragBackground(page, dx, dy) {
  const p = await emptyCanvasPoint(page, { from: dx > 0 ? 'top-left' : 'bottom-right', room: 20 });
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move(p.x + dx / 2, p.y + dy / 2, { steps: 4 });
  await page.mouse.move(p.x + dx, p.y + dy, { steps: 4 });
  await page.mouse.up();
}

async function transformText(page) {
  return page.evaluate((sel) => document.querySelector(sel).firstElementChild.style.transform, CANVAS);
}

/** The same formatting the browser gives to `translate(xpx, ypx) scale(k)`. */
function transformTextOf({ x, y, k }) {
  return `translate(${x}px, ${y}px) scale(${k})`;
}

/** Ids of nodes whose box is not fully inside the canvas. */
async function nodesOutsideCanvas(page) {
  return page.evaluate((sel) => {
    const box = document.querySelector(sel).getBoundingClientRect();
    return [...document.querySelectorAll('[data-node-type]')]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.left < box.left - 1 || r.top < box.top - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1;
      })
      .map((el) => el.getAttribute('data-node-id'));
  }, CANVAS);
}

/** A hash of a canvas's pixels and how many are not transparent. */
async function canvasHash(page, sel) {
  return page.evaluate((s) => {
    const c = document.querySelector(s);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let hash = 2166136261;
    let inked = 0;
    for (let i = 0; i < d.length; i++) {
      hash = Math.imul(hash ^ d[i], 16777619) >>> 0;
      if ((i & 3) === 3 && d[i] > 0) inked++;
    }
    return { hash: hash.toString(16), inked };
  }, sel);
}

/**
 * Pull a wire off an input socket and drop it on empty canvas (the way to disconnect in Rete);
 * the quick-add that offers a node for the dangling wire is declined with Escape.
 */
async function pullWireOff(page, inputSocket) {
  const from = await centre(inputSocket);
  const to = await emptyCanvasPoint(page, { from: 'bottom-right', room: 40 });
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 6 });
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.mouse.up();
  await page.locator(QUICK_ADD).waitFor({ state: 'visible', timeout: 5_000 });
  await page.keyboard.press('Escape');
  await page.locator(QUICK_ADD).waitFor({ state: 'detached', timeout: 5_000 });
}

/** A fresh profile with the example graph run to the end. */
async function openFresh(ctx) {
  const { page } = await ctx.newProfile();
  await openEditor(page, ctx.url);
  await waitForSettled(page);
  return page;
}

export const tests = [
  {
    name: 'quick-add by double-click and by key, search filters, Enter adds at the pointer; context menu adds and deletes',
    async run(ctx) {
      const page = await openFresh(ctx);

      // double-click on empty canvas opens quick-add; typing filters; Enter adds at the pointer
      const spot = await emptyCanvasPoint(page, { from: 'bottom-left', room: 120 });
      await page.mouse.dblclick(spot.x, spot.y);
      await page.locator(QUICK_ADD).waitFor({ state: 'visible', timeout: 5_000 });
      const options = page.locator(`${QUICK_ADD} [role="option"]`);
      const all = await options.count();
      assert.ok(all >= 10, `quick-add lists ${all} node types, expected all 10+`);
      await page.keyboard.type('scale');
      await page.waitForFunction(
        ({ sel, all }) => document.querySelectorAll(sel).length < all,
        { sel: `${QUICK_ADD} [role="option"]`, all },
        { timeout: 5_000 },
      );
      const filtered = await options.evaluateAll((els) => els.map((el) => el.getAttribute('data-type')));
      assert.ok(filtered.length >= 1 && filtered.length < all, `search "scale" left ${filtered.length} of ${all}`);
      assert.equal(filtered[0], 'scale', `the first match for "scale" is ${filtered[0]}`);
      const scalesBefore = await nodeIds(page, 'scale');
      await page.keyboard.press('Enter');
      await waitForCount(page, SEL.node('scale'), scalesBefore.length + 1, 'Enter in quick-add');
      await page.locator(QUICK_ADD).waitFor({ state: 'detached', timeout: 5_000 });
      const newScale = (await nodeIds(page, 'scale')).find((id) => !scalesBefore.includes(id));
      const scaleBox = await page.locator(byId(newScale)).boundingBox();
      assert.ok(
        Math.abs(scaleBox.x - spot.x) < 6 && Math.abs(scaleBox.y - spot.y) < 6,
        `the new node is at (${scaleBox.x}, ${scaleBox.y}), the double-click was at (${spot.x}, ${spot.y})`,
      );

      // by key: Space at the pointer opens the same list; a query with no match says so
      const spot2 = await emptyCanvasPoint(page, { from: 'bottom-right', room: 120 });
      await page.mouse.move(spot2.x, spot2.y);
      await page.keyboard.press('Space');
      await page.locator(QUICK_ADD).waitFor({ state: 'visible', timeout: 5_000 });
      await page.keyboard.type('zzzz-no-such-node');
      await page.locator(`${QUICK_ADD} ${UI.quickAddNoMatch}`).waitFor({ state: 'visible', timeout: 5_000 });
      assert.equal(await options.count(), 0, 'a query that matches nothing still lists node types');
      await page.locator(`${QUICK_ADD} input`).fill('random face');
      await page.locator(`${QUICK_ADD} [role="option"][data-type="random-face"]`).waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      await waitForCount(page, SEL.node('random-face'), 1, 'Space → "random face" → Enter');
      const randomBox = await page.locator(SEL.node('random-face')).boundingBox();
      assert.ok(
        Math.abs(randomBox.x - spot2.x) < 6 && Math.abs(randomBox.y - spot2.y) < 6,
        `Random Face is at (${randomBox.x}, ${randomBox.y}), the pointer was at (${spot2.x}, ${spot2.y})`,
      );
      // Escape closes quick-add without adding anything
      const countBefore = (await nodeIds(page)).length;
      await page.mouse.move(spot.x + 200, spot.y - 200);
      await page.keyboard.press('Tab');
      await page.locator(QUICK_ADD).waitFor({ state: 'visible', timeout: 5_000 });
      await page.keyboard.press('Escape');
      await page.locator(QUICK_ADD).waitFor({ state: 'detached', timeout: 5_000 });
      assert.equal((await nodeIds(page)).length, countBefore, 'Escape in quick-add changed the graph');

      // context menu on the canvas: it lists every node type; a click adds one at the pointer
      const spot3 = await emptyCanvasPoint(page, { from: 'top-left', room: 120 });
      await page.mouse.click(spot3.x, spot3.y, { button: 'right' });
      const menu = page.locator(CONTEXT_MENU);
      await menu.waitFor({ state: 'visible', timeout: 5_000 });
      const items = menu.locator('[data-testid="context-menu-item"]');
      assert.ok((await items.count()) >= 10, `the canvas context menu has ${await items.count()} items`);
      const savesBefore = await nodeIds(page, 'save-image');
      await items.filter({ hasText: /^Add Save Image$/ }).click();
      await waitForCount(page, SEL.node('save-image'), savesBefore.length + 1, 'context menu "Add Save Image"');
      const newSave = (await nodeIds(page, 'save-image')).find((id) => !savesBefore.includes(id));
      const saveBox = await page.locator(byId(newSave)).boundingBox();
      assert.ok(
        Math.abs(saveBox.x - spot3.x) < 6 && Math.abs(saveBox.y - spot3.y) < 6,
        `the node added from the menu is at (${saveBox.x}, ${saveBox.y}), the right-click was at (${spot3.x}, ${spot3.y})`,
      );
      await menu.waitFor({ state: 'detached', timeout: 5_000 });

      // context menu on a node: Delete removes it (and only it)
      const before = await nodeIds(page);
      await page.locator(`${byId(newScale)} ${UI.nodeHeader}`).click({ button: 'right' });
      await menu.waitFor({ state: 'visible', timeout: 5_000 });
      await menu.locator('[data-testid="context-menu-item"]', { hasText: /^Delete$/ }).click();
      await page.locator(byId(newScale)).waitFor({ state: 'detached', timeout: 5_000 });
      assert.deepEqual(
        (await nodeIds(page)).sort(),
        before.filter((id) => id !== newScale).sort(),
        'Delete from the node menu removed other nodes too',
      );
    },
  },
  {
    name: 'wiring: a compatible drag connects and re-runs; a type mismatch and a cycle are refused with a reason; colours by type; a dropped wire offers matching nodes',
    async run(ctx) {
      const page = await openFresh(ctx);
      assert.equal(await page.locator(UNDO).isDisabled(), true, 'a freshly opened graph already has undo history');
      const start = await visibleGraph(page);

      // Latent output → Delta input (Add's multi "Deltas"): refused by type, nothing changes
      await dragWire(
        page,
        socket(page, SEL.node('gan-inversion'), 'output', 'Latent'),
        socket(page, SEL.node('add'), 'input', 'Deltas'),
      );
      const typeAlert = await waitForAlert(page, /refused/i);
      assert.match(typeAlert, /latent/i, `the refusal does not name the latent type: "${typeAlert}"`);
      assert.match(typeAlert, /delta/i, `the refusal does not name the delta type: "${typeAlert}"`);
      assert.deepEqual(await visibleGraph(page), start, 'a refused connection changed the graph');
      assert.equal(await page.locator(UNDO).isDisabled(), true, 'a refused connection left an undo step');

      // Encode Delta → Add's "Deltas": a second delta, so a stronger edit and a run
      const image = await previewStats(page, SEL.preview('generate'));
      await dragWire(
        page,
        socket(page, SEL.node('encode-delta'), 'output', 'Delta'),
        socket(page, SEL.node('add'), 'input', 'Deltas'),
      );
      await waitForCount(page, WIRE, start.wires.length + 1, 'after connecting Encode Delta → Add');
      const edited = await waitForImageChange(page, SEL.preview('generate'), image.hash);
      assert.ok(edited.std >= 1, 'the re-run image is blank');
      await waitForSettled(page);
      const after = await nodeStates(page);
      assert.deepEqual(after['add'], ['done'], `Add did not re-run after the new wire (${after['add']})`);
      assert.deepEqual(
        after['encode-delta'],
        ['cached'],
        `Encode Delta should come from cache (${after['encode-delta']})`,
      );
      assert.equal(await page.locator(UNDO).isDisabled(), false, 'the new wire is not an undo step');

      // sockets and wires are coloured by type: same type same colour, different types differ
      const colours = await page.evaluate(() => {
        const of = (sel) => getComputedStyle(document.querySelector(sel)).getPropertyValue('--sock').trim();
        return {
          latentOut: of('[data-node-type="gan-inversion"] .port-out .socket'),
          latentIn: of('[data-node-type="generate"] .port-in .socket'),
          deltaOut: of('[data-node-type="scale"] .port-out .socket'),
          imageOut: of('[data-node-type="load-face"] .port-out .socket'),
          wireStrokes: [...document.querySelectorAll('[data-testid="connection"] path')].map((p) =>
            p.getAttribute('stroke'),
          ),
        };
      });
      assert.ok(
        colours.latentOut && colours.deltaOut && colours.imageOut,
        `sockets have no colour: ${JSON.stringify(colours)}`,
      );
      assert.equal(colours.latentOut, colours.latentIn, 'two Latent sockets have different colours');
      assert.equal(
        new Set([colours.latentOut, colours.deltaOut, colours.imageOut]).size,
        3,
        `Latent, Delta and Image sockets share colours: ${JSON.stringify(colours)}`,
      );
      for (const c of [colours.latentOut, colours.deltaOut, colours.imageOut]) {
        assert.ok(colours.wireStrokes.includes(c), `no wire drawn in socket colour ${c} (${colours.wireStrokes})`);
      }

      // a wire dragged from Scale's output onto empty canvas offers only nodes that take a delta
      const dropAt = await emptyCanvasPoint(page, { from: 'bottom-right', room: 200 });
      const scaleOut = await centre(socket(page, SEL.node('scale'), 'output', 'Delta'));
      await page.mouse.move(scaleOut.x, scaleOut.y);
      await page.mouse.down();
      await page.mouse.move((scaleOut.x + dropAt.x) / 2, (scaleOut.y + dropAt.y) / 2, { steps: 6 });
      await page.mouse.move(dropAt.x, dropAt.y, { steps: 6 });
      await page.mouse.up();
      await page.locator(QUICK_ADD).waitFor({ state: 'visible', timeout: 5_000 });
      const offered = await page
        .locator(`${QUICK_ADD} [role="option"]`)
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-type')).sort());
      assert.ok(
        offered.includes('scale') && offered.includes('add'),
        `quick-add for a dangling delta wire offers ${offered}`,
      );
      assert.ok(
        !offered.includes('generate') && !offered.includes('load-face'),
        `quick-add for a delta wire offers nodes without a delta input: ${offered}`,
      );
      const wiresBefore = await page.locator(WIRE).count();
      const scalesBefore = await nodeIds(page, 'scale');
      await page.keyboard.type('scale');
      await page.keyboard.press('Enter');
      await waitForCount(page, WIRE, wiresBefore + 1, 'a node added from a dangling wire is wired to it');
      const fromWire = (await nodeIds(page, 'scale')).find((id) => !scalesBefore.includes(id));
      await waitForState(page, byId(fromWire), ['done', 'cached']);

      // a cycle: two new Scale nodes A → B, then B's output back into A's free input
      const a = await quickAdd(
        page,
        await emptyCanvasPoint(page, { from: 'bottom-left', room: 200 }),
        'scale',
        'scale',
      );
      const b = await quickAdd(
        page,
        await emptyCanvasPoint(page, { from: 'bottom-right', room: 200 }),
        'scale',
        'scale',
      );
      await dragWire(page, socket(page, byId(a), 'output', 'Delta'), socket(page, byId(b), 'input', 'Delta'));
      const wired = await visibleGraph(page);
      assert.equal(wired.wires.length, start.wires.length + 3, 'Scale A → Scale B was not connected');
      await dragWire(page, socket(page, byId(b), 'output', 'Delta'), socket(page, byId(a), 'input', 'Delta'));
      const cycleAlert = await waitForAlert(page, /cycle/i);
      assert.match(cycleAlert, /refused/i, `the cycle alert does not say the connection was refused: "${cycleAlert}"`);
      assert.deepEqual(await visibleGraph(page), wired, 'a refused cycle changed the graph');
      // A's input is still free: it waits for a delta rather than running in a loop
      await waitForState(page, byId(a), 'error');
      assert.match(
        await page.locator(byId(a)).innerText(),
        /Missing required input/,
        'Scale A does not say what it misses',
      );
    },
  },
  {
    name: 'a refused connection onto an input that already has a wire leaves that wire in place',
    async run(ctx) {
      const page = await openFresh(ctx);
      const start = await visibleGraph(page);
      // Latent → Scale's single Delta input (fed by Encode Delta): a type mismatch
      await dragWire(
        page,
        socket(page, SEL.node('gan-inversion'), 'output', 'Latent'),
        socket(page, SEL.node('scale'), 'input', 'Delta'),
      );
      await waitForAlert(page, /refused/i);
      assert.deepEqual(
        await visibleGraph(page),
        start,
        'a refused Latent → Delta connection removed the wire that fed the input',
      );
      // Generate's image → GAN Inversion's single Image input (fed by Load Face): a cycle
      await dragWire(
        page,
        socket(page, SEL.node('generate'), 'output', 'Image'),
        socket(page, SEL.node('gan-inversion'), 'input', 'Image'),
      );
      await waitForAlert(page, /cycle/i);
      assert.deepEqual(await visibleGraph(page), start, 'a refused cycle removed the wire that fed the input');
      await waitForSettled(page);
      const states = await nodeStates(page);
      assert.deepEqual(
        Object.entries(states).filter(([, s]) => s.includes('error')),
        [],
        'a refused connection left nodes in error',
      );
    },
  },
  {
    name: 'context menu: typing in its search filters the list and a click on the match adds that node',
    async run(ctx) {
      const page = await openFresh(ctx);
      const spot = await emptyCanvasPoint(page, { from: 'top-left', room: 120 });
      await page.mouse.click(spot.x, spot.y, { button: 'right' });
      const menu = page.locator(CONTEXT_MENU);
      await menu.waitFor({ state: 'visible', timeout: 5_000 });
      const search = menu.locator('[data-testid="context-menu-search-input"]');
      await search.click();
      await page.keyboard.type('save');
      const items = menu.locator('[data-testid="context-menu-item"]');
      await page.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 1,
        `${CONTEXT_MENU} [data-testid="context-menu-item"]`,
        { timeout: 5_000 },
      );
      assert.equal((await items.innerText()).trim(), 'Add Save Image');
      const before = await visibleGraph(page);
      const savesBefore = await nodeIds(page, 'save-image');
      await items.click();
      await waitForCount(
        page,
        SEL.node('save-image'),
        savesBefore.length + 1,
        'search "save" in the context menu, then a click on "Add Save Image"',
        3_000,
      ).catch(async (err) => {
        // say what the user sees: the menu's search field and list after the click
        const field = await search.inputValue().catch(() => '(gone)');
        const listed = await items.allInnerTexts().catch(() => []);
        throw new Error(
          `${err.message}; the search field now reads "${field}" and the menu lists ${listed.length} items`,
        );
      });
      const added = (await visibleGraph(page)).nodes.filter((n) => !before.nodes.includes(n));
      assert.equal(added.length, 1, `one click added ${JSON.stringify(added)}`);
    },
  },
  {
    name: 'select, multi-select and delete by key; copy/paste; undo/redo of a deletion and a param change; fit view; minimap',
    async run(ctx) {
      const page = await openFresh(ctx);
      const start = await visibleGraph(page);
      const [compareId] = await nodeIds(page, 'compare');
      const [saveId] = await nodeIds(page, 'save-image');
      const [scaleId] = await nodeIds(page, 'scale');
      const [deltaId] = await nodeIds(page, 'encode-delta');

      // one node: click selects it, Delete removes it with its wires; Ctrl+Z brings it back
      await clickNode(page, byId(saveId));
      await page.waitForFunction((sel) => document.querySelector(sel)?.classList.contains('selected'), byId(saveId), {
        timeout: 5_000,
      });
      await page.keyboard.press('Delete');
      await page.locator(byId(saveId)).waitFor({ state: 'detached', timeout: 5_000 });
      const oneGone = await visibleGraph(page);
      assert.deepEqual(
        oneGone.nodes,
        start.nodes.filter((n) => !n.startsWith(`${saveId}:`)),
        'Delete removed other nodes too',
      );
      assert.equal(oneGone.wires.length, start.wires.length - 1, "the deleted node's wire is still drawn");
      await page.keyboard.press('Control+z');
      await page.locator(byId(saveId)).waitFor({ state: 'attached', timeout: 5_000 });
      await waitForCount(page, WIRE, start.wires.length, 'undo of a delete');
      assert.deepEqual(await visibleGraph(page), start, 'undo did not restore the deleted node exactly');

      // Shift-click adds to the selection; Delete removes both; undo restores, redo re-applies
      await clickNode(page, byId(compareId));
      await clickNode(page, byId(saveId), ['Shift']);
      const selected = await page
        .locator(UI.selectedNode)
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-node-id')).sort());
      assert.deepEqual(selected, [compareId, saveId].sort(), 'Shift-click did not add to the selection');
      await page.keyboard.press('Delete');
      await waitForCount(page, '[data-node-type]', start.nodes.length - 2, 'Delete with two nodes selected');
      const twoGone = await visibleGraph(page);
      assert.deepEqual(
        twoGone.nodes,
        start.nodes.filter((n) => !n.startsWith(`${compareId}:`) && !n.startsWith(`${saveId}:`)),
      );
      await page.keyboard.press('Control+z');
      await waitForCount(page, '[data-node-type]', start.nodes.length, 'Ctrl+Z after deleting two nodes');
      await waitForCount(page, WIRE, start.wires.length, 'Ctrl+Z after deleting two nodes (wires)');
      // the same nodes and as many wires (where they are drawn is the next test's subject)
      assert.deepEqual((await visibleGraph(page)).nodes, start.nodes, 'undo did not restore both nodes');
      await page.keyboard.press('Control+Shift+z');
      await waitForCount(page, '[data-node-type]', start.nodes.length - 2, 'Ctrl+Shift+Z (redo of the delete)');
      assert.deepEqual(await visibleGraph(page), twoGone, 'redo did not delete the same two nodes again');
      assert.equal(await page.locator(UNDO).isDisabled(), false, 'nothing left to undo after redo');
      await page.keyboard.press('Control+z');
      await waitForCount(page, '[data-node-type]', start.nodes.length, 'Ctrl+Z again');

      // Ctrl-click two wired nodes, Ctrl+C, Ctrl+V at the pointer: both duplicated with their wire
      await clickNode(page, byId(deltaId));
      await clickNode(page, byId(scaleId), ['Control']);
      assert.deepEqual(
        await page
          .locator(UI.selectedNode)
          .evaluateAll((els) => els.map((el) => el.getAttribute('data-node-id')).sort()),
        [deltaId, scaleId].sort(),
        'Ctrl-click did not add to the selection',
      );
      await page.keyboard.press('Control+c');
      const pasteAt = await emptyCanvasPoint(page, { from: 'bottom-left', room: 260 });
      await page.mouse.move(pasteAt.x, pasteAt.y, { steps: 3 });
      await page.keyboard.press('Control+v');
      await waitForCount(page, '[data-node-type]', start.nodes.length + 2, 'Ctrl+V');
      const pasted = (await visibleGraph(page)).nodes.filter((n) => !start.nodes.includes(n));
      assert.deepEqual(
        pasted.map((n) => n.split(':')[1]).sort(),
        ['encode-delta', 'scale'],
        `pasted ${JSON.stringify(pasted)}`,
      );
      await waitForCount(page, WIRE, start.wires.length + 1, 'Ctrl+V (the wire between the copies)');
      const pastedIds = pasted.map((n) => n.split(':')[0]);
      const boxes = await Promise.all(pastedIds.map((id) => page.locator(byId(id)).boundingBox()));
      const left = Math.min(...boxes.map((b) => b.x));
      const top = Math.min(...boxes.map((b) => b.y));
      assert.ok(
        Math.abs(left - pasteAt.x) < 6 && Math.abs(top - pasteAt.y) < 6,
        `pasted at (${left}, ${top}), the pointer was at (${pasteAt.x}, ${pasteAt.y})`,
      );
      const copiedParams = await page
        .locator(`${byId(pastedIds[pasted.findIndex((n) => n.endsWith(':scale'))])} input[type="range"]`)
        .inputValue();
      assert.equal(
        copiedParams,
        await page.locator(`${byId(scaleId)} input[type="range"]`).inputValue(),
        'the pasted Scale lost its α',
      );

      // a param change by keyboard on the slider, then Ctrl+Z / Ctrl+Shift+Z on the canvas
      const slider = page.locator(`${byId(scaleId)} input[type="range"]`);
      const original = await slider.inputValue();
      const image = await previewStats(page, SEL.preview('generate'));
      await slider.focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      const changed = await slider.inputValue();
      assert.notEqual(changed, original, 'ArrowRight did not move the α slider');
      await waitForImageChange(page, SEL.preview('generate'), image.hash);
      await waitForSettled(page);
      // two key presses may paint twice: the image of the final α is the one after the runs settle
      const edited = await previewStats(page, SEL.preview('generate'));
      // back to the canvas (a click on empty space), where Ctrl+Z means undo
      const empty = await emptyCanvasPoint(page, { from: 'top-right', room: 40 });
      await page.mouse.click(empty.x, empty.y);
      await page.keyboard.press('Control+z');
      await page
        .waitForFunction(
          ({ sel, v }) => document.querySelector(sel)?.value === v,
          { sel: `${byId(scaleId)} input[type="range"]`, v: original },
          { timeout: 5_000 },
        )
        .catch(async () => assert.fail(`Ctrl+Z left α at ${await slider.inputValue()}, expected ${original}`));
      const undone = await waitForImageChange(page, SEL.preview('generate'), edited.hash);
      assert.equal(undone.hash, image.hash, 'after Ctrl+Z the edited face is not the one before the change');
      await waitForSettled(page);
      await page.keyboard.press('Control+Shift+z');
      await page
        .waitForFunction(
          ({ sel, v }) => document.querySelector(sel)?.value === v,
          { sel: `${byId(scaleId)} input[type="range"]`, v: changed },
          { timeout: 5_000 },
        )
        .catch(async () => assert.fail(`Ctrl+Shift+Z left α at ${await slider.inputValue()}, expected ${changed}`));
      assert.equal(
        await page.locator(`${byId(scaleId)} input[type="number"]`).inputValue(),
        changed,
        'the α number field does not follow redo',
      );
      const redone = await waitForImageChange(page, SEL.preview('generate'), image.hash);
      assert.equal(redone.hash, edited.hash, 'after Ctrl+Shift+Z the edited face is not the changed one');

      // minimap: present and drawn; it follows a pan of the canvas
      const minimap = page.locator('[data-testid="minimap"] canvas');
      await minimap.waitFor({ state: 'visible', timeout: 5_000 });
      const mapBefore = await canvasHash(page, '[data-testid="minimap"] canvas');
      assert.ok(mapBefore.inked > 0, 'the minimap is blank');

      // fit view: pan away by dragging the background, then F fits again; so does the Fit button
      const fitted = await canvasTransform(page);
      await dragBackground(page, 180, 120);
      const panned = await canvasTransform(page);
      assert.ok(
        Math.abs(panned.x - fitted.x) > 100 && Math.abs(panned.y - fitted.y) > 60,
        `dragging the background did not pan (${JSON.stringify({ fitted, panned })})`,
      );
      await page
        .waitForFunction(
          ({ sel, h }) => {
            const c = document.querySelector(sel);
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let x = 2166136261;
            for (let i = 0; i < d.length; i++) x = Math.imul(x ^ d[i], 16777619) >>> 0;
            return x.toString(16) !== h;
          },
          { sel: '[data-testid="minimap"] canvas', h: mapBefore.hash },
          { timeout: 5_000 },
        )
        .catch(() => assert.fail('the minimap did not follow the pan'));
      const pannedText = await transformText(page);
      await page.keyboard.press('f');
      await page
        .waitForFunction(
          ({ sel, t }) => document.querySelector(sel).firstElementChild.style.transform !== t,
          { sel: CANVAS, t: pannedText },
          { timeout: 5_000 },
        )
        .catch(() => assert.fail('F did not change the view'));
      const refit = await canvasTransform(page);
      assert.ok(
        Math.abs(refit.x - panned.x) > 50 || Math.abs(refit.y - panned.y) > 50 || Math.abs(refit.k - panned.k) > 0.01,
        'F did not change the view',
      );
      // F fits the whole graph, or, when its text would not read at that zoom, the nodes nearest the outputs
      const outside = await nodesOutsideCanvas(page);
      if (outside.length) {
        assert.ok(refit.k >= 11 / 12 - 1e-6, `after F some nodes are outside the canvas at zoom ${refit.k}`);
        assert.ok(!outside.includes(saveId) && !outside.includes(compareId), 'after F an output node is out of view');
      }
      await dragBackground(page, -150, -90);
      assert.notDeepEqual(await canvasTransform(page), refit, 'the second pan did not move the view');
      await page.getByRole('button', { name: 'Fit' }).click();
      await page
        .waitForFunction(
          ({ sel, t }) => document.querySelector(sel).firstElementChild.style.transform === t,
          { sel: CANVAS, t: await transformTextOf(refit) },
          { timeout: 5_000 },
        )
        .catch(async () =>
          assert.fail(
            `the Fit button gave ${JSON.stringify(await canvasTransform(page))}, F gave ${JSON.stringify(refit)}`,
          ),
        );
    },
  },
  {
    name: 'undo of deleting several selected nodes puts them back where they were, wires included',
    async run(ctx) {
      const page = await openFresh(ctx);
      const start = await visibleGraph(page);
      const [compareId] = await nodeIds(page, 'compare');
      const [saveId] = await nodeIds(page, 'save-image');
      const boxesOf = () => Promise.all([compareId, saveId].map((id) => page.locator(byId(id)).boundingBox()));
      const before = await boxesOf();
      await clickNode(page, byId(compareId));
      await clickNode(page, byId(saveId), ['Shift']);
      await page.keyboard.press('Delete');
      await waitForCount(page, '[data-node-type]', start.nodes.length - 2, 'Delete with two nodes selected');
      await page.keyboard.press('Control+z');
      await waitForCount(page, '[data-node-type]', start.nodes.length, 'Ctrl+Z after deleting two nodes');
      const after = await boxesOf();
      for (const [i, id] of [compareId, saveId].entries()) {
        assert.ok(
          Math.abs(after[i].x - before[i].x) < 2 && Math.abs(after[i].y - before[i].y) < 2,
          `node ${id} came back at (${after[i].x}, ${after[i].y}) instead of (${before[i].x}, ${before[i].y})`,
        );
      }
      assert.deepEqual(
        (await visibleGraph(page)).wires,
        start.wires,
        'the restored wires are not drawn where they were',
      );
    },
  },
  {
    name: 'node states: a Scale change re-runs only downstream; a missing input shows an error; Compare shows two images with a split slider',
    async run(ctx) {
      const page = await openFresh(ctx);
      const [scaleId] = await nodeIds(page, 'scale');

      // a keyboard change of α: upstream nodes come from cache, Scale → Add → Generate re-run
      const image = await previewStats(page, SEL.preview('generate'));
      await page.locator(`${byId(scaleId)} input[type="range"]`).focus();
      await page.keyboard.press('ArrowLeft');
      await waitForImageChange(page, SEL.preview('generate'), image.hash);
      await waitForSettled(page);
      const states = await nodeStates(page);
      for (const type of ['load-face', 'gan-inversion', 'synthetic-pair', 'encode-delta']) {
        assert.deepEqual(
          states[type],
          ['cached'],
          `${type} should show "cached" after a Scale change (${states[type]})`,
        );
      }
      for (const type of ['scale', 'add', 'generate']) {
        assert.deepEqual(states[type], ['done'], `${type} should show "done" after a Scale change (${states[type]})`);
      }
      assert.match(
        await page.locator(`${SEL.node('load-face')} [data-testid="node-state"]`).innerText(),
        /cached/i,
        'the cached state is not shown on the node',
      );

      // Compare: the source face and the edited face, split by a slider, or side by side
      await page.locator('[data-testid="compare-toggle"]').click();
      const compare = page.locator('[data-testid="compare-view"]');
      await compare.waitFor({ state: 'visible', timeout: 5_000 });
      const before = await waitForImage(page, '[data-testid="compare-view"] [data-testid="compare-before"]', {
        timeout: 10_000,
        minStd: 1,
      });
      const after = await waitForImage(page, '[data-testid="compare-view"] [data-testid="compare-after"]', {
        timeout: 10_000,
        minStd: 1,
      });
      assert.notEqual(before.hash, after.hash, 'Compare shows the same image twice');
      assert.equal(
        after.hash,
        (await previewStats(page, SEL.preview('generate'))).hash,
        'the "after" image is not the edited face on Generate',
      );
      const split = compare.locator('input[type="range"][aria-label="Split position"]');
      await split.waitFor({ state: 'visible', timeout: 5_000 });
      const clip = () =>
        compare.locator('[data-testid="compare-before"]').evaluate((el) => getComputedStyle(el).clipPath);
      const clipBefore = await clip();
      await split.focus();
      await page.keyboard.press('Home');
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.value === '0',
        '[data-testid="compare-view"] input[aria-label="Split position"]',
        { timeout: 5_000 },
      );
      const clipHidden = await clip();
      assert.notEqual(clipHidden, clipBefore, `moving the split slider did not move the split (${clipBefore})`);
      assert.match(clipHidden, /100%/, `at 0 the "before" layer should be clipped away entirely (${clipHidden})`);
      await compare.getByRole('button', { name: 'Side by side' }).click();
      await compare.locator('figure [data-testid="compare-before"]').waitFor({ timeout: 5_000 });
      assert.equal(await compare.locator('figure canvas').count(), 2, 'side by side does not show two images');
      // Difference: where the edit acted, amplified, with how much and how widely
      await compare.getByRole('button', { name: 'Difference' }).click();
      const stats = compare.locator('[data-testid="compare-diff-stats"]');
      await stats.waitFor({ timeout: 5_000 });
      const [, meanAbs, share] = (await stats.innerText()).match(/mean \|Δ\| ([0-9.]+) of 255 · ([0-9.]+) %/) ?? [];
      assert.ok(
        Number(meanAbs) > 0 && Number(share) > 0,
        `the source and the edited face should differ: "${await stats.innerText()}"`,
      );
      const diffSel = '[data-testid="compare-view"] [data-testid="compare-diff"]';
      const diff4 = await waitForImage(page, diffSel, { timeout: 5_000, minStd: 1 });
      await compare.getByRole('button', { name: '×16' }).click();
      const diff16 = await waitForImageChange(page, diffSel, diff4.hash, { timeout: 5_000 });
      assert.ok(diff16.mean > diff4.mean, `gain ×16 should brighten the difference (${diff4.mean} → ${diff16.mean})`);
      await compare.getByRole('button', { name: 'Close compare view' }).click();
      await compare.waitFor({ state: 'detached', timeout: 5_000 });

      // pull the wire off Generate's input: Generate reports the missing input
      const wires = await page.locator(WIRE).count();
      const input = socket(page, SEL.node('generate'), 'input', 'Latent');
      await pullWireOff(page, input);
      await waitForCount(page, WIRE, wires - 1, 'after pulling the wire off Generate');
      await waitForState(page, SEL.node('generate'), 'error');
      const text = await page.locator(SEL.node('generate')).innerText();
      assert.match(text, /Missing required input: latent/, `Generate does not say what is missing: ${text}`);
      // the independent branch is still fine
      const after2 = await nodeStates(page);
      assert.ok(!after2['gan-inversion'].includes('error'), 'GAN Inversion went into error with Generate');

      // reconnecting Add → Generate clears the error (same inputs as before: served from cache)
      await dragWire(page, socket(page, SEL.node('add'), 'output', 'Latent'), input);
      await waitForState(page, SEL.node('generate'), ['cached', 'done']);
      assert.doesNotMatch(
        await page.locator(SEL.node('generate')).innerText(),
        /Missing required input/,
        'the error stayed after reconnecting',
      );
    },
  },
  {
    name: 'a node back from an error and served from cache shows its image again',
    async run(ctx) {
      const page = await openFresh(ctx);
      const image = await previewStats(page, SEL.preview('generate'));
      const input = socket(page, SEL.node('generate'), 'input', 'Latent');
      await pullWireOff(page, input);
      await waitForState(page, SEL.node('generate'), 'error');
      await dragWire(page, socket(page, SEL.node('add'), 'output', 'Latent'), input);
      await waitForState(page, SEL.node('generate'), ['cached', 'done']);
      await waitForSettled(page);
      const back = await waitForImage(page, SEL.preview('generate'), { timeout: 5_000, minStd: 1 }).catch(() => null);
      assert.ok(
        back,
        `Generate is "${await page.locator(SEL.node('generate')).getAttribute('data-node-state')}" but shows no image`,
      );
      assert.equal(back.hash, image.hash, 'reconnecting the same wire did not bring back the same edited face');
    },
  },
];
