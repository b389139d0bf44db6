package hub

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	// maxFrame is the read limit; a larger frame closes the connection
	// with 1009.
	maxFrame = 16 << 10
	// writeTimeout bounds one write, so one stuck socket stalls only its
	// own writer, never the room.
	writeTimeout = 10 * time.Second
	pingEvery    = 25 * time.Second
	// maxBatchBytes bounds a websocket message of several queued frames
	// (one per line): a write costs far more than its bytes, so a busy
	// connection gets fewer, larger writes.
	maxBatchBytes = 64 << 10
)

// serveWebsocket upgrades the request and runs the session over it until
// either side closes.
func (h *Hub) serveWebsocket(w http.ResponseWriter, req *http.Request) {
	conn, err := websocket.Accept(w, req, &websocket.AcceptOptions{
		OriginPatterns: h.origins,
		// Off: permessage-deflate delays frames on Safari
		// (coder/websocket#218); small deltas serve weak links instead.
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		// Accept has already answered (403 for a foreign origin).
		h.logger.Debug("websocket accept", "err", err)
		return
	}
	conn.SetReadLimit(maxFrame)
	h.metrics.connections.Add(1)
	defer h.metrics.connections.Add(-1)

	s := newSession(h)
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	go func() {
		// The reader runs until the connection fails or closes.
		defer s.close(CloseNormal, "")
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				if websocket.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) {
					h.logger.Debug("websocket read", "session", s.id, "err", err)
				}
				return
			}
			s.handle(ctx, data)
		}
	}()
	h.writeLoop(ctx, conn, s)
	if s.room != nil {
		s.room.detach(s)
	}
}

// writeLoop writes what the session queues, several frames to a message,
// until the session ends; then it closes the connection with the
// session's code.
func (h *Hub) writeLoop(ctx context.Context, conn *websocket.Conn, s *session) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	// One timer for the session's whole life bounds every write without
	// allocating per write: if a write takes longer than writeTimeout the
	// connection is torn down and the write fails.
	stalled := time.AfterFunc(time.Hour, func() { conn.CloseNow() })
	stalled.Stop()
	defer stalled.Stop()
	for {
		select {
		case <-s.out.wake:
			if err := writeFrames(conn, stalled, s.out.take()); err != nil {
				s.close(CloseGoingAway, "write failed")
				conn.CloseNow()
				return
			}
		case <-ping.C:
			go func() {
				pctx, cancel := context.WithTimeout(ctx, writeTimeout)
				defer cancel()
				if conn.Ping(pctx) != nil {
					s.close(CloseGoingAway, "no pong")
				}
			}()
		case <-s.done:
			if s.closeCode != CloseResume {
				// An error frame must reach the client before the
				// close that follows it.
				_ = writeFrames(conn, stalled, s.out.take())
			}
			conn.Close(websocket.StatusCode(s.closeCode), s.closeMsg)
			return
		}
	}
}

// batches pools the buffers frames are joined in, so an idle connection
// holds none.
var batches = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeFrames writes frames joined one per line into messages of at most
// maxBatchBytes (a larger frame goes alone).
func writeFrames(conn *websocket.Conn, stalled *time.Timer, frames [][]byte) error {
	buf := batches.Get().(*bytes.Buffer)
	defer batches.Put(buf)
	for len(frames) > 0 {
		buf.Reset()
		n := 0
		for n < len(frames) && (n == 0 || buf.Len()+1+len(frames[n]) <= maxBatchBytes) {
			if n > 0 {
				buf.WriteByte('\n')
			}
			buf.Write(frames[n])
			n++
		}
		frames = frames[n:]
		stalled.Reset(writeTimeout)
		// A context that is never done: coder/websocket then sets up no
		// per-write timer of its own; stalled bounds the write instead.
		err := conn.Write(context.Background(), websocket.MessageText, buf.Bytes())
		stalled.Stop()
		if err != nil {
			return err
		}
	}
	return nil
}
