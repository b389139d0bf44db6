// What the server tells the web app once, as it starts (GET /api/config,
// docs/protocol.md): the address people join at, the bounds of every
// input, which are the board's own, and the notes' palette. The browser
// keeps no copy of them, so none can drift from the server's. index.html
// asks for it with the page, so it is here by the time a screen is drawn.

async function load() {
  for (let wait = 500; ; wait = Math.min(wait * 2, 8000)) {
    try {
      const res = await fetch('/api/config');
      if (res.ok) return await res.json();
    } catch {
      // the link is down: ask again, as the board's connection does
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** config is the server's answer: publicUrl, limits and colors. */
export const config = await load();

/** limits are the bounds of the board's inputs (board/state.go). */
export const { limits } = config;

/** joinLink is where people join board code. */
export const joinLink = (code) => `${config.publicUrl}/j/${code}`;
