// The flip charts: in brainstorm a participant's own group's chart, in
// share every group's chart side by side (or the one the facilitator
// spotlights, on every screen). Notes are placed by their x, y on the chart
// and patched one by one as changes arrive.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { colors, colorSelect, makeNote, editInPlace, arrowMoves } from './note.js';
import { draggable, offsetIn, RemoteDrags } from './drag.js';
import { byId } from './replica.js';

/** slot is where the n-th note of a chart starts: a loose grid, left to right. */
function slot(n) {
  return { x: 0.02 + (n % 5) * 0.196, y: 0.03 + (Math.floor(n / 5) % 5) * 0.19 };
}

const percent = (f) => `${(f * 100).toFixed(3)}%`;

/** renderCharts is the brainstorm and share screen. */
export function renderCharts(ctx) {
  const { replica } = ctx;
  const el = h('div', { class: 'charts' });
  const charts = new Map();
  const drags = new RemoteDrags((id) => {
    const chart = charts.get(replica.get('note', id)?.chart);
    const note = chart?.notes.get(id);
    return note && { el: note, area: chart.area };
  });

  const phase = () => replica.board?.phase;
  const me = () => replica.get('participant', ctx.you);

  function shownGroups() {
    const groups = replica.all('group').sort(byId);
    if (phase() === 'brainstorm' && !ctx.facilitator) return groups.filter((g) => g.id === me()?.group);
    return groups;
  }

  function editable(group) {
    return ctx.facilitator || (phase() === 'brainstorm' && me()?.group === group);
  }

  function build() {
    drags.destroy();
    charts.clear();
    const groups = shownGroups();
    if (!groups.length) {
      el.replaceChildren(h('p', { class: 'waiting' }, t(ctx.facilitator ? 'charts.formFirst' : 'charts.noGroup')));
      return;
    }
    el.replaceChildren(...groups.map((g) => buildChart(g).el));
    for (const note of replica.all('note')) placeNote(note);
    patchBoard();
    patchMembers();
  }

  function buildChart(group) {
    const area = h('div', { class: 'chart-area', role: 'list', 'aria-label': t('chart.notes', { group: group.name }) });
    const name = h('h2', { class: 'chart-name' }, group.name);
    const members = h('ul', { class: 'members', 'aria-label': t('chart.members') });
    const prompt = h('p', { class: 'prompt' });
    const spotlight = ctx.facilitator
      ? h('button', { type: 'button', class: 'spotlight', onclick: (ev) => {
          const on = replica.board?.spotlight === group.id;
          ctx.act({ kind: 'chart.spotlight', chart: on ? '' : group.id }, ev.currentTarget);
        } })
      : null;
    const chartEl = h('section', { class: 'chart', dataset: { chart: group.id }, 'aria-label': group.name },
      h('header', { class: 'chart-head', 'data-refusals': '' }, name, spotlight, members),
      prompt,
      editable(group.id) ? addForm(group.id) : null,
      area);
    const chart = { el: chartEl, area, name, members, prompt, spotlight, notes: new Map(), group: group.id };
    charts.set(group.id, chart);
    return chart;
  }

  function addForm(chartId) {
    const text = h('textarea', { class: 'add-text', rows: '2', maxlength: '500', 'aria-label': t('note.new'), placeholder: t('note.placeholder') });
    const color = colorSelect(colors[0]);
    const button = h('button', { type: 'submit', class: 'primary' }, t('note.add'));
    const submit = (ev) => {
      ev.preventDefault();
      const value = text.value.trim();
      if (!value) return;
      const at = slot(replica.all('note').filter((n) => n.chart === chartId).length);
      ctx.act({ kind: 'note.add', chart: chartId, text: value, color: color.value, x: at.x, y: at.y }, button);
      text.value = '';
      text.focus();
    };
    text.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey) submit(ev);
    });
    return h('form', { class: 'add-note', 'data-refusals': '', onsubmit: submit }, text, color, button);
  }

  function noteTools(note) {
    const tools = [
      h('button', { type: 'button', class: 'tool', 'aria-label': t('note.edit'), onclick: (ev) => {
        const current = replica.get('note', note.id);
        editInPlace(ev.currentTarget.closest('.note'), current.text, (text) => ctx.act({ kind: 'note.edit', note: note.id, text }, ev.target));
      } }, '✎'),
      colorSelect(replica.get('note', note.id)?.color, (ev) => ctx.act({ kind: 'note.color', note: note.id, color: ev.target.value }, ev.target)),
      h('button', { type: 'button', class: 'tool', 'aria-label': t('note.delete'), onclick: (ev) => ctx.act({ kind: 'note.delete', note: note.id }, ev.currentTarget) }, '🗑'),
    ];
    return tools;
  }

  function placeNote(note) {
    const chart = charts.get(note.chart);
    if (!chart) return;
    let el = chart.notes.get(note.id);
    if (!el) {
      el = makeNote(replica, note, editable(note.chart) ? () => noteTools(note) : null);
      el.setAttribute('role', 'listitem');
      chart.notes.set(note.id, el);
      chart.area.append(el);
      if (editable(note.chart)) makeMovable(el, chart, note.id);
    } else {
      el.patch(note);
      drags.settle(note.id);
    }
    if (!el.classList.contains('dragging')) {
      el.style.left = percent(note.x);
      el.style.top = percent(note.y);
    }
  }

  function makeMovable(el, chart, id) {
    const move = (x, y) => {
      el.style.left = percent(x);
      el.style.top = percent(y);
      ctx.act({ kind: 'note.move', note: id, x, y }, el).then((ok) => ok || placeNote(replica.get('note', id)));
    };
    draggable(el, chart.area, {
      send: (x, y) => ctx.eph({ kind: 'drag', note: id, x, y }),
      drop: (x, y) => move(x, y),
    });
    arrowMoves(el, (dx, dy) => {
      const at = offsetIn(el, chart.area);
      el.style.left = percent(Math.min(Math.max(at.x + dx, 0), 1 - at.w));
      el.style.top = percent(Math.min(Math.max(at.y + dy, 0), 1 - at.h));
    }, () => {
      const at = offsetIn(el, chart.area);
      move(at.x, at.y);
    });
  }

  function removeNote(id) {
    for (const chart of charts.values()) {
      const el = chart.notes.get(id);
      if (el) {
        drags.settle(id);
        el.remove();
        chart.notes.delete(id);
      }
    }
  }

  function patchBoard() {
    const b = replica.board;
    if (!b) return;
    const spot = phase() === 'share' ? b.spotlight : '';
    el.classList.toggle('has-spotlight', Boolean(spot) && charts.has(spot));
    for (const chart of charts.values()) {
      setText(chart.prompt, b.prompt);
      chart.el.classList.toggle('spotlit', chart.group === spot);
      if (chart.spotlight) setText(chart.spotlight, t(chart.group === b.spotlight ? 'chart.unspotlight' : 'chart.spotlight'));
    }
  }

  function patchMembers() {
    for (const chart of charts.values()) {
      const people = replica.all('participant').filter((p) => p.group === chart.group).sort(byId);
      chart.members.replaceChildren(...people.map((p) => {
        const online = ctx.presence.has(p.id);
        return h('li', { class: online ? 'online' : 'away' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), p.name,
          h('span', { class: 'sr-only' }, online ? t('online') : t('away')));
      }));
      setText(chart.name, replica.get('group', chart.group)?.name ?? chart.group);
    }
  }

  function update(changes) {
    let rebuild = false;
    let members = false;
    for (const c of changes) {
      if (c.e === 'note') {
        if (c.del) removeNote(c.id);
        else placeNote(c.v);
      } else if (c.e === 'group') {
        rebuild ||= c.del || !charts.has(c.id) && shownGroups().some((g) => g.id === c.id);
        members = true;
      } else if (c.e === 'participant') {
        rebuild ||= c.id === ctx.you && phase() === 'brainstorm' && !charts.has(c.v?.group);
        members = true;
      } else if (c.e === 'presence') {
        members = true;
      } else if (c.e === 'board') {
        patchBoard();
      }
    }
    if (rebuild) build();
    else if (members) patchMembers();
  }

  build();
  return {
    el,
    update,
    eph(f) {
      if (f.kind === 'drag' && f.note) drags.show(f.note, f.x, f.y);
    },
    destroy: () => drags.destroy(),
  };
}
