// The facilitator's console: who is here and in which group, forming and
// changing groups, the phase, the timer, lock and reveal, and the exports.
// Participant rows are kept per participant and moved between group lists,
// so a room of hundreds is patched, not redrawn, as people come and go.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { limits, joinLink } from './config.js';
import { qrSVG } from './qr.js';
import { showReport } from './report.js';
import { byId } from './replica.js';

export const phases = ['brainstorm', 'share', 'cluster', 'vote', 'discuss'];

/** renderConsole is the facilitator's side panel. */
export function renderConsole(ctx) {
  const { replica } = ctx;
  const joinUrl = joinLink(ctx.code);
  const exportUrl = (ext) => `/api/boards/${ctx.code}/export.${ext}?token=${encodeURIComponent(ctx.conn.token)}`;

  const phaseButtons = phases.map((p) => h('button', { type: 'button', class: 'phase-button', dataset: { phase: p },
    onclick: (ev) => ctx.act({ kind: 'phase.set', phase: p }, ev.currentTarget) }, t(`phase.${p}`)));

  const minutes = h('input', { type: 'number', min: '1', max: limits.timerSeconds / 60, value: '5', id: 'timer-minutes', class: 'narrow' });
  const groupSize = h('input', { type: 'number', min: limits.minGroupSize, max: limits.maxGroupSize, id: 'group-size', class: 'narrow' });
  const lock = h('button', { type: 'button', onclick: (ev) => ctx.act({ kind: replica.board?.locked ? 'board.unlock' : 'board.lock' }, ev.currentTarget) });
  const reveal = h('button', { type: 'button', onclick: (ev) => ctx.act({ kind: 'vote.reveal' }, ev.currentTarget) }, t('console.reveal'));
  const groupsEl = h('div', { class: 'group-lists' });
  const count = h('p', { class: 'count', role: 'status' });
  // The QR code is drawn when the browser is next idle, in a square kept
  // for it: it takes some 15 ms, which the board's snapshot, arriving just
  // after the console is made, should not wait behind. Safari has no
  // requestIdleCallback; there the next task will do.
  const qr = h('div', { class: 'qr' });
  const draw = () => qr.replaceWith(qrSVG(joinUrl, t('start.qr')));
  if ('requestIdleCallback' in window) requestIdleCallback(draw);
  else setTimeout(draw);

  const el = h('aside', { class: 'console', 'aria-label': t('console.title') },
    h('section', { class: 'invite' },
      h('h2', {}, t('console.invite')),
      h('p', { class: 'join-code' }, h('span', {}, t('start.code')), ' ', h('strong', { class: 'code' }, ctx.code)),
      h('p', {}, h('a', { class: 'join-link', href: joinUrl }, joinUrl)),
      qr,
      h('p', {}, h('a', { class: 'presenter-link', href: `/p/${ctx.code}`, target: '_blank' }, t('console.presenter')))),
    h('section', { 'data-refusals': '' }, h('h2', {}, t('console.phase')), h('div', { class: 'phase-buttons' }, phaseButtons)),
    h('section', { 'data-refusals': '' },
      h('h2', {}, t('console.timer')),
      h('label', { for: 'timer-minutes' }, t('console.minutes')), ' ', minutes, ' ',
      h('button', { type: 'button', class: 'timer-start', onclick: (ev) => ctx.act({ kind: 'timer.start', seconds: Math.round(Number(minutes.value) * 60) }, ev.currentTarget) }, t('console.start')), ' ',
      h('button', { type: 'button', onclick: (ev) => ctx.act({ kind: 'timer.add', seconds: 60 }, ev.currentTarget) }, t('console.addMinute')), ' ',
      h('button', { type: 'button', onclick: (ev) => ctx.act({ kind: 'timer.stop' }, ev.currentTarget) }, t('console.stop'))),
    h('section', { 'data-refusals': '' },
      h('h2', {}, t('console.people')), count,
      h('label', { for: 'group-size' }, t('console.groupSize')), ' ', groupSize, ' ',
      h('button', { type: 'button', class: 'primary form-groups', onclick: (ev) => ctx.act({ kind: 'groups.form', size: Number(groupSize.value) || 0 }, ev.currentTarget) }, t('console.formGroups')),
      groupsEl),
    h('section', { 'data-refusals': '' }, h('h2', {}, t('console.controls')), lock, ' ', reveal),
    h('section', { class: 'exports' },
      h('h2', {}, t('console.export')),
      h('p', {},
        h('a', { class: 'export-md', href: exportUrl('md'), download: `${ctx.code}.md` }, 'Markdown'), ' · ',
        h('a', { class: 'export-csv', href: exportUrl('csv'), download: `${ctx.code}.csv` }, 'CSV'), ' · ',
        h('a', { class: 'export-json', href: exportUrl('json'), download: `${ctx.code}.json` }, 'JSON')),
      h('button', { type: 'button', class: 'report-button', 'data-refusals': '', onclick: (ev) => showReport(exportUrl('md'), ev.currentTarget) }, t('console.report'))));

  const rows = new Map();
  const lists = new Map();

  /** list is the ul of one group (or of people with no group, ''). */
  function list(group) {
    if (!lists.has(group)) {
      const title = h('h3', {});
      const ul = h('ul', { class: 'people' });
      const box = h('div', { class: 'group-list', dataset: { group } }, title, ul);
      lists.set(group, { box, title, ul });
    }
    return lists.get(group);
  }

  function groupOptions(select, current) {
    select.replaceChildren(...replica.all('group').sort(byId).map((g) => h('option', { value: g.id, selected: g.id === current }, g.name)),
      current ? null : h('option', { value: '', selected: true, disabled: true }, t('console.noGroup')));
  }

  function patchPerson(p) {
    if (p.facilitator) return;
    let r = rows.get(p.id);
    if (!r) {
      const name = h('span', { class: 'person-name' });
      const select = h('select', { 'aria-label': t('console.moveTo', { name: p.name }), onchange: () => ctx.act({ kind: 'participant.move', participant: p.id, group: select.value }, select) });
      r = { el: h('li', { dataset: { participant: p.id }, 'data-refusals': '' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), name, select), name, select };
      rows.set(p.id, r);
    }
    setText(r.name, `${p.name} · ${t(`role.${p.role}`)}`);
    groupOptions(r.select, p.group);
    const home = list(p.group || '').ul;
    if (r.el.parentElement !== home) home.append(r.el);
    patchOnline(p.id);
  }

  function patchOnline(id) {
    const r = rows.get(id);
    if (!r) return;
    const online = ctx.presence.has(id);
    r.el.classList.toggle('online', online);
    r.el.classList.toggle('away', !online);
    r.el.title = online ? t('online') : t('away');
  }

  function patchGroups() {
    const groups = replica.all('group').sort(byId);
    for (const g of groups) setText(list(g.id).title, g.name);
    setText(list('').title, t('console.noGroup'));
    for (const [id, l] of lists) if (id && !replica.get('group', id)) lists.delete(id);
    groupsEl.replaceChildren(...groups.map((g) => list(g.id).box), list('').box);
    for (const p of replica.all('participant')) patchPerson(p);
  }

  function patchCount() {
    const people = replica.all('participant').filter((p) => !p.facilitator);
    const online = people.filter((p) => ctx.presence.has(p.id)).length;
    setText(count, t('console.count', { online, total: people.length }));
  }

  function patchBoard() {
    const b = replica.board;
    if (!b) return;
    for (const button of phaseButtons) button.setAttribute('aria-pressed', String(button.dataset.phase === b.phase));
    setText(lock, t(b.locked ? 'console.unlock' : 'console.lock'));
    reveal.disabled = b.revealed || !b.settings?.hideTallies;
    if (!groupSize.value) groupSize.value = b.settings?.groupSize ?? 6;
  }

  // A snapshot, or forming groups, brings every group at once: the groups
  // are laid out once for all of them, not once each, which on a board of
  // hundreds of groups and thousands of people froze the console.
  function update(changes) {
    let groups = false;
    const people = [];
    for (const c of changes) {
      if (c.e === 'participant' && !c.del) people.push(c.v);
      else if (c.e === 'group') groups = true;
      else if (c.e === 'board') patchBoard();
      else if (c.e === 'presence') for (const id of rows.keys()) patchOnline(id);
    }
    if (groups) patchGroups();
    else for (const p of people) patchPerson(p);
    patchCount();
  }

  patchBoard();
  patchGroups();
  patchCount();
  return { el, update };
}
