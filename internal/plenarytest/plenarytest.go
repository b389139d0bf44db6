// Package plenarytest starts real servers for tests: a hub behind an
// httptest server, on a fresh bolt file or on a store the test opened (a
// real redis-server from store/redis/redistest, say).
package plenarytest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/plenary/plenary/hub"
	"github.com/plenary/plenary/hub/api"
	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/bolt"
)

// Secret signs the tokens of every test server: instances that share a
// store must share it.
var Secret = []byte("a test secret of some length")

// Config is a test server's configuration: its hub's and its HTTP
// surface's. Log, Secret and Logger are set before the options run.
type Config struct {
	Hub hub.Config
	API api.Config
}

// Server is a real hub serving HTTP and websockets on a loopback port.
type Server struct {
	URL  string
	Hub  *hub.Hub
	Log  store.Log
	HTTP *httptest.Server
}

// Start runs a hub on a bbolt file of the test's own; opts change its
// configuration. It is closed when the test ends, and a failure to close
// fails the test.
func Start(t testing.TB, opts ...func(*Config)) *Server {
	t.Helper()
	log, err := bolt.Open(filepath.Join(t.TempDir(), "plenary.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, log, opts)
	t.Cleanup(func() {
		if err := s.close(); err != nil {
			t.Errorf("close the server: %v", err)
		}
	})
	return s
}

// StartOn runs a hub on log, which it closes when the test ends. A test
// may break that store on purpose, so what closing it says is not
// checked.
func StartOn(t testing.TB, log store.Log, opts ...func(*Config)) *Server {
	t.Helper()
	s := start(t, log, opts)
	t.Cleanup(func() { _ = s.close() })
	return s
}

func start(t testing.TB, log store.Log, opts []func(*Config)) *Server {
	t.Helper()
	cfg := Config{Hub: hub.Config{
		Log:    log,
		Secret: Secret,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := hub.New(cfg.Hub)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := api.New(h, cfg.API)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	return &Server{URL: srv.URL, Hub: h, Log: log, HTTP: srv}
}

// close ends the hub's sessions and rooms, then the HTTP server, then
// the store.
func (s *Server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.Hub.Close(ctx)
	s.HTTP.Close()
	if lerr := s.Log.Close(); err == nil {
		err = lerr
	}
	return err
}
