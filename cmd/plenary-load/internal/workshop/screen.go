package workshop

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
	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/protocol"
)

// MaxWindow bounds the ops one screen may have unacknowledged; the
// server lets a connection burst 60.
const MaxWindow = 64

// Screen is one simulated screen: a participant or a facilitator with the
// board open. Like the web app, it reconnects when its socket drops, with
// its token and the last seq it applied, and sends its unanswered ops
// again with their ids.
//
// Each socket is a light client.Client whose read goroutine hands this
// screen every frame's header. One socket is read at a time (the next is
// dialled once the last one's reader has ended), and that reader owns at,
// early, epoch and lostAt; lastSeq is atomic because the run reads it to
// know when every screen has caught up. Ops are sent by one goroutine at
// a time (the pacer, or the screen's writer in a saturate run), which
// owns group, votes and dragging; mu guards cl, nextOp and the frames in
// flight, which a reconnect replaces and sends again.
type Screen struct {
	mu    sync.Mutex
	cl    *client.Client
	w     *Board
	m     *measure.Meter
	base  string       // the instance it dials
	httpc *http.Client // dials with stamps

	you      string
	token    string // from the welcome, to reconnect with
	epoch    string // of the last snap, which lastSeq counts in
	group    string
	votes    []string
	dragging bool

	// at is when the bytes being read arrived.
	at      measure.Seen
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
	quit     chan struct{} // closed by Close: no more reconnects
	// early holds changes seen before their op's send time was known:
	// the sender's acknowledgement and this change are written by the
	// server at about the same moment, in either order.
	early []receipt

	nextOp uint64
	// credits holds one token per op this screen may still have in
	// flight; flight is the send time and kind of each, by op number
	// modulo MaxWindow.
	credits chan struct{}
	flight  [MaxWindow]flight

	ready    chan struct{} // closed once the board's state has arrived
	closed   chan struct{} // closed when the reader ends
	err      error         // why the reader ended; read after closed
	quitOnce sync.Once
}

type receipt struct {
	seq uint64
	at  measure.Seen
}

// maxEarly bounds the changes a screen holds unmatched; older ones
// count as unmatched. A screen may run far ahead of a writer whose own
// queue is long, so it is generous; the list grows only as it is used.
const maxEarly = 4096

type flight struct {
	sent atomic.Int64
	kind atomic.Uint32
	// frame is the op as sent, to send again after a reconnect; guarded
	// by the screen's mu.
	frame []byte
}

// Dial opens a screen on board w at base and returns once the board's
// state has arrived. httpc dials with measure.ScreenTransport, for stamps;
// window is how many ops it may have in flight.
func Dial(ctx context.Context, httpc *http.Client, base string, w *Board, h client.Hello, window int) (*Screen, error) {
	c := &Screen{
		w: w, m: w.m, base: base, httpc: httpc,
		credits:  make(chan struct{}, window),
		ready:    make(chan struct{}),
		closed:   make(chan struct{}),
		resynced: make(chan struct{}, 1),
		quit:     make(chan struct{}),
	}
	for range window {
		c.credits <- struct{}{}
	}
	if err := c.open(ctx, h); err != nil {
		select {
		case <-c.ready: // the board came as the dial gave up
			c.m.Counts.Open.Add(-1)
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
func (c *Screen) open(ctx context.Context, h client.Hello) error {
	ctx, slot := measure.WithSlot(ctx)
	_, err := client.Dial(ctx, c.base, h, client.Options{
		HTTPClient: c.httpc,
		Opened:     c.opened,
		Light: &client.Light{
			Read: func(n int) {
				c.received.Add(uint64(n))
				c.at = c.m.Seen(slot.Conn)
			},
			Frame: c.frame,
		},
	})
	return err
}

// read waits for each socket the screen opens to end, and opens the next
// until the screen is closed or the server says not to come back.
func (c *Screen) read() {
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
func (c *Screen) lost(err error) (resume, atOnce bool) {
	if c.leaving.Load() || c.m.Stopping() {
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
		c.m.Drop(dropReason(err))
	}
	c.m.Counts.Open.Add(-1)
	c.lostAt = c.m.Now()
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
func (c *Screen) reconnect(atOnce bool) bool {
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
			pause := time.NewTimer(250*time.Millisecond + rand.N(span))
			span = min(2*span, backoffCap)
			select {
			case <-pause.C:
			case <-ctx.Done():
				pause.Stop()
				return false
			}
		}
		if err := c.open(ctx, client.Hello{Board: c.w.ID, Token: c.token, Since: c.lastSeq.Load(), Epoch: c.epoch}); err != nil {
			if ctx.Err() != nil || refusedForGood(err) {
				return false
			}
			continue
		}
		c.m.Counts.Reconnects.Add(1)
		return true
	}
}

// opened makes cl the screen's socket as soon as its hello is sent,
// before anything is read from it (a cut while the welcome is on its way
// drops this socket, not the last one), and sends on it the ops still
// unanswered.
func (c *Screen) opened(cl *client.Client) {
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
func (c *Screen) resend() {
	for no := c.nextOp - min(c.nextOp, MaxWindow); no < c.nextOp; no++ {
		f := &c.flight[no%MaxWindow]
		if f.sent.Load() == 0 {
			continue
		}
		if c.cl.Send(context.Background(), f.frame) != nil {
			return // dropped again: the next reconnect sends the rest
		}
		c.m.Counts.Resent.Add(1)
	}
}

// backInSync ends a reconnect: the server has sent what the screen
// missed, since it sends presence after the board's state.
func (c *Screen) backInSync() {
	if c.lostAt == 0 {
		return
	}
	c.m.Resync.Record(time.Duration(c.m.Now() - c.lostAt))
	c.lostAt = 0
	c.m.Counts.Open.Add(1)
	select {
	case c.resynced <- struct{}{}:
	default:
	}
}

func (c *Screen) end(err error) {
	c.err = err
	if c.lostAt != 0 {
		return // counted when the socket was lost
	}
	select {
	case <-c.ready:
		c.m.Counts.Open.Add(-1)
	default:
	}
	if c.leaving.Load() {
		return
	}
	c.m.Drop(dropReason(err))
}

// dropReason names why a socket ended: its close code, or "error".
func dropReason(err error) string {
	if code := websocket.CloseStatus(err); code != -1 {
		return strconv.Itoa(int(code))
	}
	return "error"
}

// frame takes the header of each frame the current socket reads.
func (c *Screen) frame(h *protocol.Header) {
	switch string(h.T) {
	case "chg":
		c.change(h, c.at)
	case "eph":
		c.m.Counts.Ephemeral.Add(1)
	case "err":
		c.refused(h)
	case "snap":
		c.lastSeq.Store(h.Seq)
		c.epoch = string(h.Epoch)
		c.m.Counts.Others.Add(1)
		c.m.Counts.Snaps.Add(1)
		select {
		case <-c.ready:
		default:
			c.m.Counts.Open.Add(1)
			close(c.ready)
		}
	case "welcome":
		c.you, c.token = string(h.You), string(h.Token)
	case "presence":
		c.m.Counts.Others.Add(1)
		c.backInSync()
	default:
		c.m.Counts.Others.Add(1)
	}
}

func (c *Screen) change(h *protocol.Header, at measure.Seen) {
	if h.Seq <= c.lastSeq.Load() {
		// A repeat; with a ref, the answer to an op sent again after a
		// reconnect, whose change came with what the screen missed.
		if len(h.Ref) > 0 {
			c.acked(h, at)
		}
		return
	}
	c.lastSeq.Store(h.Seq)
	c.m.Counts.Changes.Add(1)
	if len(h.Ref) > 0 {
		c.acked(h, at)
	} else if c.w.AcksOnly {
		return
	} else if sent, ok := c.w.sentAt(h.Seq); ok {
		c.m.Delivered(sent, at)
	} else if c.m.Opened(at.Read) {
		if len(c.early) == maxEarly {
			c.m.Counts.Unmatched.Add(1)
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
func (c *Screen) resolveEarly(final bool) {
	kept := c.early[:0]
	for _, r := range c.early {
		if sent, ok := c.w.sentAt(r.seq); ok {
			c.m.Delivered(sent, r.at)
		} else if final {
			c.m.Counts.Unmatched.Add(1)
		} else {
			kept = append(kept, r)
		}
	}
	c.early = kept
}

// landed returns the send time and kind of the op numbered by ref and
// gives its credit back.
func (c *Screen) landed(ref []byte) (sent int64, kind opKind, ok bool) {
	no, end := protocol.Number(ref, 0)
	if end != len(ref) || end == 0 {
		return 0, 0, false
	}
	f := &c.flight[no%MaxWindow]
	kind = opKind(f.kind.Load())
	if sent = f.sent.Swap(0); sent == 0 {
		return 0, 0, false
	}
	c.credits <- struct{}{}
	return sent, kind, true
}

func (c *Screen) acked(h *protocol.Header, at measure.Seen) {
	sent, kind, ok := c.landed(h.Ref)
	if !ok {
		return
	}
	c.m.Counts.Acked.Add(1)
	if c.m.Counted(sent) {
		c.m.Ack.Record(time.Duration(at.Arrived - sent))
	}
	c.w.publish(h.Seq, sent)
	c.w.acked(c, kind, h.Seq)
}

func (c *Screen) refused(h *protocol.Header) {
	c.m.Refuse(h.Code)
	if _, kind, ok := c.landed(h.Ref); ok {
		c.w.refused(kind, string(h.Code))
	}
}

// Take waits for a free place in the window of ops in flight, and
// reports false if the screen ended or ctx did first.
func (c *Screen) Take(ctx context.Context) bool {
	select {
	case <-c.credits:
		return true
	case <-c.closed:
	case <-ctx.Done():
	}
	return false
}

// trySend sends op if the window has room for it.
func (c *Screen) trySend(op *board.Op) bool {
	select {
	case <-c.credits:
		return c.Send(op) == nil
	default:
		return false
	}
}

// Send sends op, numbered by the screen, holding a place taken with
// Take. Its send time is stored before the write, since the
// acknowledgement may be read before the write returns. An op that cannot
// be written because the socket dropped stays in flight: the reconnect
// sends it, as the web app does.
func (c *Screen) Send(op *board.Op) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendLocked(op)
}

// sendLocked is Send with c.mu held.
func (c *Screen) sendLocked(op *board.Op) error {
	no := c.nextOp
	frame, err := json.Marshal(protocol.ClientFrame{T: "op", ID: strconv.FormatUint(no, 10), Op: op})
	if err != nil {
		return fmt.Errorf("encode %s: %w", op.Kind, err)
	}
	c.nextOp++
	f := &c.flight[no%MaxWindow]
	f.frame = frame
	f.kind.Store(uint32(kindOf(op.Kind)))
	f.sent.Store(c.m.Now())
	c.m.Counts.Sent.Add(1)
	if err := c.cl.Send(context.Background(), frame); err != nil && c.Ended() {
		if f.sent.Swap(0) != 0 {
			c.credits <- struct{}{}
		}
		return err
	}
	return nil
}

// drag streams one position of a note being dragged.
func (c *Screen) drag(note string, x, y float64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.cl.Ephemeral(context.Background(), "drag", note, x, y); err != nil {
		return err
	}
	c.m.Counts.EphemeralSent.Add(1)
	return nil
}

// Ended reports whether the reader has stopped.
func (c *Screen) Ended() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// Close ends the screen for good and waits for its reader.
func (c *Screen) Close() {
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

// Cut drops the socket at once, with no close handshake, as a lost link or
// a reload does; the screen reconnects at once, and Resynced says when it
// is back in sync.
func (c *Screen) Cut() {
	c.cutting.Store(true)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cl.Drop()
}

// Resynced receives once each time the screen is back in sync after its
// socket dropped.
func (c *Screen) Resynced() <-chan struct{} { return c.resynced }

// Done is closed when the screen has ended for good: closed, or refused.
func (c *Screen) Done() <-chan struct{} { return c.closed }

// Err is why the screen ended, once Done is closed.
func (c *Screen) Err() error { return c.err }

// Received is how many bytes the screen has read, on all its sockets.
func (c *Screen) Received() uint64 { return c.received.Load() }

// You is the participant the screen is, from its welcome.
func (c *Screen) You() string { return c.you }

// Group is the breakout group FormGroups found the screen in.
func (c *Screen) Group() string { return c.group }
