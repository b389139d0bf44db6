// One sticky note element, shared by the flip charts and the plenary
// canvas. It is built once and patched when its note changes.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { config, limits } from './config.js';

/** colors is the server's palette (board.Colors), first the default. */
export const { colors } = config;

/** colorSelect is a labelled choice of note colour. */
export function colorSelect(value, onchange) {
  return h('select', { class: 'color-select', 'aria-label': t('note.color'), onchange },
    colors.map((c) => h('option', { value: c, selected: c === value }, t(`color.${c}`))));
}

/** provenance says where a note came from: its group, its author's role and, unless anonymous, its author. */
export function provenance(replica, note) {
  const group = replica.get('group', note.group)?.name;
  const author = note.author && replica.get('participant', note.author)?.name;
  return [group, note.role && t(`role.${note.role}`), author].filter(Boolean).join(' · ');
}

/** blank is the note every note is copied from, made at the first. */
let blank = null;

// One listener on the document makes the tools of whichever note gets
// focus, rather than one on each of a thousand notes. toolsOf holds each
// note's own.
const toolsOf = new WeakMap();

document.addEventListener('focusin', (ev) => {
  const el = ev.target.closest?.('.note');
  const tools = el && toolsOf.get(el);
  if (tools && !el.querySelector('.note-tools')) el.append(h('div', { class: 'note-tools' }, tools()));
});

/**
 * makeNote builds the element of note; tools(), if given, makes the
 * controls shown when it has focus (edit, colour, delete, move to
 * theme...). el.patch(note) brings it up to date.
 *
 * The tools are made the first time the note gets focus, where they
 * show, not with the note: on a board of a thousand notes, making a
 * thousand menus nobody opened was a fifth of the time to open it. For the
 * same reason each note is a copy of one blank note: copying takes half
 * the time of building it element by element.
 */
export function makeNote(replica, note, tools = null) {
  blank ??= h('div', { class: 'note', tabindex: '0', role: 'group', 'data-refusals': '' },
    h('p', { class: 'note-text' }), h('p', { class: 'note-meta' }));
  const el = blank.cloneNode(true);
  const [text, meta] = el.children;
  el.dataset.note = note.id;
  if (tools) toolsOf.set(el, tools);
  el.patch = (n) => {
    setText(text, n.text);
    const from = provenance(replica, n);
    setText(meta, from);
    const label = t('note.label', { text: n.text, from });
    if (el.getAttribute('aria-label') !== label) el.setAttribute('aria-label', label);
    const color = `note-${n.color || colors[0]}`;
    if (!el.classList.contains(color)) {
      el.classList.remove(...colors.map((c) => `note-${c}`));
      el.classList.add(color);
    }
  };
  el.patch(note);
  return el;
}

/**
 * editInPlace swaps the note's text for a field; Enter or leaving the field
 * saves (save(text)), Escape cancels.
 */
export function editInPlace(el, current, save) {
  const text = el.querySelector('.note-text');
  const field = h('textarea', { class: 'note-field', 'aria-label': t('note.edit'), maxlength: limits.noteText, value: current });
  let done = false;
  const finish = (keep) => {
    if (done) return;
    done = true;
    field.replaceWith(text);
    if (keep && field.value.trim() && field.value !== current) save(field.value.trim());
    el.focus();
  };
  field.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      finish(true);
    } else if (ev.key === 'Escape') {
      finish(false);
    }
  });
  field.addEventListener('blur', () => finish(true));
  text.replaceWith(field);
  field.focus();
}
