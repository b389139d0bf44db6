package room

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/line"
	"github.com/plenary/plenary/hub/internal/metrics"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store/bolt"
)

// TestIdleRoomTakesNoPosts: once a room has left (idle, forgotten by the
// hub), a post to it fails, so a session holding it from before is told
// to reconnect instead of waiting for a welcome nobody will send.
func TestIdleRoomTakesNoPosts(t *testing.T) {
	r := newRoomOf(t, "RQ7ZZZ")
	r.call(func() { r.idle = time.Now().Add(-2 * roomIdle) })
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the idle room never left")
	}
	for range 100 {
		if r.post(func() {}) {
			t.Fatal("a room that has left took a post; nothing will run it")
		}
	}
	if r.tryPost(func() {}) {
		t.Fatal("a room that has left took a post; nothing will run it")
	}
}

// TestOpsGoFirst: work on the op path (checking an op, applying what the
// log took) runs before the room's other queued work, so a facilitator's
// op does not wait behind thousands of newcomers being let in.
func TestOpsGoFirst(t *testing.T) {
	r := newRoomOf(t, "RQ7ZZY")
	release := make(chan struct{})
	r.post(func() { <-release }) // the room is busy
	var order []string
	for range 100 {
		r.post(func() { order = append(order, "newcomer") })
	}
	r.postOp(func() { order = append(order, "op") })
	close(release)
	r.call(func() {})
	if len(order) != 101 || order[0] != "op" {
		t.Fatalf("the op ran at %d of %d: %v", slices.Index(order, "op"), len(order), order[:min(3, len(order))])
	}
}

// newRoomOf creates board id on an embedded store of its own and returns
// its room, loaded, in an Env of its own: a directory of that one room.
func newRoomOf(t *testing.T, id string) *Room {
	t.Helper()
	log, err := bolt.Open(filepath.Join(t.TempDir(), "plenary.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	data, _ := json.Marshal(board.Entry{At: time.Now(), Op: board.Op{Kind: board.BoardCreate, Title: "A room", Prompt: "Who is here?"}})
	if err := log.Create(t.Context(), id, data); err != nil {
		t.Fatal(err)
	}
	closing := make(chan struct{})
	var background sync.WaitGroup
	env := &Env{
		Log:          log,
		Tokens:       token.Signer{Secret: []byte("a test secret of some length")},
		Logger:       slog.Default(),
		Instance:     "test",
		Metrics:      metrics.New(),
		Closing:      closing,
		Background:   &background,
		StoreUp:      func() bool { return true },
		StoreStalled: func() {},
		Publish:      func(string, []byte) {},
		Forget:       func(*Room) {},
		ForgetIfIdle: func(r *Room) bool { return r.LeaveIfIdle() },
		Missed:       func(string) {},
	}
	r := New(env, id)
	t.Cleanup(func() { close(closing); <-r.Done(); background.Wait() })
	if err := r.Loaded(t.Context()); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOthersWaitWithTheJoins: while joins are held, an op's sender is
// answered at once, after the joins before it, and everyone else is sent
// the joins and the op together at the next flush, in seq order: one write
// each per flush, however many ops come meanwhile.
func TestOthersWaitWithTheJoins(t *testing.T) {
	r := newRoomOf(t, "RQ7ZZA")
	ana, anaLine := newcomer(t, r, 1, "Ana")
	_, benLine := newcomer(t, r, 2, "Ben")
	// Each call runs on the room's goroutine, so no tick flushes the
	// joins in the middle of one.
	var joined, renamed uint64
	var toAna, toBen [][]byte
	r.call(func() {
		r.sendJoins(nil)
		drain(anaLine)
		drain(benLine)
		joined = r.replica.Seq() + 1
		r.apply(board.Entry{Seq: joined, At: time.Now(), Op: board.Op{Kind: board.ParticipantJoin, Name: "Cy", Role: board.CivilSociety}})
		renamed = joined + 1
		r.apply(board.Entry{Seq: renamed, At: time.Now(), Actor: ana.Participant(), Ref: replica.Ref(r.env.Instance, ana.id, "op1"), Op: board.Op{Kind: board.ParticipantRename, Name: "Ana María"}})
		toAna, toBen = drain(anaLine), drain(benLine)
	})
	if got, want := seqsIn(toAna), []uint64{joined, renamed}; !slices.Equal(got, want) {
		t.Fatalf("the sender was sent seqs %v, want %v at once", got, want)
	}
	if len(toBen) != 0 {
		t.Fatalf("another was sent %d frames before the flush, want none", len(toBen))
	}
	r.call(func() {
		r.sendJoins(nil)
		toAna, toBen = drain(anaLine), drain(benLine)
	})
	if got, want := seqsIn(toBen), []uint64{joined, renamed}; !slices.Equal(got, want) || len(toBen) != 1 {
		t.Fatalf("another was sent seqs %v in %d frames at the flush, want %v in one", got, len(toBen), want)
	}
	if len(toAna) != 0 {
		t.Fatalf("the sender was sent %d more frames at the flush, want none", len(toAna))
	}
}

// newcomer joins name to r as a civil servant, from session id on a line
// of its own, and waits until the room has let them in.
func newcomer(t *testing.T, r *Room, id uint64, name string) (*Seat, *line.Line) {
	t.Helper()
	l := line.New(r.env.Metrics, func() {}, nil)
	s, bad := r.AttachNewcomer(t.Context(), id, l, protocol.Join{Name: name, Role: board.CivilServant})
	if bad != nil {
		t.Fatal(bad)
	}
	for !s.in.Load() {
		r.call(func() {})
	}
	return s, l
}

// drain takes every frame queued on l, one per line.
func drain(l *line.Line) [][]byte {
	var frames [][]byte
	for {
		items, _ := l.Next()
		if len(items) == 0 {
			return frames
		}
		for _, item := range items {
			frames = append(frames, bytes.Split(item, []byte("\n"))...)
		}
		l.More(items)
	}
}

// seqsIn is the seqs the change frames among frames stand for, in order:
// each frame's own, or its From to its Seq.
func seqsIn(frames [][]byte) []uint64 {
	var seqs []uint64
	for _, f := range frames {
		var chg protocol.Chg[protocol.Entity]
		if json.Unmarshal(f, &chg) != nil || chg.T != "chg" {
			continue
		}
		for seq := chg.First(); seq <= chg.Seq; seq++ {
			seqs = append(seqs, seq)
		}
	}
	return seqs
}

// TestLargeRoomsBatchLonger: a workshop's room sends joins and presence
// every tick; a room of thousands every few, never more than a second
// apart.
func TestLargeRoomsBatchLonger(t *testing.T) {
	for screens, want := range map[int]uint64{0: 1, 27: 1, 999: 1, 2000: 2, 5000: 5, 1 << 20: 5} {
		if got := ticksPerBatch(screens); got != want {
			t.Errorf("a room of %d screens batches %d ticks, want %d", screens, got, want)
		}
	}
	if most := time.Duration(ticksPerBatch(1<<30)) * tickEvery; most > time.Second {
		t.Errorf("a batch may wait %v, want at most a second", most)
	}
}
