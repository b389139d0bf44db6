package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// assets are the web app's files, read once when the hub starts, by the
// path they are served at. A participant on a weak link is who they are
// for: each file goes out gzipped when the browser takes it (the app's
// modules shrink to about a third), and carries a tag naming its content,
// so a reload asks whether each file changed and gets "no" instead of
// the file.
type assets map[string]*asset

type asset struct {
	body        []byte
	gzipped     []byte // nil when gzip would not make it smaller
	etag        string
	contentType string
}

func loadAssets(files fs.FS) (assets, error) {
	all := assets{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		a := &asset{
			body: body,
			// Weak: the gzipped and the plain bytes are the same file.
			etag:        `W/"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
			contentType: mime.TypeByExtension(path.Ext(name)),
		}
		if a.contentType == "" {
			a.contentType = http.DetectContentType(body)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: cannot fail
		_, _ = zw.Write(body)                                    // into a bytes.Buffer: cannot fail
		_ = zw.Close()
		if buf.Len() < len(body) {
			a.gzipped = buf.Bytes()
		}
		all["/"+name] = a
		return nil
	})
	return all, err
}

// serveStatic serves the web app; the app's own routes (/j/CODE, /b/CODE,
// /p/CODE) get index.html and the app reads the path. Every file is asked
// again at each load (no-cache), so a new version reaches the room at
// once; its tag keeps that to a round trip when nothing changed.
func (srv *server) serveStatic() echo.HandlerFunc {
	return func(c echo.Context) error {
		req, w := c.Request(), c.Response()
		name := req.URL.Path
		if name == "/" || strings.HasPrefix(name, "/j/") || strings.HasPrefix(name, "/b/") || strings.HasPrefix(name, "/p/") {
			name = "/index.html"
		}
		a := srv.assets[name]
		if a == nil {
			return echo.ErrNotFound
		}
		hd := w.Header()
		hd.Set("Cache-Control", "no-cache")
		hd.Set("ETag", a.etag)
		hd.Set("Content-Type", a.contentType)
		hd.Add("Vary", "Accept-Encoding")
		body := a.body
		if a.gzipped != nil && acceptsGzip(req.Header.Get("Accept-Encoding")) {
			hd.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
		// ServeContent answers If-None-Match from the ETag set above.
		http.ServeContent(w, req, "", time.Time{}, bytes.NewReader(body))
		return nil
	}
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip: named,
// or matched by *, and not with q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.TrimSpace(coding)
		if coding != "gzip" && coding != "*" {
			continue
		}
		q, found := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !found {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}
