// The flip charts. In brainstorm a participant sees their own group's
// chart, the width of their screen, with the form to add notes; the
// facilitator, and everyone in share, sees every chart side by side in one
// world, zoomable and fitted to the screen (or only the chart the
// facilitator spotlights). Notes stand in the order they were written,
// each whole, never on top of another.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { colors, colorSelect, makeNote, editInPlace, noteName } from './note.js';
import { byId } from './replica.js';
import { World } from './world.js';
import { limits } from './config.js';

/** undoSeconds is how long a deleted note's Undo is offered (the server sets no limit). */
const undoSeconds = 15;

/** renderCharts is the brainstorm and share screen. */
export function renderCharts(ctx) {
  const { replica } = ctx;
  const phase = () => replica.board?.phase;
  const me = () => replica.get('participant', ctx.you);
  const ownChart = () => phase() === 'brainstorm' && !ctx.facilitator && !ctx.presenter;

  const prompt = h('p', { class: 'prompt' });
  const form = h('div', { class: 'chart-form' });
  const world = new World({
    label: t('charts.world'),
    mode: ctx.presenter ? 'camera' : ownChart() ? 'flow' : 'auto',
    fill: ctx.presenter,
  });
  // Where Undo is offered after a deletion: a live region, there before
  // anything is said in it. The presenter view deletes nothing.
  const undo = ctx.presenter ? null : h('div', { class: 'undo-bar', role: 'status', 'data-refusals': '' });
  const el = h('div', { class: 'charts' }, prompt, form, undo, world.el);
  const charts = new Map(); // group id → its section
  const notes = new Map(); // note id → its element
  const waiting = new Map(); // id of a note.add op not yet answered → its note's element

  function editable(group) {
    return !ctx.presenter && (ctx.facilitator || (phase() === 'brainstorm' && me()?.group === group));
  }

  /** shownGroups are the charts on this screen, in order. */
  function shownGroups() {
    const groups = replica.all('group').sort(byId);
    if (ownChart()) return groups.filter((g) => g.id === me()?.group);
    const spot = phase() === 'share' ? replica.board?.spotlight : '';
    if (spot && groups.some((g) => g.id === spot)) return groups.filter((g) => g.id === spot);
    return groups;
  }

  function chartOf(group) {
    let chart = charts.get(group.id);
    if (!chart) {
      chart = world.section({ class: 'chart', dataset: { chart: group.id } });
      chart.name = h('h2', { class: 'chart-name', id: `chart-${group.id}` });
      chart.count = h('p', { class: 'chart-count' });
      chart.members = h('ul', { class: 'members', 'aria-label': t('chart.members') });
      chart.spotlight = ctx.facilitator && !ctx.presenter
        ? h('button', { type: 'button', class: 'spotlight', onclick: (ev) => {
            const on = replica.board?.spotlight === group.id;
            ctx.act({ kind: 'chart.spotlight', chart: on ? '' : group.id }, ev.currentTarget);
          } })
        : null;
      chart.head.setAttribute('data-refusals', '');
      chart.head.append(chart.name, chart.count, chart.spotlight ?? '', chart.members);
      chart.el.setAttribute('aria-labelledby', chart.name.id);
      chart.list.dataset.empty = t('chart.empty');
      charts.set(group.id, chart);
    }
    chart.group = group.id;
    return chart;
  }

  function noteOf(note) {
    let el = notes.get(note.id);
    if (!el) {
      el = makeNote(replica, note, editable(note.chart) ? () => noteTools(note.id) : null);
      notes.set(note.id, el);
    } else {
      el.patch(note);
    }
    return el;
  }

  /**
   * pendingOn is the notes this page wrote on chart that the server has
   * not yet answered, each marked, standing after the chart's notes: on a
   * dead link they are still seen where they will be, and once the
   * answer comes the note the board took stands in its place.
   */
  function pendingOn(chart) {
    const els = [];
    for (const { id, op } of ctx.conn.pending('note.add')) {
      if (op.chart !== chart) continue;
      let el = waiting.get(id);
      if (!el) {
        const author = me();
        el = makeNote(replica, { id: '', chart, group: chart, role: author?.role, author: author?.id, text: op.text, color: op.color });
        delete el.dataset.note;
        el.dataset.pending = id;
        el.classList.add('pending');
        el.append(h('p', { class: 'note-pending' }, t('note.pending')));
        waiting.set(id, el);
      }
      els.push(el);
    }
    return els;
  }

  function noteTools(id) {
    return [
      h('button', { type: 'button', class: 'tool edit', dataset: { label: 'note.editOf' }, onclick: (ev) => {
        editInPlace(ev.currentTarget.closest('.note'), replica.get('note', id).text, (text) => ctx.act({ kind: 'note.edit', note: id, text }, ev.target));
      } }, '✎'),
      colorSelect(replica.get('note', id)?.color, (ev) => ctx.act({ kind: 'note.color', note: id, color: ev.target.value }, ev.target), 'note.colorOf'),
      h('button', { type: 'button', class: 'tool delete', dataset: { label: 'note.deleteOf' }, onclick: (ev) => deleteNote(id, ev.currentTarget) }, '🗑'),
    ];
  }

  /**
   * deleteNote deletes a note and offers whoever deleted it to undo that
   * for undoSeconds, with the keyboard on the offer if it was on the note.
   * The undo is an op like any other (note.restore), so every screen sees
   * the note come back.
   */
  function deleteNote(id, button) {
    const note = replica.get('note', id);
    const el = button.closest('.note');
    const focused = el.contains(document.activeElement);
    ctx.act({ kind: 'note.delete', note: id }, button).then((ack) => {
      if (!ack) return;
      const again = h('button', { type: 'button', class: 'undo', onclick: () => restoreNote(id, again) }, t('note.undo'));
      again.setAttribute('aria-label', t('note.undoOf', { note: noteName(note.text) }));
      undo.replaceChildren(h('span', {}, t('note.deleted', { note: noteName(note.text) })), again);
      clearTimeout(undo.timer);
      undo.timer = setTimeout(() => undo.replaceChildren(), undoSeconds * 1000);
      // The note is gone, and with it the keyboard, unless the person has moved on.
      if (focused && (el.contains(document.activeElement) || document.activeElement === document.body)) again.focus();
    });
  }

  function restoreNote(id, button) {
    ctx.act({ kind: 'note.restore', note: id }, button).then((ack) => {
      if (!ack) return;
      clearTimeout(undo.timer);
      const had = undo.contains(document.activeElement);
      undo.replaceChildren();
      world.cancel();
      arrange();
      if (had) notes.get(id)?.focus();
    });
  }

  function addForm(chartId) {
    const text = h('textarea', { class: 'add-text', id: `add-${chartId}`, rows: '2', maxlength: limits.noteText, 'aria-label': t('note.new'), placeholder: t('note.placeholder') });
    const color = colorSelect(colors[0]);
    const button = h('button', { type: 'submit', class: 'primary' }, t('note.add'));
    const submit = (ev) => {
      ev.preventDefault();
      const value = text.value.trim();
      if (!value) return;
      ctx.act({ kind: 'note.add', chart: chartId, text: value, color: color.value }, button);
      text.value = '';
      text.focus();
    };
    text.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey) submit(ev);
    });
    return h('form', { class: 'add-note', 'data-refusals': '', onsubmit: submit }, text, color, button);
  }

  /** arrange shows the charts with their notes, in order. */
  function arrange() {
    const groups = shownGroups();
    const byChart = new Map(groups.map((g) => [g.id, []]));
    for (const note of replica.all('note').sort(byId)) byChart.get(note.chart)?.push(note);
    for (const [id, el] of notes) {
      if (!replica.get('note', id)) {
        el.remove();
        notes.delete(id);
      }
    }
    const sent = new Set(ctx.conn.pending().map(({ id }) => id));
    for (const [id, el] of waiting) {
      if (!sent.has(id)) {
        el.remove();
        waiting.delete(id);
      }
    }
    const sections = groups.map((g) => {
      const chart = chartOf(g);
      chart.notes = [...byChart.get(g.id).map(noteOf), ...pendingOn(g.id)];
      return chart;
    });
    // Named before they are placed: placing copies a chart's name onto
    // the pieces of it continued in the next column.
    patchCharts();
    world.arrange(sections);
  }

  function patchCharts() {
    const b = replica.board;
    setText(prompt, b?.prompt ?? '');
    const people = replica.all('participant').sort(byId);
    for (const chart of charts.values()) {
      const group = replica.get('group', chart.group);
      if (!group) continue;
      setText(chart.name, group.name);
      const members = people.filter((p) => p.group === chart.group);
      setText(chart.count, [t('chart.noteCount', { n: chart.notes.length }), t('chart.peopleCount', { n: members.length })].join(' · '));
      chart.members.replaceChildren(...members.map((p) => {
        const online = ctx.presence.has(p.id);
        return h('li', { class: online ? 'online' : 'away' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), p.name,
          h('span', { class: 'sr-only' }, online ? t('online') : t('away')));
      }));
      if (chart.spotlight) {
        const on = chart.group === b?.spotlight;
        setText(chart.spotlight, t(on ? 'chart.unspotlight' : 'chart.spotlight'));
        chart.spotlight.setAttribute('aria-label', t(on ? 'chart.unspotlightOf' : 'chart.spotlightOf', { group: group.name }));
      }
      chart.el.classList.toggle('spotlit', phase() === 'share' && chart.group === b?.spotlight);
    }
  }

  /** build starts the screen again: on first draw and when the groups change. */
  function build() {
    const groups = shownGroups();
    const mine = ownChart() && groups[0];
    form.replaceChildren(mine && editable(mine.id) ? addForm(mine.id) : '');
    if (!groups.length) {
      form.replaceChildren(h('p', { class: 'waiting' }, t(ctx.facilitator ? 'charts.formFirst' : 'charts.noGroup')));
    }
    arrange();
  }

  function update(changes) {
    let rebuild = false;
    let notesChanged = false;
    for (const c of changes) {
      if (c.e === 'note' || c.e === 'outbox') notesChanged = true;
      else if (c.e === 'group') rebuild = true;
      else if (c.e === 'participant' && c.id === ctx.you) rebuild = true;
      else if (c.e === 'board') notesChanged = true; // the spotlight may have moved
    }
    if (rebuild) {
      world.cancel();
      build();
    } else if (notesChanged) {
      world.soon(arrange);
    } else {
      patchCharts();
    }
  }

  build();
  return {
    el,
    update,
    eph() {},
    destroy() {
      clearTimeout(undo?.timer);
      world.destroy();
    },
  };
}
