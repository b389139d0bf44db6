// Package hub is the application's directory of boards: the room
// (hub/room) of each board this instance holds, found by join code or
// token, loaded on demand and let go when idle, with the store's health,
// the limits and the metrics every room shares. It speaks frames, not
// HTTP: the transports (hub/socket, hub/fallback) carry the frames of a
// Session (hub/session), and the HTTP API (hub/api)
// serves its boards. It knows the store only by its interface;
// cmd/plenary decides which store is in use.
package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/plenary/plenary/hub/internal/limits"
	"github.com/plenary/plenary/hub/internal/metrics"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/hub/room"
	"github.com/plenary/plenary/hub/session"
	"github.com/plenary/plenary/store"
)

// Config is what a Hub needs. Log and Secret are required.
type Config struct {
	// Log is the boards' durable log.
	Log store.Log
	// Secret signs session tokens. Every instance serving the same boards
	// needs the same secret, or a reconnect to another instance fails.
	Secret []byte
	// OpsPerSecond is how many ops one participant may send a second,
	// with bursts of twice that, however many connections they use; zero
	// means 30. Benchmarks raise it.
	OpsPerSecond int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Hub holds the rooms of the boards that clients of this instance have
// open. rooms is guarded by mu; each room's contents belong to the room.
type Hub struct {
	log    store.Log
	logger *slog.Logger
	// env is what the rooms and sessions share: the hub builds it once and
	// owns it.
	env *session.Env
	// misses limits each client address's lookups of boards that do not
	// exist.
	misses *limits.Keyed

	mu    sync.Mutex
	rooms map[string]*room.Room

	// drawBoardID draws a new board's join code: newBoardID, or in a
	// test one that collides on purpose.
	drawBoardID func() string

	// outbound carries ephemeral frames to other instances through one
	// publisher goroutine, so a slow or unreachable store never holds up a
	// room.
	outbound chan outbound

	// storeUp is what the last ping of the store found (probeStore).
	storeUp atomic.Bool

	closing   chan struct{}
	closeOnce sync.Once
	// background counts goroutines that must finish before Close returns
	// (snapshot writes, the store probe, the ephemeral publisher).
	background sync.WaitGroup
}

// New returns a Hub serving the boards in cfg.Log.
func New(cfg Config) (*Hub, error) {
	if cfg.Log == nil || len(cfg.Secret) < 16 {
		return nil, errors.New("hub: a log and a secret of at least 16 bytes are required")
	}
	opRate := cfg.OpsPerSecond
	if opRate <= 0 {
		opRate = defaultOpsPerSecond
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	h := &Hub{
		log:         cfg.Log,
		logger:      logger,
		misses:      limits.New(missesPerMinute/60.0, missBurst),
		rooms:       map[string]*room.Room{},
		closing:     make(chan struct{}),
		outbound:    make(chan outbound, outboundLen),
		drawBoardID: newBoardID,
	}
	h.env = &session.Env{
		Env: &room.Env{
			Log:          cfg.Log,
			Tokens:       token.Signer{Secret: cfg.Secret},
			Logger:       logger,
			Instance:     hex.EncodeToString(id[:]),
			Metrics:      metrics.New(),
			Closing:      h.closing,
			Background:   &h.background,
			StoreUp:      h.storeUp.Load,
			StoreStalled: h.storeStalled,
			Publish:      h.publish,
			Forget:       h.forget,
			ForgetIfIdle: h.forgetIfIdle,
			Missed:       h.missed,
		},
		Find:   h.find,
		OpRate: opRate,
		Ops:    limits.New(rate.Limit(opRate), 2*opRate),
		Eph:    limits.New(EphemeralPerSecond, EphemeralPerSecond),
	}
	h.storeUp.Store(true)
	// Close waits for both: past it, the store is closed and the logger
	// may be gone.
	h.background.Go(h.publishLoop)
	h.background.Go(h.probeStore)
	return h, nil
}

// Logger is the hub's logger, which the HTTP API logs requests to.
func (h *Hub) Logger() *slog.Logger { return h.logger }

// Metrics is the registry of the figures /metrics exposes: the hub's,
// and those a transport registers (open websockets).
func (h *Hub) Metrics() *prometheus.Registry { return h.env.Metrics.Registry }

// OpsPerSecond is how many ops one participant may send a second
// (Config.OpsPerSecond); the fallback transport bounds its POSTs by it.
func (h *Hub) OpsPerSecond() int { return h.env.OpRate }

// StoreUp reports what the last ping of the store found (probeStore),
// at once: /readyz answers by it.
func (h *Hub) StoreUp() bool { return h.storeUp.Load() }

// How the store's health is followed: a ping every probeEvery that must
// answer within probeWithin, so /readyz turns 503 within 2 s of the
// store stalling or going away (docs/operations.md), and ops stop waiting
// on a store known to be away.
const (
	probeEvery  = 250 * time.Millisecond
	probeWithin = 1500 * time.Millisecond
)

func (h *Hub) probeStore() {
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), probeWithin)
		err := h.log.Ping(ctx)
		cancel()
		if up := err == nil; h.storeUp.Swap(up) != up {
			h.logger.Warn("store health", "up", up, "err", err)
		}
		select {
		case <-tick.C:
		case <-h.closing:
			return
		}
	}
}

// storeStalled records that an op waited out StoreWait: the ops queued
// behind it are answered at once rather than each waiting out its own
// bound, until the next probe finds the store answering again.
func (h *Hub) storeStalled() {
	if h.storeUp.Swap(false) {
		h.logger.Warn("store health", "up", false, "err", "an op waited "+StoreWait.String())
	}
}

const outboundLen = 4096

// publish hands frame to the publisher for board's other instances,
// never waiting: a lost drag position is replaced by the next one.
func (h *Hub) publish(board string, frame []byte) {
	select {
	case h.outbound <- outbound{board: board, frame: frame}:
	default:
	}
}

type outbound struct {
	board string
	frame []byte
}

func (h *Hub) publishLoop() {
	for {
		select {
		case o := <-h.outbound:
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if err := h.log.Publish(ctx, o.board, o.frame); err != nil {
				h.logger.Debug("publish ephemeral", "board", o.board, "err", err)
			}
			cancel()
		case <-h.closing:
			return
		}
	}
}

// Close tells every client to reconnect (close code 1001), saves a
// snapshot of every open board and waits for those writes.
func (h *Hub) Close(ctx context.Context) error {
	h.closeOnce.Do(func() { close(h.closing) })
	h.mu.Lock()
	rooms := make([]*room.Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		select {
		case <-r.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	finished := make(chan struct{})
	go func() { h.background.Wait(); close(finished) }()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// room returns the loaded room of a board, loading it if need be; the
// error is room.ErrNoBoard when the board does not exist.
func (h *Hub) room(ctx context.Context, id string) (*room.Room, error) {
	if !validBoardID(id) {
		return nil, room.ErrNoBoard
	}
	h.mu.Lock()
	r := h.rooms[id]
	if r == nil {
		r = room.New(h.env.Env, id)
		h.rooms[id] = r
	}
	h.mu.Unlock()
	if err := r.Loaded(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// find is room for a client at addr: it refuses a board that does not
// exist with errNoSuchBoard, counted against addr (see LookupWait).
func (h *Hub) find(ctx context.Context, id, addr string) (*room.Room, error) {
	r, err := h.room(ctx, id)
	if errors.Is(err, room.ErrNoBoard) {
		h.misses.Of(addr).Allow()
		return nil, errNoSuchBoard
	}
	return r, err
}

// forget removes r, which failed to load, so the next request tries again.
func (h *Hub) forget(r *room.Room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[r.ID()] == r {
		delete(h.rooms, r.ID())
	}
}

// missed tells the room holding board, if one does, to read the log: it
// may lack an entry this instance appended for a room that has left.
func (h *Hub) missed(board string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[board]; r != nil {
		r.Missed()
	}
}

// forgetIfIdle removes r unless something is queued for it or on its way
// (a post that holds r from before); under h.mu no request can find r
// meanwhile, and once r has left, every post to it fails: whoever still
// holds r tells its client to reconnect, instead of waiting for a room
// that is gone.
func (h *Hub) forgetIfIdle(r *room.Room) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !r.LeaveIfIdle() {
		return false
	}
	delete(h.rooms, r.ID())
	return true
}
