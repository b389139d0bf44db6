package storetest

import (
	"bytes"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/store"
)

// waitFor bounds how long a subscriber may take to hear something.
const waitFor = 10 * time.Second

// Follower records what a subscription to one board hears.
type Follower struct {
	mu         sync.Mutex
	records    []store.Record
	ephemerals [][]byte
	heard      chan struct{} // signalled on anything new
	cancel     func()
}

// Follow subscribes to board on l until the test ends or Cancel.
func Follow(t testing.TB, l store.Log, board string) *Follower {
	f := &Follower{heard: make(chan struct{}, 1)}
	f.cancel = l.Subscribe(board, store.Events{
		Record: func(r store.Record) {
			f.mu.Lock()
			f.records = append(f.records, r)
			f.mu.Unlock()
			f.signal()
		},
		Ephemeral: func(data []byte) {
			f.mu.Lock()
			f.ephemerals = append(f.ephemerals, bytes.Clone(data))
			f.mu.Unlock()
			f.signal()
		},
	})
	t.Cleanup(f.Cancel)
	return f
}

func (f *Follower) signal() {
	select {
	case f.heard <- struct{}{}:
	default:
	}
}

// Cancel ends the subscription.
func (f *Follower) Cancel() { f.cancel() }

// WaitRecord waits until the record with seq has been heard and returns it.
func (f *Follower) WaitRecord(t testing.TB, seq uint64) store.Record {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		f.mu.Lock()
		i := slices.IndexFunc(f.records, func(r store.Record) bool { return r.Seq == seq })
		var r store.Record
		if i >= 0 {
			r = f.records[i]
		}
		f.mu.Unlock()
		if i >= 0 {
			return r
		}
		select {
		case <-f.heard:
		case <-deadline:
			t.Fatalf("the subscriber never heard record %d", seq)
		}
	}
}

// WaitEphemeral waits until data has been heard as an ephemeral message.
func (f *Follower) WaitEphemeral(t testing.TB, data []byte) {
	t.Helper()
	deadline := time.After(waitFor)
	for !f.heardEphemeral(data) {
		select {
		case <-f.heard:
		case <-deadline:
			t.Fatalf("the subscriber never heard %q", data)
		}
	}
}

func (f *Follower) heardEphemeral(data []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.ContainsFunc(f.ephemerals, func(e []byte) bool { return bytes.Equal(e, data) })
}

// Seqs returns the seqs heard, in the order heard.
func (f *Follower) Seqs() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]uint64, len(f.records))
	for i, r := range f.records {
		out[i] = r.Seq
	}
	return out
}

// followPeer follows board from another process on l's data, or returns
// nil for a backend with no other process: only another process hears
// what l appends.
func (s *suite) followPeer(t *testing.T, l store.Log, board string) *Follower {
	if s.peer == nil {
		return nil
	}
	return Follow(t, s.peer(t, l), board)
}

// testSubscribeOwn checks a subscriber hears nothing of what its own
// process appends: Append answered that process already.
func (s *suite) testSubscribeOwn(t *testing.T) {
	l := s.open(t)
	board := Board(t)
	f := Follow(t, l, board)
	for n := uint64(1); n <= 5; n++ {
		mustAppend(t, l, board, n)
	}
	// Give a wrongly delivered record time to arrive.
	time.Sleep(100 * time.Millisecond)
	if seqs := f.Seqs(); len(seqs) > 0 {
		t.Fatalf("heard its own process's records %v", seqs)
	}
}

// testSubscribe checks a subscriber hears every record another process
// appended after it subscribed, with its data, only of its board, and
// nothing once it has cancelled.
func (s *suite) testSubscribe(t *testing.T) {
	l := s.open(t)
	peer := s.peer(t, l)
	board, other := Board(t), Board(t)
	f := Follow(t, peer, board)
	for n := uint64(1); n <= 5; n++ {
		mustAppend(t, l, board, n)
	}
	mustAppend(t, l, other, 1)
	for n := uint64(1); n <= 5; n++ {
		if r := f.WaitRecord(t, n); string(r.Data) != string(record(board, n)) {
			t.Fatalf("record %d carries %q", n, r.Data)
		}
	}
	f.Cancel()
	mustAppend(t, l, board, 6)
	// Give a wrongly delivered record time to arrive.
	time.Sleep(100 * time.Millisecond)
	for _, seq := range f.Seqs() {
		if seq > 5 {
			t.Fatalf("heard record %d after cancelling", seq)
		}
	}
}

// testEphemeral checks an ephemeral message reaches another process's
// subscriber and is never stored.
func (s *suite) testEphemeral(t *testing.T) {
	l := s.open(t)
	peer := s.peer(t, l)
	board := Board(t)
	f := Follow(t, peer, board)
	msg := []byte(`{"t":"eph","kind":"drag","note":"n9","x":0.42}`)
	deadline := time.Now().Add(waitFor)
	// The peer's subscription may still be starting: publish until heard.
	for !f.heardEphemeral(msg) {
		if err := l.Publish(t.Context(), board, msg); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process never heard %q", msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if recs, err := l.Read(t.Context(), board, "", 0, 10); err != nil || len(recs) != 0 {
		t.Fatalf("an ephemeral message was stored: %d records, %v", len(recs), err)
	}
}
