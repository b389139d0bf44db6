// The vote screen: each item with its dots (add one, take one back), how
// many dots are left, live tallies (or none until the facilitator reveals
// them: the server simply does not send them) and the ranking with the top
// three split by sector.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { voteItems, itemTitle, splitText } from './items.js';

/** renderVote is the vote screen. */
export function renderVote(ctx) {
  const { replica } = ctx;
  const left = h('p', { class: 'votes-left', role: 'status' });
  const list = h('ol', { class: 'vote-items' });
  const ranking = h('ol', { class: 'ranking' });
  const el = h('div', { class: 'vote' },
    h('div', { class: 'vote-main' }, ctx.facilitator ? null : left, list),
    h('aside', { class: 'ranking-panel', 'aria-labelledby': 'ranking-title' },
      h('h2', { id: 'ranking-title' }, t('vote.ranking')), ranking));
  const rows = new Map();

  function row(item) {
    const title = h('h3', { class: 'item-title' });
    const detail = item.theme ? h('ul', { class: 'item-notes' }) : null;
    const tally = h('p', { class: 'tally', 'aria-live': 'polite' });
    const mine = h('p', { class: 'my-dots' });
    const actions = ctx.facilitator ? null : h('div', { class: 'vote-actions', 'data-refusals': '' },
      h('button', { type: 'button', class: 'primary cast', onclick: (ev) => ctx.act({ kind: 'vote.cast', item: item.id }, ev.currentTarget) }, t('vote.cast')),
      h('button', { type: 'button', class: 'retract', onclick: (ev) => ctx.act({ kind: 'vote.retract', item: item.id }, ev.currentTarget) }, t('vote.retract')));
    const el = h('li', { class: 'vote-item', dataset: { item: item.id } }, title, detail, tally, mine, actions);
    return { el, title, detail, tally, mine };
  }

  function patchRow(r, id) {
    const title = itemTitle(replica, id);
    setText(r.title, title);
    if (r.detail) {
      r.detail.replaceChildren(...replica.all('note').filter((n) => n.theme === id).map((n) => h('li', {}, n.text)));
    }
    const tally = replica.get('tally', id);
    setText(r.tally, tally ? splitText(tally) : t('vote.hidden'));
    const dots = replica.get('myvotes', ctx.you)?.votes?.[id] ?? 0;
    r.mine.replaceChildren(...Array.from({ length: dots }, () => h('span', { class: 'dot-vote', 'aria-hidden': 'true' })),
      h('span', { class: dots ? '' : 'sr-only' }, t('vote.mine', { n: dots })));
    r.el.classList.toggle('voted', dots > 0);
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
  }

  function patchRanking() {
    const r = replica.get('ranking', 'ranking');
    if (!r || !r.ranks?.length) {
      ranking.replaceChildren(h('li', { class: 'waiting' }, t(r ? 'vote.noVotes' : 'vote.hidden')));
      return;
    }
    ranking.replaceChildren(...[...r.ranks].sort((a, b) => a.rank - b.rank).map((rank) => {
      const tally = replica.get('tally', rank.item);
      return h('li', { class: r.top?.includes(rank.item) ? 'top' : '', dataset: { item: rank.item } },
        h('span', { class: 'rank' }, `${rank.rank}.`), ' ',
        h('span', { class: 'rank-title' }, itemTitle(replica, rank.item)), ' ',
        h('span', { class: 'rank-votes' }, tally ? splitText(tally) : t('vote.dots', { n: rank.votes })));
    }));
  }

  function update(changes) {
    let rebuild = false;
    for (const c of changes) {
      if (c.e === 'theme' || c.e === 'note') rebuild = true;
      else if (c.e === 'tally' && rows.has(c.id)) patchRow(rows.get(c.id), c.id);
      else if (c.e === 'myvotes') for (const [id, r] of rows) patchRow(r, id);
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
