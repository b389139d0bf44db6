package hub

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/plenary/plenary/hub/internal/writers"
	"github.com/plenary/plenary/protocol"
)

const (
	// maxFrame is the read limit; a larger frame closes the connection
	// with 1009.
	maxFrame = 16 << 10
	// defaultWriteTimeout bounds one write (Config.WriteTimeout), so one
	// stuck socket holds a writer only so long, and never the room.
	defaultWriteTimeout = 10 * time.Second
	defaultPingEvery    = 25 * time.Second
	// maxBatchBytes bounds a websocket message of several queued frames
	// (one per line): a write costs far more than its bytes, so a busy
	// connection gets fewer, larger writes.
	maxBatchBytes = 64 << 10
)

// serveWebsocket upgrades the request, starts the connection's reader and
// returns, so the handler's stack is freed instead of being held for the
// life of the connection. An address that has looked up too many join
// codes that do not exist is answered 429 instead: a hello is a lookup
// too.
func (h *Hub) serveWebsocket(c echo.Context) error {
	addr := c.RealIP()
	if wait := untilToken(h.misses.of(addr)); wait > 0 {
		return tooMany(c, wait, "unknown join codes")
	}
	conn, err := websocket.Accept(c.Response(), c.Request(), &websocket.AcceptOptions{
		OriginPatterns: h.origins,
		// Off: permessage-deflate delays frames on Safari
		// (coder/websocket#218); small deltas serve weak links instead.
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		// Accept has already answered (403 for a foreign origin).
		h.logger.Debug("websocket accept", "err", err)
		return nil
	}
	conn.SetReadLimit(maxFrame)
	h.metrics.connections.Add(1)
	h.writers.Open()
	ws := &wsConn{conn: conn, s: newSession(h, addr), writers: &h.writers}
	ws.s.out.Schedule = func() { h.writers.Schedule(ws) }
	ws.s.out.Hurry = func() { h.writers.Hurry(ws) }
	// Armed only once ws.pinger is set, so the first ping sees it.
	ws.pinger = time.AfterFunc(time.Hour, ws.ping)
	ws.pinger.Reset(h.pingEvery)
	go ws.read()
	return nil
}

// wsConn is one session carried over a websocket: one goroutine reads, the
// hub's writers write.
type wsConn struct {
	conn    *websocket.Conn
	s       *session
	writers *writers.Pool
	pinger  *time.Timer
}

// read hands each frame to the session until the connection fails or
// closes, then ends the session.
func (c *wsConn) read() {
	s, h := c.s, c.s.hub
	defer func() {
		c.pinger.Stop()
		s.close(protocol.CloseNormal, "")
		if s.room != nil {
			s.room.detach(s)
		}
		h.metrics.connections.Add(-1)
		h.writers.Closed()
	}()
	// No deadline on reads: a context that is never done sets up no timer
	// per read; pings find dead connections, and closing the session
	// ends the read.
	ctx := context.Background()
	noHello := time.AfterFunc(h.helloWithin, func() {
		s.close(protocol.CloseNoHello, "no hello within "+h.helloWithin.String())
	})
	defer noHello.Stop()
	for heard := false; ; heard = true {
		if err := c.readMessage(ctx); err != nil {
			if websocket.CloseStatus(err) == -1 && !errors.Is(err, net.ErrClosed) {
				h.logger.Debug("websocket read", "session", s.id, "err", err)
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
	c.pinger.Reset(c.s.hub.pingEvery)
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		return err
	}
	c.s.handle(ctx, buf.Bytes())
	return nil
}

// Flush is a writer's turn at the connection: it writes what the session
// has queued, several frames to a message, and reports whether to come
// back for more. Once the session has closed it writes the close instead.
func (c *wsConn) Flush(w *writers.Writer) (more bool) {
	frames, closing := c.s.out.Next()
	if closing {
		if c.s.closeCode != protocol.CloseResume {
			// An error frame must reach the client before the close
			// that follows it.
			_ = c.write(w, frames)
		}
		// The close handshake waits for the client's answer; no writer
		// waits with it.
		go c.conn.Close(websocket.StatusCode(c.s.closeCode), c.s.closeMsg)
		return false
	}
	if err := c.write(w, frames); err != nil {
		c.s.out.End()
		c.s.close(protocol.CloseGoingAway, "write failed")
		c.conn.CloseNow()
		return false
	}
	// Asked here rather than on the next turn, so a connection that has
	// nothing more does not go round the line again for nothing.
	return c.s.out.More(frames)
}

// Abort tears the connection down under a write that has taken too long;
// the write fails and the session ends.
func (c *wsConn) Abort() { c.conn.CloseNow() }

func (c *wsConn) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), c.writers.Timeout)
	defer cancel()
	if c.conn.Ping(ctx) != nil {
		c.s.close(protocol.CloseGoingAway, "no pong")
		return
	}
	c.pinger.Reset(c.s.hub.pingEvery)
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
		// timer for each write. The hub's writers watch the write.
		w.Begin()
		err := c.conn.Write(context.Background(), websocket.MessageText, msg)
		w.End()
		if err != nil {
			return err
		}
	}
	return nil
}
