package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
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
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))

	ctx, stop := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	stopped := make(chan error, 1)
	go func() { stopped <- run(ctx, cfg, logger, listening) }()
	var addr string
	select {
	case addr = <-listening:
	case err := <-stopped:
		t.Fatalf("the server did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start within 30 s")
	}
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
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}

	cfg.publicURL = "plenary.example.org/workshops"
	if err := run(context.Background(), cfg, logger, nil); err == nil || !strings.Contains(err.Error(), "public URL") {
		t.Fatalf("a public URL with no scheme and a path: %v", err)
	}
}
