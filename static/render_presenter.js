// The presenter view: the screen the room watches on the projector. It has
// no controls; it follows the facilitator's phase and spotlight in type
// read from the back of the room, with the timer large in its corner. It
// shows only what a participant may see: the server sends it the
// participants' view (hello's view "presenter"), so hidden tallies never
// reach this page, whoever's token opened it.
//
// What it shows, a scene at a time: the lobby (the join code and QR code)
// until the first note; in brainstorm, each group's counts over the charts;
// the charts in share and the canvas in cluster, fitted to the screen; in
// vote, who has voted, and the ranking with the top three large, each
// item's sectors as bars and the top three of each sector (or the ideas on
// the ballot while tallies are hidden); in discuss, the top three with what
// was agreed.

import { h, setText } from './dom.js';
import { t } from './i18n.js';
import { qrSVG } from './qr.js';
import { byId } from './replica.js';
import { renderCharts } from './render_charts.js';
import { renderCluster } from './render_cluster.js';
import { voteItems, itemTitle, splitBars, turnoutText, sectorTops, discussFields, headcount } from './items.js';
import { countdown } from './render_board.js';
import { connStatus } from './status.js';
import { joinLink } from './config.js';

/** restShown is how many items after the top three the ranking lists: as many as a projector shows in large type beside the sectors' top three. */
const restShown = 6;

/** sceneOf is which scene the room is shown of the board now. */
function sceneOf(replica) {
  const phase = replica.board?.phase;
  if (phase === 'brainstorm' && !replica.all('note').length) return 'lobby';
  return phase ?? null;
}

/**
 * renderPresenter mounts the presenter view into root and returns its
 * handle, as renderBoard does: frame(f) for eph and presence frames,
 * state(name) for the connection, and destroy().
 */
export function renderPresenter(root, ctx) {
  const { replica } = ctx;
  const joinUrl = joinLink(ctx.code);
  const title = h('h1', { class: 'presenter-title' });
  const phase = h('p', { class: 'presenter-phase' });
  const join = h('p', { class: 'presenter-join' }, t('presenter.joinAt', { link: joinUrl.replace(/^https?:\/\//, ''), code: ctx.code }));
  const conn = connStatus(ctx.conn, 'presenter-conn');
  conn.el.hidden = ctx.conn.state === 'connected';
  const timer = countdown(ctx, 'timer presenter-timer');
  const stage = h('main', { class: 'presenter-stage' });
  const el = h('div', { class: 'presenter' },
    h('header', { class: 'presenter-strip' }, h('div', { class: 'presenter-titles' }, title, phase), join, conn.el, timer.el),
    stage);
  root.replaceChildren(el);

  const scenes = { lobby: () => lobby(ctx, joinUrl), brainstorm: () => brainstorm(ctx), share: () => fitted(renderCharts, ctx),
    cluster: () => fitted(renderCluster, ctx), vote: () => vote(ctx), discuss: () => discuss(ctx) };
  let scene = null;
  let shown = null;

  function mountScene() {
    scene?.destroy();
    scene = null;
    shown = sceneOf(replica);
    el.dataset.scene = shown ?? '';
    if (!scenes[shown]) {
      stage.replaceChildren(h('p', { class: 'waiting' }, t('board.loading')));
      return;
    }
    scene = scenes[shown]();
    stage.replaceChildren(scene.el);
  }

  function patchStrip() {
    const b = replica.board;
    if (!b) return;
    setText(title, b.title);
    document.title = `${b.title} · Plenary`;
    const spotlit = b.phase === 'share' && b.spotlight && replica.get('group', b.spotlight)?.name;
    setText(phase, [t(`phase.${b.phase}`), spotlit].filter(Boolean).join(' · '));
    timer.tick();
  }

  const unlisten = replica.listen((changes, reset) => {
    if (reset || sceneOf(replica) !== shown) mountScene();
    else scene?.update(changes);
    patchStrip();
  });

  mountScene();
  patchStrip();
  return {
    frame(f) {
      if (f.t === 'presence') scene?.update([{ e: 'presence' }]);
      else if (f.t === 'eph') scene?.eph(f);
    },
    state(name) {
      conn.el.hidden = name === 'connected';
      conn.update();
    },
    outbox() {},
    destroy() {
      timer.destroy();
      conn.destroy();
      unlisten();
      scene?.destroy();
    },
  };
}

/** still is a scene drawn from the replica alone, drawn again by draw when what it shows changes. */
function still(el, draw, shows) {
  draw();
  return {
    el,
    update(changes) {
      if (changes.some((c) => shows.includes(c.e))) draw();
    },
    eph() {},
    destroy() {},
  };
}

/** lobby invites the room in: the QR code of the join link, the code and the link, large. */
function lobby(ctx, joinUrl) {
  const { replica } = ctx;
  const count = h('p', { class: 'lobby-count', role: 'status' });
  const prompt = h('p', { class: 'lobby-prompt' });
  const el = h('section', { class: 'presenter-lobby' },
    qrSVG(joinUrl, t('start.qr')),
    h('div', { class: 'lobby-text' },
      h('h2', {}, t('join.title')),
      h('p', { class: 'lobby-code' }, t('start.code'), ' ', h('strong', { class: 'code' }, ctx.code)),
      h('p', { class: 'lobby-link' }, joinUrl),
      count,
      prompt));
  return still(el, () => {
    setText(count, t('presenter.people', { n: headcount(replica).n }));
    setText(prompt, replica.board?.prompt ?? '');
  }, ['people', 'board']);
}

/**
 * fitted mounts a shared surface (the charts or the canvas) read-only in a
 * box of the stage's height, which it fills with everything fitted.
 */
function fitted(render, ctx) {
  const view = render(ctx);
  return { ...view, el: h('div', { class: 'presenter-board' }, view.el) };
}

/** brainstorm is each group's notes and people, counted live, over the groups' charts. */
function brainstorm(ctx) {
  const { replica } = ctx;
  const counts = h('ol', { class: 'group-counts' });
  const charts = fitted(renderCharts, ctx);
  const draw = () => {
    const notes = replica.all('note');
    const members = replica.all('participant');
    counts.replaceChildren(...replica.all('group').sort(byId).map((g) => h('li', { class: 'group-count', dataset: { group: g.id } },
      h('span', { class: 'group-count-name' }, g.name),
      h('span', { class: 'group-count-notes' }, t('presenter.notes', { n: notes.filter((n) => n.chart === g.id).length })),
      h('span', { class: 'group-count-people' }, t('presenter.members', { n: members.filter((p) => p.group === g.id).length })))));
  };
  const counted = still(h('div', { class: 'presenter-brainstorm' }, counts, charts.el), draw, ['note', 'group', 'participant']);
  return {
    ...counted,
    update(changes) {
      counted.update(changes);
      charts.update(changes);
    },
    eph: charts.eph,
    destroy: charts.destroy,
  };
}

/**
 * vote is the ranking as the server sends it: none while tallies are
 * hidden (then the ideas on the ballot), the top three large once there
 * is one, the top three of each sector, and the next few below, every
 * item with its sectors as bars. Who has voted shows throughout.
 */
function vote(ctx) {
  const { replica } = ctx;
  const el = h('section', { class: 'presenter-vote' });
  const draw = () => {
    const ranking = replica.get('ranking', 'ranking');
    const ranks = [...(ranking?.ranks ?? [])].sort((a, b) => a.rank - b.rank);
    if (!ranks.length) {
      const items = voteItems(replica);
      el.replaceChildren(
        h('h2', { class: 'presenter-status' }, t(ranking ? 'vote.noVotes' : 'vote.hidden')),
        h('p', { class: 'presenter-sub' }, turnoutText(replica), ' · ', t('presenter.items', { n: items.length })),
        h('ol', { class: 'ballot' }, items.map((item) => h('li', { dataset: { item: item.id } }, itemTitle(replica, item.id)))));
      return;
    }
    const most = ranks[0].votes;
    const top = ranks.filter((r) => ranking.top.includes(r.item));
    const rest = ranks.filter((r) => !ranking.top.includes(r.item));
    const bars = (r) => splitBars(replica.get('tally', r.item), most);
    el.replaceChildren(
      h('h2', { class: 'sr-only' }, t('vote.ranking')),
      h('p', { class: 'presenter-sub' }, turnoutText(replica)),
      h('ol', { class: 'presenter-top' }, top.map((r) => h('li', { class: 'top-item', dataset: { item: r.item, rank: r.rank } },
        h('p', { class: 'top-rank' }, String(r.rank)),
        h('h3', { class: 'top-title' }, itemTitle(replica, r.item)),
        h('p', { class: 'top-votes' }, t('vote.dots', { n: r.votes })),
        bars(r)))),
      h('div', { class: 'presenter-sectors' }, sectorTops(ranking).map(({ role, top }) => h('section', { class: 'sector-top', dataset: { role } },
        h('h3', {}, t(`vote.topOf.${role}`)),
        h('ol', {}, top.map((r) => h('li', { dataset: { item: r.item, rank: r.rank } },
          h('span', { class: 'rest-rank' }, `${r.rank}.`), ' ', itemTitle(replica, r.item), ' ',
          h('span', { class: 'rest-votes' }, `· ${t('vote.dots', { n: r.votes })}`))))))),
      h('ol', { class: 'presenter-rest' }, rest.slice(0, restShown).map((r) => h('li', { class: 'rest-item', dataset: { item: r.item, rank: r.rank } },
        h('p', { class: 'rest-head' }, h('span', { class: 'rest-rank' }, `${r.rank}.`), ' ', itemTitle(replica, r.item), ' ',
          h('span', { class: 'rest-votes' }, `· ${t('vote.dots', { n: r.votes })}`)),
        bars(r)))),
      rest.length > restShown ? h('p', { class: 'presenter-more' }, t('presenter.more', { n: rest.length - restShown })) : '');
  };
  return still(el, draw, ['ranking', 'tally', 'turnout', 'ballot', 'theme', 'note', 'people']);
}

/** discuss is the top three, each with what was agreed: how, who owns it and the next step. */
function discuss(ctx) {
  const { replica } = ctx;
  const el = h('section', { class: 'presenter-discuss' });
  const draw = () => {
    const ranking = replica.get('ranking', 'ranking');
    const top = (ranking?.ranks ?? []).filter((r) => ranking.top.includes(r.item)).sort((a, b) => a.rank - b.rank);
    if (!top.length) {
      el.replaceChildren(h('p', { class: 'presenter-status' }, t('discuss.none')));
      return;
    }
    el.replaceChildren(...top.map((r) => {
      const d = replica.get('discussion', r.item) ?? {};
      const tally = replica.get('tally', r.item);
      return h('article', { class: 'agreed', dataset: { item: r.item } },
        h('p', { class: 'agreed-rank' }, t('discuss.rank', { n: r.rank })),
        h('h2', { class: 'agreed-title' }, itemTitle(replica, r.item)),
        tally ? splitBars(tally, top[0].votes) : null,
        h('dl', {}, discussFields.flatMap(({ name: field }) => [
          h('dt', {}, t(`discuss.${field}`)),
          h('dd', { class: `agreed-${field}` }, d[field] || '—')])));
    }));
  };
  return still(el, draw, ['ranking', 'tally', 'discussion', 'theme', 'note']);
}
