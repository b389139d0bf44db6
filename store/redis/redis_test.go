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
	ev := subscribe(t, l, board)
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
	if _, err := l.Append(ctxT(t), board, []byte("while down")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("append while Redis is down: %v, want ErrUnavailable", err)
	}
	srv.Restart()
	recs, err := l.Read(ctxT(t), board, 0, 100)
	if err != nil || len(recs) != 50 {
		t.Fatalf("after restart: %d records, %v; want all 50", len(recs), err)
	}
	mustAppend(t, l, board, 51)
}

// TestRestartedEmpty: a Redis that comes back without its data has lost
// the board's log. An append from a process that knew the log is refused
// with ErrReset instead of starting again from seq 1; the board is
// restored from a replica's snapshot under a new epoch and the log goes on
// after it.
func TestRestartedEmpty(t *testing.T) {
	srv := redistest.Start(t)
	l := open(t, srv.URL())
	board := boardFor(t)
	for i := range 5 {
		mustAppend(t, l, board, uint64(i+1))
	}
	before, err := l.Epoch(ctxT(t), board)
	if err != nil || before == "" {
		t.Fatalf("epoch: %q, %v", before, err)
	}
	srv.Restart() // no persistence: empty

	if _, err := l.Append(ctxT(t), board, []byte("after the loss")); !errors.Is(err, store.ErrReset) {
		t.Fatalf("append to a lost board: %v, want ErrReset", err)
	}
	if err := l.Restore(ctxT(t), board, store.Snapshot{Seq: 5, Data: []byte("state at 5")}); err != nil {
		t.Fatal(err)
	}
	after, _ := l.Epoch(ctxT(t), board)
	if after == "" || after == before {
		t.Fatalf("epoch after restore %q, before %q: want a new one", after, before)
	}
	seq, err := l.Append(ctxT(t), board, []byte("after the restore"))
	if err != nil || seq != 6 {
		t.Fatalf("append after restore: seq %d, %v; want 6", seq, err)
	}
	snap, err := l.LoadSnapshot(ctxT(t), board)
	if err != nil || snap.Seq != 5 || string(snap.Data) != "state at 5" {
		t.Fatalf("snapshot after restore: %+v, %v", snap, err)
	}

	// A second replica restoring an older state changes nothing.
	if err := l.Restore(ctxT(t), board, store.Snapshot{Seq: 3, Data: []byte("older")}); err != nil {
		t.Fatal(err)
	}
	if last, _ := l.Last(ctxT(t), board); last != 6 {
		t.Fatalf("an older restore moved the log to %d", last)
	}

	// Another process that knew the old log is refused too, and learns
	// the new epoch when it reads.
	other := open(t, srv.URL())
	if _, err := other.Read(ctxT(t), board, 5, 10); err != nil {
		t.Fatal(err)
	}
	if seq, err := other.Append(ctxT(t), board, []byte("from the other")); err != nil || seq != 7 {
		t.Fatalf("append by another process: %d, %v", seq, err)
	}
}

func mustAppend(t *testing.T, l store.Log, board string, want uint64) {
	t.Helper()
	seq, err := l.Append(ctxT(t), board, []byte(fmt.Sprintf("record %d", want)))
	if err != nil || seq != want {
		t.Fatalf("append: seq %d, %v; want %d", seq, err, want)
	}
}

// boardFor is a board id of the test's own, so tests can share a server.
func boardFor(t *testing.T) string {
	return fmt.Sprintf("T%d", time.Now().UnixNano())
}
