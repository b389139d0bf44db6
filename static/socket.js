// The board's websocket, asked for by the page's first script. On a board's
// link the handshake then runs while the rest of the app loads and starts,
// instead of after it: in a fresh Chromium the app's modules take about
// 100 ms to run, and on a weak link every one of them must arrive first.
// connection.js takes this socket for its first connect. The board's
// snapshot is asked for here too, over HTTP, for the same reason.

const url = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

/** boardPath matches a board's link, /b/CODE, and captures the code. */
export const boardPath = /^\/b\/([A-Za-z0-9]{1,16})\/?$/;

/** tokenKey is where localStorage keeps this browser's session token for board. */
export const tokenKey = (board) => `plenary:token:${board.toUpperCase()}`;

/** linkKey is the token a facilitator's link carries after #key=, if any. */
export function linkKey() {
  const key = /^#key=(.+)$/.exec(location.hash);
  return key ? decodeURIComponent(key[1]) : null;
}

// Only a board's link opens a socket at once; the start and join screens
// open none until a board is chosen.
let early = boardPath.test(location.pathname) ? new WebSocket(url()) : null;

// snapshotWithin bounds the wait for the board's snapshot over HTTP, in
// ms: a stalled request would hold the hello; the socket then brings it.
const snapshotWithin = 20000;

/**
 * fetchSnapshot asks for the board's snapshot over HTTP, gzipped, as the
 * token's holder would be sent it on the socket (docs/protocol.md): the
 * socket's is uncompressed. It resolves with the snap frame, or null when
 * it cannot be had within snapshotWithin (the socket then brings it: the
 * hello waits for this).
 */
function fetchSnapshot(board, token, view) {
  const query = view ? `?view=${encodeURIComponent(view)}` : '';
  const signal = AbortSignal.timeout(snapshotWithin);
  return fetch(`/api/boards/${encodeURIComponent(board)}/snapshot${query}`, { headers: { Authorization: `Bearer ${token}` }, signal })
    .then((resp) => (resp.ok ? resp.json() : null))
    .catch(() => null);
}

// resumeWithin bounds the wait for what a reconnect missed, over HTTP, in
// ms: the hello waits for it, and on a link too slow for it the socket
// brings the same.
const resumeWithin = 5000;

/**
 * resume asks, over HTTP and gzipped, for what the token's holder missed
 * after since, a seq of epoch (docs/protocol.md, "Resume"): the frames
 * the socket would send after a hello with them, or the board's snapshot
 * when the server no longer holds them all. It resolves with those frames
 * in order, none when it cannot have them within resumeWithin.
 */
export function resume(board, token, view, since, epoch) {
  const query = new URLSearchParams({ since, epoch });
  if (view) query.set('view', view);
  const signal = AbortSignal.timeout(resumeWithin);
  return fetch(`/api/boards/${encodeURIComponent(board)}/snapshot?${query}`, { headers: { Authorization: `Bearer ${token}` }, signal })
    .then((resp) => (resp.ok ? resp.text() : ''))
    .then((text) => text.split('\n').filter((line) => line).map((line) => JSON.parse(line)))
    .catch(() => []);
}

// A board's link asks for the board's snapshot at once too, with the
// token this browser holds for it, while the app's modules load.
const earlyBoard = boardPath.exec(location.pathname)?.[1].toUpperCase();
const earlyToken = earlyBoard && (linkKey() ?? localStorage.getItem(tokenKey(earlyBoard)));
let earlySnapshot = earlyToken ? { board: earlyBoard, token: earlyToken, frame: fetchSnapshot(earlyBoard, earlyToken) } : null;

/**
 * snapshot is the board's snapshot as the token's holder sees it in view
 * (a promise of its snap frame, or null): the one asked for at page load
 * the first time, if it is the same, and a new one after.
 */
export function snapshot(board, token, view) {
  const s = earlySnapshot;
  earlySnapshot = null;
  if (s && s.board === board && s.token === token && !view) return s.frame;
  return fetchSnapshot(board, token, view);
}

/**
 * dial returns a socket to the server: the one opened at page load the
 * first time it is asked, if that one has not closed, and a new one after.
 */
export function dial() {
  const ws = early;
  early = null;
  if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return ws;
  return new WebSocket(url());
}

/** release closes the socket opened at page load if nobody took it: a board's link without a token shows the join screen. */
export function release() {
  early?.close(1000);
  early = null;
}
