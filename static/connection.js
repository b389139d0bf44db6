// The websocket session with the server: hello and welcome, the session
// token kept per board, reconnects with jittered exponential backoff that
// resume from the last applied seq, and an outbox of ops that survives a
// dropped connection. It knows the frames of docs/protocol.md and nothing
// of the screens.

import { dial, resume, tokenKey } from './socket.js';

/** savedToken is the session token this browser holds for board, if any. */
export function savedToken(board) {
  return localStorage.getItem(tokenKey(board));
}

/** saveToken keeps a token so a reload keeps the same participant. */
export function saveToken(board, token) {
  localStorage.setItem(tokenKey(board), token);
}

// A presenter key (docs/protocol.md) opens a board's presenter view and
// nothing else. It is kept apart from the person's token, which it must
// never replace: a room PC that later joins, or the facilitator's laptop
// opening the projector's link, stays who it is.
const presenterKeyKey = (board) => `plenary:presenter:${board.toUpperCase()}`;

/** savedPresenterKey is the presenter key this browser holds for board, if any. */
export function savedPresenterKey(board) {
  return localStorage.getItem(presenterKeyKey(board));
}

/** savePresenterKey keeps a presenter's link's key for board. */
export function savePresenterKey(board, key) {
  localStorage.setItem(presenterKeyKey(board), key);
}

// The ops not yet answered are kept with their ids, so that after a reload
// they are sent again under the same ids: an op's id is its idempotency
// key (docs/protocol.md), and the server applies it at most once however
// often it arrives.
const outboxKey = (board) => `plenary:outbox:${board.toUpperCase()}`;

function savedOutbox(board) {
  try {
    return JSON.parse(localStorage.getItem(outboxKey(board))) || [];
  } catch {
    return [];
  }
}

// opIds makes op ids no other page of this browser, before or after a
// reload, gives: a random prefix per page, then a count.
function opIds() {
  const prefix = 'c' + crypto.getRandomValues(new Uint32Array(1))[0].toString(36) + '.';
  let next = 1;
  return () => prefix + next++;
}

// Backoff: full jitter over an exponentially growing window, so a room of
// phones that lost the same Wi-Fi does not come back in one burst.
const backoffBase = 500;
const backoffCap = 15000;
const rateLimitPause = 10000;
// An op answered unknown_outcome (the store did not answer in time) is
// sent again, with its id, after this pause and a jitter as long.
const resendPause = 1000;

// Liveness. A socket's own events come late or never when a link dies
// without closing (a phone out of signal, a laptop's Wi-Fi gone): the
// socket stays open while nothing crosses it. So a connection that has
// heard nothing for quietFor pings (docs/protocol.md), and one whose ping
// is not answered within answerWithin is given up: the page says so
// within five seconds (quietFor + answerWithin + checkEvery). Until the
// board's state has arrived, which on a weak link can be a snapshot of
// seconds in one message, silence is allowed for syncWithin; a socket not
// open within openWithin is given up.
const quietFor = 1500;
const answerWithin = 2750;
const syncWithin = 30000;
const openWithin = 10000;
const checkEvery = 250;

// A proxy that refuses websockets, or cuts them once open, makes each
// fail at once: after blockedAfter websockets in a row that closed
// abnormally before they had been open shortLived, the session goes over
// the fallback (fallback.js, docs/protocol.md), and a websocket is tried
// again every websocketRetry.
const blockedAfter = 2;
const shortLived = 5000;
const websocketRetry = 120000;

// Close codes from docs/protocol.md that change what a reconnect does.
const closeBadHello = 4001;
const closeBadToken = 4003;
const closeRateLimited = 4029;

/** drop closes a socket without waiting for, or hearing, anything more from it. */
function drop(ws) {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.close();
}

/**
 * Connection is one participant's session with one board.
 *
 * handlers: welcome(frame) once per connect, frame(frame) for snap, chg,
 * eph and presence, state(name) for connecting, connected, reconnecting
 * and offline (and again when the next try's time or the ops waiting
 * change), outbox() when an op is queued or answered, fatal(code, msg)
 * when the server said not to come back (bad hello or bad token).
 *
 * The state is what the link does, not what the socket says: connected
 * once the board's state has arrived and while the server answers;
 * reconnecting while a try is under way or waits for retryAt; offline
 * while the browser says it has no network.
 *
 * since() is asked at every connect for the last seq the replica applied.
 * That seq is of the epoch of the last snapshot (a name for the board's
 * history, which changes when the server's store lost the board and was
 * given it back); the hello names it, so that a server whose history is
 * another sends a fresh snapshot instead of changes that do not follow.
 * view, if set, is the hello's view ('presenter': the read-only screen the
 * room watches). A presenter view sends no ops, so it keeps no outbox and
 * leaves the board's to the person's own pages. keyed says token is a
 * presenter key, kept (and forgotten) apart from the person's token.
 *
 * first, if set, is the board's snapshot on its way over HTTP (a promise
 * of socket.js's snapshot()): it is handled as the socket's snap frame
 * would be, and hellos wait for it, so the socket resumes from its seq
 * instead of sending the board again. Each later connect does the same
 * with what it missed (catchUp).
 */
export class Connection {
  constructor({ board, token, view, keyed = false, since, first, handlers }) {
    this.board = board;
    this.token = token;
    this.view = view;
    // tokenAt is where the token is kept; outboxAt where the outbox is,
    // if the session has one.
    this.tokenAt = keyed ? presenterKeyKey(board) : tokenKey(board);
    this.outboxAt = view ? null : outboxKey(board);
    this.since = since;
    this.handlers = handlers;
    this.state = 'connecting';
    this.attempt = 0;
    // retryAt is when the next try starts (Date.now()), 0 while one is
    // under way.
    this.retryAt = 0;
    this.nextId = opIds();
    // outbox holds every op not yet answered, in the order sent, and is
    // kept in localStorage with the ops' ids. All of it is (re)sent after
    // each welcome: an op typed while offline, or one whose answer was
    // lost with the connection or the page, is not lost, and is applied
    // once.
    this.outbox = new Map();
    if (token && this.outboxAt) for (const { id, text } of savedOutbox(board)) this.outbox.set(id, { op: JSON.parse(text).op, text, resolve() {}, reject() {} });
    // epoch is that of the last snap frame, which the replica's seq
    // counts in.
    this.epoch = '';
    // blocked counts the websockets in a row that failed as blocked ones
    // do; fallback is fallback.js while the session is carried by it,
    // and spare a websocket found to get through, for the next connect.
    this.blocked = 0;
    this.fallback = null;
    this.spare = null;
    this.first = first?.then((f) => {
      this.first = null;
      if (f && !this.stopped) this.receive(f);
    });
    this.stopped = false;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => {
      this.setState('offline');
      this.probe();
    };
    // A page brought back to the screen may have slept through a dead link.
    this.onVisible = () => document.visibilityState === 'visible' && this.probe();
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  start() {
    this.checker = setInterval(() => this.check(), checkEvery);
    this.connect();
  }

  /** stop ends the session for good (leaving the board screen). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    clearInterval(this.checker);
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.ws?.close(1000);
  }

  connect() {
    if (this.stopped) return;
    this.retryAt = 0;
    const ws = this.socket();
    this.ws = ws;
    this.openedAt = 0;
    this.welcomed = false;
    this.synced = false;
    this.heardAt = performance.now();
    this.pingedAt = 0;
    this.handlers.state(this.state); // no countdown while trying
    const hello = () => {
      this.heardAt = this.openedAt = performance.now();
      const frame = { t: 'hello', v: 1, board: this.board, view: this.view };
      frame.token = this.token;
      const since = this.since();
      if (since > 0) {
        frame.since = since;
        if (this.epoch) frame.epoch = this.epoch;
      }
      ws.send(JSON.stringify(frame));
    };
    const first = this.first ?? this.catchUp(ws);
    const open = () => (first ? first.then(() => ws === this.ws && ws.readyState === WebSocket.OPEN && hello()) : hello());
    // The socket opened at page load may be open already: its open event
    // then came before anyone listened.
    if (ws.readyState === WebSocket.OPEN) open();
    else ws.onopen = open;
    // A busy server puts several frames in one message, one per line.
    ws.onmessage = (ev) => {
      this.heardAt = performance.now();
      for (const line of ev.data.split('\n')) if (line) this.receive(JSON.parse(line));
    };
    ws.onclose = (ev) => this.closed(ws, ev);
  }

  /**
   * catchUp fetches what a reconnect missed over HTTP, gzipped, while ws
   * opens, and takes it in as ws's frames: the hello then resumes from
   * after it, and the socket, uncompressed, sends only what came since.
   * It is null when there is nothing to resume from, and resolves as soon
   * as the answer is taken in or given up.
   */
  catchUp(ws) {
    const since = this.token ? this.since() : 0;
    if (since <= 0) return null;
    return resume(this.board, this.token, this.view, since, this.epoch).then((frames) => {
      if (ws !== this.ws || this.stopped) return;
      for (const f of frames) this.receive(f);
    });
  }

  /** socket is the next connection's: the fallback's while websockets do not get through, else a websocket. */
  socket() {
    if (this.fallback) return new this.fallback.FallbackSocket(this.board);
    const ws = this.spare ?? dial();
    this.spare = null;
    return ws;
  }

  /** transport says what carries the session: 'websocket' or 'fallback'. */
  get transport() {
    return this.fallback ? 'fallback' : 'websocket';
  }

  /**
   * noticeBlocked counts the websockets that fail as blocked ones do, and
   * turns to the fallback after blockedAfter of them in a row. A fallback
   * that fails before its welcome does no better: the link itself is
   * down, and websockets are tried again.
   */
  noticeBlocked(ev) {
    if (this.fallback) {
      if (!this.welcomed) {
        this.fallback = null;
        this.blocked = 0;
      }
      return;
    }
    if (ev.code !== 1006 || (this.openedAt && performance.now() - this.openedAt > shortLived)) {
      this.blocked = 0;
      return;
    }
    // Fetched while the next websocket is tried; on a link that is down
    // it is fetched again next time.
    this.fallbackModule ??= import('./fallback.js').catch(() => {
      this.fallbackModule = null;
    });
    if (++this.blocked < blockedAfter) return;
    this.fallbackModule.then((m) => {
      if (!m || this.stopped || this.fallback) return;
      this.fallback = m;
      this.retryWebsocket();
    });
  }

  /**
   * retryWebsocket opens a websocket every websocketRetry while on the
   * fallback; one that stays open shortLived carries the session from
   * then on. The queued ops go again under their ids after its welcome.
   */
  retryWebsocket() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.stopped || !this.fallback) return;
      const ws = dial();
      ws.onclose = () => this.retryWebsocket();
      ws.onopen = () => setTimeout(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (this.stopped) return drop(ws);
        ws.onopen = ws.onclose = null;
        this.fallback = null;
        this.blocked = 0;
        this.spare = ws;
        clearTimeout(this.timer);
        if (this.ws && !this.retryAt) drop(this.ws);
        this.connect();
      }, shortLived);
    }, websocketRetry);
  }

  /**
   * check gives up a socket that has gone silent (see quietFor), and
   * pings one that has been quiet.
   */
  check() {
    const ws = this.ws;
    if (this.stopped || this.retryAt || !ws) return;
    const now = performance.now();
    const silent = now - this.heardAt;
    if (ws.readyState !== WebSocket.OPEN) {
      if (silent > openWithin) this.abandon(ws);
    } else if (!this.synced) {
      if (silent > syncWithin) this.abandon(ws);
    } else if (this.pingedAt > this.heardAt) {
      // Timed from the ping, not from the silence: a background tab's
      // timers may run a minute apart.
      if (now - this.pingedAt > answerWithin) this.abandon(ws);
    } else if (silent > quietFor) {
      this.probe();
    }
  }

  /** probe pings the server now (when the link may have changed), unless a ping waits for its answer. */
  probe() {
    if (!this.synced || this.ws.readyState !== WebSocket.OPEN || this.pingedAt > this.heardAt) return;
    this.ws.send('{"t":"ping"}');
    this.pingedAt = performance.now();
  }

  /**
   * abandon gives up a socket that no longer answers. Its close handshake
   * could wait on the dead link for a minute, so it is not waited for.
   */
  abandon(ws) {
    drop(ws);
    this.closed(ws, { code: 1006 });
  }

  receive(f) {
    switch (f.t) {
      case 'welcome':
        this.welcomed = true;
        this.attempt = 0;
        this.token = f.token;
        localStorage.setItem(this.tokenAt, f.token);
        this.handlers.welcome(f);
        for (const frame of this.outbox.values()) this.ws.send(frame.text);
        return;
      case 'pong':
        this.setState('connected');
        return;
      case 'err':
        if (f.ref && this.outbox.has(f.ref) && f.code === 'unknown_outcome') {
          this.resendLater(f.ref);
        } else if (f.ref && this.outbox.has(f.ref)) {
          this.outbox.get(f.ref).reject(f);
          this.answered(f.ref);
        } else if (!this.welcomed) {
          this.helloRefusal = f;
        }
        return;
      case 'snap':
        this.epoch = f.epoch || '';
        break;
      case 'chg':
        if (f.ref && this.outbox.has(f.ref)) {
          this.outbox.get(f.ref).resolve(f);
          this.answered(f.ref);
        }
        break;
      case 'presence':
        // The first presence frame after the welcome follows the board's
        // state: the page is up to date.
        if (f.online && this.welcomed) this.synced = true;
        break;
    }
    if (this.synced) this.setState('connected');
    this.handlers.frame(f);
  }

  /** answered forgets an op the server has answered. */
  answered(id) {
    this.outbox.delete(id);
    this.saveOutbox();
  }

  saveOutbox() {
    if (this.outboxAt) {
      const ops = [...this.outbox].map(([id, { text }]) => ({ id, text }));
      if (ops.length) localStorage.setItem(this.outboxAt, JSON.stringify(ops));
      else localStorage.removeItem(this.outboxAt);
    }
    this.handlers.outbox();
  }

  /** forget drops the token the server refused, and the ops that waited on it. */
  forget() {
    localStorage.removeItem(this.tokenAt);
    if (this.outboxAt) localStorage.removeItem(this.outboxAt);
  }

  /**
   * resendLater sends an op whose outcome the server could not know again,
   * with the same id: the first try may have been applied, and the answer
   * to this one says how. A reconnect meanwhile sends it anyway.
   */
  resendLater(id) {
    const ws = this.ws;
    setTimeout(() => {
      const op = this.outbox.get(id);
      if (op && ws === this.ws && this.welcomed && ws.readyState === WebSocket.OPEN) ws.send(op.text);
    }, resendPause * (1 + Math.random()));
  }

  closed(ws, ev) {
    if (ws !== this.ws || this.stopped) return;
    this.synced = false;
    this.noticeBlocked(ev);
    if (ev.code === closeBadHello || ev.code === closeBadToken) {
      if (ev.code === closeBadToken) this.forget();
      this.stopped = true;
      clearInterval(this.checker);
      this.setState('offline');
      const refusal = this.helloRefusal;
      for (const op of this.outbox.values()) op.reject({ code: 'offline', msg: refusal?.msg || ev.reason });
      this.outbox.clear();
      this.saveOutbox();
      this.handlers.fatal(ev.code, refusal?.msg || ev.reason, refusal?.code);
      return;
    }
    const span = Math.min(backoffCap, backoffBase * 2 ** this.attempt++);
    const pause = (ev.code === closeRateLimited ? rateLimitPause : 0) + 250 + Math.random() * span;
    this.retryAt = Date.now() + pause;
    this.timer = setTimeout(() => this.connect(), pause);
    if (navigator.onLine === false) this.setState('offline');
    else if (this.state === 'reconnecting') this.handlers.state(this.state);
    else this.setState('reconnecting');
  }

  /** reconnectNow tries at once: the browser is back online, or the person asked. */
  reconnectNow() {
    if (this.stopped) return;
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.probe();
      return;
    }
    clearTimeout(this.timer);
    // A try begun while offline may hang on a link that is gone.
    if (this.ws && !this.retryAt) drop(this.ws);
    this.setState('reconnecting');
    this.connect();
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.state(state);
  }

  /**
   * pending is every op not yet answered, in the order sent: [{ id, op }];
   * given kinds, only the ops of those kinds. A screen shows them where
   * they will be (a note, a dot), marked as waiting to be sent, and asks
   * again when outbox() says they changed.
   */
  pending(...kinds) {
    return [...this.outbox].filter(([, { op }]) => !kinds.length || kinds.includes(op.kind)).map(([id, { op }]) => ({ id, op }));
  }

/**
   * send queues op and sends it now if connected. The promise resolves with
   * the chg that acknowledges it and rejects with the server's err frame.
   */
  send(op) {
    const id = this.nextId();
    const text = JSON.stringify({ t: 'op', id, op });
    return new Promise((resolve, reject) => {
      this.outbox.set(id, { op, text, resolve, reject });
      this.saveOutbox();
      if (this.welcomed && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    });
  }

  /** ephemeral sends a drag or cursor now, or never: it is not worth queuing. */
  ephemeral(frame) {
    if (this.welcomed && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ t: 'eph', ...frame }));
    }
  }
}
