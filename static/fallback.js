// The fallback transport (docs/protocol.md, "Fallback"), for networks
// whose proxies refuse or cut websockets: what the server says comes down
// an event stream, what the page says goes up in POSTs, the very frames a
// websocket carries. FallbackSocket looks to connection.js like the
// WebSocket it replaces, so the session above it (hello, resume, outbox,
// pings) is the same on both.
//
// A proxy that holds a response until it ends lets no stream through: a
// stream that has said nothing within streamWithin is given up for long
// polls, each a stream the server ends once it has news, and the page
// keeps to polls from then on.

import { config } from './config.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

// streamWithin is how long a stream may take to bring its first bytes,
// which the server writes at once, before a buffering proxy is assumed.
const streamWithin = 5000;
// A stream, or a poll, that is silent for this many heartbeats is dead.
const heartbeats = 3;
// A stream, or a poll, is opened at most once every streamEvery: one that
// a proxy ends as soon as it starts is not opened again in a tight loop.
const streamEvery = 250;
// retryAfter is the pause before a POST refused for now (429, 503) goes
// again, when the server names none.
const retryAfter = 1000;

// polling is set for the rest of the page once a buffering proxy is found.
let polling = false;

/** lines splits a body of frames, one per line, into their texts. */
const lines = (text) => text.split('\n').filter((l) => l);

/**
 * FallbackSocket is one session over the stream and POSTs: readyState,
 * send, close, and onopen, onmessage and onclose, as a WebSocket's.
 */
export class FallbackSocket {
  constructor(board) {
    this.board = board;
    this.readyState = CONNECTING;
    this.onopen = this.onmessage = this.onclose = null;
    // hello is the page's hello; once welcomed, the next streams resume
    // with the token from seq of epoch, which the frames delivered reach.
    this.hello = null;
    this.welcomed = false;
    this.token = '';
    this.you = '';
    this.seq = 0;
    this.epoch = '';
    // queue is the frames waiting for a POST; one POST is under way at a
    // time, so ops reach the server in the order sent.
    this.queue = [];
    this.posting = false;
    // held is acknowledgements that came in a POST's answer ahead of the
    // stream: each waits for the stream to bring its seq, so the page
    // hears of the op's result once the board shows it.
    this.held = [];
    setTimeout(() => {
      if (this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      this.onopen?.();
    });
  }

  send(text) {
    if (this.readyState !== OPEN) return;
    const f = JSON.parse(text);
    if (f.t === 'hello') {
      this.hello = f;
      this.seq = f.since || 0;
      this.epoch = f.epoch || '';
      this.open();
      return;
    }
    if (f.t === 'eph') {
      // Only the latest position of a drag is worth sending.
      const same = (q) => q.eph && q.eph.kind === f.kind && q.eph.note === f.note && q.eph.theme === f.theme && q.eph.chart === f.chart;
      this.queue = this.queue.filter((q) => !same(q));
    }
    this.queue.push({ text, eph: f.t === 'eph' ? f : null });
    this.post();
  }

  close(code = 1000, reason = '') {
    this.end(code, reason);
  }

  /** end closes the session and tells the page, once. */
  end(code, reason = '') {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.stream?.abort();
    clearInterval(this.watch);
    setTimeout(() => this.onclose?.({ code, reason }));
  }

  /**
   * nextHello is the hello of the next stream: the page's first, then a
   * resume with the welcome's token. A poll's first hello asks for the
   * board whole: the page waits for it, and a poll with nothing new is
   * held for seconds.
   */
  nextHello(first) {
    if (!this.welcomed) {
      if (!first || !polling) return this.hello;
      const { since, epoch, ...whole } = this.hello;
      return whole;
    }
    const h = { t: 'hello', v: 1, board: this.board, token: this.token, view: this.hello.view };
    if (this.seq > 0) {
      h.since = this.seq;
      if (this.epoch) h.epoch = this.epoch;
    }
    return h;
  }

  /** open opens the next stream and reads it to its end. */
  async open(first = true) {
    if (this.readyState !== OPEN) return;
    const hello = this.nextHello(first);
    const poll = polling;
    const ctl = new AbortController();
    this.stream = ctl;
    const began = performance.now();
    let heard = false;
    let heardAt = performance.now();
    clearInterval(this.watch);
    this.watch = setInterval(() => {
      const silent = performance.now() - heardAt;
      if (!heard && !poll && silent > streamWithin) {
        polling = true;
        ctl.abort();
        this.open(true);
      } else if (silent > heartbeats * config.fallback.heartbeat) {
        this.end(1006);
      }
    }, 250);
    try {
      const res = await fetch(`/api/stream${poll ? '?mode=poll' : ''}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(hello),
        cache: 'no-store',
        signal: ctl.signal,
      });
      if (!res.ok) {
        this.end(res.status === 429 ? 4029 : 1013);
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.stream !== ctl) break;
        heard = true;
        heardAt = performance.now();
        buf += value;
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const event = buf.slice(0, end);
          buf = buf.slice(end + 2);
          for (const line of event.split('\n')) {
            if (line.startsWith('data: ')) this.fromStream(line.slice(6));
          }
        }
      }
    } catch {
      // Aborted, or the link failed: which is told below.
    }
    if (this.stream !== ctl || this.readyState !== OPEN) return;
    if (heard && this.welcomed) setTimeout(() => this.open(false), began + streamEvery - performance.now());
    else this.end(1006);
  }

  /** fromStream takes one frame from the stream. */
  fromStream(line) {
    const f = JSON.parse(line);
    switch (f.t) {
      case 'welcome':
        this.token = f.token;
        this.you = f.you;
        if (this.welcomed) return; // a resume's: the page has had its own
        this.welcomed = true;
        this.deliver(line);
        this.post();
        return;
      case 'close':
        this.end(f.status, f.reason);
        return;
      case 'snap':
        this.seq = f.seq;
        this.epoch = f.epoch || '';
        break;
      case 'chg':
        this.seq = Math.max(this.seq, f.seq);
        break;
      case 'eph':
        // The server passes a drag on to every stream of the board, the
        // sender's own included when its POST reached another instance.
        if (f.from === this.you) return;
        break;
    }
    this.deliver(line);
    this.release();
  }

  /** release hands the page the acknowledgements the stream has caught up with. */
  release() {
    const due = this.held.filter((a) => a.seq <= this.seq);
    if (!due.length) return;
    this.held = this.held.filter((a) => a.seq > this.seq);
    for (const a of due) this.deliver(a.line);
  }

  deliver(line) {
    if (this.readyState === OPEN) this.onmessage?.({ data: line });
  }

  /** post sends what is queued, as much as one POST may carry, one POST at a time. */
  async post() {
    if (this.posting || !this.welcomed || this.readyState !== OPEN || !this.queue.length) return;
    const { frames: most, bytes } = config.fallback;
    let size = 0;
    let n = 0;
    while (n < this.queue.length && n < most && size + this.queue[n].text.length + 1 <= bytes) size += this.queue[n++].text.length + 1;
    const batch = this.queue.splice(0, Math.max(n, 1));
    this.posting = true;
    let pause = 0;
    try {
      const res = await fetch(`/api/boards/${encodeURIComponent(this.board)}/frames`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/x-ndjson' },
        body: batch.map((q) => q.text).join('\n'),
        cache: 'no-store',
      });
      if (res.status === 401) {
        this.end(4003, 'bad token');
      } else if (res.status === 429 || res.status >= 500) {
        this.queue.unshift(...batch.filter((q) => !q.eph));
        pause = Number(res.headers.get('Retry-After')) * 1000 || retryAfter;
      } else if (!res.ok) {
        // Refused whole (too large): each op in it is refused.
        const why = await res.json().catch(() => ({}));
        for (const { text } of batch) {
          const f = JSON.parse(text);
          if (f.t === 'op') this.deliver(JSON.stringify({ t: 'err', ref: f.id, code: why.code || 'bad_frame', msg: why.msg || '' }));
        }
      } else {
        for (const line of lines(await res.text())) this.answered(line);
      }
    } catch {
      // The link failed: the session starts again, and the page sends
      // its ops again under their ids once welcomed.
      this.end(1006);
    }
    this.posting = false;
    setTimeout(() => this.post(), pause);
  }

  /** answered takes one frame of a POST's answer. */
  answered(line) {
    const f = JSON.parse(line);
    if (f.t === 'chg' && f.seq > this.seq) this.held.push({ seq: f.seq, line });
    else this.deliver(line);
  }
}
