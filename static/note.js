// One sticky note element, shared by the flip charts and the plenary
// canvas. It is built once and patched when its note changes.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { config, limits } from './config.js';

/** colors is the server's palette (board.Colors), first the default. */
export const { colors } = config;

/**
 * colorSelect is a labelled choice of note colour; label is the i18n key
 * of its name, which a note's tools get with the note's text (see
 * nameTools).
 */
export function colorSelect(value, onchange, label = 'note.color') {
  return h('select', { class: 'color-select', 'aria-label': t(label), dataset: { label }, onchange },
    colors.map((c) => h('option', { value: c, selected: c === value }, t(`color.${c}`))));
}

/** noteName is how a control names the note it acts on: its text, cut short. */
export function noteName(text) {
  const words = text.replace(/\s+/g, ' ').trim();
  return words.length > 60 ? `${words.slice(0, 59)}…` : words;
}

/**
 * nameTools names each of a note's tools (those with data-label, an i18n
 * key taking {note}) for the note it acts on: "Delete note: Shared
 * calendar…", not one of a hundred "Delete note".
 */
function nameTools(el, text) {
  const note = noteName(text);
  for (const tool of el.querySelectorAll('.note-tools [data-label]')) {
    const label = t(tool.dataset.label, { note });
    if (tool.getAttribute('aria-label') !== label) tool.setAttribute('aria-label', label);
  }
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
  if (tools && !el.querySelector('.note-tools')) {
    el.append(h('div', { class: 'note-tools' }, tools()));
    nameTools(el, el.querySelector('.note-text')?.textContent ?? '');
  }
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
    nameTools(el, n.text);
    el.editing?.(n.text);
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
 * saves (save(text)), Escape cancels. While it is open, another person's
 * saved edit of the note shows in the field at once if the person has not
 * changed it; if they have, both texts show and they choose.
 */
export function editInPlace(el, current, save) {
  const text = el.querySelector('.note-text');
  const field = h('textarea', { class: 'note-field', 'aria-label': t('note.edit'), maxlength: limits.noteText, value: current });
  const conflict = h('div', { class: 'conflict', role: 'alert', hidden: true });
  let base = current; // the saved text the field's draft starts from
  let done = false;
  const finish = (keep) => {
    if (done) return;
    done = true;
    el.editing = null;
    field.replaceWith(text);
    conflict.remove();
    const draft = field.value.trim();
    if (keep && draft && draft !== base) save(draft);
    el.focus();
  };
  el.editing = (saved) => {
    if (saved === base) return;
    const untouched = field.value.trim() === base;
    base = saved;
    if (untouched || field.value.trim() === saved) {
      field.value = saved;
      conflict.hidden = true;
      return;
    }
    showConflict(conflict, saved, field, (theirs) => {
      if (theirs) field.value = saved;
    });
  };
  field.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      finish(true);
    } else if (ev.key === 'Escape') {
      finish(false);
    }
  });
  // Leaving the field saves, unless for the choice between two texts.
  field.addEventListener('blur', (ev) => {
    if (conflict.hidden || !conflict.contains(ev.relatedTarget)) finish(true);
  });
  text.replaceWith(field);
  field.after(conflict);
  field.focus();
}

/**
 * showConflict shows, in box, a text saved by someone else while the
 * person's draft in field differs from it, with the choice of keeping
 * theirs (chose(true)) or their own (chose(false)); either way the
 * keyboard goes back to field.
 */
export function showConflict(box, saved, field, chose) {
  const choose = (theirs) => {
    box.hidden = true;
    chose(theirs);
    field.focus();
  };
  box.replaceChildren(
    h('p', {}, t('conflict.saved')),
    h('blockquote', { class: 'conflict-text' }, saved),
    h('div', { class: 'conflict-actions' },
      h('button', { type: 'button', class: 'use-theirs', onclick: () => choose(true) }, t('conflict.useTheirs')),
      h('button', { type: 'button', class: 'keep-mine', onclick: () => choose(false) }, t('conflict.keepMine'))));
  box.hidden = false;
}
