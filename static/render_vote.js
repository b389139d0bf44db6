// The vote screen: each item on the server's ballot with its dots (add one,
// take one back), how many dots are left, live tallies (or none until the
// facilitator reveals them: the server simply does not send them) and the
// ranking: the top three overall, then the top three of each sector. The
// ranking comes first, so a phone shows the top three before the long list
// of items; the rest of the ranking is folded away under them. While there
// is no ranking to show (tallies hidden, or no dot yet) there is no panel:
// the person's dots left come first, then one line saying who has voted
// and why there is no ranking, then the ballot.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { voteItems, itemTitle, splitText, turnoutText, sectorTops } from './items.js';

/** renderVote is the vote screen. */
export function renderVote(ctx) {
  const { replica } = ctx;
  const left = h('p', { class: 'votes-left', role: 'status' });
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

  function row(item) {
    const title = h('h3', { class: 'item-title' });
    const detail = item.theme ? h('ul', { class: 'item-notes' }) : null;
    const tally = h('p', { class: 'tally', 'aria-live': 'polite' });
    const mine = h('p', { class: 'my-dots' });
    const cast = h('button', { type: 'button', class: 'primary cast', onclick: (ev) => act(ev.currentTarget, { kind: 'vote.cast', item: item.id }) }, t('vote.cast'));
    const retract = h('button', { type: 'button', class: 'retract', onclick: (ev) => act(ev.currentTarget, { kind: 'vote.retract', item: item.id }) }, t('vote.retract'));
    const actions = ctx.facilitator ? null : h('div', { class: 'vote-actions', 'data-refusals': '' }, cast, retract);
    const el = h('li', { class: 'vote-item', dataset: { item: item.id } }, title, detail, tally, mine, actions);
    return { el, title, detail, tally, mine, cast, retract };
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
    const dots = replica.get('myvotes', ctx.you)?.votes?.[id] ?? 0;
    r.mine.replaceChildren(...Array.from({ length: dots }, () => h('span', { class: 'dot-vote', 'aria-hidden': 'true' })),
      h('span', { class: dots ? '' : 'sr-only' }, t('vote.mine', { n: dots })));
    r.el.classList.toggle('voted', dots > 0);
    if (ctx.facilitator) return;
    const board = replica.board;
    const settings = board?.settings;
    const dotsLeft = replica.get('myvotes', ctx.you)?.left ?? settings?.votesPerParticipant;
    const closed = board?.locked;
    r.cast.setAttribute('aria-disabled', String(closed || dotsLeft === 0 || dots >= (settings?.maxVotesPerItem ?? Infinity)));
    r.retract.setAttribute('aria-disabled', String(closed || dots === 0));
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
    const mine = replica.get('myvotes', ctx.you);
    const budget = replica.board?.settings?.votesPerParticipant ?? 0;
    setText(left, t('vote.left', { n: mine ? mine.left : budget }));
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
    for (const c of changes) {
      if (c.e === 'theme' || c.e === 'note' || c.e === 'ballot') rebuild = true;
      else if (c.e === 'tally' && rows.has(c.id)) patchRow(rows.get(c.id), c.id);
      else if (c.e === 'myvotes' || c.e === 'board') for (const [id, r] of rows) patchRow(r, id);
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
