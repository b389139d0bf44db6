// Package client speaks Plenary's websocket protocol from Go, with the
// frames package protocol declares: it joins a board, sends ops and waits
// for their acknowledgement. A client keeps a replica of what the server
// sends, decoding every frame strictly (the tests use it), or, made with
// Options.Light, keeps only the seq and hands each frame's header to the
// caller (the load generator's thousands of screens).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// Join is the hello of a newcomer.
type Join = protocol.Join

// Hello says who connects: a Token from an earlier welcome (or a
// facilitator link), or a Join. Since resumes from a seq of Epoch (see
// Client.Epoch). View "presenter" asks for the read-only view a projector
// shows.
//
// A Join with a JoinID joins as the web app does (docs/protocol.md,
// "Joining over HTTP"): it is POSTed under that id, which a retry sends
// again to be the same newcomer; the board comes over HTTP, gzipped; and
// the socket's hello carries the token and resumes from the board's seq.
// A Join without one is sent in the socket's hello, and the socket sends
// the whole board.
type Hello struct {
	Board  string
	Token  string
	Join   *Join
	JoinID string
	Since  uint64
	Epoch  string
	View   string
}

// Frame is any frame the server sends, its fields gathered from the
// frame's declared type (protocol.DecodeServer) into one struct for the
// tests' convenience. A light client fills only what the header holds.
type Frame struct {
	T           string
	Board       string
	You         string
	Token       string
	Facilitator bool
	Seq         uint64
	// First is the first seq a chg frame stands for: its from, or Seq.
	First   uint64
	Epoch   string
	Ref     string
	By      string
	At      time.Time
	Changes []Change
	Code    string
	Msg     string
	From    string
	Kind    string
	Note    string
	Online  []string
	Came    []string
	Left    []string
	X       *float64
	Y       *float64
	Raw     json.RawMessage
}

// Change is one entity change as the server sends it.
type Change = protocol.Entity

// frameOf gathers a decoded frame's fields.
func frameOf(v any, raw []byte) Frame {
	f := Frame{Raw: raw}
	switch v := v.(type) {
	case *protocol.Welcome:
		f.T, f.Board, f.You, f.Token, f.Facilitator = v.T, v.Board, v.You, v.Token, v.Facilitator
	case *protocol.Snap[protocol.Entity]:
		f.T, f.Seq, f.Epoch, f.Changes = v.T, v.Seq, v.Epoch, v.Changes
	case *protocol.Chg[protocol.Entity]:
		f.T, f.First, f.Seq, f.Ref, f.By, f.At, f.Changes = v.T, v.First(), v.Seq, v.Ref, v.By, v.At, v.Changes
	case *protocol.Err:
		f.T, f.Ref, f.Code, f.Msg = v.T, v.Ref, v.Code, v.Msg
	case *protocol.Eph:
		f.T, f.From, f.Kind, f.Note, f.X, f.Y = v.T, v.From, v.Kind, v.Note, v.X, v.Y
	case *protocol.Presence:
		f.T, f.Online = v.T, v.Online
	case *protocol.PresenceChange:
		f.T, f.Came, f.Left = v.T, v.Came, v.Left
	case *protocol.Pong:
		f.T = v.T
	}
	return f
}

// headerFrame is what a light client knows of a welcome or an err.
func headerFrame(h *protocol.Header) Frame {
	return Frame{T: string(h.T), Board: string(h.Board), You: string(h.You), Token: string(h.Token),
		Facilitator: h.Facilitator, Ref: string(h.Ref), Code: string(h.Code), Msg: string(h.Msg)}
}

// Client is one connection. Its replica and counters are guarded by mu;
// the read loop is the only writer.
type Client struct {
	conn    *websocket.Conn
	onFrame func(Frame, time.Time)
	light   *Light

	Board       string
	You         string
	Token       string
	Facilitator bool

	mu       sync.Mutex
	seq      uint64
	epoch    string
	entities map[string]map[string]json.RawMessage
	online   map[string]bool
	waiters  map[string]chan Frame
	seqWait  []seqWaiter
	ephs     []Frame
	errs     []Frame
	closed   chan struct{}
	err      error
	nextRef  int
	// refs tells this client's op ids from those of another connection
	// of the same participant: an op id is its idempotency key, so a
	// reconnected client that counted from c1 again would be answered
	// with the first connection's ops.
	refs string
}

type seqWaiter struct {
	seq uint64
	ch  chan struct{}
}

// Options tune Dial.
type Options struct {
	// Origin is sent as the Origin header (the server refuses foreign
	// origins); empty uses the server's own.
	Origin string
	// OnFrame sees every frame as it arrives, on the read goroutine,
	// before the replica applies it: once WaitSeq or Do returns, OnFrame
	// has seen the frame that satisfied it.
	OnFrame func(Frame, time.Time)
	// HTTPClient, if set, makes the requests: the socket's handshake,
	// and a JoinID's join and board.
	HTTPClient *http.Client
	// Light, if set, makes a light client: no replica, no frame decoded,
	// messages streamed through a small buffer whatever their size.
	Light *Light
	// Opened, if set, is handed the client once its hello is sent,
	// before anything is read: a caller that sends or drops on it while
	// Dial waits for the answer (ops an earlier socket left unanswered,
	// say) holds it from then on.
	Opened func(*Client)
}

// Light is what a light client hands its caller, on the read goroutine
// (or, for a board fetched over HTTP, on Dial's, before the read goroutine
// starts): it must be quick. Seq, Epoch, WaitSeq and the welcome still work;
// Replica, Online, Ephemerals, Errors and the answers Do waits for do
// not, so a light client sends ops with Send and matches their answers
// by the header's ref itself.
type Light struct {
	// Read is told how many bytes were just read, before Frame is handed
	// the frames they end.
	Read func(n int)
	// Frame is handed each frame's header; its byte slices are valid
	// until Frame returns.
	Frame func(h *protocol.Header)
}

// readChunk is a light client's read buffer, and headerCap how much of
// each frame it keeps to read the header from: enough for a welcome's
// token, a change's seq and ref, a snap's seq and epoch.
const (
	readChunk = 2 << 10
	headerCap = 256
)

// Dial connects to the server at base (http://host:port), says hello and
// waits for the welcome and the board's state.
func Dial(ctx context.Context, base string, h Hello, opt Options) (*Client, error) {
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	origin := opt.Origin
	if origin == "" {
		origin = base
	}
	var first *firstBoard
	if h.Join != nil && h.JoinID != "" {
		httpc := opt.HTTPClient
		if httpc == nil {
			httpc = http.DefaultClient
		}
		token, err := joinOverHTTP(ctx, base, origin, h, httpc)
		if err != nil {
			return nil, err
		}
		if first, err = fetchBoard(ctx, base, h.Board, token, opt.Light != nil, httpc); err != nil {
			return nil, err
		}
		h.Token, h.Join = token, nil
		h.Since, h.Epoch = first.seqEpoch()
	}
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {origin}},
		HTTPClient: opt.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	limit := int64(1 << 24)
	if opt.Light != nil {
		// Snapshots of big boards stream through a light client's
		// buffer, so its limit only guards against a runaway server.
		limit = 256 << 20
	}
	conn.SetReadLimit(limit)
	c := &Client{
		conn:     conn,
		onFrame:  opt.OnFrame,
		light:    opt.Light,
		entities: map[string]map[string]json.RawMessage{},
		online:   map[string]bool{},
		waiters:  map[string]chan Frame{},
		closed:   make(chan struct{}),
		refs:     "c" + strconv.FormatUint(rand.Uint64()>>32, 36) + ".",
	}
	hello := protocol.ClientFrame{T: "hello", V: protocol.Version, Board: h.Board, Token: h.Token, Join: h.Join, View: h.View}
	if first != nil {
		c.take(first)
	}
	if h.Since > 0 {
		hello.Since, hello.Epoch = h.Since, h.Epoch
		c.seq, c.epoch = h.Since, h.Epoch
	}
	welcome := make(chan Frame, 1)
	c.waiters["welcome"] = welcome
	if err := c.write(ctx, hello); err != nil {
		conn.CloseNow()
		return nil, err
	}
	if opt.Opened != nil {
		opt.Opened(c)
	}
	if c.light != nil {
		go c.readLight()
	} else {
		go c.readLoop()
	}
	// fail ends the connection and its read goroutine, so nothing is
	// handed to OnFrame or Light after Dial has returned an error.
	fail := func(err error) (*Client, error) {
		conn.CloseNow()
		<-c.closed
		return nil, err
	}
	select {
	case f := <-welcome:
		if f.T == "err" {
			return fail(&board.Error{Code: f.Code, Message: f.Msg})
		}
		c.mu.Lock()
		c.Board, c.You, c.Token, c.Facilitator = f.Board, f.You, f.Token, f.Facilitator
		if c.Token == "" {
			c.Token = h.Token
		}
		c.mu.Unlock()
		if h.Since == 0 {
			// A client that holds nothing is always sent a snapshot
			// next; return once it has the board.
			if err := c.WaitSeq(ctx, 1); err != nil {
				return fail(err)
			}
		}
		return c, nil
	case <-c.closed:
		select {
		case f := <-welcome: // the refusal came just before the close
			return nil, &board.Error{Code: f.Code, Message: f.Msg}
		default:
			return nil, fmt.Errorf("closed before welcome: %w", c.Err())
		}
	case <-ctx.Done():
		return fail(ctx.Err())
	}
}

// Send sends a raw frame as it is, for tests of bad input.
func (c *Client) Send(ctx context.Context, raw []byte) error {
	return c.conn.Write(ctx, websocket.MessageText, raw)
}

func (c *Client) write(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.conn.Write(ctx, websocket.MessageText, b)
}

// Do sends op and waits for its acknowledgement: the change frame that
// carries its ref, or the refusal (a *board.Error).
func (c *Client) Do(ctx context.Context, op board.Op) (Frame, error) {
	ref, ch, err := c.Start(ctx, op)
	if err != nil {
		return Frame{}, err
	}
	return c.Wait(ctx, ref, ch)
}

// Start sends op without waiting; Wait collects its answer.
func (c *Client) Start(ctx context.Context, op board.Op) (string, chan Frame, error) {
	c.mu.Lock()
	c.nextRef++
	ref := c.refs + strconv.Itoa(c.nextRef)
	c.mu.Unlock()
	ch, err := c.StartAs(ctx, ref, op)
	return ref, ch, err
}

// StartAs is Start with the op's id given: an op sent again, on this
// connection or after a reconnect, keeps the id it was first sent with.
func (c *Client) StartAs(ctx context.Context, ref string, op board.Op) (chan Frame, error) {
	ch := make(chan Frame, 1)
	c.mu.Lock()
	c.waiters[ref] = ch
	c.mu.Unlock()
	if err := c.write(ctx, protocol.ClientFrame{T: "op", ID: ref, Op: &op}); err != nil {
		return nil, err
	}
	return ch, nil
}

// DoAs is Do with the op's id given (see StartAs).
func (c *Client) DoAs(ctx context.Context, ref string, op board.Op) (Frame, error) {
	ch, err := c.StartAs(ctx, ref, op)
	if err != nil {
		return Frame{}, err
	}
	return c.Wait(ctx, ref, ch)
}

// Wait waits for the answer to the op Start sent as ref.
func (c *Client) Wait(ctx context.Context, ref string, ch chan Frame) (Frame, error) {
	select {
	case f := <-ch:
		if f.T == "err" {
			return f, &board.Error{Code: f.Code, Message: f.Msg}
		}
		return f, nil
	case <-c.closed:
		return Frame{}, fmt.Errorf("op %s: connection closed: %w", ref, c.Err())
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiters, ref)
		c.mu.Unlock()
		return Frame{}, ctx.Err()
	}
}

// Ephemeral sends a drag, cursor or typing frame.
func (c *Client) Ephemeral(ctx context.Context, kind, note string, x, y float64) error {
	return c.write(ctx, protocol.ClientFrame{T: "eph", Kind: kind, Note: note, X: &x, Y: &y})
}

func (c *Client) readLoop() {
	defer close(c.closed)
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		now := time.Now()
		for line := range bytes.SplitSeq(data, []byte("\n")) {
			v, err := protocol.DecodeServer(line)
			if err != nil {
				c.mu.Lock()
				c.err = fmt.Errorf("undecodable frame %q: %w", line, err)
				c.mu.Unlock()
				c.conn.CloseNow()
				return
			}
			f := frameOf(v, line)
			// OnFrame sees the frame before the replica takes it, so
			// whoever a frame wakes (WaitSeq, Do) finds it already seen.
			if c.onFrame != nil {
				c.onFrame(f, now)
			}
			c.receive(f)
		}
	}
}

func (c *Client) receive(f Frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch f.T {
	case "welcome":
		c.answer("welcome", f)
	case "snap":
		c.entities = map[string]map[string]json.RawMessage{}
		c.patch(f.Changes)
		c.seq, c.epoch = f.Seq, f.Epoch
	case "chg":
		if f.Seq <= c.seq {
			break
		}
		c.patch(f.Changes)
		c.seq = f.Seq
	case "err":
		c.errs = append(c.errs, f)
		switch {
		case f.Ref != "":
			c.answer(f.Ref, f)
		case c.waiters["welcome"] != nil:
			c.answer("welcome", f)
		}
	case "presence":
		// The whole list once, when the session starts; then who came
		// and who left.
		if f.Online != nil {
			c.online = map[string]bool{}
		}
		for _, id := range f.Online {
			c.online[id] = true
		}
		for _, id := range f.Came {
			c.online[id] = true
		}
		for _, id := range f.Left {
			delete(c.online, id)
		}
	case "eph":
		if len(c.ephs) < 1000 {
			c.ephs = append(c.ephs, f)
		}
	}
	if f.T == "chg" && f.Ref != "" {
		c.answer(f.Ref, f)
	}
	c.seqWait = deleteReached(c.seqWait, c.seq)
}

func deleteReached(ws []seqWaiter, seq uint64) []seqWaiter {
	kept := ws[:0]
	for _, w := range ws {
		if w.seq <= seq {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	return kept
}

func (c *Client) answer(ref string, f Frame) {
	if ch, ok := c.waiters[ref]; ok {
		delete(c.waiters, ref)
		ch <- f
	}
}

func (c *Client) patch(changes []Change) {
	for _, ch := range changes {
		m := c.entities[ch.E]
		if m == nil {
			m = map[string]json.RawMessage{}
			c.entities[ch.E] = m
		}
		if ch.Del {
			delete(m, ch.ID)
		} else {
			m[ch.ID] = ch.V
		}
	}
}

// WaitSeq waits until the replica has applied seq.
func (c *Client) WaitSeq(ctx context.Context, seq uint64) error {
	c.mu.Lock()
	if c.seq >= seq {
		c.mu.Unlock()
		return nil
	}
	w := seqWaiter{seq: seq, ch: make(chan struct{})}
	c.seqWait = append(c.seqWait, w)
	c.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-c.closed:
		return fmt.Errorf("wait for seq %d: connection closed: %w", seq, c.Err())
	case <-ctx.Done():
		return fmt.Errorf("wait for seq %d (at %d): %w", seq, c.Seq(), ctx.Err())
	}
}

// Seq is the last seq the replica applied.
func (c *Client) Seq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// Epoch is the epoch of the board's log the replica was built from: a
// resume from Seq names it, so a server whose log was restored since
// sends a snapshot instead of changes of another history.
func (c *Client) Epoch() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// Replica returns a copy of the replica: entity → id → value.
func (c *Client) Replica() map[string]map[string]json.RawMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]map[string]json.RawMessage, len(c.entities))
	for e, m := range c.entities {
		cp := make(map[string]json.RawMessage, len(m))
		for id, v := range m {
			cp[id] = v
		}
		out[e] = cp
	}
	return out
}

// Get decodes one entity of the replica into v; it reports false if the
// replica does not hold it.
func (c *Client) Get(entity, id string, v any) bool {
	c.mu.Lock()
	raw, ok := c.entities[entity][id]
	c.mu.Unlock()
	return ok && json.Unmarshal(raw, v) == nil
}

// Online is who the server says is online, in id order.
func (c *Client) Online() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.online))
}

// Ephemerals returns the ephemeral frames received so far.
func (c *Client) Ephemerals() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Frame(nil), c.ephs...)
}

// Errors returns every err frame received so far.
func (c *Client) Errors() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Frame(nil), c.errs...)
}

// Closed is closed when the connection has ended.
func (c *Client) Closed() <-chan struct{} { return c.closed }

// Err is why the connection ended.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// CloseStatus is the close code the server sent, or -1.
func (c *Client) CloseStatus() int {
	return int(websocket.CloseStatus(c.Err()))
}

// Drop closes the connection at once, with no close handshake, as a lost
// link would: answers on their way are lost.
func (c *Client) Drop() {
	_ = c.conn.CloseNow()
}

// Close closes the connection.
func (c *Client) Close() error {
	err := c.conn.Close(websocket.StatusNormalClosure, "")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
