package hub_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/static"
)

// TestWebAppFiles: the web app goes out gzipped to a browser that takes
// gzip and plain to one that does not, the same file either way; a
// browser that has a file and asks with its tag gets 304 and no body; a
// board's and a join link's paths get the page; a file that is not there
// is a 404.
func TestWebAppFiles(t *testing.T) {
	ts := startServer(t, func(c *plenarytest.Config) { c.API.Static = static.Files })
	// Go's client would ask for gzip and undo it unseen.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, ts.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	for _, name := range []string{"app.js", "style.css", "index.html"} {
		want, err := fs.ReadFile(static.Files, name)
		if err != nil {
			t.Fatal(err)
		}
		zipped, body := get("/"+name, "Accept-Encoding", "gzip, deflate, br")
		if zipped.StatusCode != http.StatusOK || zipped.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s for a browser that takes gzip: %s, Content-Encoding %q", name, zipped.Status, zipped.Header.Get("Content-Encoding"))
		}
		if got := gunzip(t, body); !bytes.Equal(got, want) {
			t.Fatalf("%s gzipped is not the file: %d bytes against %d", name, len(got), len(want))
		}
		if len(body) >= len(want)/2 {
			t.Errorf("%s gzipped is %d bytes of %d: hardly smaller", name, len(body), len(want))
		}
		plain, body := get("/"+name, "Accept-Encoding", "gzip;q=0, identity")
		if plain.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, want) {
			t.Fatalf("%s for a browser that refuses gzip: Content-Encoding %q, %d bytes against %d", name, plain.Header.Get("Content-Encoding"), len(body), len(want))
		}
		tag := zipped.Header.Get("ETag")
		if tag == "" || plain.Header.Get("ETag") != tag || !strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: ETag %q and %q, Vary %q", name, tag, plain.Header.Get("ETag"), zipped.Header.Get("Vary"))
		}
		again, body := get("/"+name, "Accept-Encoding", "gzip", "If-None-Match", tag)
		if again.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Fatalf("%s asked again with its tag: %s, %d bytes", name, again.Status, len(body))
		}
	}
	if resp, _ := get("/app.js"); !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("app.js: Content-Type %q, Cache-Control %q", resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}

	page, _ := fs.ReadFile(static.Files, "index.html")
	for _, path := range []string{"/", "/b/K7P2QX", "/j/K7P2QX", "/p/K7P2QX"} {
		resp, body := get(path)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, page) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %s, %s, %d bytes: want the page", path, resp.Status, resp.Header.Get("Content-Type"), len(body))
		}
	}
	if resp, _ := get("/nothing-here.js"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a file that is not there: %s", resp.Status)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
