// Command plenary serves live workshop boards.
//
// With no configuration it runs on an embedded store in ./data; with
// REDIS_URL set, any number of instances behind a load balancer share the
// boards through Redis. Every flag has an environment equivalent; the flag
// wins.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/plenary/plenary/hub"
	"github.com/plenary/plenary/hub/api"
	"github.com/plenary/plenary/static"
	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/bolt"
	"github.com/plenary/plenary/store/redis"
)

// config is everything the server can be told.
type config struct {
	addr     string
	data     string
	redisURL string
	secret   string
	origins  string
	// publicURL: see api.Config.
	publicURL string
	logLevel  string
	debug     string
	// addressHeader and boardsPerMinute: see api.Config.
	addressHeader   string
	boardsPerMinute string
}

func main() {
	atLeastTwoProcs(os.Getenv)
	cfg := parseConfig(os.Args[1:], os.Getenv)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: parseLevel(cfg.logLevel)}))
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, logger, nil); err != nil {
		logger.Error("plenary stopped", "err", err)
		os.Exit(1)
	}
}

// atLeastTwoProcs gives the runtime a second P on a machine (or a
// container's CPU quota) of one core, unless GOMAXPROCS says otherwise.
// The embedded store's committer holds its P through every fsync: the
// runtime takes a P back from a syscall only once sysmon has seen it in
// the same one on two of its ticks, and under load an fsync is usually
// over first. With one P, every connection then waited on the disk, about
// a thousand times a second on a busy server. With two, the hub goes on
// while the committer waits, the two threads sharing the core.
func atLeastTwoProcs(getenv func(string) string) {
	if getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
}

func parseConfig(args []string, getenv func(string) string) config {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var cfg config
	fs := flag.NewFlagSet("plenary", flag.ExitOnError)
	fs.StringVar(&cfg.addr, "addr", env("PLENARY_ADDR", ":8080"), "listen address (PLENARY_ADDR)")
	fs.StringVar(&cfg.data, "data", env("PLENARY_DATA", "./data"), "data directory for the embedded store and the generated secret (PLENARY_DATA)")
	fs.StringVar(&cfg.redisURL, "redis", env("REDIS_URL", ""), "Redis URL; when set, boards live in Redis and instances share them (REDIS_URL)")
	fs.StringVar(&cfg.secret, "secret", env("PLENARY_SECRET", ""), "token signing secret, at least 32 characters, the same on every instance; required with REDIS_URL, else generated once into the data directory when empty (PLENARY_SECRET)")
	fs.StringVar(&cfg.origins, "origins", env("PLENARY_ORIGINS", ""), "comma-separated extra hosts allowed to open websockets (PLENARY_ORIGINS)")
	fs.StringVar(&cfg.publicURL, "public-url", env("PLENARY_PUBLIC_URL", ""), "the address people join at, as join links and QR codes show it, e.g. http://192.168.1.20:8080 or https://plenary.example.org; empty uses the address the facilitator opened (PLENARY_PUBLIC_URL)")
	fs.StringVar(&cfg.logLevel, "log-level", env("PLENARY_LOG_LEVEL", "info"), "debug, info, warn or error (PLENARY_LOG_LEVEL)")
	fs.StringVar(&cfg.debug, "debug-addr", env("PLENARY_DEBUG_ADDR", ""), "listen address for Go's profiler (/debug/pprof/), off when empty; keep it on loopback (PLENARY_DEBUG_ADDR)")
	fs.StringVar(&cfg.addressHeader, "client-address-header", env("PLENARY_CLIENT_ADDRESS_HEADER", ""), "behind a load balancer, the header it puts the client's address in: X-Forwarded-For or X-Real-IP (PLENARY_CLIENT_ADDRESS_HEADER)")
	fs.StringVar(&cfg.boardsPerMinute, "boards-per-minute", env("PLENARY_BOARDS_PER_MINUTE", "30"), "workshops one client address may create a minute (PLENARY_BOARDS_PER_MINUTE)")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with usage
	return cfg
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if l.UnmarshalText([]byte(s)) != nil {
		return slog.LevelInfo
	}
	return l
}

// run serves until ctx is done, then shuts down gracefully: clients are
// told to reconnect, boards are snapshotted, the store is closed. If
// listening is not nil it receives the bound address once the server
// accepts connections (tests listen on port 0).
func run(ctx context.Context, cfg config, logger *slog.Logger, listening chan<- string) error {
	// Made on the first start: it keeps the generated secret and the
	// embedded store.
	if err := os.MkdirAll(cfg.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	secret, err := loadSecret(cfg)
	if err != nil {
		return err
	}
	log, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer log.Close()
	boardsPerMinute, err := strconv.Atoi(cfg.boardsPerMinute)
	if err != nil || boardsPerMinute < 1 {
		return fmt.Errorf("boards per minute %q: want a whole number above zero", cfg.boardsPerMinute)
	}
	h, err := hub.New(hub.Config{Log: log, Secret: secret, Logger: logger})
	if err != nil {
		return err
	}
	handler, err := api.New(h, api.Config{
		Static: static.Files, Origins: splitList(cfg.origins), PublicURL: cfg.publicURL,
		ClientAddressHeader: cfg.addressHeader, BoardsPerMinute: boardsPerMinute,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	if cfg.debug != "" {
		if err := serveDebug(cfg.debug, logger); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("plenary listening", "addr", ln.Addr().String(), "store", storeName(cfg))
	if listening != nil {
		listening <- ln.Addr().String()
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.Close(shutdown); err != nil {
		logger.Warn("closing boards", "err", err)
	}
	// Hijacked websockets are not waited for by Shutdown; Close above has
	// already told each of them to reconnect.
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveDebug serves Go's profiler on its own listener, apart from the
// public handler, so profiles of a loaded server can be taken without
// exposing them to participants.
func serveDebug(addr string, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s for the profiler: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	logger.Info("profiler listening", "addr", ln.Addr().String())
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}

func storeName(cfg config) string {
	if cfg.redisURL != "" {
		return "redis"
	}
	return "embedded"
}

// openStore opens Redis when a URL is given, else the embedded store in
// the data directory.
func openStore(ctx context.Context, cfg config) (store.Log, error) {
	if cfg.redisURL != "" {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return redis.Open(ctx, cfg.redisURL)
	}
	return bolt.Open(filepath.Join(cfg.data, "plenary.db"))
}

// minSecret is the shortest PLENARY_SECRET the server takes: with the
// secret and a board's join code anyone can sign a facilitator's token,
// so it must be too long to guess.
const minSecret = 32

// loadSecret returns the token secret: PLENARY_SECRET, else on the
// embedded store one generated on the first start and kept in the data
// directory, so tokens survive a restart. On Redis there is no default:
// instances that each generated their own would refuse each other's
// tokens.
func loadSecret(cfg config) ([]byte, error) {
	switch {
	case cfg.secret != "" && len(cfg.secret) < minSecret:
		return nil, fmt.Errorf("PLENARY_SECRET is %d characters; it must be at least %d, random (openssl rand -hex 32 makes one)", len(cfg.secret), minSecret)
	case cfg.secret != "":
		return []byte(cfg.secret), nil
	case cfg.redisURL != "":
		return nil, errors.New("PLENARY_SECRET is required with REDIS_URL, the same on every instance, at least 32 random characters (openssl rand -hex 32 makes one)")
	}
	path := filepath.Join(cfg.data, "secret")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	secret := []byte(hex.EncodeToString(raw[:]))
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return nil, fmt.Errorf("keep the generated secret: %w", err)
	}
	return secret, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
