// The board's websocket, asked for by the page's first script. On a board's
// link the handshake then runs while the rest of the app loads and starts,
// instead of after it: in a fresh Chromium the app's modules take about
// 100 ms to run, and on a weak link every one of them must arrive first.
// connection.js takes this socket for its first connect.

const url = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;

/** boardPath matches a board's link, /b/CODE, and captures the code. */
export const boardPath = /^\/b\/([A-Za-z0-9]{1,16})\/?$/;

// Only a board's link opens a socket at once; the start and join screens
// open none until a board is chosen.
let early = boardPath.test(location.pathname) ? new WebSocket(url()) : null;

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
