// Package room is one board held by this instance: its goroutine, which
// owns the board's replica, the seats of the sessions watching it (who is
// in it, and what each is sent), their ops checked and appended to the
// log, and the fan-out of changes and ephemeral traffic to them. The
// sessions (hub/session) read their connections' frames and come to the
// room through its exported methods; the room never reaches back into
// them. The hub keeps the directory of rooms and hands each what it
// shares with the others in an Env.
package room

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/presence"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

const (
	// snapshotEvery is how many entries go by between snapshots, so a cold
	// instance loads a snapshot and a short tail.
	snapshotEvery = 500
	// roomIdle is how long a room with no clients stays loaded.
	roomIdle = time.Minute
	// tickEvery paces presence frames and the room's housekeeping.
	tickEvery = 200 * time.Millisecond
	// headEvery paces the room's look at the log's newest seq while
	// people watch (checkHead).
	headEvery = time.Second
	inboxLen  = 4096
	loadReads = 1000
)

// ErrNoBoard is what loading a board that does not exist fails with.
var ErrNoBoard = errors.New("no such board")

// Refusals of a request for a board, beside those of its ops and joins.
var (
	errClosed   = &board.Error{Code: protocol.CodeUnavailable, Message: "the workshop was closed; try again"}
	errBadLink  = &board.Error{Code: protocol.CodeBadToken, Message: "this link or session is not valid for this workshop"}
	errStranger = &board.Error{Code: protocol.CodeBadToken, Message: "you are not a participant of this workshop"}
	// errPresenterOnly refuses a presenter key anywhere but the presenter
	// view (hello's view, the snapshot's ?view=presenter).
	errPresenterOnly = &board.Error{Code: protocol.CodeBadToken, Message: "this key only opens the presenter view"}
)

// Room is one board held by this instance: its replica of the board, and
// the seats of the sessions that hold it. Everything in it belongs to the
// room's own goroutine (run); other goroutines reach it only by posting
// funcs to its inboxes, so the state has one owner and no lock.
type Room struct {
	id  string
	env *Env

	inbox chan func()
	// ops is the inbox of the op path, checking an op and applying what
	// the log took, served before inbox: the sender is waiting on each,
	// and should not wait behind a storm of newcomers being let in.
	ops  chan func()
	done chan struct{} // closed when run returns
	// gate guards posting and left, so that a post that succeeds is
	// always run: the room leaves only while no post is queued or under
	// way, and takes none after.
	gate    sync.Mutex
	posting int           // posts waiting for room in a full inbox
	left    bool          // the room takes no more posts
	loaded  chan struct{} // closed once loading finished; then loadErr is set
	loadErr error
	// missed is set from the store's goroutine when a record may have been
	// lost on the way (a full inbox, a dropped subscription); the room then
	// reads what it lacks from the log.
	missed atomic.Bool

	// replica is the board as this instance holds it, set once loaded.
	replica *replica.Replica
	// reloaded is closed, and made anew, whenever the room reloads the
	// board, so a session waiting for a new epoch wakes up.
	reloaded chan struct{}
	clients  map[uint64]*Seat
	// posters are the seats of POSTed frames (AttachSender) waiting
	// for the answers to their ops: senders, not screens.
	posters  map[uint64]*Seat
	presence *presence.List
	waiting  []attachment
	joins    heldJoins              // joins applied, not yet sent
	owed     []owed                 // answers to ops sent again, waiting for their seq
	pending  map[uint64]board.Entry // entries that arrived ahead of a gap
	snapSeq  uint64                 // of the last snapshot saved
	idle     time.Time
	headSeen time.Time // when checkHead last looked
	ticks    uint64    // ticks so far, for ticksPerBatch
}

// New starts the room of board id, which loads the board on its own
// goroutine: Loaded says when it has.
func New(env *Env, id string) *Room {
	r := &Room{
		id:       id,
		env:      env,
		inbox:    make(chan func(), inboxLen),
		ops:      make(chan func(), inboxLen),
		done:     make(chan struct{}),
		loaded:   make(chan struct{}),
		reloaded: make(chan struct{}),
		clients:  map[uint64]*Seat{},
		posters:  map[uint64]*Seat{},
		presence: presence.New(),
		pending:  map[uint64]board.Entry{},
	}
	go r.run()
	return r
}

// Loaded waits, within ctx, for the room to load its board, and returns
// why it could not: ErrNoBoard for a board that does not exist.
func (r *Room) Loaded(ctx context.Context) error {
	select {
	case <-r.loaded:
		return r.loadErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed once the room has stopped: it left, idle, or the hub
// closed and the room saved its board.
func (r *Room) Done() <-chan struct{} { return r.done }

// Missed tells the room to read the log: it may lack an entry this
// instance appended for a room of the board that has left.
func (r *Room) Missed() { r.missed.Store(true) }

// sender is the seat a log ref names on this instance: a screen, or a
// POST waiting for its answers.
func (r *Room) sender(id uint64) *Seat {
	if s := r.clients[id]; s != nil {
		return s
	}
	return r.posters[id]
}

// run subscribes first, then loads, then applies what arrived meanwhile by
// seq: loading first would miss what other instances appended in between.
// What this instance appends is handed over by Append (receive), never by
// the subscription.
func (r *Room) run() {
	defer close(r.done)
	defer r.stopPosts()
	cancel := r.env.Log.Subscribe(r.id, store.Events{
		Record: func(rec store.Record) {
			e := replica.DecodeEntry(rec)
			if !r.tryPost(func() { r.deliver(e, rec.Epoch) }) {
				r.missed.Store(true)
			}
		},
		Ephemeral: func(frame []byte) {
			r.tryPost(func() {
				if !r.presence.Heard(frame, time.Now()) {
					r.fanOutEphemeral(nil, senderOf(frame), frame)
				}
			})
		},
		Resync: func() { r.missed.Store(true) },
	})
	defer cancel()

	r.loadErr = r.load()
	close(r.loaded)
	if r.loadErr != nil {
		r.env.Forget(r)
		return
	}
	r.env.Metrics.Boards.Add(1)
	defer r.env.Metrics.Boards.Add(-1)
	r.idle = time.Now()

	tick := time.NewTicker(tickEvery)
	defer tick.Stop()
	for {
		select {
		case fn := <-r.ops:
			fn()
			continue
		default:
		}
		select {
		case fn := <-r.ops:
			fn()
		case fn := <-r.inbox:
			fn()
		case now := <-tick.C:
			if len(r.clients) > 0 && now.Sub(r.headSeen) >= headEvery {
				r.headSeen = now
				r.checkHead()
			}
			if r.missed.Swap(false) {
				r.catchUp(context.Background())
			}
			if r.ticks++; r.ticks%ticksPerBatch(len(r.clients)) == 0 {
				r.sendJoins(nil)
				r.sendPresence(now)
			}
			if len(r.clients) == 0 && len(r.waiting) == 0 && now.Sub(r.idle) > roomIdle && r.env.ForgetIfIdle(r) {
				r.saveSnapshot()
				return
			}
		case <-r.env.Closing:
			r.saveSnapshot()
			for _, s := range r.clients {
				s.Close(protocol.CloseGoingAway, "the server is restarting: reconnect")
			}
			return
		}
	}
}

// ticksPerBatch is how many ticks a room of n screens holds joins and
// presence for: one below a thousand screens, up to five (a second) for
// five thousand. Each batch is a write to every screen; in a storm of
// joins into a large room, those writes are most of the server's work.
func ticksPerBatch(n int) uint64 { return uint64(min(max(n/1000, 1), 5)) }

// post runs fn on the room's goroutine, waiting for room in the inbox. It
// reports false if the room has left, and then fn never runs.
func (r *Room) post(fn func()) bool { return r.postTo(r.inbox, fn) }

// postOp is post for the op path, which the room serves first.
func (r *Room) postOp(fn func()) bool { return r.postTo(r.ops, fn) }

func (r *Room) postTo(inbox chan func(), fn func()) bool {
	r.gate.Lock()
	if r.left {
		r.gate.Unlock()
		return false
	}
	select {
	case inbox <- fn:
		r.gate.Unlock()
		return true
	default:
	}
	// The inbox is full: wait for room, counted, so that the room does
	// not leave meanwhile.
	r.posting++
	r.gate.Unlock()
	defer func() {
		r.gate.Lock()
		r.posting--
		r.gate.Unlock()
	}()
	select {
	case inbox <- fn:
		return true
	case <-r.done: // the hub is closing
		return false
	}
}

// tryPost is post for callers that must never block: the store's delivery
// goroutine and ephemeral traffic, which is dropped first under load.
func (r *Room) tryPost(fn func()) bool {
	r.gate.Lock()
	defer r.gate.Unlock()
	if r.left {
		return false
	}
	select {
	case r.inbox <- fn:
		return true
	default:
		return false
	}
}

// LeaveIfIdle stops the room taking posts, unless one is queued or under
// way; it reports whether the room left.
func (r *Room) LeaveIfIdle() bool {
	r.gate.Lock()
	defer r.gate.Unlock()
	if r.posting > 0 || len(r.inbox) > 0 || len(r.ops) > 0 {
		return false
	}
	r.left = true
	return true
}

// stopPosts makes every later post fail, whatever stopped the room.
func (r *Room) stopPosts() {
	r.gate.Lock()
	defer r.gate.Unlock()
	r.left = true
}

// ID is the board's join code.
func (r *Room) ID() string { return r.id }

// Holder is the participant token names on this board; it refuses a token
// that is forged, expired or for another board.
func (r *Room) Holder(token string) (participant string, err error) {
	participant, err = r.env.Tokens.Open(token, r.id, time.Now())
	if err != nil {
		return "", errBadLink
	}
	return participant, nil
}

// Read runs fn with the board's state on the room's goroutine, which owns
// it, and returns once fn has: fn must not keep st, nor anything in it.
// It refuses a room that has closed meanwhile.
func (r *Room) Read(fn func(st *board.State)) error {
	if !r.call(func() { fn(r.replica.State()) }) {
		return errClosed
	}
	return nil
}

// call runs fn on the room's goroutine and waits for it to finish.
func (r *Room) call(fn func()) bool {
	finished := make(chan struct{})
	if !r.post(func() { fn(); close(finished) }) {
		return false
	}
	select {
	case <-finished:
		return true
	case <-r.done:
		return false
	}
}
