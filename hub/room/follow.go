package room

// How a room follows its board's log: loading its replica, applying
// entries in seq order, catching up over gaps, and giving the board back
// to a store that lost it.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/store"
)

// load builds the replica from the latest snapshot and the log after it,
// waiting out a restore being decided.
func (r *Room) load() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := r.loadReplica(ctx)
	for errors.Is(err, store.ErrRestoring) {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(tickEvery):
		}
		rep, err = r.loadReplica(ctx)
	}
	if err != nil {
		return err
	}
	if !rep.State().Created {
		return ErrNoBoard
	}
	r.replica, r.snapSeq = rep, rep.Seq()
	return nil
}

// loadReplica builds a board's replica as a fresh instance does: the
// latest snapshot, then every entry after it, all of one epoch. It holds
// the changes of those entries, for clients that resume from a seq among
// them.
func (r *Room) loadReplica(ctx context.Context) (*replica.Replica, error) {
	snap, err := r.env.Log.LoadSnapshot(ctx, r.id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("load snapshot of %s: %w", r.id, err)
	}
	rep, err := replica.Load(snap)
	if err != nil {
		return nil, fmt.Errorf("load board %s: %w", r.id, err)
	}
	err = r.readLog(ctx, rep, func(e board.Entry) { rep.Apply(e) })
	return rep, err
}

// errBehind says the log no longer holds the entries right after a
// state's seq: they were trimmed behind a newer snapshot. Only a reload
// catches up.
var errBehind = errors.New("the log no longer holds the next entry")

// readLog calls apply with the entry of every record after rep's seq in
// the log of rep's epoch, in order, while apply advances rep. A replica
// with no epoch yet (a board with no snapshot) learns it from the first
// record read, so every record comes from one history. Every record must
// be the next one: Apply takes whatever seq it is given, so a gap anywhere
// in what the log returns (entries trimmed, or lost from a damaged log) is
// an error, never applied across.
func (r *Room) readLog(ctx context.Context, rep *replica.Replica, apply func(board.Entry)) error {
	for {
		recs, err := r.env.Log.Read(ctx, r.id, rep.Epoch(), rep.Seq(), loadReads)
		if err != nil {
			return fmt.Errorf("read log of %s after %d: %w", r.id, rep.Seq(), err)
		}
		if len(recs) > 0 {
			rep.LearnEpoch(recs[0].Epoch)
		}
		for _, rec := range recs {
			if rec.Seq != rep.Seq()+1 {
				return fmt.Errorf("log of %s goes from %d to %d: %w", r.id, rep.Seq(), rec.Seq, errBehind)
			}
			apply(replica.DecodeEntry(rec))
		}
		if len(recs) < loadReads {
			return nil
		}
	}
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
func (r *Room) catchUp(ctx context.Context) {
	if !r.env.StoreUp() {
		r.missed.Store(true)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, StoreWait)
	defer cancel()
	defer func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			r.env.StoreStalled()
		}
	}()
	err := r.readLog(ctx, r.replica, r.apply)
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
			r.env.Logger.Warn("catch up", "board", r.id, "err", err)
		}
		r.missed.Store(true)
	}
	r.applyPending()
}

// checkHead catches up when the log's newest seq is not the room's. The
// subscription may lose a record (Redis pub/sub delivers at most once);
// a lost record shows as a gap when the next one arrives, but the last of
// a burst would be missing from every screen of this instance until then.
func (r *Room) checkHead() {
	if !r.env.StoreUp() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), StoreWait)
	defer cancel()
	if last, err := r.env.Log.Last(ctx, r.id); err == nil && last != r.replica.Seq() {
		r.missed.Store(true)
	}
}

// restore offers the store this room's copy of a board whose log it lost.
// It returns store.ErrRestoring while copies are still taken.
func (r *Room) restore(ctx context.Context) error {
	restorer, ok := r.env.Log.(store.Restorer)
	if !ok {
		return fmt.Errorf("the store lost board %s and cannot take it back", r.id)
	}
	snap, err := r.replica.Encode()
	if err != nil {
		return fmt.Errorf("give board %s back: %w", r.id, err)
	}
	var keys []store.OpKey
	r.replica.After(0, func(a *replica.Applied) {
		if key := replica.OpKeyOf(a.Actor, a.Ref); key != "" {
			keys = append(keys, store.OpKey{Key: key, Seq: a.Seq})
		}
	})
	return restorer.Restore(ctx, r.id, snap, keys)
}

// epochAfter waits until the room holds the board in an epoch other than
// old, for a session whose append was refused because the log is not of
// old any more, and returns it.
func (r *Room) epochAfter(ctx context.Context, old string) (string, error) {
	r.missed.Store(true)
	for {
		var epoch string
		var reloaded <-chan struct{}
		if !r.call(func() { epoch, reloaded = r.replica.Epoch(), r.reloaded }) {
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

// reload replaces the replica with a fresh load and sends every client a
// snapshot, since the changes between cannot be known. Entries held for a
// gap are of the old replica and are dropped.
func (r *Room) reload(ctx context.Context) error {
	rep, err := r.loadReplica(ctx)
	if err != nil {
		return err
	}
	r.env.Logger.Info("reloaded board", "board", r.id, "from", r.replica.Seq(), "to", rep.Seq(), "epoch", rep.Epoch())
	r.replica, r.snapSeq = rep, rep.Seq()
	clear(r.pending)
	r.dropJoins()
	close(r.reloaded)
	r.reloaded = make(chan struct{})
	for _, s := range r.clients {
		r.sendState(s, 0, "")
	}
	r.admitWaiting()
	r.payOwed()
	return nil
}

// receive hands the room an entry this instance appended, as it was
// encoded for the log, with the seq the log gave it: the room applies
// this value, and the store's subscription does not bring it back (see
// store.Log). If the room has left meanwhile, whichever room holds the
// board now reads the entry from the log.
func (r *Room) receive(e board.Entry, epoch string) {
	if !r.postOp(func() { r.deliver(e, epoch) }) {
		r.env.Missed(r.id)
	}
}

// deliver applies e, of epoch, if it is next, and holds it if a gap is
// before it; it was applied already if the room read it from the log
// first. A gap is read from the log at once: on a busy core the record
// before may take longer to come than a read, and one read brings the
// room up to everything appended so far. An entry of another epoch is of
// another history than the replica's: the room catches up from the log,
// which reloads the board.
func (r *Room) deliver(e board.Entry, epoch string) {
	switch seq := r.replica.Seq(); {
	case epoch != r.replica.Epoch():
		r.missed.Store(true)
		return
	case e.Seq <= seq:
		return
	case e.Seq > seq+1:
		r.pending[e.Seq] = e
		r.catchUp(context.Background())
		return
	}
	r.apply(e)
	r.applyPending()
}

func (r *Room) applyPending() {
	for seq := range r.pending {
		if seq <= r.replica.Seq() {
			delete(r.pending, seq)
		}
	}
	for {
		e, ok := r.pending[r.replica.Seq()+1]
		if !ok {
			return
		}
		delete(r.pending, e.Seq)
		r.apply(e)
	}
}

// apply applies the next entry and tells every client what it may see of
// the result.
func (r *Room) apply(e board.Entry) {
	a := r.replica.Apply(e)
	if a.Refusal != nil {
		r.refused(e, a.Refusal)
	} else {
		r.env.Metrics.OpsApplied.Add(1)
		r.broadcast(e, &a)
	}
	r.admitWaiting()
	r.payOwed()
	if r.replica.Seq()-r.snapSeq >= snapshotEvery {
		r.saveSnapshot()
	}
}

// saveSnapshot stores the state in the background; the log keeps the
// entries, so a snapshot that fails to save loses nothing.
func (r *Room) saveSnapshot() {
	if r.replica == nil || r.replica.Seq() == r.snapSeq {
		return
	}
	snap, err := r.replica.Encode()
	if err != nil {
		r.env.Logger.Error("encode snapshot", "board", r.id, "err", err)
		return
	}
	r.snapSeq = snap.Seq
	r.env.Background.Add(1)
	go func() {
		defer r.env.Background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.env.Log.SaveSnapshot(ctx, r.id, snap); err != nil {
			r.env.Logger.Warn("save snapshot", "board", r.id, "seq", snap.Seq, "err", err)
		}
	}()
}
