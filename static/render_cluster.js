// The cluster screen: one plenary canvas with every note (each showing its
// group). Dropping a note on another makes a theme of the two, dropping it
// on a theme puts it there, and everyone sees a note travel while it is
// dragged, from the ephemeral drag frames. Every drag has a menu or
// keyboard twin: "move to theme" on each note, arrow keys on the canvas.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { makeNote, arrowMoves } from './note.js';
import { draggable, elementUnder, offsetIn, RemoteDrags } from './drag.js';

const percent = (f) => `${(f * 100).toFixed(3)}%`;
const newTheme = '+';
const noTheme = '-';

/** renderCluster is the cluster screen. */
export function renderCluster(ctx) {
  const { replica } = ctx;
  const canvas = h('div', { class: 'canvas', role: 'region', 'aria-label': t('cluster.canvas') });
  const add = h('button', { type: 'button', onclick: (ev) => {
    const x = 0.02 + (replica.all('theme').length % 6) * 0.16;
    ctx.act({ kind: 'theme.create', name: '', notes: [], x, y: 0.02 }, ev.currentTarget);
  } }, t('cluster.newTheme'));
  const el = h('div', { class: 'cluster' },
    h('div', { class: 'toolbar', 'data-refusals': '' }, h('p', { class: 'hint' }, t('cluster.hint')), add),
    h('div', { class: 'canvas-scroll' }, canvas));
  const notes = new Map();
  const themes = new Map();
  const drags = new RemoteDrags((key) => {
    const [kind, id] = [key[0], key.slice(2)];
    const target = kind === 'n' ? notes.get(id) : themes.get(id)?.el;
    return target && { el: target, area: canvas };
  });

  function placeNote(note) {
    let el = notes.get(note.id);
    if (!el) {
      el = makeNote(replica, note, () => {
        const menu = themeMenu(note.id);
        menu.patch(replica.get('note', note.id)?.theme);
        return [menu];
      });
      notes.set(note.id, el);
      makeNoteMovable(el, note.id);
    } else {
      el.patch(note);
      drags.settle(`n:${note.id}`);
    }
    const box = note.theme && themes.get(note.theme);
    if (box) {
      if (el.parentElement !== box.list) box.list.append(el);
      el.style.left = el.style.top = '';
    } else {
      if (el.parentElement !== canvas) canvas.append(el);
      el.style.left = percent(note.cx);
      el.style.top = percent(note.cy);
    }
    el.querySelector('.theme-menu')?.patch(note.theme);
  }

  /** themeMenu is the keyboard and touch twin of dragging a note into a theme. */
  function themeMenu(id) {
    const select = h('select', { class: 'theme-menu', 'aria-label': t('cluster.moveTo'), onchange: () => {
      const choice = select.value;
      if (choice === newTheme) {
        const at = offsetIn(notes.get(id), canvas);
        ctx.act({ kind: 'theme.create', name: '', notes: [id], x: at.x, y: at.y }, select);
      } else {
        ctx.act({ kind: 'note.theme', note: id, theme: choice === noTheme ? '' : choice }, select);
      }
    } });
    select.patch = (current) => {
      select.replaceChildren(
        h('option', { value: current || noTheme, selected: true, disabled: true }, t('cluster.moveTo')),
        ...replica.all('theme').filter((th) => th.id !== current).map((th) => h('option', { value: th.id }, th.name || t('theme.untitled'))),
        current ? h('option', { value: noTheme }, t('cluster.noTheme')) : null,
        h('option', { value: newTheme }, t('cluster.ownTheme')));
    };
    return select;
  }

  function makeNoteMovable(el, id) {
    const move = (x, y) => {
      el.style.left = percent(x);
      el.style.top = percent(y);
      return ctx.act({ kind: 'note.move', note: id, x, y }, el);
    };
    let marked = null;
    const mark = (target) => {
      marked?.classList.remove('drop-target');
      marked = target;
      marked?.classList.add('drop-target');
    };
    draggable(el, canvas, {
      send: (x, y) => ctx.eph({ kind: 'drag', note: id, x, y }),
      hover: (cx, cy) => mark(elementUnder(cx, cy, '.note, .theme', el)),
      drop: (x, y, cx, cy) => {
        mark(null);
        const target = elementUnder(cx, cy, '.note, .theme', el);
        const note = replica.get('note', id);
        const targetTheme = target?.dataset.theme || (target && replica.get('note', target.dataset.note)?.theme);
        if (targetTheme) {
          if (targetTheme !== note.theme) ctx.act({ kind: 'note.theme', note: id, theme: targetTheme }, el);
        } else if (target) {
          const at = offsetIn(target, canvas);
          ctx.act({ kind: 'theme.create', name: '', notes: [target.dataset.note, id], x: at.x, y: at.y }, el);
        } else if (note.theme) {
          ctx.act({ kind: 'note.theme', note: id, theme: '' }, el).then((ok) => ok && move(x, y));
        } else {
          move(x, y).then((ok) => ok || placeNote(replica.get('note', id)));
        }
      },
    });
    arrowMoves(el, (dx, dy) => {
      if (el.parentElement !== canvas) return;
      const at = offsetIn(el, canvas);
      el.style.left = percent(Math.min(Math.max(at.x + dx, 0), 1 - at.w));
      el.style.top = percent(Math.min(Math.max(at.y + dy, 0), 1 - at.h));
    }, () => {
      if (el.parentElement !== canvas) return;
      const at = offsetIn(el, canvas);
      move(at.x, at.y);
    });
  }

  function placeTheme(theme) {
    let box = themes.get(theme.id);
    if (!box) {
      box = buildTheme(theme.id);
      themes.set(theme.id, box);
      canvas.append(box.el);
      for (const note of replica.all('note')) if (note.theme === theme.id) placeNote(note);
    }
    drags.settle(`t:${theme.id}`);
    if (document.activeElement !== box.name) box.name.value = theme.name;
    box.el.setAttribute('aria-label', theme.name || t('theme.untitled'));
    box.el.style.left = percent(theme.x);
    box.el.style.top = percent(theme.y);
  }

  function buildTheme(id) {
    const name = h('input', { class: 'theme-name', maxlength: '120', 'aria-label': t('theme.name'), placeholder: t('theme.untitled') });
    const rename = () => {
      const current = replica.get('theme', id);
      if (current && name.value.trim() !== current.name) ctx.act({ kind: 'theme.rename', theme: id, name: name.value.trim() }, name);
    };
    name.addEventListener('change', rename);
    name.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') name.blur();
    });
    const remove = h('button', { type: 'button', class: 'tool', 'aria-label': t('theme.delete'), onclick: (ev) => ctx.act({ kind: 'theme.delete', theme: id }, ev.currentTarget) }, '×');
    const head = h('div', { class: 'theme-head' }, name, remove);
    const list = h('div', { class: 'theme-notes' });
    const el = h('section', { class: 'theme', role: 'group', 'data-refusals': '', dataset: { theme: id } }, head, list);
    draggable(el, canvas, {
      send: (x, y) => ctx.eph({ kind: 'drag', theme: id, x, y }),
      drop: (x, y) => {
        el.style.left = percent(x);
        el.style.top = percent(y);
        ctx.act({ kind: 'theme.move', theme: id, x, y }, head).then((ok) => ok || placeTheme(replica.get('theme', id)));
      },
    });
    return { el, name, list };
  }

  function removeTheme(id) {
    const box = themes.get(id);
    if (!box) return;
    themes.delete(id);
    box.el.remove();
    for (const el of box.list.querySelectorAll('.note')) placeNote(replica.get('note', el.dataset.note));
  }

  function removeNote(id) {
    drags.settle(`n:${id}`);
    notes.get(id)?.remove();
    notes.delete(id);
  }

  function build() {
    canvas.replaceChildren();
    notes.clear();
    themes.clear();
    for (const theme of replica.all('theme')) placeTheme(theme);
    for (const note of replica.all('note')) placeNote(note);
  }

  function update(changes) {
    let menus = false;
    for (const c of changes) {
      if (c.e === 'note') {
        if (c.del) removeNote(c.id);
        else placeNote(c.v);
      } else if (c.e === 'theme') {
        if (c.del) removeTheme(c.id);
        else placeTheme(c.v);
        menus = true;
      }
    }
    if (menus) for (const el of notes.values()) el.querySelector('.theme-menu')?.patch(replica.get('note', el.dataset.note)?.theme);
  }

  build();
  return {
    el,
    update,
    eph(f) {
      if (f.kind !== 'drag') return;
      if (f.note) drags.show(`n:${f.note}`, f.x, f.y);
      else if (f.theme) drags.show(`t:${f.theme}`, f.x, f.y);
    },
    destroy: () => drags.destroy(),
  };
}
