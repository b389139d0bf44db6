// The vote screen: each item on the server's ballot with its dots (add one,
// take one back), how many dots are left, live tallies (or none until the
// facilitator reveals them: the server simply does not send them) and the
// ranking: the top three overall, then the top three of each sector. The
// ranking comes first, so a phone shows the top three before the long list
// of items; the rest of the ranking is folded away under them. While there
// is no ranking to show (tallies hidden, or no dot yet) there is no panel:
// the person's dots left come first, then one line saying who has voted
// and why there is no ranking, then the ballot. A dot cast or taken back
// that the server has not answered yet (on a dead link, say) shows at once
// on its item and in the dots left, marked as waiting to be sent, as the
// charts show a note not yet sent; the answer puts the board's dots in
// its place.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { voteItems, itemTitle, splitText, turnoutText, sectorTops } from './items.js';

/** renderVote is the vote screen. */
export function renderVote(ctx) {
  const { replica } = ctx;
  const leftCount = h('span', {});
  const leftWaiting = h('span', { class: 'vote-pending', hidden: true });
  const left = h('p', { class: 'votes-left', role: 'status' }, leftCount, leftWaiting);
  const turnout = h('p', { class: 'turnout' });
  const unranked = h('p', { class: 'unranked' });
  const list = h('ol', { class: 'vote-items' });
  const ranking = h('ol', { class: 'ranking' });
  const restList = h('ol', { class: 'ranking' });
  const restSummary = h('summary', {});
  const rest = h('details', { class: 'ranking-rest', hidden: true }, restSummary, restList);
  const sectors = h('div', { class: 'sector-tops' });
  const panel = h('aside', { class: 'ranking-panel', 'aria-labelledby': 'ranking-title' },
    h('h2', { id: 'ranking-title' }, t('vote.ranking')), ranking, sectors, rest);
  const el = h('div', { class: 'vote' }, panel,
    h('div', { class: 'vote-main' }, ctx.facilitator ? null : left, h('div', { class: 'vote-status' }, turnout, unranked), list));
  const rows = new Map();
  // waiting is this person's dots still in the outbox, item id → { cast,
  // retract }: read again at each change, the outbox's included.
  let waiting = waitingDots();

  function waitingDots() {
    const by = new Map();
    for (const { op } of ctx.conn.pending('vote.cast', 'vote.retract')) {
      const w = by.get(op.item) ?? { cast: 0, retract: 0 };
      if (op.kind === 'vote.cast') w.cast++;
      else w.retract++;
      by.set(op.item, w);
    }
    return by;
  }

  /**
   * dotsOn is this person's dots on item id as the page shows them: the
   * board's (server), with those waiting to be sent counted in (shown),
   * how many of those wait (cast on, or taken back), and how many waits
   * in all (sending).
   */
  function dotsOn(id) {
    const server = replica.get('myvotes', ctx.you)?.votes?.[id] ?? 0;
    const w = waiting.get(id) ?? { cast: 0, retract: 0 };
    const net = w.cast - w.retract;
    return { server, shown: Math.max(0, server + net), cast: Math.max(0, net), retract: Math.min(server, Math.max(0, -net)), sending: w.cast + w.retract };
  }

  /** dotsLeft is how many dots this person has left, those waiting to be sent counted in. */
  function dotsLeft() {
    const budget = replica.board?.settings?.votesPerParticipant ?? 0;
    let n = replica.get('myvotes', ctx.you)?.left ?? budget;
    for (const w of waiting.values()) n -= w.cast - w.retract;
    return Math.min(budget, Math.max(0, n));
  }

  function row(item) {
    const title = h('h3', { class: 'item-title' });
    const detail = item.theme ? h('ul', { class: 'item-notes' }) : null;
    const tally = h('p', { class: 'tally', 'aria-live': 'polite' });
    const dots = h('span', { class: 'dots', 'aria-hidden': 'true' });
    const count = h('span', {});
    const sending = h('span', { class: 'vote-pending', hidden: true });
    const mine = h('p', { class: 'my-dots' }, dots, count, sending);
    const cast = h('button', { type: 'button', class: 'primary cast', onclick: (ev) => act(ev.currentTarget, { kind: 'vote.cast', item: item.id }) }, t('vote.cast'));
    const retract = h('button', { type: 'button', class: 'retract', onclick: (ev) => act(ev.currentTarget, { kind: 'vote.retract', item: item.id }) }, t('vote.retract'));
    const actions = ctx.facilitator ? null : h('div', { class: 'vote-actions', 'data-refusals': '' }, cast, retract);
    const el = h('li', { class: 'vote-item', dataset: { item: item.id } }, title, detail, tally, mine, actions);
    return { el, title, detail, tally, mine, dots, count, sending, cast, retract };
  }

  // A button that cannot act is disabled, not left to be refused: no dots
  // left, or as many on this item as one person may put there; nothing of
  // one's own to take back; the board locked. The server still decides.
  // It is disabled with aria-disabled, which keeps it focusable: the last
  // dot's button keeps the focus of the person who just pressed it.
  function act(button, op) {
    if (button.getAttribute('aria-disabled') !== 'true') ctx.act(op, button);
  }

  function patchRow(r, id) {
    const title = itemTitle(replica, id);
    setText(r.title, title);
    if (r.detail) {
      r.detail.replaceChildren(...replica.all('note').filter((n) => n.theme === id).map((n) => h('li', {}, n.text)));
    }
    patchTally(r, id);
    const d = dotsOn(id);
    drawDots(r.dots, [
      ...Array(d.server - d.retract).fill('dot-vote'),
      ...Array(d.retract).fill('dot-vote leaving'),
      ...Array(d.cast).fill('dot-vote pending'),
    ]);
    setText(r.count, t('vote.mine', { n: d.shown }));
    r.count.className = d.shown || d.sending ? '' : 'sr-only';
    showWaiting(r.sending, d.sending);
    r.el.classList.toggle('voted', d.server > 0);
    if (ctx.facilitator) return;
    const board = replica.board;
    const settings = board?.settings;
    const closed = board?.locked;
    r.cast.setAttribute('aria-disabled', String(closed || dotsLeft() === 0 || d.shown >= (settings?.maxVotesPerItem ?? Infinity)));
    r.retract.setAttribute('aria-disabled', String(closed || d.shown === 0));
    r.cast.setAttribute('aria-label', t('vote.castOn', { item: title }));
    r.retract.setAttribute('aria-label', t('vote.retractFrom', { item: title }));
  }

  // While tallies are hidden from this person there is no ranking, and an
  // item says nothing of its dots (the ranking panel says why, once); once
  // they show, an item no one has voted for says so.
  function patchTally(r, id) {
    const tally = replica.get('tally', id);
    const shown = replica.get('ranking', 'ranking');
    setText(r.tally, tally ? splitText(tally) : shown ? t('vote.dots', { n: 0 }) : '');
    r.tally.hidden = !tally && !shown;
  }

  function build() {
    rows.clear();
    list.replaceChildren(...voteItems(replica).map((item) => {
      const r = row(item);
      rows.set(item.id, r);
      patchRow(r, item.id);
      return r.el;
    }));
  }

  function patchLeft() {
    setText(leftCount, t('vote.left', { n: dotsLeft() }));
    let sending = 0;
    for (const w of waiting.values()) sending += w.cast + w.retract;
    showWaiting(leftWaiting, sending);
    setText(turnout, turnoutText(replica));
  }

  function rankRow(rank, top) {
    const tally = replica.get('tally', rank.item);
    return h('li', { class: top ? 'top-item' : '', dataset: { item: rank.item } },
      h('span', { class: 'rank' }, `${rank.rank}.`), ' ',
      h('span', { class: 'rank-title' }, itemTitle(replica, rank.item)), ' ',
      h('span', { class: 'rank-votes' }, tally ? splitText(tally) : t('vote.dots', { n: rank.votes })));
  }

  function patchRanking() {
    const r = replica.get('ranking', 'ranking');
    const ranked = Boolean(r?.ranks?.length);
    panel.hidden = !ranked;
    el.classList.toggle('ranked', ranked);
    setText(unranked, ranked ? '' : t(r ? 'vote.noVotes' : 'vote.hidden'));
    unranked.hidden = ranked;
    if (!ranked) {
      ranking.replaceChildren();
      sectors.replaceChildren();
      rest.hidden = true;
      return;
    }
    sectors.replaceChildren(...sectorTops(r).map(({ role, top }) => h('section', { class: 'sector-top', dataset: { role } },
      h('h3', {}, t(`vote.topOf.${role}`)),
      h('ol', { class: 'ranking' }, top.map((rank) => h('li', { dataset: { item: rank.item } },
        h('span', { class: 'rank' }, `${rank.rank}.`), ' ',
        h('span', { class: 'rank-title' }, itemTitle(replica, rank.item)), ' ',
        h('span', { class: 'rank-votes' }, t('vote.dots', { n: rank.votes }))))))));
    const ranks = [...r.ranks].sort((a, b) => a.rank - b.rank);
    const top = ranks.filter((rank) => r.top?.includes(rank.item));
    const others = ranks.filter((rank) => !r.top?.includes(rank.item));
    ranking.replaceChildren(...top.map((rank) => rankRow(rank, true)));
    restList.replaceChildren(...others.map((rank) => rankRow(rank, false)));
    setText(restSummary, t('vote.rankingRest', { n: others.length }));
    rest.hidden = !others.length;
  }

  function update(changes) {
    let rebuild = false;
    waiting = waitingDots();
    for (const c of changes) {
      if (c.e === 'theme' || c.e === 'note' || c.e === 'ballot') rebuild = true;
      else if (c.e === 'tally' && rows.has(c.id)) patchRow(rows.get(c.id), c.id);
      else if (c.e === 'myvotes' || c.e === 'board' || c.e === 'outbox') for (const [id, r] of rows) patchRow(r, id);
      else if (c.e === 'ranking') for (const [id, r] of rows) patchTally(r, id);
    }
    if (rebuild) build();
    patchLeft();
    patchRanking();
  }

  build();
  patchLeft();
  patchRanking();
  return { el, update, eph() {}, destroy() {} };
}

/**
 * drawDots makes box hold one dot of each class in classes, in order,
 * keeping the dots it has: a dot that stays is not drawn anew, so its
 * waiting mark, which shows only after a moment, does not start over.
 */
function drawDots(box, classes) {
  while (box.children.length > classes.length) box.lastElementChild.remove();
  classes.forEach((c, i) => {
    const dot = box.children[i] ?? box.appendChild(h('span', {}));
    if (dot.className !== c) dot.className = c;
  });
}

/** showWaiting says, in el, that n changes wait to be sent, or nothing when none do. */
function showWaiting(el, n) {
  setText(el, n ? ` · ${t('conn.waiting', { n })}` : '');
  el.hidden = !n;
}
