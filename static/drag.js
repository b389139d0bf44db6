// Dragging notes with Pointer Events, so mouse, touch and pen all work,
// and showing other people's drags as they happen. Positions are fractions
// (0 to 1) of the area the element sits in (the clustering world), so they
// mean the same on every screen whatever its size and zoom.

import { limits } from './config.js';

// Ephemeral drag frames go out at most this often, a tenth under what
// the server passes on a second per connection (it drops the rest).
const ephInterval = 1000 / (0.9 * limits.ephemeralPerSecond);
// A remote drag with no news for this long is over (its sender may have
// gone); the element returns to where the replica says it is.
const remoteIdle = 2500;
// Movement below this many pixels is a click or a tap, not a drag.
const slop = 4;

/** offsetIn is el's top-left corner in area, as fractions of area's size. */
export function offsetIn(el, area) {
  const r = el.getBoundingClientRect();
  const a = area.getBoundingClientRect();
  return { x: (r.left - a.left) / a.width, y: (r.top - a.top) / a.height, w: r.width / a.width, h: r.height / a.height };
}

const clamp = (v, max) => Math.min(Math.max(v, 0), Math.max(max, 0));

/** zoomOf is how many screen pixels one of area's own pixels takes (a camera's scale). */
const zoomOf = (area) => area.getBoundingClientRect().width / (area.offsetWidth || 1);

// Each area listens for the drags of all the elements in it, rather than
// each element for its own: a canvas of a thousand notes added four
// thousand listeners as it opened. draggables holds each element's
// callbacks; areas, those already listening.
const draggables = new WeakMap();
const areas = new WeakSet();

/**
 * draggable makes el draggable within area, while enabled() says so (a
 * phone's flowing page scrolls instead). While dragging, el follows the
 * pointer by a CSS transform (no layout), send(x, y) is called at most 18
 * times a second with the position, and hover(clientX, clientY) on each
 * move so the caller can mark a drop target. drop(x, y, clientX, clientY)
 * is called once on release; the caller then places el (or not) and the
 * transform is cleared. Presses on buttons, fields and links are left
 * alone so the note's own controls keep working, and a press on a
 * draggable inside another (a note in a theme) drags the inner one.
 */
export function draggable(el, area, callbacks) {
  draggables.set(el, callbacks);
  if (areas.has(area)) return;
  areas.add(area);
  const drags = new Map(); // by pointerId, so two fingers drag two notes

  const position = (ev, d) => {
    const a = area.getBoundingClientRect();
    const dx = ev.clientX - d.px;
    const dy = ev.clientY - d.py;
    return { dx, dy, x: clamp(d.x + dx / a.width, 1 - d.w), y: clamp(d.y + dy / a.height, 1 - d.h) };
  };

  area.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0 || ev.target.closest('button, select, input, textarea, a, [contenteditable]')) return;
    let el = ev.target;
    while (el !== area && !draggables.has(el)) el = el.parentElement;
    if (el === area || draggables.get(el).enabled?.() === false) return;
    drags.set(ev.pointerId, { el, ...draggables.get(el), px: ev.clientX, py: ev.clientY, zoom: zoomOf(area), dragging: false, lastSent: 0, pending: 0, ...offsetIn(el, area) });
    el.setPointerCapture(ev.pointerId);
  });

  area.addEventListener('pointermove', (ev) => {
    const d = drags.get(ev.pointerId);
    if (!d) return;
    const p = position(ev, d);
    if (!d.dragging && Math.hypot(p.dx, p.dy) < slop) return;
    if (!d.dragging) {
      d.dragging = true;
      d.el.classList.add('dragging');
    }
    d.el.style.transform = `translate(${p.dx / d.zoom}px, ${p.dy / d.zoom}px)`;
    d.hover?.(ev.clientX, ev.clientY);
    const now = performance.now();
    clearTimeout(d.pending);
    if (now - d.lastSent >= ephInterval) {
      d.lastSent = now;
      d.send(p.x, p.y);
    } else {
      d.pending = setTimeout(() => {
        d.lastSent = performance.now();
        d.send(p.x, p.y);
      }, ephInterval - (now - d.lastSent));
    }
  });

  const end = (ev, cancelled) => {
    const d = drags.get(ev.pointerId);
    if (!d) return;
    drags.delete(ev.pointerId);
    clearTimeout(d.pending);
    d.el.classList.remove('dragging');
    if (!d.dragging) return;
    const p = position(ev, d);
    d.el.style.transform = '';
    if (!cancelled) d.drop(p.x, p.y, ev.clientX, ev.clientY);
  };
  area.addEventListener('pointerup', (ev) => end(ev, false));
  area.addEventListener('pointercancel', (ev) => end(ev, true));
}

/**
 * elementUnder is the topmost element matching selector at a point, other
 * than the one being dragged (which is under the pointer itself).
 */
export function elementUnder(clientX, clientY, selector, dragged) {
  for (const el of document.elementsFromPoint(clientX, clientY)) {
    const hit = el.closest(selector);
    if (hit && hit !== dragged && !dragged.contains(hit)) return hit;
  }
  return null;
}

/**
 * RemoteDrags shows other people's drags. locate(id) gives the element and
 * the area its fractions refer to. Frames are applied once per animation
 * frame (a burst of them costs one layout), by a transform from where the
 * element rests, so the resting layout is never disturbed.
 */
export class RemoteDrags {
  constructor(locate) {
    this.locate = locate;
    this.latest = new Map();
    this.active = new Map();
    this.frame = 0;
  }

  /** show records that id is being dragged to (x, y). */
  show(id, x, y) {
    this.latest.set(id, { x, y });
    if (document.hidden) this.flush();
    else if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    for (const [id, p] of this.latest) {
      const found = this.locate(id);
      if (!found) continue;
      const { el, area } = found;
      let drag = this.active.get(id);
      if (!drag || drag.el !== el) {
        el.style.transform = '';
        drag = { el, rest: offsetIn(el, area), timer: 0 };
        this.active.set(id, drag);
        el.classList.add('remote-drag');
      }
      // The element moves inside area, in area's own pixels, whatever the zoom.
      el.style.transform = `translate(${(p.x - drag.rest.x) * area.offsetWidth}px, ${(p.y - drag.rest.y) * area.offsetHeight}px)`;
      clearTimeout(drag.timer);
      drag.timer = setTimeout(() => this.settle(id), remoteIdle);
    }
    this.latest.clear();
  }

  /** settle ends a remote drag: the element goes back to its resting place (call it when the note changes). */
  settle(id) {
    const drag = this.active.get(id);
    if (!drag) return;
    clearTimeout(drag.timer);
    drag.el.style.transform = '';
    drag.el.classList.remove('remote-drag');
    this.active.delete(id);
  }

  destroy() {
    cancelAnimationFrame(this.frame);
    for (const id of [...this.active.keys()]) this.settle(id);
  }
}
