package static_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/plenary/plenary/static"
)

// TestEveryModuleIsPreloaded: index.html names every module for the
// browser to fetch at once. One left out still works, but the page then
// waits for it until the module importing it has arrived, a round trip
// per level of imports on a weak connection.
func TestEveryModuleIsPreloaded(t *testing.T) {
	index, err := fs.ReadFile(static.Files, "index.html")
	if err != nil {
		t.Fatal(err)
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
		if !strings.Contains(string(index), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if n := strings.Count(string(index), "modulepreload"); n != len(modules)-2 {
		t.Errorf("index.html preloads %d modules; there are %d besides app.js and socket.js", n, len(modules)-2)
	}
}
