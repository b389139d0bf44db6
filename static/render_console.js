// The facilitator's console: who is here and in which group, with each
// group's sectors counted and a warning when they fall out of balance;
// forming and changing groups, the phase, the timer, the vote's settings,
// lock, reveal and hide, who has voted, the board's language, and the
// exports.
// Participant rows are kept per participant and moved between group lists,
// so a room of hundreds is patched, not redrawn, as people come and go.

import { h, setText, showRefusal } from './dom.js';
import { t, languages, refusal } from './i18n.js';
import { config, limits, joinLink } from './config.js';
import { qrSVG } from './qr.js';
import { showReport } from './report.js';
import { byId } from './replica.js';
import { turnoutText } from './items.js';

export const phases = ['brainstorm', 'share', 'cluster', 'vote', 'discuss'];

/** renderConsole is the facilitator's side panel. */
export function renderConsole(ctx) {
  const { replica } = ctx;
  const joinUrl = joinLink(ctx.code);

  const phaseButtons = phases.map((p) => h('button', { type: 'button', class: 'phase-button', dataset: { phase: p },
    onclick: (ev) => ctx.act({ kind: 'phase.set', phase: p }, ev.currentTarget) }, t(`phase.${p}`)));

  const minutes = h('input', { type: 'number', min: '1', max: limits.timerSeconds / 60, value: '5', id: 'timer-minutes', class: 'narrow' });
  const groupSize = h('input', { type: 'number', id: 'group-size', class: 'narrow' });
  const lock = h('button', { type: 'button', class: 'lock-board', onclick: (ev) => ctx.act({ kind: replica.board?.locked ? 'board.unlock' : 'board.lock' }, ev.currentTarget) });
  const reveal = h('button', { type: 'button', class: 'reveal', onclick: (ev) => ctx.act({ kind: replica.board?.revealed ? 'vote.hide' : 'vote.reveal' }, ev.currentTarget) });
  const turnout = h('p', { class: 'turnout', role: 'status' });
  const balance = h('p', { class: 'unbalanced', role: 'alert', hidden: true });
  // The vote's settings, in the bounds the server sends with the board:
  // the browser checks them before the form is sent.
  const votes = h('input', { type: 'number', id: 'votes-per-person', class: 'narrow', required: true, oninput: () => { perItem.max = votes.value; } });
  const perItem = h('input', { type: 'number', id: 'votes-per-item', class: 'narrow', min: '1', required: true });
  const hide = h('input', { type: 'checkbox', id: 'console-hide-tallies' });
  const settingsForm = h('form', { class: 'vote-settings', onsubmit: (ev) => {
    ev.preventDefault();
    const settings = { ...replica.board.settings, votesPerParticipant: Number(votes.value), maxVotesPerItem: Number(perItem.value), hideTallies: hide.checked };
    ctx.act({ kind: 'board.settings', settings }, ev.submitter);
  } },
    h('p', {}, h('label', { for: 'votes-per-person' }, t('console.votesPerPerson')), ' ', votes),
    h('p', {}, h('label', { for: 'votes-per-item' }, t('console.votesPerItem')), ' ', perItem),
    h('div', { class: 'check' }, hide, h('label', { for: 'console-hide-tallies' }, t('start.hide'))),
    h('button', { type: 'submit', class: 'save-settings' }, t('console.save')));
  const boardLanguage = h('select', { id: 'board-language', 'aria-describedby': 'board-language-hint', onchange: () => {
    ctx.act({ kind: 'board.settings', settings: { ...replica.board.settings, language: boardLanguage.value } }, boardLanguage);
  } }, Object.entries(languages).map(([code, name]) => h('option', { value: code, lang: code }, name)));
  const exportButton = (ext) => h('button', { type: 'button', class: `export-${ext}`, onclick: (ev) => download(ctx, ext, ev.currentTarget) }, t(`export.${ext}`));
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
  // The presenter view's link opens on this browser's own token until
  // the presenter key arrives; with it, on any machine.
  const presenterLink = h('a', { class: 'presenter-link', href: `/p/${ctx.code}`, target: '_blank' }, t('console.presenter'));
  const copied = h('span', { class: 'copied', role: 'status' });
  const copyPresenterLink = h('button', { type: 'button', class: 'copy-presenter-link', onclick: async () => {
    setText(copied, (await copyText(presenterLink.href)) ? t('console.copied') : t('console.copyFailed'));
  } }, t('console.copyLink'));
  presenterKeyLink(ctx).then((link) => {
    if (link) presenterLink.href = link;
  });

  const el = h('aside', { class: 'console', 'aria-label': t('console.title') },
    h('section', { class: 'invite' },
      h('h2', {}, t('console.invite')),
      h('p', { class: 'join-code' }, h('span', {}, t('start.code')), ' ', h('strong', { class: 'code' }, ctx.code)),
      h('p', {}, h('a', { class: 'join-link', href: joinUrl }, joinUrl)),
      qr,
      h('p', {}, presenterLink, ' ', copyPresenterLink, ' ', copied)),
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
      balance, groupsEl),
    h('section', { 'data-refusals': '' }, h('h2', {}, t('console.voteSettings')), settingsForm),
    h('section', { 'data-refusals': '' }, h('h2', {}, t('console.controls')), lock, ' ', reveal, turnout,
      h('p', {}, h('label', { for: 'board-language' }, t('console.language')), ' ', boardLanguage),
      h('p', { class: 'hint', id: 'board-language-hint' }, t('console.languageHint'))),
    h('section', { class: 'exports', 'data-refusals': '' },
      h('h2', {}, t('console.export')),
      h('p', {}, exportButton('md'), ' ', exportButton('csv'), ' ', exportButton('json')),
      h('button', { type: 'button', class: 'report-button', onclick: () => showReport(ctx) }, t('report.open'))));

  const rows = new Map();
  const lists = new Map();

  /** list is the ul of one group (or of people with no group, ''). */
  function list(group) {
    if (!lists.has(group)) {
      const title = h('h3', {});
      const sectors = h('p', { class: 'group-sectors' });
      const ul = h('ul', { class: 'people' });
      const box = h('div', { class: 'group-list', dataset: { group } }, title, sectors, ul);
      lists.set(group, { box, title, sectors, ul });
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
    setText(turnout, turnoutText(replica));
    turnout.hidden = replica.board?.phase !== 'vote';
    patchSectors(people);
  }

  // Each group's sectors, counted; and a warning once a sector differs by
  // more than one person between two groups, which forming never does and
  // a move by hand may.
  function patchSectors(people) {
    const groups = replica.all('group');
    const counts = new Map(groups.map((g) => [g.id, { 'civil-servant': 0, 'civil-society': 0 }]));
    for (const p of people) if (counts.has(p.group)) counts.get(p.group)[p.role]++;
    for (const [id, c] of counts) {
      setText(list(id).sectors, t('console.sectors', { cs: c['civil-servant'], so: c['civil-society'] }));
    }
    const off = ['civil-servant', 'civil-society'].map((role) => {
      const n = [...counts.values()].map((c) => c[role]);
      return { role, min: Math.min(...n), max: Math.max(...n) };
    }).find((r) => r.max - r.min > 1);
    balance.hidden = !off;
    setText(balance, off ? t('console.unbalanced', { sector: t(`sector.${off.role}`), min: off.min, max: off.max }) : '');
  }

  function patchBoard() {
    const b = replica.board;
    if (!b) return;
    for (const button of phaseButtons) button.setAttribute('aria-pressed', String(button.dataset.phase === b.phase));
    setText(lock, t(b.locked ? 'console.unlock' : 'console.lock'));
    setText(reveal, t(b.revealed ? 'console.hide' : 'console.reveal'));
    reveal.disabled = !b.settings?.hideTallies;
    if (!groupSize.value) groupSize.value = b.settings?.groupSize ?? 6;
    for (const [input, bounds] of [[votes, b.limits.votesPerParticipant], [groupSize, b.limits.groupSize]]) {
      input.min = bounds.min;
      input.max = bounds.max;
    }
    // What someone is typing is not overwritten: their form, once sent,
    // brings the board back with it.
    if (!settingsForm.contains(document.activeElement)) {
      votes.value = b.settings.votesPerParticipant;
      perItem.value = b.settings.maxVotesPerItem;
      hide.checked = b.settings.hideTallies;
    }
    perItem.max = votes.value;
    boardLanguage.value = b.settings?.language || 'en';
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

/**
 * download saves one of the board's exports (md, csv or json). It is
 * fetched with the session token in a header and saved from memory, so
 * that the token never appears in an address, where histories and
 * proxies' logs would keep it.
 */
async function download(ctx, ext, button) {
  try {
    const res = await fetch(`/api/boards/${ctx.code}/export.${ext}`, { headers: { Authorization: `Bearer ${ctx.conn.token}` } });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      showRefusal(button, refusal(body) || res.statusText);
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    h('a', { href: url, download: `${ctx.code}.${ext}` }).click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch {
    showRefusal(button, t('conn.offline'));
  }
}

/**
 * presenterKeyLink asks the server for a presenter key (docs/protocol.md)
 * and resolves with the link that opens the presenter view with it on any
 * machine, at the address people join at; or with null, when it cannot be
 * had.
 */
async function presenterKeyLink(ctx) {
  try {
    const res = await fetch(`/api/boards/${ctx.code}/presenter`, { method: 'POST', headers: { Authorization: `Bearer ${ctx.conn.token}` } });
    return res.ok ? config.publicUrl + (await res.json()).link : null;
  } catch {
    return null;
  }
}

/**
 * copyText puts text on the clipboard and resolves with whether it could.
 * The Clipboard API is only there on https and localhost; on a plain http
 * address in a room's network the older copy command still works.
 */
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const back = document.activeElement;
    const area = h('textarea', { readonly: true, class: 'sr-only' }, text);
    document.body.append(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    back?.focus();
    return done;
  }
}
