package client

import (
	"bytes"
	"context"
	"io"

	"github.com/plenary/plenary/protocol"
)

// readLight is a light client's reader: each message streams through one
// small buffer, and only the head of each frame is kept to read its
// header from, so a snapshot of a whole board never needs a buffer of its
// size and no frame is decoded.
func (c *Client) readLight() {
	defer close(c.closed)
	buf := make([]byte, readChunk)
	var l lines
	var h protocol.Header
	frame := func(head []byte) {
		h = protocol.ParseHeader(head)
		c.light.Frame(&h)
		c.receiveHeader(&h)
	}
	for {
		_, msg, err := c.conn.Reader(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		for {
			n, err := msg.Read(buf)
			c.light.Read(n)
			for p := buf[:n]; len(p) > 0; {
				var head []byte
				var ok bool
				if head, p, ok = l.next(p); ok {
					frame(head)
				}
			}
			if err == io.EOF {
				if head, ok := l.end(); ok {
					frame(head)
				}
				break
			}
			if err != nil {
				c.fail(err)
				return
			}
		}
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

// receiveHeader is receive for a light client: the seq and epoch, the
// welcome or the hello's refusal.
func (c *Client) receiveHeader(h *protocol.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch string(h.T) {
	case "welcome":
		c.answer("welcome", headerFrame(h))
	case "snap":
		c.seq, c.epoch = h.Seq, string(h.Epoch)
	case "chg":
		c.seq = max(c.seq, h.Seq)
	case "err":
		if len(h.Ref) == 0 && c.waiters["welcome"] != nil {
			c.answer("welcome", headerFrame(h))
		}
	}
	if len(c.seqWait) > 0 {
		c.seqWait = deleteReached(c.seqWait, c.seq)
	}
}

// lines splits a stream of message bytes into frames (lines), keeping
// the first headerCap bytes of each. The zero value is ready; one reader
// goroutine owns it.
type lines struct {
	head [headerCap]byte
	n    int
	// given is set once the current frame's head has been handed out
	// (it filled up before the line ended); the rest of the line is
	// skipped.
	given bool
}

var newline = []byte{'\n'}

// next consumes p until it completes a frame's head. It returns that head
// (ok) and the bytes of p it has not consumed yet; call it again with rest
// until rest is empty.
func (l *lines) next(p []byte) (head, rest []byte, ok bool) {
	line, after, ended := bytes.Cut(p, newline)
	if l.given {
		if ended {
			l.given = false
		}
		return nil, after, false
	}
	l.n += copy(l.head[l.n:], line)
	switch {
	case ended:
		head, l.n = l.head[:l.n], 0
		return head, after, len(head) > 0
	case l.n == len(l.head):
		l.given, l.n = true, 0
		return l.head[:], nil, true
	}
	return nil, nil, false
}

// end finishes the message: a frame still being read is complete.
func (l *lines) end() (head []byte, ok bool) {
	head = l.head[:l.n]
	l.n, l.given = 0, false
	return head, len(head) > 0
}
