package hub

// How a room keeps its replica of the board in step with the log: loading
// it, applying records in seq order, catching up over gaps, and giving the
// board back to a store that lost it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

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
	ctx, cancel := context.WithTimeout(ctx, StoreWait)
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
	ctx, cancel := context.WithTimeout(context.Background(), StoreWait)
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
	r.postOp(func() { r.deliver(rec) })
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
