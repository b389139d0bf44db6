// Package hub serves boards to browsers: the HTTP API, websocket sessions,
// one room per active board, fan-out of changes and ephemeral traffic, and
// presence. It knows the store only by its interface; cmd/plenary decides
// which store is in use.
package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/plenary/plenary/hub/internal/writers"
	"github.com/plenary/plenary/store"
)

// Config is what a Hub needs. Log and Secret are required.
type Config struct {
	// Log is the boards' durable log.
	Log store.Log
	// Secret signs session tokens. Every instance serving the same boards
	// needs the same secret, or a reconnect to another instance fails.
	Secret []byte
	// Static is the web app, served at / (nil serves the API only).
	Static fs.FS
	// Origins are extra host patterns (as coder/websocket's
	// OriginPatterns) allowed to open a websocket; the server's own host
	// is always allowed.
	Origins []string
	// PublicURL is the address people join at (http(s)://HOST[:PORT]),
	// named in join links and QR codes; empty uses the address the
	// facilitator opened. Its host may open websockets.
	PublicURL string
	// OpsPerSecond is how many ops one participant may send a second,
	// with bursts of twice that, however many connections they use; zero
	// means 30. Benchmarks raise it.
	OpsPerSecond int
	// BoardsPerMinute is how many boards one client address may create a
	// minute, in bursts of as many; zero means 30. Load runs that create
	// hundreds of boards raise it.
	BoardsPerMinute int
	// ClientAddressHeader is the header a load balancer puts the client's
	// address in, X-Forwarded-For or X-Real-IP, read only from a proxy on
	// a private or loopback address; empty uses the connection's own
	// address. The limits on creating boards and looking up join codes
	// count by this address.
	ClientAddressHeader string
	// WriteTimeout bounds one write to a client whose socket is full (a
	// weak link, a suspended laptop): past it the connection is torn down,
	// with no close code since none can get through, and its writer is
	// freed. Zero means 10 s. Tests whose clients stop reading on purpose
	// lengthen it.
	WriteTimeout time.Duration
	// HelloWithin is how long a new websocket may go without its hello
	// before it is closed; zero means a minute. Tests shorten it.
	HelloWithin time.Duration
	// PingEvery is how long a websocket may stay silent before it is
	// pinged; zero means 25 s, well inside the idle timeouts of load
	// balancers. A ping its client does not answer within 5 s tears the
	// connection down, so tests whose clients stop reading on purpose
	// lengthen it.
	PingEvery time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Hub holds the rooms of the boards that clients of this instance have
// open. rooms is guarded by mu; each room's contents belong to the room.
type Hub struct {
	log     store.Log
	tokens  tokens
	assets  assets // the web app; nil serves the API only
	origins []string
	// publicURL is Config.PublicURL, checked.
	publicURL string
	logger    *slog.Logger
	instance  string
	metrics   *metrics
	echo      *echo.Echo
	opRate    int
	// ops and eph limit each participant (board/participant); creates
	// and misses each client address.
	ops, eph, creates, misses *limiters
	// helloWithin bounds a websocket's wait for its hello (Config).
	helloWithin time.Duration
	// pingEvery is how long a websocket may stay silent (Config).
	pingEvery time.Duration
	fallback  fallback

	mu    sync.Mutex
	rooms map[string]*room

	// drawBoardID draws a new board's join code: newBoardID, or in a
	// test one that collides on purpose.
	drawBoardID func() string

	// outbound carries ephemeral frames to other instances through one
	// publisher goroutine, so a slow or unreachable store never holds up a
	// room.
	outbound chan outbound

	// storeUp is what the last ping of the store found (probeStore).
	storeUp atomic.Bool

	writers     writers.Pool
	nextSession atomic.Uint64
	closing     chan struct{}
	closeOnce   sync.Once
	// background counts goroutines that must finish before Close returns
	// (snapshot writes).
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
	boardsPerMinute := cfg.BoardsPerMinute
	if boardsPerMinute <= 0 {
		boardsPerMinute = defaultBoardsPerMinute
	}
	address, err := clientAddress(cfg.ClientAddressHeader)
	if err != nil {
		return nil, err
	}
	writeWithin := cfg.WriteTimeout
	if writeWithin <= 0 {
		writeWithin = defaultWriteTimeout
	}
	helloWithin := cfg.HelloWithin
	if helloWithin <= 0 {
		helloWithin = defaultHelloWithin
	}
	pingEvery := cfg.PingEvery
	if pingEvery <= 0 {
		pingEvery = defaultPingEvery
	}
	publicURL, publicHost, err := parsePublicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	origins := cfg.Origins
	if publicHost != "" {
		origins = append(origins[:len(origins):len(origins)], publicHost)
	}
	var webApp assets
	if cfg.Static != nil {
		if webApp, err = loadAssets(cfg.Static); err != nil {
			return nil, fmt.Errorf("hub: read the web app: %w", err)
		}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	h := &Hub{
		log:         cfg.Log,
		tokens:      tokens{secret: cfg.Secret},
		assets:      webApp,
		origins:     origins,
		publicURL:   publicURL,
		logger:      logger,
		instance:    hex.EncodeToString(id[:]),
		metrics:     newMetrics(),
		opRate:      opRate,
		ops:         newLimiters(rate.Limit(opRate), 2*opRate),
		eph:         newLimiters(ephPerSecond, ephPerSecond),
		creates:     newLimiters(rate.Limit(boardsPerMinute)/60, boardsPerMinute),
		misses:      newLimiters(missesPerMinute/60.0, missBurst),
		helloWithin: helloWithin,
		pingEvery:   pingEvery,
		fallback:    newFallback(opRate, writeWithin),
		rooms:       map[string]*room{},
		closing:     make(chan struct{}),
		outbound:    make(chan outbound, outboundLen),
		writers:     writers.Pool{Timeout: writeWithin},
		drawBoardID: newBoardID,
	}
	h.echo = h.routes()
	h.echo.IPExtractor = address
	h.storeUp.Store(true)
	go h.publishLoop()
	go h.probeStore()
	return h, nil
}

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

// storeStalled records that an op waited out storeWait: the ops queued
// behind it are answered at once rather than each waiting out its own
// bound, until the next probe finds the store answering again.
func (h *Hub) storeStalled() {
	if h.storeUp.Swap(false) {
		h.logger.Warn("store health", "up", false, "err", "an op waited "+storeWait.String())
	}
}

const outboundLen = 4096

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

// Handler is the whole HTTP surface: API, websocket, web app, probes.
func (h *Hub) Handler() http.Handler { return h.echo }

// Close tells every client to reconnect (close code 1001), saves a
// snapshot of every open board and waits for those writes.
func (h *Hub) Close(ctx context.Context) error {
	h.closeOnce.Do(func() { close(h.closing) })
	h.mu.Lock()
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		select {
		case <-r.done:
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
// error is errNoBoard when the board does not exist.
func (h *Hub) room(ctx context.Context, id string) (*room, error) {
	if !validBoardID(id) {
		return nil, errNoBoard
	}
	h.mu.Lock()
	r := h.rooms[id]
	if r == nil {
		r = newRoom(h, id)
		h.rooms[id] = r
		go r.run()
	}
	h.mu.Unlock()
	select {
	case <-r.loaded:
		return r, r.loadErr
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// forget removes r, which failed to load, so the next request tries again.
func (h *Hub) forget(r *room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[r.id] == r {
		delete(h.rooms, r.id)
	}
}

// missed tells the room holding board, if one does, to read the log: it
// may lack an entry this instance appended for a room that has left.
func (h *Hub) missed(board string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.rooms[board]; r != nil {
		r.missed.Store(true)
	}
}

// forgetIfIdle removes r unless something is queued for it or on its way
// (a post that holds r from before); under h.mu no request can find r
// meanwhile, and once r has left, every post to it fails: whoever still
// holds r tells its client to reconnect, instead of waiting for a room
// that is gone.
func (h *Hub) forgetIfIdle(r *room) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !r.leaveIfIdle() {
		return false
	}
	delete(h.rooms, r.id)
	return true
}
