package hub

import (
	"bytes"
	"context"
	"errors"
	"net/http"
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
	// maxBatch bounds how many queued frames go out in one websocket
	// message (one per line): a write costs far more than its bytes.
	maxBatch      = 64
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

// writeLoop drains the session's queue, several frames to a message, until
// the session ends; then it closes the connection with the session's code.
func (h *Hub) writeLoop(ctx context.Context, conn *websocket.Conn, s *session) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	var batch bytes.Buffer
	for {
		select {
		case frame := <-s.queue:
			batch.Reset()
			batch.Write(frame)
			drain(&batch, s.queue)
			if err := write(ctx, conn, batch.Bytes()); err != nil {
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
				h.flush(ctx, conn, s)
			}
			conn.Close(websocket.StatusCode(s.closeCode), s.closeMsg)
			return
		}
	}
}

// flush writes what is still queued when the session ends, so an error
// frame reaches the client before the close that follows it.
func (h *Hub) flush(ctx context.Context, conn *websocket.Conn, s *session) {
	for {
		select {
		case frame := <-s.queue:
			if write(ctx, conn, frame) != nil {
				return
			}
		default:
			return
		}
	}
}

// drain adds to batch, one per line, the frames already queued behind the
// first, up to the batch bounds.
func drain(batch *bytes.Buffer, queue <-chan []byte) {
	for n := 1; n < maxBatch && batch.Len() < maxBatchBytes; n++ {
		select {
		case frame := <-queue:
			batch.WriteByte('\n')
			batch.Write(frame)
		default:
			return
		}
	}
}

func write(ctx context.Context, conn *websocket.Conn, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, msg)
}
