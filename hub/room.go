package hub

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

var errNoBoard = errors.New("no such board")

// room is one board held by this instance: its replica of the board, and
// the sessions that hold it. Everything in it belongs to the room's own
// goroutine (run); other goroutines reach it only by posting funcs to its
// inboxes, so the state has one owner and no lock.
type room struct {
	id  string
	hub *Hub

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
	clients  map[uint64]*session
	// posters are the sessions of POSTed frames (OpenSender) waiting
	// for the answers to their ops: senders, not screens.
	posters  map[uint64]*session
	presence *presence.List
	waiting  []attachment
	joins    heldJoins              // joins applied, not yet sent
	owed     []owed                 // answers to ops sent again, waiting for their seq
	pending  map[uint64]board.Entry // entries that arrived ahead of a gap
	snapSeq  uint64                 // of the last snapshot saved
	idle     time.Time
	headSeen time.Time // when checkHead last looked
}

func newRoom(h *Hub, id string) *room {
	return &room{
		id:       id,
		hub:      h,
		inbox:    make(chan func(), inboxLen),
		ops:      make(chan func(), inboxLen),
		done:     make(chan struct{}),
		loaded:   make(chan struct{}),
		reloaded: make(chan struct{}),
		clients:  map[uint64]*session{},
		posters:  map[uint64]*session{},
		presence: presence.New(),
		pending:  map[uint64]board.Entry{},
	}
}

// sender is the session a log ref names on this instance: a screen, or a
// POST waiting for its answers.
func (r *room) sender(id uint64) *session {
	if s := r.clients[id]; s != nil {
		return s
	}
	return r.posters[id]
}

// run subscribes first, then loads, then applies what arrived meanwhile by
// seq: loading first would miss what other instances appended in between.
// What this instance appends is handed over by the session that appended
// it (receive), never by the subscription.
func (r *room) run() {
	defer close(r.done)
	defer r.stopPosts()
	cancel := r.hub.log.Subscribe(r.id, store.Events{
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
		r.hub.forget(r)
		return
	}
	r.hub.metrics.boards.Add(1)
	defer r.hub.metrics.boards.Add(-1)
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
			r.sendJoins(nil)
			r.sendPresence(now)
			if len(r.clients) == 0 && len(r.waiting) == 0 && now.Sub(r.idle) > roomIdle && r.hub.forgetIfIdle(r) {
				r.saveSnapshot()
				return
			}
		case <-r.hub.closing:
			r.saveSnapshot()
			for _, s := range r.clients {
				s.close(protocol.CloseGoingAway, "the server is restarting: reconnect")
			}
			return
		}
	}
}

// post runs fn on the room's goroutine, waiting for room in the inbox. It
// reports false if the room has left, and then fn never runs.
func (r *room) post(fn func()) bool { return r.postTo(r.inbox, fn) }

// postOp is post for the op path, which the room serves first.
func (r *room) postOp(fn func()) bool { return r.postTo(r.ops, fn) }

func (r *room) postTo(inbox chan func(), fn func()) bool {
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
func (r *room) tryPost(fn func()) bool {
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

// leaveIfIdle stops the room taking posts, unless one is queued or under
// way; it reports whether the room left.
func (r *room) leaveIfIdle() bool {
	r.gate.Lock()
	defer r.gate.Unlock()
	if r.posting > 0 || len(r.inbox) > 0 || len(r.ops) > 0 {
		return false
	}
	r.left = true
	return true
}

// stopPosts makes every later post fail, whatever stopped the room.
func (r *room) stopPosts() {
	r.gate.Lock()
	defer r.gate.Unlock()
	r.left = true
}

// call runs fn on the room's goroutine and waits for it to finish.
func (r *room) call(fn func()) bool {
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
