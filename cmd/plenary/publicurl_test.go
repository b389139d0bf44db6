package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPublicURL: -public-url, or PLENARY_PUBLIC_URL, is the address join
// links name, whatever address the request came to; one that is not an
// http(s) root address stops the server at start.
func TestPublicURL(t *testing.T) {
	env := map[string]string{"PLENARY_PUBLIC_URL": "http://192.168.1.20:8080"}
	if cfg := parseConfig(nil, func(k string) string { return env[k] }); cfg.publicURL != env["PLENARY_PUBLIC_URL"] {
		t.Fatalf("from the environment: %q", cfg.publicURL)
	}
	cfg := parseConfig([]string{"-public-url", "https://plenary.example.org", "-addr", "127.0.0.1:0", "-data", t.TempDir()}, func(k string) string { return env[k] })
	if cfg.publicURL != "https://plenary.example.org" {
		t.Fatalf("the flag does not win over the environment: %q", cfg.publicURL)
	}
	addr, stop := serve(t, cfg)
	res, err := http.Post("http://"+addr+"/api/boards", "application/json", strings.NewReader(`{"title":"Anywhere","prompt":"Who can join?"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID, JoinURL string }
	err = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if err != nil || created.JoinURL != "https://plenary.example.org/j/"+created.ID {
		t.Fatalf("the join link is %q (%v), want it on the public URL", created.JoinURL, err)
	}
	stop()

	cfg.publicURL = "plenary.example.org/workshops"
	if err := run(context.Background(), cfg, testLogger(t), nil); err == nil || !strings.Contains(err.Error(), "public URL") {
		t.Fatalf("a public URL with no scheme and a path: %v", err)
	}
}

// TestFirstStart: on a fresh clone the data directory does not exist yet;
// the server makes it, keeps its generated secret there, and serves.
func TestFirstStart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	addr, stop := serve(t, parseConfig([]string{"-addr", "127.0.0.1:0", "-data", data}, func(string) string { return "" }))
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/readyz answered %d", res.StatusCode)
	}
	stop()
	if secret, err := os.ReadFile(filepath.Join(data, "secret")); err != nil || len(secret) < minSecret {
		t.Errorf("the generated secret is not kept in the new data directory: %d bytes, %v", len(secret), err)
	}
}

// serve runs the server with cfg until the test calls stop, which fails
// the test if the server stopped with an error.
func serve(t *testing.T, cfg config) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	stopped := make(chan error, 1)
	go func() { stopped <- run(ctx, cfg, testLogger(t), listening) }()
	select {
	case addr = <-listening:
	case err := <-stopped:
		cancel()
		t.Fatalf("the server did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the server did not start within 30 s")
	}
	return addr, func() {
		t.Helper()
		cancel()
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}
