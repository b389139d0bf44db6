// The websocket session with the server: hello and welcome, the session
// token kept per board, reconnects with jittered exponential backoff that
// resume from the last applied seq, and an outbox of ops that survives a
// dropped connection. It knows the frames of docs/protocol.md and nothing
// of the screens.

import { dial } from './socket.js';

const tokenKey = (board) => `plenary:token:${board.toUpperCase()}`;

/** savedToken is the session token this browser holds for board, if any. */
export function savedToken(board) {
  return localStorage.getItem(tokenKey(board));
}

/** saveToken keeps a token so a reload keeps the same participant. */
export function saveToken(board, token) {
  localStorage.setItem(tokenKey(board), token);
}

function forgetToken(board) {
  localStorage.removeItem(tokenKey(board));
  localStorage.removeItem(outboxKey(board));
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

// Close codes from docs/protocol.md that change what a reconnect does.
const closeBadHello = 4001;
const closeBadToken = 4003;
const closeRateLimited = 4029;

/**
 * Connection is one participant's session with one board.
 *
 * handlers: welcome(frame) once per connect, frame(frame) for snap, chg,
 * eph and presence, state(name) for connecting, connected, reconnecting
 * and offline, fatal(code, msg) when the server said not to come back
 * (bad hello or bad token).
 *
 * since() is asked at every connect for the last seq the replica applied.
 * That seq is of the epoch of the last snapshot (a name for the board's
 * history, which changes when the server's store lost the board and was
 * given it back); the hello names it, so that a server whose history is
 * another sends a fresh snapshot instead of changes that do not follow.
 * view, if set, is the hello's view ('presenter': the read-only screen the
 * room watches).
 */
export class Connection {
  constructor({ board, token, join, view, since, handlers }) {
    this.board = board;
    this.token = token;
    this.join = join;
    this.view = view;
    this.since = since;
    this.handlers = handlers;
    this.state = 'connecting';
    this.attempt = 0;
    this.nextId = opIds();
    // outbox holds every op not yet answered, in the order sent, and is
    // kept in localStorage with the ops' ids. All of it is (re)sent after
    // each welcome: an op typed while offline, or one whose answer was
    // lost with the connection or the page, is not lost, and is applied
    // once.
    this.outbox = new Map();
    if (token) for (const { id, text } of savedOutbox(board)) this.outbox.set(id, { text, resolve() {}, reject() {} });
    // epoch is that of the last snap frame, which the replica's seq
    // counts in.
    this.epoch = '';
    this.stopped = false;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => this.setState('offline');
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
  }

  start() {
    this.connect();
  }

  /** stop ends the session for good (leaving the board screen). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    this.ws?.close(1000);
  }

  connect() {
    if (this.stopped) return;
    const ws = dial();
    this.ws = ws;
    this.welcomed = false;
    const hello = () => {
      const frame = { t: 'hello', v: 1, board: this.board, view: this.view };
      if (this.token) {
        frame.token = this.token;
        const since = this.since();
        if (since > 0) {
          frame.since = since;
          if (this.epoch) frame.epoch = this.epoch;
        }
      } else {
        frame.join = this.join;
      }
      ws.send(JSON.stringify(frame));
    };
    // The socket opened at page load may be open already: its open event
    // then came before anyone listened.
    if (ws.readyState === WebSocket.OPEN) hello();
    else ws.onopen = hello;
    // A busy server puts several frames in one message, one per line.
    ws.onmessage = (ev) => {
      for (const line of ev.data.split('\n')) if (line) this.receive(JSON.parse(line));
    };
    ws.onclose = (ev) => this.closed(ws, ev);
  }

  receive(f) {
    switch (f.t) {
      case 'welcome':
        this.welcomed = true;
        this.attempt = 0;
        this.token = f.token;
        saveToken(this.board, f.token);
        this.handlers.welcome(f);
        this.setState('connected');
        for (const frame of this.outbox.values()) this.ws.send(frame.text);
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
    }
    this.handlers.frame(f);
  }

  /** answered forgets an op the server has answered. */
  answered(id) {
    this.outbox.delete(id);
    this.saveOutbox();
  }

  saveOutbox() {
    const ops = [...this.outbox].map(([id, { text }]) => ({ id, text }));
    if (ops.length) localStorage.setItem(outboxKey(this.board), JSON.stringify(ops));
    else localStorage.removeItem(outboxKey(this.board));
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
    if (ev.code === closeBadHello || ev.code === closeBadToken) {
      if (ev.code === closeBadToken) forgetToken(this.board);
      this.stopped = true;
      this.setState('offline');
      const refusal = this.helloRefusal;
      for (const op of this.outbox.values()) op.reject({ code: 'offline', msg: refusal?.msg || ev.reason });
      this.outbox.clear();
      this.saveOutbox();
      this.handlers.fatal(ev.code, refusal?.msg || ev.reason, refusal?.code);
      return;
    }
    this.setState(navigator.onLine === false ? 'offline' : 'reconnecting');
    const span = Math.min(backoffCap, backoffBase * 2 ** this.attempt++);
    const pause = ev.code === closeRateLimited ? rateLimitPause : 0;
    this.timer = setTimeout(() => this.connect(), pause + 250 + Math.random() * span);
  }

  reconnectNow() {
    if (this.stopped || this.ws?.readyState === WebSocket.OPEN) return;
    clearTimeout(this.timer);
    this.setState('reconnecting');
    this.connect();
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.state(state);
  }

  /**
   * send queues op and sends it now if connected. The promise resolves with
   * the chg that acknowledges it and rejects with the server's err frame.
   */
  send(op) {
    const id = this.nextId();
    const text = JSON.stringify({ t: 'op', id, op });
    return new Promise((resolve, reject) => {
      this.outbox.set(id, { text, resolve, reject });
      this.saveOutbox();
      if (this.welcomed && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
      else this.handlers.state(this.state); // show how many changes wait to be sent
    });
  }

  /** ephemeral sends a drag or cursor now, or never: it is not worth queuing. */
  ephemeral(frame) {
    if (this.welcomed && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ t: 'eph', ...frame }));
    }
  }
}
