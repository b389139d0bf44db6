// Package static is the web app: plain ES modules, one stylesheet and one
// HTML page, with no build step and no framework.
//
// It is embedded so that the server is one binary with nothing to install
// beside it, and so that a page never loads anything from outside the
// server it came from (no CDN, no web font): a workshop on a weak or
// filtered government network needs only the server to be reachable.
package static

import "embed"

// Files is the app, with index.html, style.css and the modules at its root.
// The server answers / and the /j/CODE and /b/CODE routes with index.html;
// app.js then picks the screen from the path.
//
//go:embed index.html *.css *.js
var Files embed.FS
