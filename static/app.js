// The app's entry: routing between the three screens and the wiring of a
// board session (connection → replica → screen).
//
//   /            start: create a workshop, or type a join code
//   /j/CODE      join a workshop
//   /b/CODE      the board; the facilitator's link is /b/CODE#key=TOKEN
//   /p/CODE      the presenter view for the projector, on this browser's
//                own token for the board, else on a presenter key: the
//                console's link /p/CODE#key=KEY opens it on any machine
//
// A key travels in the fragment, which browsers never send to a server, so
// it stays out of every access log; it is moved into localStorage at once
// and taken off the address bar. A presenter's link's key is kept apart
// from the person's token, which it never replaces.

import { h, showRefusal } from './dom.js';
import { t, onLanguageChange, refusal } from './i18n.js';
import { Connection, savedToken, saveToken, savedPresenterKey, savePresenterKey } from './connection.js';
import { Replica } from './replica.js';
import { boardPath, linkKey, release, snapshot } from './socket.js';
import { connStatus } from './status.js';

// The board screen, with the screens of every phase under it, is most of
// the app's files. It loads while the board's socket connects, not before
// the app starts: the browser fetches six files at a time, and the socket
// used to wait for all of them.
const boardScreen = import('./render_board.js');
// The start and join screens load when they are shown, for the same
// reason: on a board's link the socket opens before they arrive.
const startScreen = () => import('./render_start.js');
const joinScreen = () => import('./render_join.js');
// The presenter view's module is not preloaded (index.html): only the
// projector's page needs it.
const presenterScreen = () => import('./render_presenter.js');
const presenterPath = /^\/p\/([A-Za-z0-9]{1,16})\/?$/;

const root = document.getElementById('app');
let screen = null; // the mounted start or join screen
let routed = 0; // counts routes, so a screen that loads after the next route is not shown
let session = null; // the open board: ctx, conn, its path and its screen

function navigate(path) {
  history.pushState(null, '', path);
  route();
}

/** route shows the screen of the address; it resolves once that screen is drawn. */
function route() {
  screen?.destroy();
  screen = null;
  const at = ++routed;
  const show = (load, mount) => load().then((m) => {
    if (routed === at) screen = mount(m);
  });
  const board = boardPath.exec(location.pathname);
  const presenter = presenterPath.exec(location.pathname);
  const join = /^\/j\/([A-Za-z0-9]{1,16})\/?$/.exec(location.pathname);
  const path = board ? `/b/${board[1].toUpperCase()}` : presenter ? `/p/${presenter[1].toUpperCase()}` : '';
  if (session && session.path !== path) closeSession();
  if (board) {
    openBoard(board[1].toUpperCase());
  } else if (presenter) {
    openBoard(presenter[1].toUpperCase(), true);
  } else if (join) {
    const code = join[1].toUpperCase();
    if (savedToken(code)) return navigate(`/b/${code}`);
    return show(joinScreen, ({ renderJoin }) => renderJoin(root, code, { join: (details) => joinBoard(code, details) }));
  } else {
    return show(startScreen, ({ renderStart }) => renderStart(root, { navigate }));
  }
}

/** showBoard mounts the board or presenter screen of session s once its module is here, unless s has ended or has one. */
function showBoard(s) {
  const mount = s.ctx.presenter
    ? presenterScreen().then(({ renderPresenter }) => renderPresenter)
    : boardScreen.then(({ renderBoard }) => renderBoard);
  return mount.then((render) => {
    if (session === s && !s.view) {
      s.loading?.destroy();
      s.view = render(root, s.ctx);
      keepLoaded();
    }
  });
}

// The fields the person has typed in or changed: only those hold drafts.
// The others show what the screen put there, in the screen's language.
const edited = new WeakSet();
root.addEventListener('input', (ev) => edited.add(ev.target));

/**
 * drafts is what the person has typed or chosen in the screen's fields,
 * and where the focus is, so that the screen drawn again in another
 * language gets them back. A field is known by its id (a radio button by
 * its name and value), which stays the same across languages.
 */
function drafts() {
  const key = (el) => (el.type === 'radio' ? `${el.name}=${el.value}` : el.id);
  const fields = [...root.querySelectorAll('input, textarea')].filter((el) => key(el) && edited.has(el));
  const focused = document.activeElement;
  const saved = new Map(fields.map((el) => [key(el), { value: el.value, checked: el.checked }]));
  const focus = focused && key(focused) ? { key: key(focused), start: focused.selectionStart, end: focused.selectionEnd } : null;
  return () => {
    for (const el of root.querySelectorAll('input, textarea, select')) {
      const was = saved.get(key(el));
      if (was && el.matches('input, textarea')) {
        if (el.type === 'checkbox' || el.type === 'radio') el.checked = was.checked;
        else el.value = was.value;
        edited.add(el);
      }
      if (focus?.key === key(el)) {
        el.focus();
        if (typeof el.selectionStart === 'number' && focus.start != null) el.setSelectionRange(focus.start, focus.end);
      }
    }
  };
}

/**
 * applyPresence patches the set of who is online: a session's first
 * presence frame lists everyone (online), the later ones only who came
 * and who left.
 */
function applyPresence(online, f) {
  if (f.online) {
    online.clear();
    for (const id of f.online) online.add(id);
  }
  for (const id of f.came ?? []) online.add(id);
  for (const id of f.left ?? []) online.delete(id);
}

/** showFatal replaces the page with why the workshop cannot be shown. */
function showFatal(msg) {
  root.replaceChildren(h('main', { class: 'fatal' }, h('h1', {}, t('board.closed')), h('p', { role: 'alert' }, msg),
    h('p', {}, h('a', { href: '/' }, t('board.home')))));
}

function closeSession() {
  session.loading?.destroy();
  session.view?.destroy();
  session.conn.stop();
  session = null;
}

// joinAfter is the pause before a join whose outcome the server could not
// know is sent again, in ms.
const joinAfter = 1000;
// joining is the last join sent: its board and details, and the id it was
// sent with, which it keeps while they stay the same.
let joining = null;

/**
 * joinBoard joins board code as a new participant with the join form's
 * details, over HTTP (docs/protocol.md), then opens the board with the
 * token as a returning participant does: the board comes gzipped over
 * HTTP, and the socket resumes from it. A refusal stays on the join form
 * with its message. The join's id makes a join sent again, its answer
 * lost, the same participant.
 */
function joinBoard(code, details) {
  const key = JSON.stringify([code, details]);
  if (joining?.key !== key) joining = { key, id: Array.from(crypto.getRandomValues(new Uint32Array(4)), (n) => n.toString(36)).join('') };
  const form = screen;
  const shown = () => screen === form && form;
  fetch(`/api/boards/${encodeURIComponent(code)}/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...details, id: joining.id }),
  }).then(async (res) => {
    const answer = await res.json().catch(() => ({ code: 'internal' }));
    if (res.ok) {
      saveToken(code, answer.token);
      if (!shown()) return;
      history.replaceState(null, '', `/b/${code}`);
      route();
    } else if (answer.code === 'unknown_outcome') {
      setTimeout(() => shown() && joinBoard(code, details), joinAfter * (1 + Math.random()));
    } else {
      shown()?.refused(refusal(answer) || t('join.refused'));
    }
  }, () => shown()?.refused(t('conn.offline')));
}

/**
 * openBoard starts a session with board code with the saved token;
 * presenter opens the read-only presenter view instead of the board, on
 * the presenter key when this browser holds no one's token for it.
 */
function openBoard(code, presenter = false) {
  const path = `/${presenter ? 'p' : 'b'}/${code}`;
  const key = linkKey();
  if (key) {
    if (presenter) savePresenterKey(code, key);
    else saveToken(code, key);
    history.replaceState(null, '', path);
  }
  if (session) return;
  const own = savedToken(code);
  const keyed = presenter && !own;
  const token = keyed ? savedPresenterKey(code) : own;
  if (!token && presenter) return showFatal(t('presenter.needsKey'));
  if (!token) return navigate(`/j/${code}`);

  const replica = new Replica();
  const ctx = {
    code,
    replica,
    you: '',
    facilitator: false,
    presenter,
    skew: 0,
    presence: new Set(),
    /** act sends op; a refusal is shown beside anchor. It resolves with the acknowledging chg when the op was applied, else false. */
    act: (op, anchor) => ctx.conn.send(op).then((ack) => ack, (e) => {
      showRefusal(anchor, refusal(e));
      return false;
    }),
    eph: (frame) => ctx.conn.ephemeral(frame),
  };
  // loading is the connection's status on the page shown until the
  // board is drawn: after a reload on a dead link, it says so, and how
  // many changes wait to be sent.
  const s = { path, ctx, view: null, loading: null };
  session = s;
  ctx.conn = s.conn = new Connection({
    board: code,
    token,
    view: presenter ? 'presenter' : undefined,
    keyed,
    since: () => replica.seq,
    first: snapshot(code, token, presenter ? 'presenter' : undefined),
    handlers: {
      welcome(f) {
        ctx.you = f.you;
        ctx.facilitator = f.facilitator;
        ctx.skew = Date.parse(f.now) - Date.now();
        if (location.pathname !== path) history.replaceState(null, '', path);
      },
      frame(f) {
        // The board screen is drawn once, with the board on it, when the
        // snapshot after the first welcome arrives. Drawn at the welcome,
        // an empty screen held the page's thread while the snapshot came
        // in, and was laid out twice.
        if (f.t === 'snap') {
          // The snapshot fetched over HTTP comes before the welcome, and
          // says who this is as the welcome will.
          if (f.you) {
            ctx.you = f.you;
            ctx.facilitator = f.facilitator;
          }
          replica.snap(f.seq, f.changes);
          showBoard(s);
        } else if (f.t === 'chg') replica.chg(f.seq, f.changes);
        else if (f.t === 'presence') applyPresence(ctx.presence, f);
        if (f.t === 'presence' || f.t === 'eph') s.view?.frame(f);
      },
      state: (name) => (s.view ?? s.loading)?.state(name),
      outbox: () => (s.view ?? s.loading)?.outbox(),
      fatal(closeCode, msg, refusalCode) {
        if (session === s) closeSession();
        const why = refusal({ code: refusalCode, msg });
        if (closeCode === 4003 && !presenter) {
          navigate(`/j/${code}`);
        } else {
          showFatal(why);
        }
      },
    },
  });
  const status = connStatus(ctx.conn);
  s.loading = { state: status.update, outbox: status.update, destroy: status.destroy };
  root.replaceChildren(h('div', { class: 'waiting' }, h('p', {}, t('board.loading')), status.el));
  s.conn.start();
}

onLanguageChange(() => {
  const restore = drafts();
  if (session?.view) {
    session.view.destroy();
    session.view = null;
    showBoard(session).then(restore);
  } else {
    route()?.then(restore);
  }
});
addEventListener('popstate', route);
route();
release();

// The service worker (sw.js) keeps the app's files, so a page reloaded
// with no network still opens and sends the work waiting in its outbox
// once the link is back. Without it the app works as before, online.
navigator.serviceWorker?.register('/sw.js').then(keepLoaded, () => {});

/** keepLoaded tells the service worker what this page has loaded so far, which it may not have seen go by. */
function keepLoaded() {
  navigator.serviceWorker?.ready.then((reg) => reg.active?.postMessage({
    keep: [new URL('/', location.href).href, location.href.split('#')[0],
      ...performance.getEntriesByType('resource').map((e) => e.name)],
  }));
}
