// Package socket carries sessions over websockets (GET /ws): one
// goroutine per connection reads its frames and hands them to its
// session, and a small pool of writers (hub/internal/writers) writes what
// sessions queue, several frames to a message. It is the transport of
// every screen; hub/fallback carries the same frames where websockets
// cannot go.
package socket

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plenary/plenary/hub"
	"github.com/plenary/plenary/hub/internal/writers"
	"github.com/plenary/plenary/protocol"
)

const (
	// defaultHelloWithin is how long a websocket may stay open without
	// saying hello. The web app opens the board's socket while its modules
	// load and says hello once they have run: seconds on a weak link, so
	// the bound is generous. Until its hello a socket names no one and
	// still holds a connection's memory.
	defaultHelloWithin = time.Minute
	defaultPingEvery   = 25 * time.Second
	// maxBatchBytes bounds a websocket message of several queued frames
	// (one per line): a write costs far more than its bytes, so a busy
	// connection gets fewer, larger writes.
	maxBatchBytes = 64 << 10
)

// Config is how websockets are served. WriteTimeout is required.
type Config struct {
	// Origins are the host patterns (as coder/websocket's
	// OriginPatterns) allowed to open a websocket besides the server's
	// own host.
	Origins []string
	// WriteTimeout bounds one write to a client whose socket is full (a
	// weak link, a suspended laptop): past it the connection is torn
	// down, with no close code since none can get through, and its
	// writer is freed, so one stuck socket holds a writer only so long,
	// and never the room.
	WriteTimeout time.Duration
	// HelloWithin is how long a new websocket may go without its hello
	// before it is closed; zero means a minute.
	HelloWithin time.Duration
	// PingEvery is how long a websocket may stay silent before it is
	// pinged; zero means 25 s, well inside the idle timeouts of load
	// balancers. A ping its client does not answer within the write
	// timeout tears the connection down.
	PingEvery time.Duration
}

// Server serves a hub's sessions over websockets. writers and
// connections are shared by its connections; the rest is set once.
type Server struct {
	hub         *hub.Hub
	origins     []string
	helloWithin time.Duration
	pingEvery   time.Duration
	writers     writers.Pool
	connections prometheus.Gauge // open websockets, on the hub's /metrics
}

// New is a Server of h's sessions. It counts its connections on the
// hub's metrics, with any other Server of h.
func New(h *hub.Hub, cfg Config) *Server {
	connections := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "plenary_connections", Help: "Open websocket connections.",
	})
	var taken prometheus.AlreadyRegisteredError
	if err := h.Metrics().Register(connections); errors.As(err, &taken) {
		connections = taken.ExistingCollector.(prometheus.Gauge)
	}
	return &Server{
		hub:         h,
		origins:     cfg.Origins,
		helloWithin: cmp.Or(cfg.HelloWithin, defaultHelloWithin),
		pingEvery:   cmp.Or(cfg.PingEvery, defaultPingEvery),
		writers:     writers.Pool{Timeout: cfg.WriteTimeout},
		connections: connections,
	}
}

// Serve upgrades the request, starts the connection's reader and
// returns, so the handler's stack is freed instead of being held for the
// life of the connection.
func (srv *Server) Serve(c echo.Context) error {
	conn, err := websocket.Accept(c.Response(), c.Request(), &websocket.AcceptOptions{
		OriginPatterns: srv.origins,
		// Off: permessage-deflate delays frames on Safari
		// (coder/websocket#218); small deltas serve weak links instead.
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		// Accept has already answered (403 for a foreign origin).
		srv.hub.Logger().Debug("websocket accept", "err", err)
		return nil
	}
	conn.SetReadLimit(protocol.MaxFrame)
	srv.connections.Add(1)
	srv.writers.Open()
	ws := &wsConn{conn: conn, srv: srv}
	ws.s = srv.hub.Open(c.RealIP(), func() { srv.writers.Schedule(ws) }, func() { srv.writers.Hurry(ws) })
	// Armed only once ws.pinger is set, so the first ping sees it.
	ws.pinger = time.AfterFunc(time.Hour, ws.ping)
	ws.pinger.Reset(srv.pingEvery)
	go ws.read()
	return nil
}

// wsConn is one session carried over a websocket: one goroutine reads, the
// hub's writers write.
type wsConn struct {
	conn   *websocket.Conn
	s      hub.Session
	srv    *Server
	pinger *time.Timer
}

// read hands each frame to the session until the connection fails or
// closes, then ends the session.
func (c *wsConn) read() {
	s, srv := c.s, c.srv
	defer func() {
		c.pinger.Stop()
		s.Close(protocol.CloseNormal, "")
		s.Leave()
		srv.connections.Add(-1)
		srv.writers.Closed()
	}()
	// No deadline on reads: a context that is never done sets up no timer
	// per read; pings find dead connections, and closing the session
	// ends the read.
	ctx := context.Background()
	noHello := time.AfterFunc(srv.helloWithin, func() {
		s.Close(protocol.CloseNoHello, "no hello within "+srv.helloWithin.String())
	})
	defer noHello.Stop()
	for heard := false; ; heard = true {
		if err := c.readMessage(ctx); err != nil {
			if websocket.CloseStatus(err) == -1 && !errors.Is(err, net.ErrClosed) {
				srv.hub.Logger().Debug("websocket read", "session", s.ID(), "err", err)
			}
			return
		}
		// The first frame is the hello, or the session has closed.
		if !heard {
			noHello.Stop()
		}
	}
}

// readMessage reads one message into a pooled buffer and has the session
// act on it. coder/websocket's Read allocates a new slice for every
// message (3% of what a busy server allocates per op); the session copies
// out whatever it keeps (JSON decoding does), so the buffer goes back to
// the pool once handle returns.
func (c *wsConn) readMessage(ctx context.Context) error {
	_, r, err := c.conn.Reader(ctx)
	if err != nil {
		return err
	}
	// A client heard from is alive: its next ping is due pingEvery from
	// now. On a busy board most participants send often enough that they
	// are never pinged, and a ping costs a round trip and about 2 KB of
	// garbage.
	c.pinger.Reset(c.srv.pingEvery)
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	c.s.Handle(ctx, buf.Bytes())
	return nil
}

// Flush is a writer's turn at the connection: it writes what the session
// has queued, several frames to a message, and reports whether to come
// back for more. Once the session has closed it writes the close instead.
func (c *wsConn) Flush(w *writers.Writer) (more bool) {
	frames, closing := c.s.Next()
	if closing {
		code, msg := c.s.Closed()
		if code != protocol.CloseResume {
			// An error frame must reach the client before the close
			// that follows it.
			_ = c.write(w, frames)
		}
		// The close handshake waits for the client's answer; no writer
		// waits with it.
		go c.conn.Close(websocket.StatusCode(code), msg)
		return false
	}
	if err := c.write(w, frames); err != nil {
		c.s.Failed()
		c.s.Close(protocol.CloseGoingAway, "write failed")
		c.conn.CloseNow()
		return false
	}
	// Asked here rather than on the next turn, so a connection that has
	// nothing more does not go round the line again for nothing.
	return c.s.More(frames)
}

// Abort tears the connection down under a write that has taken too long;
// the write fails and the session ends.
func (c *wsConn) Abort() { c.conn.CloseNow() }

func (c *wsConn) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.writers.Timeout)
	defer cancel()
	if c.conn.Ping(ctx) != nil {
		c.s.Close(protocol.CloseGoingAway, "no pong")
		return
	}
	c.pinger.Reset(c.srv.pingEvery)
}

// buffers pools the buffers messages are read into and frames are joined
// in, so an idle connection holds none. The pool lets go of buffers left
// unused across two collections, so one grown by a large snapshot does
// not stay.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// write writes frames joined one per line into messages of at most
// maxBatchBytes (a larger frame goes alone). A message of one frame is
// written as it is, without a copy.
func (c *wsConn) write(w *writers.Writer, frames [][]byte) error {
	var buf *bytes.Buffer
	for len(frames) > 0 {
		msg, n := frames[0], 1
		if len(frames) > 1 && len(msg)+1+len(frames[1]) <= maxBatchBytes {
			if buf == nil {
				buf = buffers.Get().(*bytes.Buffer)
				defer buffers.Put(buf)
			}
			buf.Reset()
			buf.Write(msg)
			for n < len(frames) && buf.Len()+1+len(frames[n]) <= maxBatchBytes {
				buf.WriteByte('\n')
				buf.Write(frames[n])
				n++
			}
			msg = buf.Bytes()
		}
		frames = frames[n:]
		// No deadline on the context: coder/websocket would set up a
		// timer for each write. The server's writers watch the write.
		w.Begin()
		err := c.conn.Write(context.Background(), websocket.MessageText, msg)
		w.End()
		if err != nil {
			return err
		}
	}
	return nil
}
