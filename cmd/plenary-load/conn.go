package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/protocol"
)

// maxWindow bounds the ops one connection may have unacknowledged; the
// server lets a connection burst 60.
const maxWindow = 64

// conn is one simulated screen: a participant or a facilitator with the
// board open. Like the web app, it reconnects when its socket drops, with
// its token and the last seq it applied, and sends its unanswered ops
// again with their ids.
//
// Each socket is a light client.Client whose read goroutine hands this
// screen every frame's header. One socket is read at a time (the next is
// dialled once the last one's reader has ended), and that reader owns at,
// early, epoch and lostAt; lastSeq is atomic because the run reads it to
// know when every screen has caught up. Ops are sent by one goroutine at
// a time (the pacer, or the connection's writer in a saturate run), which
// owns group, votes and dragging; mu guards cl, nextOp and the frames in
// flight, which a reconnect replaces and sends again.
type conn struct {
	mu    sync.Mutex
	cl    *client.Client
	w     *workshop
	m     *meter
	base  string       // the instance it dials
	httpc *http.Client // dials with stamps

	you         string
	token       string // from the welcome, to reconnect with
	epoch       string // of the last snap, which lastSeq counts in
	facilitator bool
	group       string
	votes       []string
	dragging    bool

	// at is when the bytes being read arrived.
	at      seen
	lastSeq atomic.Uint64
	// received counts the bytes of every message read.
	received atomic.Uint64
	// leaving is set when the run closes this screen on purpose, so its
	// end is not counted as a drop.
	leaving atomic.Bool
	// cutting is set while the run drops this screen's socket on purpose
	// (a storm's churn): it reconnects at once, not counted as a drop.
	cutting atomic.Bool
	// lostAt is when the socket dropped (the meter's clock), until the
	// screen is back in sync; resynced then gets a token.
	lostAt   int64
	resynced chan struct{}
	quit     chan struct{} // closed by close: no more reconnects
	// early holds changes seen before their op's send time was known:
	// the sender's acknowledgement and this change are written by the
	// server at about the same moment, in either order.
	early []receipt

	nextOp uint64
	// credits holds one token per op this connection may still have in
	// flight; flight is the send time and kind of each, by op number
	// modulo maxWindow.
	credits chan struct{}
	flight  [maxWindow]flight

	ready    chan struct{} // closed once the board's state has arrived
	closed   chan struct{} // closed when the reader ends
	err      error         // why the reader ended; read after closed
	quitOnce sync.Once
}

type receipt struct {
	seq uint64
	at  seen
}

// seen is when a screen had some bytes, on the meter's clock: arrived when
// they reached its socket, read when this process read them.
type seen struct{ arrived, read int64 }

// maxEarly bounds the changes a connection holds unmatched; older ones
// count as unmatched. A screen may run far ahead of a writer whose own
// queue is long, so it is generous; the list grows only as it is used.
const maxEarly = 4096

type flight struct {
	sent atomic.Int64
	kind atomic.Uint32
	// frame is the op as sent, to send again after a reconnect; guarded
	// by the conn's mu.
	frame []byte
}

// dial opens a screen on w's board at base and returns once the board's
// state has arrived. window is how many ops it may have in flight.
func dial(ctx context.Context, httpc *http.Client, base string, w *workshop, h client.Hello, window int) (*conn, error) {
	c := &conn{
		w: w, m: w.m, base: base, httpc: httpc,
		facilitator: h.Token != "",
		credits:     make(chan struct{}, window),
		ready:       make(chan struct{}),
		closed:      make(chan struct{}),
		resynced:    make(chan struct{}, 1),
		quit:        make(chan struct{}),
	}
	for range window {
		c.credits <- struct{}{}
	}
	if err := c.open(ctx, h); err != nil {
		select {
		case <-c.ready: // the board came as the dial gave up
			c.m.counts.open.Add(-1)
		default:
		}
		return nil, err
	}
	go c.read()
	return c, nil
}

// open dials base's websocket as a light client, on a connection that
// stamps arrivals, and returns once the server has welcomed it (and, when
// h resumes nothing, sent the board).
func (c *conn) open(ctx context.Context, h client.Hello) error {
	slot := &stampSlot{}
	_, err := client.Dial(context.WithValue(ctx, stampSlotKey{}, slot), c.base, h, client.Options{
		HTTPClient: c.httpc,
		Opened:     c.opened,
		Light: &client.Light{
			Read: func(n int) {
				c.received.Add(uint64(n))
				c.at = c.seenNow(slot.conn)
			},
			Frame: c.frame,
		},
	})
	return err
}

// read waits for each socket the screen opens to end, and opens the next
// until the screen is closed or the server says not to come back.
func (c *conn) read() {
	defer close(c.closed)
	defer c.resolveEarly(true)
	for {
		c.mu.Lock()
		cl := c.cl
		c.mu.Unlock()
		<-cl.Closed()
		err := cl.Err()
		if resume, atOnce := c.lost(err); !resume || !c.reconnect(atOnce) {
			c.end(err)
			return
		}
	}
}

// lost reports whether the socket ended in a way the web app comes back
// from: not closed by the run, not before the board first arrived, and
// not refused for good (a bad hello or token). A drop the run did not
// cause is counted; one it did (a churn's cut) is retried at once, as a
// reload would.
func (c *conn) lost(err error) (resume, atOnce bool) {
	if c.leaving.Load() || c.m.stopping.Load() {
		return false, false
	}
	select {
	case <-c.ready:
	default:
		return false, false
	}
	if refusedForGood(err) {
		return false, false
	}
	atOnce = c.cutting.Swap(false)
	if !atOnce {
		c.m.drop(dropReason(err))
	}
	c.m.counts.open.Add(-1)
	c.lostAt = c.m.now()
	return true, atOnce
}

// refusedForGood reports whether err is a close or a refusal after which
// the web app does not reconnect (docs/protocol.md).
func refusedForGood(err error) bool {
	var refusal *board.Error
	if errors.As(err, &refusal) {
		return refusal.Code == protocol.CodeBadHello || refusal.Code == protocol.CodeBadToken
	}
	code := websocket.CloseStatus(err)
	return code == protocol.CloseBadHello || code == protocol.CloseBadToken
}

// Backoff between reconnects, as the web app's: a pause of 250 ms plus a
// random share of 500 ms, doubling to 15 s, after each failed try.
const (
	backoffBase = 500 * time.Millisecond
	backoffCap  = 15 * time.Second
)

// reconnect opens the screen again with its token and the last seq it
// applied, then sends its unanswered ops again with their ids. It tries
// until the screen is closed, and reports whether it got back.
func (c *conn) reconnect(atOnce bool) bool {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	span := backoffBase
	for first := true; ; first = false {
		if !first || !atOnce {
			pause := 250*time.Millisecond + rand.N(span)
			span = min(2*span, backoffCap)
			if !sleepUntil(ctx, time.Now().Add(pause)) {
				return false
			}
		}
		if err := c.open(ctx, client.Hello{Board: c.w.id, Token: c.token, Since: c.lastSeq.Load(), Epoch: c.epoch}); err != nil {
			if ctx.Err() != nil || refusedForGood(err) {
				return false
			}
			continue
		}
		c.m.counts.reconnects.Add(1)
		return true
	}
}

// opened makes cl the screen's socket as soon as its hello is sent,
// before anything is read from it (a cut while the welcome is on its way
// drops this socket, not the last one), and sends on it the ops still
// unanswered.
func (c *conn) opened(cl *client.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cl = cl
	if c.leaving.Load() {
		cl.Drop() // closed meanwhile: the dial fails
		return
	}
	c.resend()
}

// resend sends every op still unanswered again, in the order first sent,
// with its id: the server applies each at most once. c.mu is held.
func (c *conn) resend() {
	for no := c.nextOp - min(c.nextOp, maxWindow); no < c.nextOp; no++ {
		f := &c.flight[no%maxWindow]
		if f.sent.Load() == 0 {
			continue
		}
		if c.cl.Send(context.Background(), f.frame) != nil {
			return // dropped again: the next reconnect sends the rest
		}
		c.m.counts.resent.Add(1)
	}
}

// backInSync ends a reconnect: the server has sent what the screen
// missed, since it sends presence after the board's state.
func (c *conn) backInSync() {
	if c.lostAt == 0 {
		return
	}
	c.m.resync.record(time.Duration(c.m.now() - c.lostAt))
	c.lostAt = 0
	c.m.counts.open.Add(1)
	select {
	case c.resynced <- struct{}{}:
	default:
	}
}

func (c *conn) end(err error) {
	c.err = err
	if c.lostAt != 0 {
		return // counted when the socket was lost
	}
	select {
	case <-c.ready:
		c.m.counts.open.Add(-1)
	default:
	}
	if c.leaving.Load() {
		return
	}
	c.m.drop(dropReason(err))
}

// dropReason names why a socket ended: its close code, or "error".
func dropReason(err error) string {
	if code := websocket.CloseStatus(err); code != -1 {
		return strconv.Itoa(int(code))
	}
	return "error"
}

// seenNow is when the bytes just read from sock arrived, and now; sock is
// nil if the dial went without stamps.
func (c *conn) seenNow(sock *stampedConn) seen {
	at := seen{read: c.m.now()}
	at.arrived = at.read
	if sock != nil {
		if wall := sock.arrived.Load(); wall != 0 {
			at.arrived = min(c.m.fromWall(wall), at.read)
		}
	}
	return at
}

// frame takes the header of each frame the current socket reads.
func (c *conn) frame(h *protocol.Header) {
	switch string(h.T) {
	case "chg":
		c.change(h, c.at)
	case "eph":
		c.m.counts.ephemeral.Add(1)
	case "err":
		c.refused(h)
	case "snap":
		c.lastSeq.Store(h.Seq)
		c.epoch = string(h.Epoch)
		c.m.counts.others.Add(1)
		c.m.counts.snaps.Add(1)
		select {
		case <-c.ready:
		default:
			c.m.counts.open.Add(1)
			close(c.ready)
		}
	case "welcome":
		c.you, c.token = string(h.You), string(h.Token)
	case "presence":
		c.m.counts.others.Add(1)
		c.backInSync()
	default:
		c.m.counts.others.Add(1)
	}
}

func (c *conn) change(h *protocol.Header, at seen) {
	if h.Seq <= c.lastSeq.Load() {
		// A repeat; with a ref, the answer to an op sent again after a
		// reconnect, whose change came with what the screen missed.
		if len(h.Ref) > 0 {
			c.acked(h, at)
		}
		return
	}
	c.lastSeq.Store(h.Seq)
	c.m.counts.changes.Add(1)
	if len(h.Ref) > 0 {
		c.acked(h, at)
	} else if c.w.acksOnly {
		return
	} else if sent, ok := c.w.sentAt(h.Seq); ok {
		c.m.delivered(sent, at)
	} else if at.read >= c.m.from.Load() {
		if len(c.early) == maxEarly {
			c.m.counts.unmatched.Add(1)
			c.early = append(c.early[:0], c.early[1:]...)
		}
		c.early = append(c.early, receipt{seq: h.Seq, at: at})
		return
	}
	// A long list is retried every 64th change, not every one: a match
	// keeps its own receive time, so retrying later costs no accuracy.
	if len(c.early) > 0 && (len(c.early) < 64 || h.Seq%64 == 0) {
		c.resolveEarly(false)
	}
}

// resolveEarly matches held changes whose send time is now known; final
// counts the rest as unmatched.
func (c *conn) resolveEarly(final bool) {
	kept := c.early[:0]
	for _, r := range c.early {
		if sent, ok := c.w.sentAt(r.seq); ok {
			c.m.delivered(sent, r.at)
		} else if final {
			c.m.counts.unmatched.Add(1)
		} else {
			kept = append(kept, r)
		}
	}
	c.early = kept
}

// landed returns the send time and kind of the op numbered by ref and
// gives its credit back.
func (c *conn) landed(ref []byte) (sent int64, kind opKind, ok bool) {
	no, end := protocol.Number(ref, 0)
	if end != len(ref) || end == 0 {
		return 0, 0, false
	}
	f := &c.flight[no%maxWindow]
	kind = opKind(f.kind.Load())
	if sent = f.sent.Swap(0); sent == 0 {
		return 0, 0, false
	}
	c.credits <- struct{}{}
	return sent, kind, true
}

func (c *conn) acked(h *protocol.Header, at seen) {
	sent, kind, ok := c.landed(h.Ref)
	if !ok {
		return
	}
	c.m.counts.acked.Add(1)
	if c.m.counted(sent) {
		c.m.ack.record(time.Duration(at.arrived - sent))
	}
	c.w.publish(h.Seq, sent)
	c.w.acked(c, kind, h.Seq)
}

func (c *conn) refused(h *protocol.Header) {
	c.m.refuse(h.Code)
	if _, kind, ok := c.landed(h.Ref); ok {
		c.w.refused(kind, string(h.Code))
	}
}

// take waits for a free place in the window of ops in flight.
func (c *conn) take(ctx context.Context) bool {
	select {
	case <-c.credits:
		return true
	case <-c.closed:
	case <-ctx.Done():
	}
	return false
}

// trySend sends op if the window has room for it.
func (c *conn) trySend(kind opKind, op *board.Op) bool {
	select {
	case <-c.credits:
		return c.send(kind, op) == nil
	default:
		return false
	}
}

// send sends op, numbered by the connection, holding a place taken with
// take. Its send time is stored before the write, since the
// acknowledgement may be read before the write returns. An op that cannot
// be written because the socket dropped stays in flight: the reconnect
// sends it, as the web app does.
func (c *conn) send(kind opKind, op *board.Op) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendLocked(kind, op)
}

// sendLocked is send with c.mu held.
func (c *conn) sendLocked(kind opKind, op *board.Op) error {
	no := c.nextOp
	frame, err := json.Marshal(protocol.ClientFrame{T: "op", ID: strconv.FormatUint(no, 10), Op: op})
	if err != nil {
		return fmt.Errorf("encode %s: %w", op.Kind, err)
	}
	c.nextOp++
	f := &c.flight[no%maxWindow]
	f.frame = frame
	f.kind.Store(uint32(kind))
	f.sent.Store(c.m.now())
	c.m.counts.sent.Add(1)
	if err := c.cl.Send(context.Background(), frame); err != nil && c.ended() {
		if f.sent.Swap(0) != 0 {
			c.credits <- struct{}{}
		}
		return err
	}
	return nil
}

// drag streams one position of a note being dragged.
func (c *conn) drag(note string, x, y float64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.cl.Ephemeral(context.Background(), "drag", note, x, y); err != nil {
		return err
	}
	c.m.counts.ephemeralSent.Add(1)
	return nil
}

// ended reports whether the reader has stopped.
func (c *conn) ended() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// close ends the connection for good and waits for its reader.
func (c *conn) close() {
	c.leaving.Store(true)
	c.quitOnce.Do(func() { close(c.quit) })
	c.mu.Lock()
	cl := c.cl
	c.mu.Unlock()
	cl.Close()
	select {
	case <-c.closed:
	case <-time.After(2 * time.Second):
		c.mu.Lock()
		c.cl.Drop()
		c.mu.Unlock()
		<-c.closed
	}
}

// cut drops the socket at once, with no close handshake, as a lost link or
// a reload does; the screen reconnects at once.
func (c *conn) cut() {
	c.cutting.Store(true)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cl.Drop()
}
