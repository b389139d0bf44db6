package static_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/plenary/plenary/static"
)

// staticImport finds a module's static imports of its siblings.
var staticImport = regexp.MustCompile(`(?m)^import [^;]* from '\./([a-z0-9_]+\.js)';`)

// TestEveryModuleIsPreloaded: index.html names, for the browser to fetch
// at once, every module that drawing a board or the join screen imports.
// One left out still works, but the page then waits for it until the
// module importing it has arrived, a round trip per level of imports on a
// weak connection. Modules only a facilitator's screens load (the start
// page, the console, its QR code) are not preloaded: a participant on a
// weak link would fetch them for nothing.
func TestEveryModuleIsPreloaded(t *testing.T) {
	index, err := fs.ReadFile(static.Files, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	// What app.js imports, and the screens it imports as it starts.
	needed := map[string]bool{}
	var visit func(string)
	visit = func(m string) {
		if needed[m] {
			return
		}
		needed[m] = true
		src, err := fs.ReadFile(static.Files, m)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range staticImport.FindAllStringSubmatch(string(src), -1) {
			visit(im[1])
		}
	}
	for _, entry := range []string{"app.js", "render_board.js", "render_join.js"} {
		visit(entry)
	}
	if len(needed) < 10 {
		t.Fatalf("found only %d modules to preload: the import pattern no longer matches the modules", len(needed))
	}
	modules, err := fs.Glob(static.Files, "*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modules {
		want := `<link rel="modulepreload" href="/` + m + `">`
		switch m {
		case "app.js":
			want = `<script type="module" src="/app.js">`
		case "socket.js":
			want = `<script type="module" async src="/socket.js">`
		}
		if got := strings.Contains(string(index), want); got != needed[m] {
			t.Errorf("index.html preloads %s: %v, want %v", m, got, needed[m])
		}
	}
	if n := strings.Count(string(index), `rel="modulepreload"`); n != len(needed)-2 {
		t.Errorf("index.html preloads %d modules, want %d", n, len(needed)-2)
	}
}
