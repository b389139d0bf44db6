package redis_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/redis"
	"github.com/plenary/plenary/store/redis/redistest"
)

func open(t *testing.T, url string) *redis.Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := redis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// events collects what a subscription hears.
type events struct {
	records chan store.Record
	resyncs chan struct{}
}

func subscribe(t *testing.T, l store.Log, board string) *events {
	ev := &events{records: make(chan store.Record, 1000), resyncs: make(chan struct{}, 1000)}
	cancel := l.Subscribe(board, store.Events{
		Record: func(r store.Record) { ev.records <- r },
		Resync: func() { ev.resyncs <- struct{}{} },
	})
	t.Cleanup(cancel)
	return ev
}

func (ev *events) waitRecord(t *testing.T, seq uint64) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-ev.records:
			if r.Seq == seq {
				return
			}
		case <-deadline:
			t.Fatalf("record %d never arrived", seq)
		}
	}
}

func (ev *events) waitResync(t *testing.T) {
	t.Helper()
	select {
	case <-ev.resyncs:
	case <-time.After(15 * time.Second):
		t.Fatal("no resync")
	}
}

// drain forgets what was heard so far.
func (ev *events) drain() {
	for {
		select {
		case <-ev.resyncs:
		case <-ev.records:
		default:
			return
		}
	}
}

// TestSubscriptionKilled: when Redis drops the subscription connection
// (CLIENT KILL TYPE pubsub), go-redis subscribes again silently; the
// subscriber is told to resync, and records flow again.
func TestSubscriptionKilled(t *testing.T) {
	srv := redistest.Start(t)
	l := open(t, srv.URL())
	board := boardFor(t)
	// Another instance's subscriber, which hears what l appends.
	ev := subscribe(t, open(t, srv.URL()), board)
	ev.waitResync(t) // the first subscription
	mustAppend(t, l, board, 1)
	ev.waitRecord(t, 1)

	ev.drain()
	if err := srv.Client().Do(ctxT(t), "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	ev.waitResync(t)
	mustAppend(t, l, board, 2)
	ev.waitRecord(t, 2)
}

// TestKilledAndRestarted: with append-only persistence, Redis killed with
// SIGKILL and restarted keeps every acknowledged record, and the Log
// carries on without being reopened.
func TestKilledAndRestarted(t *testing.T) {
	srv := redistest.Start(t, redistest.Persistent...)
	l := open(t, srv.URL())
	board := boardFor(t)
	for i := range 50 {
		mustAppend(t, l, board, uint64(i+1))
	}
	srv.Kill()
	if _, _, err := l.Append(ctxT(t), board, "", "", []byte("while down")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("append while Redis is down: %v, want ErrUnavailable", err)
	}
	srv.Restart()
	recs, err := l.Read(ctxT(t), board, "", 0, 100)
	if err != nil || len(recs) != 50 {
		t.Fatalf("after restart: %d records, %v; want all 50", len(recs), err)
	}
	mustAppend(t, l, board, 51)
}

// TestRestartedEmpty: a Redis that comes back without its data has lost
// the board's log. A replica of the old epoch is refused (ErrReset) when it
// appends or reads, instead of starting the log again from seq 1. Two
// replicas offer their copies, the one that is behind first: the more
// advanced one is kept, under a new epoch, and nothing is appended or read
// until the window closes. A copy offered later is ignored.
func TestRestartedEmpty(t *testing.T) {
	srv := redistest.Start(t)
	l, other := open(t, srv.URL()), open(t, srv.URL())
	board := boardFor(t)
	for i := range 8 {
		mustAppend(t, l, board, uint64(i+1))
	}
	before := epochOf(t, srv, board)
	if before == "" {
		t.Fatal("the board's log has no epoch")
	}
	srv.Restart() // no persistence: empty

	if _, _, err := l.Append(ctxT(t), board, before, "", []byte("after the loss")); !errors.Is(err, store.ErrReset) {
		t.Fatalf("append to a lost board: %v, want ErrReset", err)
	}
	if _, err := l.Read(ctxT(t), board, before, 8, 10); !errors.Is(err, store.ErrReset) {
		t.Fatalf("read of a lost board: %v, want ErrReset", err)
	}
	behind := store.Snapshot{Seq: 5, Epoch: before, Data: []byte("state at 5")}
	ahead := store.Snapshot{Seq: 8, Epoch: before, Data: []byte("state at 8")}
	// Each copy comes with the keys of the last ops its replica applied.
	keys := map[uint64][]store.OpKey{5: {{Key: "p2/b", Seq: 4}}, 8: {{Key: "p2/a", Seq: 7}, {Key: "p2/b", Seq: 4}}}
	for _, snap := range []store.Snapshot{behind, ahead, behind} {
		if err := l.Restore(ctxT(t), board, snap, keys[snap.Seq]); !errors.Is(err, store.ErrRestoring) {
			t.Fatalf("restore at %d: %v, want ErrRestoring", snap.Seq, err)
		}
	}
	restoring := epochOf(t, srv, board)
	if _, _, err := other.Append(ctxT(t), board, restoring, "", []byte("too early")); !errors.Is(err, store.ErrRestoring) {
		t.Fatalf("append during the restore: %v, want ErrRestoring", err)
	}
	if _, err := other.LoadSnapshot(ctxT(t), board); !errors.Is(err, store.ErrRestoring) {
		t.Fatalf("load during the restore: %v, want ErrRestoring", err)
	}

	waitRestored(t, l, board, behind)
	snap, err := l.LoadSnapshot(ctxT(t), board)
	if err != nil || snap.Seq != 8 || string(snap.Data) != "state at 8" || snap.Epoch == before || snap.Epoch != restoring {
		t.Fatalf("snapshot after the restore: {%d %q %q}, %v; want the copy at 8 in epoch %q", snap.Seq, snap.Epoch, snap.Data, err, restoring)
	}
	// An op the copy holds, resent after the loss, is not appended again.
	for _, key := range keys[8] {
		if seq, dup, err := other.Append(ctxT(t), board, snap.Epoch, key.Key, []byte("resent")); err != nil || !dup || seq != key.Seq {
			t.Fatalf("resend of %s after the restore: seq %d, dup %v, %v; want %d, a duplicate", key.Key, seq, dup, err, key.Seq)
		}
	}
	if seq, _, err := other.Append(ctxT(t), board, snap.Epoch, "", []byte("after the restore")); err != nil || seq != 9 {
		t.Fatalf("append after the restore: seq %d, %v; want 9", seq, err)
	}
	if _, _, err := l.Append(ctxT(t), board, before, "", []byte("old epoch")); !errors.Is(err, store.ErrReset) {
		t.Fatalf("append in the old epoch after the restore: %v, want ErrReset", err)
	}

	// A copy offered once the log is live again, even a more advanced
	// one, is ignored: seq 9 was given already.
	late := store.Snapshot{Seq: 20, Epoch: before, Data: []byte("state at 20")}
	if err := l.Restore(ctxT(t), board, late, nil); err != nil {
		t.Fatalf("late restore: %v, want nil (the log is live)", err)
	}
	if last, _ := l.Last(ctxT(t), board); last != 9 {
		t.Fatalf("a late restore moved the log to %d", last)
	}
}

// epochOf reads the epoch of the board's log from its key in Redis.
func epochOf(t *testing.T, srv *redistest.Server, board string) string {
	t.Helper()
	return srv.Client().Get(ctxT(t), "{b:"+board+"}:epoch").Val()
}

// waitRestored offers snap until the restore window closes.
func waitRestored(t *testing.T, l *redis.Log, board string, snap store.Snapshot) {
	t.Helper()
	deadline := time.Now().Add(10 * redis.RestoreWindow)
	for {
		err := l.Restore(ctxT(t), board, snap, nil)
		if err == nil {
			return
		}
		if !errors.Is(err, store.ErrRestoring) || time.Now().After(deadline) {
			t.Fatalf("restore: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRestoreTellsSubscribers: the first copy offered for a lost board
// makes every subscriber of the board resync, so each replica checks the
// log and offers its own copy within the window.
func TestRestoreTellsSubscribers(t *testing.T) {
	srv := redistest.Start(t)
	l := open(t, srv.URL())
	board := boardFor(t)
	mustAppend(t, l, board, 1)
	epoch := epochOf(t, srv, board)
	srv.Restart()
	ev := subscribe(t, open(t, srv.URL()), board)
	ev.waitResync(t) // the first subscription
	ev.drain()
	if err := l.Restore(ctxT(t), board, store.Snapshot{Seq: 1, Epoch: epoch, Data: []byte("one")}, nil); !errors.Is(err, store.ErrRestoring) {
		t.Fatal(err)
	}
	ev.waitResync(t)
}

func mustAppend(t *testing.T, l store.Log, board string, want uint64) {
	t.Helper()
	seq, _, err := l.Append(ctxT(t), board, "", "", []byte(fmt.Sprintf("record %d", want)))
	if err != nil || seq != want {
		t.Fatalf("append: seq %d, %v; want %d", seq, err, want)
	}
}

// boardFor is a board id of the test's own, so tests can share a server.
func boardFor(t *testing.T) string {
	return fmt.Sprintf("T%d", time.Now().UnixNano())
}
