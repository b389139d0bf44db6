// A shared surface of sections of notes: the flip charts overview, the
// clustering canvas. On a wide screen it is one world laid out by pack()
// and seen through a camera (zoom, pan, fit); on a phone, or where one
// chart is all a person needs, it is a page that flows, each section a
// grid of notes the width of the screen. Either way the sections and the
// notes are the same elements, placed by the app, never on top of each
// other.

import { h } from './dom.js';
import { Camera } from './camera.js';
import { pack } from './layout.js';

// The world's measures, in its own pixels (see pack). The stylesheet takes
// the column's width and a continued piece's heading from the world
// (--column, --continued), so that each is said once. A section's area is
// drawn around it, within the gap between sections. The aspect is the
// screens' a world is laid out for: projectors and laptops.
const measures = { column: 250, gap: 6, between: 18, empty: 72, continued: 32, aspect: 2 };
// Past this many notes, notes jump to their new places rather than glide:
// gliding hundreds at once is more than a phone can draw.
const glideLimit = 120;

const narrow = matchMedia('(max-width: 760px)');

/**
 * World holds sections in order, each with its notes in order. mode is
 * 'camera', 'flow', or 'auto' (camera unless the screen is narrow).
 * pannable(target) is passed to the camera: whether a press there pans.
 * onMode(camera) is called when the screen crosses from one to the other.
 */
export class World {
  constructor({ label, mode = 'auto', pannable, onMode = () => {}, fill = false }) {
    this.world = h('div', { class: 'world' });
    this.world.style.setProperty('--column', `${measures.column}px`);
    this.world.style.setProperty('--continued', `${measures.continued}px`);
    this.viewport = h('div', { class: fill ? 'world-viewport fill' : 'world-viewport', role: 'region', 'aria-label': label, tabindex: '0' }, this.world);
    this.el = h('div', { class: 'world-frame' }, this.viewport);
    this.mode = mode;
    this.pannable = pannable;
    this.fill = fill;
    this.onMode = onMode;
    this.sections = [];
    this.heights = new WeakMap();
    this.camera = null;
    this.sizes = new ResizeObserver((entries) => {
      for (const e of entries) this.heights.set(e.target, e.borderBoxSize[0].blockSize);
      this.layout();
    });
    this.modeChanged = () => this.setCamera(this.wantsCamera());
    this.resized = () => this.fitHeight();
    narrow.addEventListener('change', this.modeChanged);
    addEventListener('resize', this.resized);
    this.setCamera(this.wantsCamera());
  }

  wantsCamera() {
    return this.mode === 'camera' || (this.mode === 'auto' && !narrow.matches);
  }

  /** usesCamera says whether the world is seen through the camera now. */
  get usesCamera() {
    return Boolean(this.camera);
  }

  setCamera(on) {
    if (on === this.usesCamera) return;
    this.camera?.destroy();
    this.camera = null;
    this.controls?.remove();
    this.sizes.disconnect();
    this.clearPlaces();
    this.viewport.classList.toggle('camera', on);
    this.world.classList.toggle('camera', on);
    if (on) {
      this.camera = new Camera(this.viewport, this.world, { pannable: this.pannable });
      // A filled world is a projector's: no controls on it.
      if (!this.fill) {
        this.controls = this.camera.controls();
        this.el.prepend(this.controls);
      }
      for (const s of this.sections) this.observe(s);
    }
    this.onMode(on);
  }

  /**
   * section makes the element of one section: el holds head (its heading,
   * filled by the caller) and list (its notes).
   */
  section(attrs) {
    const head = h('div', { class: 'section-head' });
    const list = h('div', { class: 'section-notes', role: 'list' });
    const el = h('section', attrs, head, list);
    return { el, head, list, notes: [] };
  }

  /**
   * arrange shows sections, in order, each with its notes (elements) in
   * order, moving only the elements that are not where they should be.
   */
  arrange(sections) {
    // Moving an element takes focus from it: a note moved into a theme by
    // its menu keeps the keyboard where the person is working.
    const focused = document.activeElement;
    const kept = new Set(sections.map((s) => s.el));
    for (const s of this.sections) {
      if (!kept.has(s.el)) {
        s.el.remove();
        this.continue(s, []);
      }
    }
    sections.forEach((s, i) => {
      if (this.world.children[i] !== s.el) this.world.insertBefore(s.el, this.world.children[i] ?? null);
      s.notes.forEach((note, j) => {
        if (s.list.children[j] !== note) s.list.insertBefore(note, s.list.children[j] ?? null);
        note.setAttribute('role', 'listitem');
      });
      while (s.list.children.length > s.notes.length) s.list.lastElementChild.remove();
      s.el.classList.toggle('empty', !s.notes.length);
    });
    this.sections = sections;
    if (focused?.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
    if (this.camera) {
      for (const s of sections) this.observe(s);
      this.layout();
    }
  }

  /**
   * soon runs fn once before the next frame however often it is asked
   * meanwhile (at once on a hidden page, which draws no frames): a burst
   * of changes, a theme made of ten notes, costs one layout.
   */
  soon(fn) {
    if (document.hidden) {
      this.cancel();
      fn();
      return;
    }
    this.next = fn;
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.next();
    });
  }

  /** cancel forgets what soon was asked to run. */
  cancel() {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  observe(s) {
    this.sizes.observe(s.head);
    for (const note of s.notes) this.sizes.observe(note);
  }

  /** layout places every section and note from their measured heights. */
  layout() {
    if (!this.camera) return;
    this.fitHeight();
    const height = (el) => this.heights.get(el) ?? el.offsetHeight;
    const placed = pack(this.sections.map((s) => ({ id: s, head: height(s.head), notes: s.notes.map(height) })), measures);
    const count = this.sections.reduce((n, s) => n + s.notes.length, 0);
    this.world.classList.toggle('glide', count <= glideLimit && this.world.classList.contains('placed'));
    for (const s of this.sections) {
      const [first, ...rest] = placed.sections.get(s).pieces;
      box(s.el, first);
      // Notes are placed from the section's first piece: those in a
      // continued piece stand outside its box, in the next column.
      s.notes.forEach((note, i) => {
        const at = placed.sections.get(s).notes[i];
        setStyle(note, 'left', px(at.x - first.x));
        setStyle(note, 'top', px(at.y - first.y));
      });
      this.continue(s, rest);
    }
    setStyle(this.world, 'width', px(placed.width));
    setStyle(this.world, 'height', px(placed.height));
    this.world.classList.add('placed');
    this.camera.resize(placed.width, placed.height);
  }

  /**
   * continue draws the continued pieces of section s: areas headed by its
   * name again, which take drops as the section itself does.
   */
  continue(s, pieces) {
    s.more ??= [];
    while (s.more.length > pieces.length) s.more.pop().remove();
    pieces.forEach((p, i) => {
      let more = s.more[i];
      if (!more) {
        more = h('div', { class: `${s.el.className} continued`, 'aria-hidden': 'true' }, h('p', { class: 'continued-name' }));
        Object.assign(more.dataset, s.el.dataset);
        s.more.push(more);
      }
      if (more.parentElement !== this.world) this.world.append(more);
      more.firstChild.textContent = s.head.querySelector('h2, h3')?.textContent ?? '';
      box(more, p);
    });
  }

  clearPlaces() {
    this.world.classList.remove('placed', 'glide');
    this.viewport.style.height = '';
    for (const s of this.sections) this.continue(s, []);
    for (const el of [this.world, ...this.world.querySelectorAll('.note, section')]) {
      el.style.left = el.style.top = el.style.width = el.style.height = '';
    }
  }

  /**
   * fitHeight gives the viewport the rest of the window's height below
   * it, so a laptop sees the whole world without scrolling the page. A
   * world that fills its parent (the presenter's) takes the parent's.
   */
  fitHeight() {
    if (!this.camera || this.fill || !this.viewport.isConnected) return;
    const top = this.viewport.getBoundingClientRect().top + scrollY;
    const height = `${Math.max(320, innerHeight - top - 12)}px`;
    if (this.viewport.style.height !== height) this.viewport.style.height = height;
  }

  destroy() {
    this.cancel();
    narrow.removeEventListener('change', this.modeChanged);
    removeEventListener('resize', this.resized);
    this.sizes.disconnect();
    this.camera?.destroy();
  }
}

function box(el, { x, y, width, height }) {
  setStyle(el, 'left', px(x));
  setStyle(el, 'top', px(y));
  setStyle(el, 'width', px(width));
  setStyle(el, 'height', px(height));
}

/** px is a length in whole pixels, written as the browser writes it back, so setStyle can compare. */
const px = (v) => `${Math.round(v)}px`;

/** setStyle changes a property only when it differs: most of a layout's places are where they were. */
function setStyle(el, property, value) {
  if (el.style[property] !== value) el.style[property] = value;
}
