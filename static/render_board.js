// The board screen: a header every participant sees (title, phase, the
// timer, who you are, the connection state, the language), the
// facilitator's console, and the stage, whose content follows the phase.
// The stage is rebuilt only when the phase changes; otherwise each change
// is handed to the phase's screen to patch.

import { h, setText } from './dom.js';
import { t, languageSwitch } from './i18n.js';
import { renderCharts } from './render_charts.js';
import { renderCluster } from './render_cluster.js';
import { renderVote } from './render_vote.js';
import { renderDiscuss } from './render_discuss.js';
import { connStatus } from './status.js';

const screens = { brainstorm: renderCharts, share: renderCharts, cluster: renderCluster, vote: renderVote, discuss: renderDiscuss };

/** clock formats seconds left as m:ss. */
function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * renderBoard mounts the board screen into root and returns its handle:
 * frame(f) for eph and presence frames, state(name) for the connection,
 * outbox() when the ops waiting to be sent change, and destroy().
 */
export function renderBoard(root, ctx) {
  const { replica } = ctx;
  const title = h('h1', { class: 'board-title' });
  const phase = h('p', { class: 'phase-name' });
  // What a screen reader is told as it happens, politely: a new phase, the
  // timer's last minute and its end, the tallies revealed.
  const news = h('p', { class: 'sr-only news', role: 'status', 'aria-live': 'polite' });
  const announce = (msg) => setText(news, msg);
  const { el: timer, tick, destroy: stopTimer } = countdown(ctx, 'timer', announce);
  const who = h('p', { class: 'who' });
  const conn = connStatus(ctx.conn);
  const locked = h('p', { class: 'locked-banner', hidden: true }, t('board.locked'));
  const stage = h('main', { class: 'stage', id: 'stage' });
  // The console, with its QR code and report, is the facilitator's alone:
  // a participant's phone on a weak link never downloads it.
  let consoleView = null;
  let destroyed = false;
  const layout = h('div', { class: ctx.facilitator ? 'layout with-console' : 'layout' });
  const header = h('header', { class: 'top board-header' }, h('div', { class: 'titles' }, title, phase), timer, who, conn.el, languageSwitch(), news);
  root.replaceChildren(
    header,
    locked,
    layout);
  layout.append(stage);
  // A link that drops while the console's module is on its way fails the
  // import; it is asked for again once the board is connected again,
  // under another address, since a browser remembers a module that failed.
  let consoleLoading = false;
  let consoleTries = 0;
  function loadConsole() {
    if (!ctx.facilitator || consoleView || consoleLoading) return;
    consoleLoading = true;
    const again = consoleTries++ ? `?try=${consoleTries}` : '';
    import(`./render_console.js${again}`).then(({ renderConsole }) => {
      if (destroyed) return;
      consoleView = renderConsole(ctx);
      layout.prepend(consoleView.el);
    }, () => {
      consoleLoading = false;
    });
  }
  loadConsole();

  let view = null;
  let shownPhase = null;

  /**
   * mountStage draws the stage for the board's phase. A new phase is shown
   * from its top, just under the header, on a page left scrolled down the
   * last one. The keyboard, if it was in the stage, goes to the new
   * phase's heading: the next Tab reaches its first control, and a screen
   * reader says where the person now is.
   */
  function mountStage() {
    const was = shownPhase;
    const hadFocus = stage.contains(document.activeElement);
    view?.destroy();
    view = null;
    shownPhase = replica.board?.phase ?? null;
    const render = screens[shownPhase];
    if (!render) {
      stage.replaceChildren(h('p', { class: 'waiting' }, t('board.loading')));
      return;
    }
    view = render(ctx);
    stage.dataset.phase = shownPhase;
    const heading = h('h2', { class: 'sr-only', tabindex: '-1' }, t(`phase.${shownPhase}`));
    stage.replaceChildren(heading, view.el);
    if (shownPhase !== was) {
      const above = stage.getBoundingClientRect().top - header.getBoundingClientRect().bottom;
      if (above < 0) scrollBy(0, above);
    }
    if (hadFocus && !stage.contains(document.activeElement)) heading.focus({ preventScroll: true });
  }

  // The board as last seen, to tell what changed; null until the first.
  let seen = null;

  function patchHeader() {
    const b = replica.board;
    if (b && seen) {
      if (b.phase !== seen.phase) announce(t('news.phase', { phase: t(`phase.${b.phase}`) }));
      else if (b.revealed && !seen.revealed) announce(t('news.revealed'));
    }
    if (b) {
      seen = { phase: b.phase, revealed: b.revealed };
      setText(title, b.title);
      document.title = `${b.title} · Plenary`;
      setText(phase, t(`phase.${b.phase}`));
      locked.hidden = !b.locked;
    }
    const me = replica.get('participant', ctx.you);
    if (me) {
      const group = me.group && replica.get('group', me.group)?.name;
      setText(who, [me.name, t(me.facilitator ? 'role.facilitator' : `role.${me.role}`), group].filter(Boolean).join(' · '));
    }
    tick();
  }

  function state(name) {
    if (name === 'connected') loadConsole();
    conn.update();
  }

  const unlisten = replica.listen((changes, reset) => {
    const phaseNow = replica.board?.phase ?? null;
    if (reset || phaseNow !== shownPhase) mountStage();
    else view?.update(changes);
    consoleView?.update(changes);
    patchHeader();
  });

  mountStage();
  patchHeader();
  state(ctx.conn.state);
  return {
    frame(f) {
      if (f.t === 'presence') {
        view?.update([{ e: 'presence' }]);
        consoleView?.update([{ e: 'presence' }]);
      } else if (f.t === 'eph' && f.from !== ctx.you) {
        view?.eph(f);
      }
    },
    state,
    outbox() {
      conn.update();
      view?.update([{ e: 'outbox' }]);
    },
    destroy() {
      destroyed = true;
      stopTimer();
      conn.destroy();
      unlisten();
      view?.destroy();
    },
  };
}

/**
 * countdown is the timer of ctx's board, as the board's header and the
 * presenter view show it, hidden while none runs: el, tick() to show a
 * change to the board at once, and destroy() to stop its ticking. It is
 * computed from the board's endsAt in server time; skew (server clock
 * minus ours, from welcome) keeps every screen in step even when a
 * phone's clock is wrong. announce(msg), if given, is told when the last
 * minute starts and when time is up.
 */
export function countdown(ctx, className, announce = null) {
  const el = h('p', { class: className, role: 'timer', 'aria-live': 'off' });
  let was = null; // seconds left at the last tick, null while no timer runs
  function tick() {
    const tm = ctx.replica.board?.timer;
    const running = tm?.running && tm.endsAt;
    el.hidden = !running;
    if (!running) {
      was = null;
      return;
    }
    const left = (Date.parse(tm.endsAt) - (Date.now() + ctx.skew)) / 1000;
    if (announce && was !== null) {
      if (was > 60 && left <= 60 && left > 0) announce(t('news.lastMinute'));
      else if (was > 0 && left <= 0) announce(t('timer.up'));
    }
    was = left;
    setText(el, left > 0 ? t('timer.left', { time: clock(left) }) : t('timer.up'));
    el.classList.toggle('up', left <= 0);
  }
  const ticker = setInterval(tick, 250);
  tick();
  return { el, tick, destroy: () => clearInterval(ticker) };
}
