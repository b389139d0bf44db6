package hub

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestMessagesOfEverySize: messages the hub frames itself, at the edges
// of each length the websocket header can carry, arrive whole and in
// order at a standard client, between coder/websocket's own pings; and no
// message follows the close frame.
func TestMessagesOfEverySize(t *testing.T) {
	sizes := []int{1, 125, 126, 127, 65535, 65536, 70000}
	payload := func(n int) []byte { return bytes.Repeat([]byte{'a' + byte(n%26)}, n) }
	served := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served <- func() error {
			hj := &hijacker{ResponseWriter: w}
			conn, err := websocket.Accept(hj, r, nil)
			if err != nil {
				return err
			}
			ctx := conn.CloseRead(context.Background()) // reads the pongs
			for i, n := range sizes {
				if i > 0 {
					// The client answers while it reads the messages.
					pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					err := conn.Ping(pctx)
					cancel()
					if err != nil {
						return err
					}
				}
				if err := hj.socket.writeMessage(frameText(append(make([]byte, maxHeader), payload(n)...))); err != nil {
					return err
				}
			}
			// The client answers the close only after this check, so the
			// connection is still open while the close frame is out.
			go conn.Close(websocket.StatusNormalClosure, "done")
			for deadline := time.Now().Add(10 * time.Second); !closeSent(hj.socket); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					return errors.New("the close frame never reached the socket")
				}
			}
			if err := hj.socket.writeMessage(frameText(append(make([]byte, maxHeader), 'x'))); !errors.Is(err, net.ErrClosed) {
				return errors.New("a message went out after the close frame")
			}
			return nil
		}()
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(-1)
	for _, n := range sizes {
		typ, got, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("reading the message of %d bytes: %v", n, err)
		}
		if typ != websocket.MessageText || !bytes.Equal(got, payload(n)) {
			t.Fatalf("message of %d bytes arrived as %v of %d bytes", n, typ, len(got))
		}
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if _, _, err := conn.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("after the messages: %v, want the close", err)
	}
}

func closeSent(s *socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closeSent
}
