package hub

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync"
)

// socket is the hijacked connection under everything written to a
// websocket. The hub's writers write whole messages, framed here, straight
// to it; coder/websocket writes its control frames (ping, pong, close)
// through it. Framing a message costs a few bytes of header, where
// coder/websocket's Write costs two channel locks, a copy into its buffer
// and a flush per message: a quarter of the server's time when every
// delivery is its own write, as in a plenary of 2,000.
//
// coder/websocket still does the handshake, the reading, pings and the
// close handshake. Its writes reach Write through a buffer only big enough
// for a control frame, flushed at the end of each frame, so each of its
// frames is one Write, and mu keeps frames whole. mu is held across the
// write itself, as coder/websocket's own lock was: it is this connection's
// alone, and a socket that stays full past the write timeout is torn down by
// the writers' watcher, which frees it.
type socket struct {
	net.Conn
	mu        sync.Mutex
	closeSent bool // a close frame went out: no message may follow it
}

const (
	// readBuffer is coder/websocket's read buffer: a participant's frames
	// are a few hundred bytes, larger ones are read straight through.
	readBuffer = 1 << 10
	// controlBuffer holds one control frame: a header and at most 125
	// bytes of payload.
	controlBuffer = 256
	// maxHeader is the longest header of an unmasked frame.
	maxHeader = 10
	opClose   = 0x8
)

// Write is coder/websocket's way in: each call is one whole control frame.
func (s *socket) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(p) > 0 && p[0]&0x0f == opClose {
		s.closeSent = true
	}
	return s.Conn.Write(p)
}

// writeMessage writes msg, a text message framed by frameText, unless the
// connection is closing.
func (s *socket) writeMessage(msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closeSent {
		return net.ErrClosed
	}
	_, err := s.Conn.Write(msg)
	return err
}

// frameText turns buf, maxHeader bytes of room followed by a payload, into
// one unfragmented, unmasked text frame (RFC 6455, section 5.2) and
// returns it: the header goes in the room, right before the payload.
func frameText(buf []byte) []byte {
	n := len(buf) - maxHeader
	var h [maxHeader]byte
	header := append(h[:0], 0x80|0x1) // FIN, text
	switch {
	case n < 126:
		header = append(header, byte(n))
	case n <= 0xffff:
		header = binary.BigEndian.AppendUint16(append(header, 126), uint16(n))
	default:
		header = binary.BigEndian.AppendUint64(append(header, 127), uint64(n))
	}
	start := maxHeader - len(header)
	copy(buf[start:], header)
	return buf[start:]
}

// hijacker hands coder/websocket the hijacked connection as a socket, with
// small buffers instead of net/http's 4 KiB each way: at ten thousand
// connections the buffers are much of what an idle one costs.
type hijacker struct {
	http.ResponseWriter
	socket *socket // set by Hijack
}

func (w *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Whatever the client sent after its request is already in net/http's
	// reader; it moves into the new one, where coder/websocket looks.
	early, _ := brw.Reader.Peek(brw.Reader.Buffered()) // asks for what is buffered: never fails
	early = bytes.Clone(early)
	w.socket = &socket{Conn: conn}
	r := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(early), w.socket), max(readBuffer, len(early)))
	if _, err := r.Peek(len(early)); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return w.socket, bufio.NewReadWriter(r, bufio.NewWriterSize(w.socket, controlBuffer)), nil
}
