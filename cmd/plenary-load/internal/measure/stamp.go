package measure

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// StampedConn is a screen's TCP connection that learns, with each read,
// when the kernel received the bytes (SO_TIMESTAMPNS). The load generator
// reads thousands of screens on one core, one after another, while real
// screens read in parallel on their own devices: a change is on a screen
// when the server's write lands in that screen's socket, not when this
// process gets round to reading it. Both moments are reported.
type StampedConn struct {
	*net.TCPConn
	raw syscall.RawConn
	oob [64]byte
	// arrived is the wall-clock time, in Unix nanoseconds, at which the
	// bytes last read reached the socket; 0 if that read carried no stamp
	// (the kernel turns stamping on for the whole machine a moment after
	// the first socket asks for it).
	arrived atomic.Int64
}

func newStampedConn(c *net.TCPConn) (*StampedConn, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, serr
	}
	return &StampedConn{TCPConn: c, raw: raw}, nil
}

// Read reads with recvmsg to get the stamp along with the bytes. Only one
// goroutine reads at a time (net/http for the handshake, then the
// screen's reader).
func (c *StampedConn) Read(p []byte) (int, error) {
	var n, oobn int
	var err error
	rerr := c.raw.Read(func(fd uintptr) bool {
		for {
			n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, c.oob[:], 0)
			if err != syscall.EINTR {
				return err != syscall.EAGAIN
			}
		}
	})
	switch {
	case rerr != nil:
		return 0, rerr
	case err != nil:
		return 0, err
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	c.arrived.Store(stampOf(c.oob[:oobn]))
	return n, nil
}

// stampOf finds the SO_TIMESTAMPNS stamp among a read's control messages,
// 0 if there is none.
func stampOf(oob []byte) int64 {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
			ts := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
			return ts.Nano()
		}
	}
	return 0
}

// Slot carries a dial's StampedConn out of the HTTP transport, which
// dials with the request's context: Conn is set once the dial is made.
type Slot struct{ Conn *StampedConn }

type slotKey struct{}

// WithSlot returns ctx carrying a new slot, for a dial with ScreenTransport.
func WithSlot(ctx context.Context) (context.Context, *Slot) {
	slot := &Slot{}
	return context.WithValue(ctx, slotKey{}, slot), slot
}

// ScreenTransport dials every connection as a StampedConn and never
// reuses one: a websocket keeps its connection, and a pooled one would
// carry no stamps.
func ScreenTransport() *http.Transport {
	d := &net.Dialer{}
	return &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tcp, ok := c.(*net.TCPConn)
			if !ok {
				c.Close()
				return nil, errors.New("screens dial TCP only")
			}
			sc, err := newStampedConn(tcp)
			if err != nil {
				c.Close()
				return nil, err
			}
			if slot, ok := ctx.Value(slotKey{}).(*Slot); ok {
				slot.Conn = sc
			}
			return sc, nil
		},
	}
}
