// A camera over a world: the shared surfaces (the charts overview, the
// clustering canvas) are drawn once in world coordinates and each screen
// looks at them through its own zoom and pan, as tldraw's and excalidraw's
// canvases do. Wheel and pinch zoom, a drag on empty space pans, and the
// keys +, - and 0 zoom in, out and fit everything. Until the person moves
// the camera it keeps everything fitted, however the world grows.

import { h } from './dom.js';
import { t } from './i18n.js';

const minScale = 0.05;
const maxScale = 4;
// Fitting never enlarges a small world past this: three notes on a
// projector should look like notes, not posters.
const maxFit = 1.6;
// Fitting leaves this many pixels around the world, where the areas drawn
// around its sections show whole.
const margin = 12;
// Movement below this many pixels is a click or a tap, not a pan.
const slop = 4;

/**
 * Camera shows world inside viewport at (x, y) and scale:
 * screen = world × scale + (x, y), in the viewport's pixels.
 * pannable(target) says whether a press on target may pan (not on a note
 * that drags, nor on a control).
 */
export class Camera {
  constructor(viewport, world, { pannable = () => true } = {}) {
    this.viewport = viewport;
    this.world = world;
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    this.width = 0;
    this.height = 0;
    this.fitted = true;
    this.pannable = pannable;
    this.pointers = new Map();
    this.stop = new AbortController();
    this.listen(this.stop.signal);
    this.resizes = new ResizeObserver(() => this.fitted && this.fit());
    this.resizes.observe(viewport);
  }

  /** controls are the zoom out, zoom in and fit buttons, for touch and for people who don't know the keys; they stand outside the viewport, never over a note. */
  controls() {
    const zoom = (f) => () => this.zoomAt(f, this.viewport.clientWidth / 2, this.viewport.clientHeight / 2);
    return h('div', { class: 'camera-controls' },
      h('button', { type: 'button', class: 'zoom-out', 'aria-label': t('camera.zoomOut'), onclick: zoom(1 / 1.25) }, '−'),
      h('button', { type: 'button', class: 'zoom-in', 'aria-label': t('camera.zoomIn'), onclick: zoom(1.25) }, '+'),
      h('button', { type: 'button', class: 'zoom-fit', onclick: () => this.fit() }, t('camera.fit')));
  }

  /** resize tells the camera the world's size, after a layout; a fitted camera fits it again. */
  resize(width, height) {
    this.width = width;
    this.height = height;
    if (this.fitted) this.fit();
  }

  /** fit shows everything, centred, and keeps doing so until the person moves the camera. */
  fit() {
    this.fitted = true;
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    if (!this.width || !this.height || !vw || !vh) return;
    this.scale = Math.min((vw - 2 * margin) / this.width, (vh - 2 * margin) / this.height, maxFit);
    this.x = (vw - this.width * this.scale) / 2;
    this.y = (vh - this.height * this.scale) / 2;
    this.apply();
  }

  /** zoomAt scales by factor about the viewport point (cx, cy), which stays where it is. */
  zoomAt(factor, cx, cy) {
    const scale = Math.min(Math.max(this.scale * factor, minScale), maxScale);
    this.x = cx - (cx - this.x) * (scale / this.scale);
    this.y = cy - (cy - this.y) * (scale / this.scale);
    this.scale = scale;
    this.fitted = false;
    this.apply();
  }

  panBy(dx, dy) {
    this.x += dx;
    this.y += dy;
    this.fitted = false;
    this.apply();
  }

  apply() {
    this.world.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
    this.viewport.dataset.scale = this.scale.toFixed(3);
  }

  listen(signal) {
    const vp = this.viewport;
    const local = (ev) => {
      const r = vp.getBoundingClientRect();
      return { x: ev.clientX - r.left, y: ev.clientY - r.top };
    };
    vp.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const at = local(ev);
      // A pinch on a touchpad arrives as a wheel with ctrlKey and small
      // deltas; a mouse wheel's notch is about 100.
      this.zoomAt(Math.exp(-ev.deltaY * (ev.ctrlKey ? 0.01 : 0.0015)), at.x, at.y);
    }, { passive: false, signal });

    vp.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0 || !this.pannable(ev.target)) return;
      this.pointers.set(ev.pointerId, { ...local(ev), moved: false });
      if (this.pointers.size === 1) this.pinch = null;
    }, { signal });
    vp.addEventListener('pointermove', (ev) => {
      const p = this.pointers.get(ev.pointerId);
      if (!p) return;
      const at = local(ev);
      if (this.pointers.size >= 2) {
        const [a, b] = [...this.pointers.values()];
        Object.assign(p, at);
        const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
        const span = Math.hypot(a.x - b.x, a.y - b.y);
        if (this.pinch) {
          this.panBy(mid.x - this.pinch.mid.x, mid.y - this.pinch.mid.y);
          if (this.pinch.span > 0) this.zoomAt(span / this.pinch.span, mid.x, mid.y);
        }
        this.pinch = { mid, span };
        return;
      }
      if (!p.moved && Math.hypot(at.x - p.x, at.y - p.y) < slop) return;
      if (!p.moved) {
        p.moved = true;
        vp.setPointerCapture(ev.pointerId);
        vp.classList.add('panning');
      }
      this.panBy(at.x - p.x, at.y - p.y);
      Object.assign(p, at);
    }, { signal });
    const end = (ev) => {
      if (!this.pointers.delete(ev.pointerId)) return;
      this.pinch = null;
      if (!this.pointers.size) vp.classList.remove('panning');
    };
    vp.addEventListener('pointerup', end, { signal });
    vp.addEventListener('pointercancel', end, { signal });

    vp.addEventListener('keydown', (ev) => {
      if (ev.target.closest('input, textarea, select') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const mid = [vp.clientWidth / 2, vp.clientHeight / 2];
      if (ev.key === '+' || ev.key === '=') this.zoomAt(1.25, ...mid);
      else if (ev.key === '-' || ev.key === '_') this.zoomAt(1 / 1.25, ...mid);
      else if (ev.key === '0') this.fit();
      else return;
      ev.preventDefault();
    }, { signal });
  }

  destroy() {
    this.stop.abort();
    this.resizes.disconnect();
    this.world.style.transform = '';
  }
}
