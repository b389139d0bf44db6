package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

const (
	// recentLen is how many applied entries a room keeps so that a client
	// that reconnects after a short drop gets the changes it missed, not
	// the whole board again.
	recentLen = 1024
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

// room is one board held by this instance: its replica of the board's
// state, the sessions that hold it, and the recent changes they may resume
// from. Everything in it belongs to the room's own goroutine (run); other
// goroutines reach it only by posting funcs to inbox, so the state has one
// owner and no lock.
type room struct {
	id  string
	hub *Hub

	inbox chan func()
	done  chan struct{} // closed when run returns
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

	state *board.State
	// epoch is the epoch of the log state was built from (see store.Log):
	// records of any other are never applied to it.
	epoch string
	// reloaded is closed, and made anew, whenever the room reloads the
	// board, so a session waiting for a new epoch wakes up.
	reloaded chan struct{}
	clients  map[uint64]*session
	// posters are the sessions of POSTed frames (fallback.go) waiting
	// for the answers to their ops: senders, not screens.
	posters   map[uint64]*session
	presence  presence
	waiting   []attachment
	joins     heldJoins               // joins applied, not yet sent
	owed      []owed                  // answers to ops sent again, waiting for their seq
	pending   map[uint64]store.Record // records that arrived ahead of a gap
	recent    history                 // the last recentLen applied entries
	snapCache snapshotCache
	snapSeq   uint64
	idle      time.Time
	headSeen  time.Time // when checkHead last looked
}

// attachment is a session waiting to be let in once the room's state has
// reached minSeq (the seq of its own join).
type attachment struct {
	s      *session
	minSeq uint64
	since  uint64
	epoch  string // of since
	token  string
}

func newRoom(h *Hub, id string) *room {
	return &room{
		id:       id,
		hub:      h,
		inbox:    make(chan func(), inboxLen),
		done:     make(chan struct{}),
		loaded:   make(chan struct{}),
		reloaded: make(chan struct{}),
		clients:  map[uint64]*session{},
		posters:  map[uint64]*session{},
		presence: newPresence(),
		pending:  map[uint64]store.Record{},
	}
}

// run subscribes first, then loads, then applies what arrived meanwhile by
// seq: loading first would miss what was appended in between.
func (r *room) run() {
	defer close(r.done)
	defer r.stopPosts()
	cancel := r.hub.log.Subscribe(r.id, store.Events{
		Record: func(rec store.Record) {
			if !r.tryPost(func() { r.deliver(rec) }) {
				r.missed.Store(true)
			}
		},
		Ephemeral: func(frame []byte) {
			r.tryPost(func() {
				if !r.presence.heard(frame, time.Now()) {
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
			r.sendJoins()
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
func (r *room) post(fn func()) bool {
	r.gate.Lock()
	if r.left {
		r.gate.Unlock()
		return false
	}
	select {
	case r.inbox <- fn:
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
	case r.inbox <- fn:
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
	if r.posting > 0 || len(r.inbox) > 0 {
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

// load builds the state from the latest snapshot and the log after it,
// waiting out a restore being decided.
func (r *room) load() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, epoch, tail, err := r.loadState(ctx)
	for errors.Is(err, store.ErrRestoring) {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(tickEvery):
		}
		st, epoch, tail, err = r.loadState(ctx)
	}
	if err != nil {
		return err
	}
	if !st.Created {
		return errNoBoard
	}
	r.state, r.epoch, r.snapSeq = st, epoch, st.Seq
	for _, a := range tail {
		r.remember(a)
	}
	return nil
}

// loadState builds a board's state as a fresh replica does: the latest
// snapshot, then every entry after it, all of one epoch, which it returns.
// It also returns the changes of those entries, for clients that resume
// from a seq among them.
func (r *room) loadState(ctx context.Context) (*board.State, string, []applied, error) {
	st := board.New()
	snap, err := r.hub.log.LoadSnapshot(ctx, r.id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, "", nil, fmt.Errorf("load snapshot of %s: %w", r.id, err)
	default:
		if err := json.Unmarshal(snap.Data, st); err != nil {
			return nil, "", nil, fmt.Errorf("decode snapshot of %s at %d: %w", r.id, snap.Seq, err)
		}
	}
	epoch := snap.Epoch
	var tail []applied
	err = r.readLog(ctx, st, &epoch, func(rec store.Record) {
		e := decodeEntry(rec)
		if changes, err := st.Apply(e); err == nil {
			tail = append(tail, newApplied(e, changes))
		} else {
			tail = append(tail, refusedEntry(e, err))
		}
	})
	return st, epoch, tail, err
}

// errBehind says the log no longer holds the entries right after a
// state's seq: they were trimmed behind a newer snapshot. Only a reload
// catches up.
var errBehind = errors.New("the log no longer holds the next entry")

// readLog calls apply with every record after st's seq in the log of
// *epoch, in order, while apply advances st. An empty *epoch (a board
// with no snapshot yet) is set from the first record read, so every
// record comes from one history. Every record must be the next one:
// Apply takes whatever seq it is given, so a gap anywhere in what the log
// returns (entries trimmed, or lost from a damaged log) is an error, never
// applied across.
func (r *room) readLog(ctx context.Context, st *board.State, epoch *string, apply func(store.Record)) error {
	for {
		recs, err := r.hub.log.Read(ctx, r.id, *epoch, st.Seq, loadReads)
		if err != nil {
			return fmt.Errorf("read log of %s after %d: %w", r.id, st.Seq, err)
		}
		if len(recs) > 0 {
			*epoch = recs[0].Epoch
		}
		for _, rec := range recs {
			if rec.Seq != st.Seq+1 {
				return fmt.Errorf("log of %s goes from %d to %d: %w", r.id, st.Seq, rec.Seq, errBehind)
			}
			apply(rec)
		}
		if len(recs) < loadReads {
			return nil
		}
	}
}

func decodeEntry(rec store.Record) board.Entry {
	var e board.Entry
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		// Every replica decodes the same bytes the same way, so each
		// refuses this entry alike (it has no kind) and stays in step.
		slog.Error("undecodable log entry", "seq", rec.Seq, "err", err)
		e = board.Entry{}
	}
	e.Seq = rec.Seq
	return e
}

// catchUp reads from the log what the room lacks, or reloads the board if
// the log cannot supply it, within ctx (an op's bound when an op's check
// asks); a failure is retried on the next tick.
//
// When the log is not of the room's epoch any more (Redis came back
// empty, or lost records this room applied, or the board was restored
// from another instance's copy), the room offers its own copy first: the
// store keeps the most advanced copy offered while the restore is being
// decided, and ignores it after. Once the log is live again the room
// reloads from it, whichever copy was kept.
//
// While the store is known to be away the room does not read it: a read
// would hold the room, and with it the acknowledgements of ops already
// appended, until the read gave up. For the same reason a read is given
// no longer than an op is, and one that runs out marks the store away.
func (r *room) catchUp(ctx context.Context) {
	if !r.hub.storeUp.Load() {
		r.missed.Store(true)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storeWait)
	defer cancel()
	defer func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			r.hub.storeStalled()
		}
	}()
	err := r.readLog(ctx, r.state, &r.epoch, r.apply)
	switch {
	case errors.Is(err, store.ErrReset), errors.Is(err, store.ErrRestoring):
		if err = r.restore(ctx); err == nil {
			err = r.reload(ctx)
		}
	case errors.Is(err, errBehind):
		err = r.reload(ctx)
	}
	if err != nil {
		if !errors.Is(err, store.ErrRestoring) {
			r.hub.logger.Warn("catch up", "board", r.id, "err", err)
		}
		r.missed.Store(true)
	}
	r.applyPending()
}

// checkHead catches up when the log's newest seq is not the room's. The
// subscription may lose a record (Redis pub/sub delivers at most once);
// a lost record shows as a gap when the next one arrives, but the last of
// a burst would be missing from every screen of this instance until then.
func (r *room) checkHead() {
	if !r.hub.storeUp.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeWait)
	defer cancel()
	if last, err := r.hub.log.Last(ctx, r.id); err == nil && last != r.state.Seq {
		r.missed.Store(true)
	}
}

// restore offers the store this room's copy of a board whose log it lost.
// It returns store.ErrRestoring while copies are still taken.
func (r *room) restore(ctx context.Context) error {
	restorer, ok := r.hub.log.(store.Restorer)
	if !ok {
		return fmt.Errorf("the store lost board %s and cannot take it back", r.id)
	}
	data, err := json.Marshal(r.state)
	if err != nil {
		return fmt.Errorf("encode board %s: %w", r.id, err)
	}
	var keys []store.OpKey
	r.recent.after(0, func(a *applied) {
		if a.key != "" {
			keys = append(keys, store.OpKey{Key: a.key, Seq: a.seq})
		}
	})
	return restorer.Restore(ctx, r.id, store.Snapshot{Seq: r.state.Seq, Epoch: r.epoch, Data: data}, keys)
}

// epochAfter waits until the room holds the board in an epoch other than
// old, for a session whose append was refused because the log is not of
// old any more, and returns it.
func (r *room) epochAfter(ctx context.Context, old string) (string, error) {
	r.missed.Store(true)
	for {
		var epoch string
		var reloaded <-chan struct{}
		if !r.call(func() { epoch, reloaded = r.epoch, r.reloaded }) {
			return "", errors.New("the workshop was closed")
		}
		if epoch != old {
			return epoch, nil
		}
		select {
		case <-reloaded:
		case <-ctx.Done():
			return "", fmt.Errorf("wait for board %s to be restored: %w", r.id, ctx.Err())
		}
	}
}

// reload replaces the state with a fresh load and sends every client a
// snapshot, since the changes between cannot be known. Records held for a
// gap are of the old state and are dropped.
func (r *room) reload(ctx context.Context) error {
	st, epoch, tail, err := r.loadState(ctx)
	if err != nil {
		return err
	}
	r.hub.logger.Info("reloaded board", "board", r.id, "from", r.state.Seq, "to", st.Seq, "epoch", epoch)
	r.state, r.epoch, r.snapSeq, r.recent, r.snapCache = st, epoch, st.Seq, history{}, snapshotCache{}
	clear(r.pending)
	r.dropJoins()
	close(r.reloaded)
	r.reloaded = make(chan struct{})
	for _, a := range tail {
		r.remember(a)
	}
	for _, s := range r.clients {
		r.sendState(s, 0, "")
	}
	r.admitWaiting()
	r.payOwed()
	return nil
}

// receive hands a record to the room; it is applied in seq order.
func (r *room) receive(rec store.Record) {
	r.post(func() { r.deliver(rec) })
}

// deliver applies rec if it is next, holds it if a gap is before it, and
// ignores it if it was already applied (it came both from the append and
// from the subscription). A gap is read from the log at once: on a busy
// core the other way may take longer than a read, and one read brings the
// room up to everything appended so far. A record of another epoch is of
// another history than the state's: the room catches up from the log,
// which reloads the board.
func (r *room) deliver(rec store.Record) {
	switch {
	case rec.Epoch != r.epoch:
		r.missed.Store(true)
		return
	case rec.Seq <= r.state.Seq:
		return
	case rec.Seq > r.state.Seq+1:
		r.pending[rec.Seq] = rec
		r.catchUp(context.Background())
		return
	}
	r.apply(rec)
	r.applyPending()
}

func (r *room) applyPending() {
	for seq := range r.pending {
		if seq <= r.state.Seq {
			delete(r.pending, seq)
		}
	}
	for {
		rec, ok := r.pending[r.state.Seq+1]
		if !ok {
			return
		}
		delete(r.pending, rec.Seq)
		r.apply(rec)
	}
}

// apply applies one record and tells every client what it may see of the
// result.
func (r *room) apply(rec store.Record) {
	e := decodeEntry(rec)
	changes, err := r.state.Apply(e)
	if err != nil {
		a := refusedEntry(e, err)
		r.remember(a)
		r.refused(e, a.refusal)
	} else {
		r.hub.metrics.opsApplied.Add(1)
		a := newApplied(e, changes)
		r.remember(a)
		r.broadcast(e, a)
	}
	r.admitWaiting()
	r.payOwed()
	if r.state.Seq-r.snapSeq >= snapshotEvery {
		r.saveSnapshot()
	}
}

// refusedEntry is the room's record of an entry Apply refused.
func refusedEntry(e board.Entry, err error) applied {
	return applied{seq: e.Seq, key: opKeyOf(e), refusal: asBoardError(err)}
}

func asBoardError(err error) *board.Error {
	var be *board.Error
	if errors.As(err, &be) {
		return be
	}
	return &board.Error{Code: protocol.CodeInternal, Message: err.Error()}
}

// check validates e against the room's state without changing it, so an
// op that is sure to be refused is never logged. This replica may lag the
// log (another instance's change is still on its way), so before refusing
// it catches up, within ctx, and checks again: the sender may have seen a
// note or theme that this instance has not applied yet.
//
// It also returns the epoch of the state it checked against, for the
// append. An op waits for the room no longer than ctx: a room catching up
// with a stalled store may be busy for seconds, and the op is then
// answered unknown_outcome (an earlier try of it may have been applied).
func (r *room) check(ctx context.Context, e board.Entry) (string, *board.Error) {
	type checked struct {
		epoch string
		bad   *board.Error
	}
	result := make(chan checked, 1) // the room never waits for the op
	if !r.post(func() {
		c := checked{epoch: r.epoch}
		if r.state.Check(e) != nil {
			r.catchUp(ctx)
			c.epoch = r.epoch
			if err := r.state.Check(e); err != nil {
				c.bad = asBoardError(err)
			}
		}
		result <- c
	}) {
		return "", errUnknownOutcome
	}
	select {
	case c := <-result:
		return c.epoch, c.bad
	case <-r.done:
	case <-ctx.Done():
	}
	return "", errUnknownOutcome
}

// checkJoin is check for a join, which also needs the passcode. It also
// returns the board's participant offset, which names the newcomer (see
// board.ParticipantID) and is set once, when the board is created.
func (r *room) checkJoin(e board.Entry, passcode string) (epoch string, offset uint64, bad *board.Error) {
	if !r.call(func() {
		epoch, offset = r.epoch, r.state.ParticipantOffset
		want := r.state.Info.Settings.Passcode
		if want != "" && !equalSecret(want, passcode) {
			bad = &board.Error{Code: protocol.CodeBadPasscode, Message: "that passcode is not right"}
			return
		}
		if err := r.state.Check(e); err != nil {
			bad = asBoardError(err)
		}
	}) {
		return "", 0, &board.Error{Code: protocol.CodeUnavailable, Message: "the workshop was closed: reconnect"}
	}
	return epoch, offset, bad
}

// attach lets s in once the state holds its participant. since, in epoch,
// is the last seq s holds.
func (r *room) attach(s *session, minSeq, since uint64, epoch, token string) {
	if !r.post(func() {
		r.waiting = append(r.waiting, attachment{s: s, minSeq: minSeq, since: since, epoch: epoch, token: token})
		r.admitWaiting()
	}) {
		s.close(protocol.CloseGoingAway, "the workshop was closed: reconnect")
	}
}

func (r *room) admitWaiting() {
	if len(r.waiting) == 0 {
		return
	}
	r.waiting = slices.DeleteFunc(r.waiting, func(a attachment) bool {
		if a.minSeq > r.state.Seq {
			return false
		}
		r.admit(a)
		return true
	})
}

func (r *room) admit(a attachment) {
	s := a.s
	p := r.state.Participants[s.participant]
	switch {
	case p == nil && a.minSeq > 0:
		// A join the log took and Apply refused. checkJoin passed it,
		// so what changed meanwhile is that joins racing it took the
		// board's last places.
		e := &board.Error{Code: board.CodeTooMany, Message: fmt.Sprintf("the board is full: %d participants", board.MaxParticipants)}
		s.refuse("", e)
		s.close(protocol.CloseBadHello, e.Message)
		return
	case p == nil:
		s.refuse("", &board.Error{Code: protocol.CodeBadToken, Message: "you are not a participant of this workshop: join again"})
		s.close(protocol.CloseBadToken, "unknown participant")
		return
	}
	// A presenter is watched by the room, so it gets the participants'
	// view even on a facilitator's token.
	s.facilitator = p.Facilitator && !s.presenter
	r.clients[s.id] = s
	r.presence.join(p.ID)
	r.hub.metrics.sessions.Add(1)
	s.enqueue(encode(protocol.Welcome{T: "welcome", Board: r.id, You: p.ID, Token: a.token, Facilitator: s.facilitator, Now: time.Now()}))
	r.sendState(s, a.since, a.epoch)
	r.admitted(s)
	s.enqueue(r.presence.fullFrame())
}

// detach forgets s when its connection ends.
func (r *room) detach(s *session) {
	r.post(func() {
		if r.clients[s.id] != s {
			return
		}
		delete(r.clients, s.id)
		r.hub.metrics.sessions.Add(-1)
		r.presence.leave(s.participant)
		if len(r.clients) == 0 {
			r.idle = time.Now()
		}
	})
}

// ephemeral passes a drag or cursor on to the board's other sessions here
// and, through the store, on other instances.
func (r *room) ephemeral(from *session, frame []byte) {
	if r.tryPost(func() { r.fanOutEphemeral(from, from.participant, frame) }) {
		r.publish(frame)
	}
}

// publish hands an ephemeral frame to the hub's publisher for the board's
// other instances, never waiting: a lost drag position is replaced by the
// next one.
func (r *room) publish(frame []byte) {
	select {
	case r.hub.outbound <- outbound{board: r.id, frame: frame}:
	default:
	}
}

// fanOutEphemeral passes a drag or cursor on to the sessions that can see
// it: in brainstorm a participant's drag is on their group's chart, which
// only the group and the facilitators have open; from share on, the whole
// plenary watches. from is the sending session when it is on this
// instance; sender is the participant it came from.
func (r *room) fanOutEphemeral(from *session, sender string, frame []byte) {
	key := ephKey(frame)
	group := ""
	if p := r.state.Participants[sender]; p != nil && r.state.Info.Phase == board.Brainstorm {
		group = p.Group
	}
	for _, s := range r.clients {
		if s == from {
			continue
		}
		if group != "" && !s.facilitator {
			if p := r.state.Participants[s.participant]; p == nil || p.Group != group {
				continue
			}
		}
		s.enqueueEphemeral(frame, key)
	}
}

// ephKey is what an ephemeral frame is about (who, what kind, which note,
// theme or chart): all of it but the position, which ephFrame puts last.
// A newer frame of the same key makes an older one worthless.
func ephKey(frame []byte) string {
	if i := bytes.Index(frame, []byte(`,"x":`)); i >= 0 {
		return string(frame[:i])
	}
	return string(frame)
}

// senderOf reads who sent an ephemeral frame from another instance.
func senderOf(frame []byte) string {
	var f struct {
		From string `json:"from"`
	}
	_ = json.Unmarshal(frame, &f) // a frame we cannot read goes to everyone
	return f.From
}

// sendPresence tells this instance's clients who came and who left, when
// that is due, and tells other instances who is online here. Unlike drags,
// presence goes through the logged queue: a client that missed a change
// would hold a wrong list until it reconnected.
func (r *room) sendPresence(now time.Time) {
	frame, part := r.presence.tick(r.hub.instance, now)
	if frame != nil {
		for _, s := range r.clients {
			s.enqueue(frame)
		}
	}
	if part != nil {
		r.publish(part)
	}
}

// saveSnapshot stores the state in the background; the log keeps the
// entries, so a snapshot that fails to save loses nothing.
func (r *room) saveSnapshot() {
	if r.state == nil || r.state.Seq == r.snapSeq {
		return
	}
	data, err := json.Marshal(r.state)
	if err != nil {
		r.hub.logger.Error("encode snapshot", "board", r.id, "err", err)
		return
	}
	snap := store.Snapshot{Seq: r.state.Seq, Epoch: r.epoch, Data: data}
	r.snapSeq = snap.Seq
	r.hub.background.Add(1)
	go func() {
		defer r.hub.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.hub.log.SaveSnapshot(ctx, r.id, snap); err != nil {
			r.hub.logger.Warn("save snapshot", "board", r.id, "seq", snap.Seq, "err", err)
		}
	}()
}
