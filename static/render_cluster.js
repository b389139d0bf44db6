// The cluster screen: every note of every chart in one world, the themes
// first, each an area that grows with its notes, then the notes not yet in
// a theme, grouped by the chart they came from. The app lays it all out,
// so nothing overlaps; people only say where a note belongs. Dropping a
// note on another makes a theme of the two, dropping it in a theme puts it
// there, dropping it among the loose notes takes it out of its theme, and
// everyone sees it travel while it is dragged. Every drag has a menu twin
// ("move to theme"), which is how a phone, or a keyboard, clusters: a
// phone's hint says so.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { limits } from './config.js';
import { makeNote } from './note.js';
import { draggable, elementUnder, RemoteDrags } from './drag.js';
import { byId } from './replica.js';
import { World } from './world.js';

const newTheme = '+';
const noTheme = '-';

/** renderCluster is the cluster screen. */
export function renderCluster(ctx) {
  const { replica } = ctx;
  const readonly = Boolean(ctx.presenter);
  // The hint says what clusters on this screen: a note drags where the
  // world is seen through its camera (dragging has no other switch, see
  // makeDraggable); on a phone's flowing page a note is tapped, and its
  // menu picks the theme. It changes when the screen crosses over.
  const hint = h('p', { class: 'hint' });
  const showHint = (drags) => setText(hint, t(drags ? 'cluster.hint' : 'cluster.hintTap'));
  const world = new World({
    label: t('cluster.canvas'),
    mode: readonly ? 'camera' : 'auto',
    fill: readonly,
    pannable: (target) => !target.closest(readonly ? 'button, a' : '.note, button, select, input, textarea, a'),
    onMode: showHint,
  });
  showHint(world.usesCamera);
  const add = readonly ? null : h('button', { type: 'button', class: 'new-theme', onclick: (ev) => {
    const button = ev.currentTarget;
    ctx.act({ kind: 'theme.create', name: '', notes: [] }, button).then((ack) => nameNewTheme(ack, button));
  } }, t('cluster.newTheme'));
  const el = h('div', { class: 'cluster' },
    readonly ? null : h('div', { class: 'toolbar', 'data-refusals': '' }, hint, add),
    world.el);
  const notes = new Map(); // note id → its element
  const themes = new Map(); // theme id → its section
  const trays = new Map(); // group id → its section of loose notes
  const drags = new RemoteDrags((id) => {
    const note = world.usesCamera && notes.get(id);
    return note && { el: note, area: world.world };
  });

  function noteOf(note) {
    let el = notes.get(note.id);
    if (!el) {
      el = makeNote(replica, note, readonly ? null : () => [themeMenu(note.id)]);
      notes.set(note.id, el);
      if (!readonly) makeDraggable(el, note.id);
    } else {
      el.patch(note);
      drags.settle(note.id);
    }
    return el;
  }

  /**
   * themeMenu is the keyboard and touch twin of dragging a note into a
   * theme: a button opening a list of the choices, where arrows, Home, End
   * and a first letter move, Enter picks and Escape closes. Nothing moves
   * until a choice is picked, and the keyboard stays on the note.
   */
  function themeMenu(id) {
    const button = h('button', { type: 'button', class: 'tool theme-menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false', dataset: { label: 'cluster.moveNote' } }, t('cluster.moveTo'));
    const list = h('div', { class: 'menu', role: 'menu', hidden: true });
    const items = () => [...list.children];
    // The keyboard moves before the list goes: a note's tools show only
    // while focus is in the note, and a hidden button takes no focus.
    const close = (refocus) => {
      refocus?.focus();
      list.hidden = true;
      list.replaceChildren();
      button.setAttribute('aria-expanded', 'false');
    };
    const pick = (choice) => {
      const note = button.closest('.note');
      close(note);
      if (choice === newTheme) {
        ctx.act({ kind: 'theme.create', name: '', notes: [id] }, note).then((ack) => nameNewTheme(ack, note));
      } else {
        ctx.act({ kind: 'note.theme', note: id, theme: choice === noTheme ? '' : choice }, note);
      }
    };
    const item = (choice, label) => h('button', { type: 'button', role: 'menuitem', tabindex: '-1', onclick: () => pick(choice) }, label);
    const open = () => {
      const current = replica.get('note', id)?.theme;
      list.replaceChildren(
        ...replica.all('theme').sort(byId).filter((th) => th.id !== current).map((th) => item(th.id, th.name || t('theme.untitled'))),
        current ? item(noTheme, t('cluster.noTheme')) : '',
        item(newTheme, t('cluster.ownTheme')));
      list.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      list.firstElementChild.focus();
    };
    button.addEventListener('click', () => (list.hidden ? open() : close(button)));
    button.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowDown' && list.hidden) {
        ev.preventDefault();
        open();
      }
    });
    list.addEventListener('keydown', (ev) => {
      const all = items();
      const at = all.indexOf(document.activeElement);
      let to = -1;
      if (ev.key === 'ArrowDown') to = (at + 1) % all.length;
      else if (ev.key === 'ArrowUp') to = (at - 1 + all.length) % all.length;
      else if (ev.key === 'Home') to = 0;
      else if (ev.key === 'End') to = all.length - 1;
      else if (ev.key === 'Escape') close(button);
      else if (ev.key.length === 1 && /\S/.test(ev.key)) {
        const key = ev.key.toLocaleLowerCase();
        to = [...all.slice(at + 1), ...all.slice(0, at + 1)].findIndex((b) => b.textContent.toLocaleLowerCase().startsWith(key));
        if (to >= 0) to = (to + at + 1) % all.length;
      } else return;
      ev.preventDefault();
      ev.stopPropagation();
      if (to >= 0) all[to].focus();
    });
    list.addEventListener('focusout', (ev) => {
      if (!list.hidden && !list.contains(ev.relatedTarget)) close(null);
    });
    return h('div', { class: 'menu-wrap' }, button, list);
  }

  function makeDraggable(el, id) {
    let marked = null;
    const mark = (target) => {
      marked?.classList.remove('drop-target');
      marked = target;
      marked?.classList.add('drop-target');
    };
    const targetAt = (cx, cy) => elementUnder(cx, cy, '.note, .theme, .tray', el);
    draggable(el, world.world, {
      enabled: () => world.usesCamera,
      send: (x, y) => ctx.eph({ kind: 'drag', note: id, x, y }),
      hover: (cx, cy) => mark(targetAt(cx, cy)),
      drop: (x, y, cx, cy) => {
        mark(null);
        const target = targetAt(cx, cy);
        const note = replica.get('note', id);
        const into = target?.dataset.theme || (target?.dataset.note && replica.get('note', target.dataset.note)?.theme);
        if (into) {
          if (into !== note.theme) ctx.act({ kind: 'note.theme', note: id, theme: into }, el);
        } else if (target?.dataset.note) {
          ctx.act({ kind: 'theme.create', name: '', notes: [target.dataset.note, id] }, el).then((ack) => nameNewTheme(ack, el));
        } else if (note.theme && target) {
          ctx.act({ kind: 'note.theme', note: id, theme: '' }, el);
        }
      },
    });
  }

  function themeOf(theme) {
    let section = themes.get(theme.id);
    if (!section) {
      section = world.section({ class: 'theme', 'data-refusals': '', dataset: { theme: theme.id } });
      section.name = h('h3', { class: 'theme-name', id: `theme-${theme.id}` });
      section.count = h('p', { class: 'section-count' });
      section.head.append(section.name, readonly ? section.count : h('div', { class: 'theme-tools' }, section.count,
        h('button', { type: 'button', class: 'tool rename', onclick: () => renameTheme(theme.id) }, t('theme.rename')),
        h('button', { type: 'button', class: 'tool', onclick: (ev) => ctx.act({ kind: 'theme.delete', theme: theme.id }, ev.currentTarget) }, t('theme.delete'))));
      section.el.setAttribute('aria-labelledby', section.name.id);
      section.list.dataset.empty = t('cluster.dropHere');
      themes.set(theme.id, section);
    }
    const name = theme.name || t('theme.untitled');
    setText(section.name, name);
    section.name.classList.toggle('untitled', !theme.name);
    for (const tool of section.head.querySelectorAll('.theme-tools button')) {
      tool.setAttribute('aria-label', t(tool.classList.contains('rename') ? 'theme.renameOf' : 'theme.deleteOf', { name }));
    }
    return section;
  }

  function trayOf(group) {
    let section = trays.get(group.id);
    if (!section) {
      section = world.section({ class: 'tray', dataset: { tray: group.id } });
      section.name = h('h3', { class: 'tray-name', id: `tray-${group.id}` });
      section.count = h('p', { class: 'section-count' });
      section.head.append(section.name, section.count);
      section.el.setAttribute('aria-labelledby', section.name.id);
      trays.set(group.id, section);
    }
    setText(section.name, t('cluster.tray', { group: group.name }));
    return section;
  }

  /**
   * renameTheme swaps a theme's name for a field; Enter or leaving it
   * saves, Escape cancels. Enter and Escape give the keyboard back to
   * back (the note or button the person came from), else to the theme's
   * rename button.
   */
  function renameTheme(id, back = null) {
    if (!themes.has(id)) {
      // Just made: its change is applied, its layout not yet drawn.
      world.cancel();
      arrange();
    }
    const section = themes.get(id);
    if (!section || section.head.querySelector('.theme-field')) return;
    const current = replica.get('theme', id)?.name ?? '';
    const field = h('input', { class: 'theme-field', maxlength: limits.themeName, 'aria-label': t('theme.name'), value: current, placeholder: t('theme.untitled') });
    let done = false;
    const finish = (keep, refocus) => {
      if (done) return;
      done = true;
      field.replaceWith(section.name);
      const name = field.value.trim();
      if (keep && name !== current) ctx.act({ kind: 'theme.rename', theme: id, name }, section.head);
      if (refocus) (back?.isConnected ? back : section.head.querySelector('.rename'))?.focus();
    };
    field.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') finish(true, true);
      else if (ev.key === 'Escape') finish(false, true);
    });
    field.addEventListener('blur', () => finish(true, false));
    section.name.replaceWith(field);
    field.focus();
  }

  /** nameNewTheme offers the person who made a theme to name it at once, then gives the keyboard back to back. */
  function nameNewTheme(ack, back) {
    const made = ack?.changes?.find((c) => c.e === 'theme' && !c.del);
    if (made) renameTheme(made.id, back);
  }

  /** arrange shows the themes and the loose notes, in order. */
  function arrange() {
    const all = replica.all('note').sort(byId);
    for (const [id, el] of notes) {
      if (!replica.get('note', id)) {
        drags.settle(id);
        el.remove();
        notes.delete(id);
      }
    }
    for (const [id, section] of themes) {
      if (!replica.get('theme', id)) {
        themes.delete(id);
        section.el.remove();
      }
    }
    const sections = [];
    for (const theme of replica.all('theme').sort(byId)) {
      const section = themeOf(theme);
      section.notes = all.filter((n) => n.theme === theme.id).map(noteOf);
      sections.push(section);
    }
    for (const group of replica.all('group').sort(byId)) {
      const loose = all.filter((n) => !n.theme && n.chart === group.id);
      if (!loose.length) continue;
      const section = trayOf(group);
      section.notes = loose.map(noteOf);
      sections.push(section);
    }
    for (const section of sections) setText(section.count, t('chart.noteCount', { n: section.notes.length }));
    world.arrange(sections);
  }

  function update(changes) {
    if (changes.some((c) => c.e === 'note' || c.e === 'theme' || c.e === 'group')) world.soon(arrange);
  }

  arrange();
  return {
    el,
    update,
    eph(f) {
      if (f.kind === 'drag' && f.note) drags.show(f.note, f.x, f.y);
    },
    destroy() {
      drags.destroy();
      world.destroy();
    },
  };
}
