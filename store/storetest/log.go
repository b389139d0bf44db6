package storetest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/plenary/plenary/store"
)

func (s *suite) testSeqs(t *testing.T) {
	l := s.open(t)
	a, b := Board(t), Board(t)
	if last, err := l.Last(t.Context(), a); err != nil || last != 0 {
		t.Fatalf("Last of a new board = %d, %v; want 0, nil", last, err)
	}
	for n := uint64(1); n <= 3; n++ {
		mustAppend(t, l, a, n)
	}
	mustAppend(t, l, b, 1) // each board counts on its own
	mustAppend(t, l, a, 4)
	for board, want := range map[string]uint64{a: 4, b: 1} {
		if last, err := l.Last(t.Context(), board); err != nil || last != want {
			t.Errorf("Last(%s) = %d, %v; want %d", board, last, err, want)
		}
	}
}

func (s *suite) testRead(t *testing.T) {
	l := s.open(t)
	board := Board(t)
	for n := uint64(1); n <= 10; n++ {
		mustAppend(t, l, board, n)
	}
	for _, c := range []struct {
		after    uint64
		limit    int
		from, to uint64
	}{
		{0, 100, 1, 10},
		{0, 3, 1, 3},
		{3, 4, 4, 7},
		{8, 10, 9, 10},
		{10, 5, 1, 0},
		{50, 5, 1, 0},
		{0, 0, 1, 0},
	} {
		recs, err := l.Read(t.Context(), board, "", c.after, c.limit)
		if err != nil {
			t.Fatalf("Read(after %d, limit %d): %v", c.after, c.limit, err)
		}
		checkRecords(t, board, recs, c.from, c.to)
	}
	if recs, err := l.Read(t.Context(), Board(t), "", 0, 10); err != nil || len(recs) != 0 {
		t.Errorf("Read of a new board = %d records, %v; want none", len(recs), err)
	}
}

func (s *suite) testDurable(t *testing.T) {
	if s.reopen == nil {
		t.Skip("the backend cannot be reopened")
	}
	l := s.open(t)
	board := Board(t)
	for n := uint64(1); n <= 5; n++ {
		mustAppend(t, l, board, n)
	}
	if err := l.SaveSnapshot(t.Context(), board, store.Snapshot{Seq: 4, Data: []byte("four")}); err != nil {
		t.Fatal(err)
	}
	l = s.reopen(t, l)
	recs, err := l.Read(t.Context(), board, "", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, board, recs, 1, 5)
	if snap, err := l.LoadSnapshot(t.Context(), board); err != nil || snap.Seq != 4 || string(snap.Data) != "four" {
		t.Errorf("LoadSnapshot after reopening = {%d %q}, %v; want {4 \"four\"}", snap.Seq, snap.Data, err)
	}
	mustAppend(t, l, board, 6)
}

func (s *suite) testSnapshot(t *testing.T) {
	l := s.open(t)
	board := Board(t)
	if _, err := l.LoadSnapshot(t.Context(), board); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LoadSnapshot of a new board: %v, want ErrNotFound", err)
	}
	for _, c := range []struct {
		save store.Snapshot
		want string
	}{
		{store.Snapshot{Seq: 5, Data: []byte("five")}, "five"},
		{store.Snapshot{Seq: 3, Data: []byte("three")}, "five"}, // older: ignored
		{store.Snapshot{Seq: 5, Data: []byte("again")}, "five"}, // no newer: ignored
		{store.Snapshot{Seq: 7, Data: []byte("seven")}, "seven"},
	} {
		if err := l.SaveSnapshot(t.Context(), board, c.save); err != nil {
			t.Fatalf("SaveSnapshot at %d: %v", c.save.Seq, err)
		}
		snap, err := l.LoadSnapshot(t.Context(), board)
		if err != nil || string(snap.Data) != c.want {
			t.Fatalf("after saving %q: LoadSnapshot = %q, %v; want %q", c.save.Data, snap.Data, err, c.want)
		}
	}
}

func (s *suite) testTrim(t *testing.T) {
	l := s.open(t)
	board := Board(t)
	const total = store.Keep + 200
	appendConcurrently(t, l, board, 8, total/8)
	// Records appended concurrently carry whatever seq they got: rewrite
	// nothing, just check the log is trimmed to the Keep behind the snapshot.
	if err := l.SaveSnapshot(t.Context(), board, store.Snapshot{Seq: total - 50, Data: []byte("snap")}); err != nil {
		t.Fatal(err)
	}
	first := uint64(total - 50 - store.Keep + 1)
	for _, after := range []uint64{0, 10, first - 1} {
		recs, err := l.Read(t.Context(), board, "", after, 2*store.Keep)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != total-int(first)+1 || recs[0].Seq != first || recs[len(recs)-1].Seq != total {
			t.Fatalf("Read(after %d) after trimming = %d records,%s; want %d..%d", after, len(recs), seqs(recs), first, total)
		}
	}
	if last, err := l.Last(t.Context(), board); err != nil || last != total {
		t.Fatalf("Last after trimming = %d, %v; want %d", last, err, total)
	}
	if seq, _, err := l.Append(t.Context(), board, "", "", []byte("next")); err != nil || seq != total+1 {
		t.Fatalf("Append after trimming = %d, %v; want %d", seq, err, total+1)
	}
}

func (s *suite) testConcurrentAppends(t *testing.T) {
	l := s.open(t)
	board, other := Board(t), Board(t)
	const writers, each = 16, 50
	var wg sync.WaitGroup
	wg.Go(func() { appendConcurrently(t, l, other, 4, each) })
	got := appendConcurrently(t, l, board, writers, each)
	wg.Wait()
	recs, err := l.Read(t.Context(), board, "", 0, 2*writers*each)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != writers*each {
		t.Fatalf("read %d records, want %d", len(recs), writers*each)
	}
	for i, r := range recs {
		if r.Seq != uint64(i+1) || string(r.Data) != got[r.Seq] {
			t.Fatalf("record %d is {%d %q}, want {%d %q}", i, r.Seq, r.Data, i+1, got[r.Seq])
		}
	}
	if last, err := l.Last(t.Context(), other); err != nil || last != 4*each {
		t.Fatalf("Last of the other board = %d, %v; want %d", last, err, 4*each)
	}
}

// appendConcurrently appends each records from each of writers goroutines
// and checks the seqs they got are 1..writers*each, each once. It returns
// the data appended at each seq.
func appendConcurrently(t *testing.T, l store.Log, board string, writers, each int) map[uint64]string {
	t.Helper()
	var (
		mu  sync.Mutex
		got = map[uint64]string{}
		wg  sync.WaitGroup
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				data := record(board, uint64(w*each+i))
				seq, _, err := l.Append(t.Context(), board, "", "", data)
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				mu.Lock()
				if prev, dup := got[seq]; dup {
					t.Errorf("seq %d given to %q and %q", seq, prev, data)
				}
				got[seq] = string(data)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for seq := uint64(1); seq <= uint64(writers*each); seq++ {
		if _, ok := got[seq]; !ok {
			t.Fatalf("no append got seq %d: seqs have a gap", seq)
		}
	}
	return got
}

func (s *suite) testLargeRecord(t *testing.T) {
	l := s.open(t)
	board := Board(t)
	large := make([]byte, 64<<10)
	rand.Read(large)
	f := s.followPeer(t, l, board)
	if _, _, err := l.Append(t.Context(), board, "", "", large); err != nil {
		t.Fatal(err)
	}
	recs, err := l.Read(t.Context(), board, "", 0, 1)
	if err != nil || len(recs) != 1 || !bytes.Equal(recs[0].Data, large) {
		t.Fatalf("read back %d records, %v; want the 64 KiB record", len(recs), err)
	}
	if f != nil {
		if r := f.WaitRecord(t, 1); !bytes.Equal(r.Data, large) {
			t.Fatalf("subscriber got %d bytes, want the 64 KiB record", len(r.Data))
		}
	}
	if err := l.SaveSnapshot(t.Context(), board, store.Snapshot{Seq: 1, Data: large}); err != nil {
		t.Fatal(err)
	}
	if snap, err := l.LoadSnapshot(t.Context(), board); err != nil || !bytes.Equal(snap.Data, large) {
		t.Fatalf("LoadSnapshot = %d bytes, %v; want the 64 KiB snapshot", len(snap.Data), err)
	}
}

// testInvalidBoard checks ids outside store.CheckBoard's alphabet are
// rejected, by every method, with ErrInvalidBoard.
func (s *suite) testInvalidBoard(t *testing.T) {
	l := s.open(t)
	ctx := t.Context()
	for _, board := range []string{"", "a b", "x}y", "{b:x}", "a:b", "a/b", "é", "a\x00", strings.Repeat("x", 65)} {
		calls := map[string]error{}
		_, _, calls["Append"] = l.Append(ctx, board, "", "k", []byte("x"))
		_, calls["SeqOf"] = l.SeqOf(ctx, board, "k")
		_, calls["Read"] = l.Read(ctx, board, "", 0, 1)
		_, calls["Last"] = l.Last(ctx, board)
		calls["SaveSnapshot"] = l.SaveSnapshot(ctx, board, store.Snapshot{Seq: 1})
		_, calls["LoadSnapshot"] = l.LoadSnapshot(ctx, board)
		calls["Publish"] = l.Publish(ctx, board, []byte("x"))
		for name, err := range calls {
			if !errors.Is(err, store.ErrInvalidBoard) {
				t.Errorf("%s(%q): %v, want ErrInvalidBoard", name, board, err)
			}
		}
	}
	mustAppend(t, l, strings.Repeat("Az09_-", 10)+"abcd", 1) // 64 bytes of every kind allowed
}

// testEpoch checks that records, read or heard, carry the log's epoch, that a replica of
// that epoch reads and appends, and that one of another epoch is refused
// with ErrReset and cannot store its snapshot.
func (s *suite) testEpoch(t *testing.T) {
	l := s.open(t)
	board := Board(t)
	mustAppend(t, l, board, 1)
	recs, err := l.Read(t.Context(), board, "", 0, 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("Read = %d records, %v", len(recs), err)
	}
	epoch := recs[0].Epoch
	f := s.followPeer(t, l, board)
	if seq, _, err := l.Append(t.Context(), board, epoch, "", record(board, 2)); err != nil || seq != 2 {
		t.Fatalf("Append in the log's epoch %q = %d, %v; want 2", epoch, seq, err)
	}
	if f != nil {
		if r := f.WaitRecord(t, 2); r.Epoch != epoch {
			t.Errorf("the subscriber heard record 2 in epoch %q, want %q", r.Epoch, epoch)
		}
	}
	if recs, err := l.Read(t.Context(), board, epoch, 1, 10); err != nil || len(recs) != 1 || recs[0].Epoch != epoch {
		t.Fatalf("Read in the log's epoch %q = %+v, %v", epoch, recs, err)
	}
	if err := l.SaveSnapshot(t.Context(), board, store.Snapshot{Seq: 2, Epoch: epoch, Data: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	if snap, err := l.LoadSnapshot(t.Context(), board); err != nil || snap.Epoch != epoch || string(snap.Data) != "two" {
		t.Fatalf("LoadSnapshot = {%d %q %q}, %v; want {2 %q two}", snap.Seq, snap.Epoch, snap.Data, err, epoch)
	}

	other := epoch + "-other"
	if _, _, err := l.Append(t.Context(), board, other, "", []byte("x")); !errors.Is(err, store.ErrReset) {
		t.Errorf("Append in another epoch: %v, want ErrReset", err)
	}
	if _, err := l.Read(t.Context(), board, other, 0, 10); !errors.Is(err, store.ErrReset) {
		t.Errorf("Read in another epoch: %v, want ErrReset", err)
	}
	if err := l.SaveSnapshot(t.Context(), board, store.Snapshot{Seq: 3, Epoch: other, Data: []byte("other")}); err != nil {
		t.Fatal(err)
	}
	if snap, err := l.LoadSnapshot(t.Context(), board); err != nil || string(snap.Data) != "two" {
		t.Errorf("a snapshot of another epoch was stored: LoadSnapshot = %q, %v", snap.Data, err)
	}
	if last, err := l.Last(t.Context(), board); err != nil || last != 2 {
		t.Errorf("Last = %d, %v; want 2", last, err)
	}
}

// testCreate: Create starts a board's log, and refuses, changing nothing,
// a board that has one, even when several creations race.
func (s *suite) testCreate(t *testing.T) {
	l := s.open(t)
	board := Board(t)
	if err := l.Create(t.Context(), board, record(board, 1)); err != nil {
		t.Fatalf("create %s: %v", board, err)
	}
	if err := l.Create(t.Context(), board, []byte("another board drawn with the same id")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("create %s again: %v, want ErrExists", board, err)
	}
	mustAppend(t, l, board, 2)
	if err := l.Create(t.Context(), board, []byte("another board drawn with the same id")); !errors.Is(err, store.ErrExists) {
		t.Fatalf("create %s after an append: %v, want ErrExists", board, err)
	}
	recs, err := l.Read(t.Context(), board, "", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, board, recs, 1, 2)

	raced := Board(t)
	var created atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			switch err := l.Create(t.Context(), raced, record(raced, 1)); {
			case err == nil:
				created.Add(1)
			case !errors.Is(err, store.ErrExists):
				t.Errorf("racing create: %v", err)
			}
		})
	}
	wg.Wait()
	if n := created.Load(); n != 1 {
		t.Fatalf("%d of 8 racing creations of one board succeeded, want 1", n)
	}
	if last, err := l.Last(t.Context(), raced); err != nil || last != 1 {
		t.Fatalf("after racing creations Last = %d, %v; want 1", last, err)
	}
}
