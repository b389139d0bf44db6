package hub_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/store/redis/redistest"
)

// acks is every acknowledgement a test's writers got: the text of the
// note each seq was acknowledged to. A seq acknowledged to two different
// notes is a fault, kept in twice.
type acks struct {
	mu    sync.Mutex
	text  map[uint64]string
	twice []string
}

func newAcks() *acks { return &acks{text: map[uint64]string{}} }

func (a *acks) add(seq uint64, text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.text[seq]; ok && old != text {
		a.twice = append(a.twice, fmt.Sprintf("seq %d acknowledged to %q and to %q", seq, old, text))
	}
	a.text[seq] = text
}

func (a *acks) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.text)
}

// all is a copy of what was acknowledged so far.
func (a *acks) all() map[uint64]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.text)
}

// addNote adds a note with text as c and records its acknowledgement.
func (a *acks) addNote(c *client.Client, chart, text string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	half := 0.5
	f, err := c.Do(ctx, board.Op{Kind: board.NoteAdd, Chart: chart, Text: text, X: &half, Y: &half})
	if err == nil {
		a.add(f.Seq, text)
	}
	return err
}

// writeNotes has every participant of r add notes as fast as the rate
// limit allows until stop is closed, and records which were acknowledged.
// Refusals while Redis is away are expected; what was acknowledged must
// never be lost.
func writeNotes(t *testing.T, r *room, stop <-chan struct{}) (acked *acks, wait func()) {
	acked = newAcks()
	var wg sync.WaitGroup
	for _, c := range r.people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				_ = acked.addNote(c, r.groups[c.You], fmt.Sprintf("%s note %d", c.You, i))
			}
		}()
	}
	return acked, wg.Wait
}

// waitAcked waits until at least n more notes than before are acknowledged.
func waitAcked(t *testing.T, acked *acks, n int) {
	t.Helper()
	want := acked.count() + n
	if !waitFor(func() bool { return acked.count() >= want }) {
		t.Fatalf("only %d notes acknowledged, waiting for %d", acked.count(), want)
	}
}

// waitReady waits until /readyz answers status; the store's health is
// pinged every quarter second.
func (ts *testServer) waitReady(t *testing.T, status int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, body := ts.get("/readyz", "")
		if resp.StatusCode == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still answers %d %s, want %d", resp.StatusCode, body, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertKept checks that every acknowledged note is on the board with
// the text it was acknowledged with, and that no seq was acknowledged
// twice.
func assertKept(t *testing.T, ts *testServer, boardID string, acked *acks) {
	t.Helper()
	st := replay(t, ts.log, boardID)
	for seq, text := range acked.all() {
		id := fmt.Sprintf("n%d", seq)
		if n := st.Notes[id]; n == nil || n.Text != text {
			t.Errorf("note %q acknowledged at seq %d was lost (the board has %v there)", text, seq, n)
		}
	}
	acked.mu.Lock()
	defer acked.mu.Unlock()
	for _, fault := range acked.twice {
		t.Error(fault)
	}
}

// TestRedisKilledMidWorkshop: Redis is killed with SIGKILL while
// participants on three instances write, and restarted with its
// append-only file. Ops are refused while it is away; afterwards the
// instances resume by themselves, every acknowledged note is there, and
// every screen converges.
func TestRedisKilledMidWorkshop(t *testing.T) {
	srv := redistest.Start(t, redistest.Persistent...)
	servers := instances(t, srv.URL(), 3)
	r := newRoom(t, servers, 6)
	stop := make(chan struct{})
	acked, wait := writeNotes(t, r, stop)
	waitAcked(t, acked, 10)

	srv.Kill()
	servers[1].waitReady(t, 503)
	srv.Restart()
	waitAcked(t, acked, 10)
	close(stop)
	wait()

	assertKept(t, servers[0], r.b.ID, acked)
	assertConverged(t, servers[0].log, r.b.ID, r.everyone()...)
}

// TestSubscriptionDropped: Redis drops every subscription connection; the
// next changes reach every instance anyway (the gap is read from the
// stream once go-redis subscribes again).
func TestSubscriptionDropped(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 3)
	r := newRoom(t, servers, 6)
	if err := srv.Client().Do(ctxT(t), "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	half := 0.5
	for _, c := range r.people[:3] {
		do(t, c, board.Op{Kind: board.NoteAdd, Chart: r.groups[c.You], Text: "said while the subscriptions were down", X: &half, Y: &half})
	}
	assertConverged(t, servers[0].log, r.b.ID, r.everyone()...)
}

// TestRedisLostItsData: Redis restarts empty (no persistence). The
// instances notice when they next append or resubscribe, give Redis the
// board back from their replicas instead of starting its log again at 1,
// and the workshop goes on with nothing lost.
func TestRedisLostItsData(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 3)
	r := newRoom(t, servers, 6)
	half := 0.5
	for _, c := range r.people {
		do(t, c, board.Op{Kind: board.NoteAdd, Chart: r.groups[c.You], Text: "before the loss", X: &half, Y: &half})
	}
	before := replay(t, servers[0].log, r.b.ID)
	srv.Restart() // empty

	// A participant on another instance acts first after the loss. The
	// op waits for the board to be given back, past the 3 s an op waits
	// for the store: it is answered unknown_outcome and sent again with
	// its id until the board is live.
	doUntilAnswered(t, r.people[1], "after-the-loss", board.Op{Kind: board.NoteAdd, Chart: r.groups[r.people[1].You], Text: "after the loss", X: &half, Y: &half})
	after := replay(t, servers[0].log, r.b.ID)
	if after.Seq != before.Seq+1 || len(after.Notes) != len(before.Notes)+1 {
		t.Fatalf("after the loss the board is at seq %d with %d notes; before it was at %d with %d", after.Seq, len(after.Notes), before.Seq, len(before.Notes))
	}
	assertConverged(t, servers[0].log, r.b.ID, r.everyone()...)
}

// TestInstanceKilled: one instance goes away; its participants reconnect
// through the load balancer to another and resume from their last seq,
// with the same identity, missing nothing.
func TestInstanceKilled(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 3)
	r := newRoom(t, servers, 6)
	// Participants 0 and 3 are on the first instance, with the
	// facilitator.
	victims := []*client.Client{r.people[0], r.people[3]}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = servers[0].hub.Close(ctx)
	servers[0].srv.Close()
	for _, v := range victims {
		select {
		case <-v.Closed():
		case <-ctx.Done():
			t.Fatal("the dead instance's clients were not disconnected")
		}
	}

	half := 0.5
	survivor := r.people[1]
	do(t, survivor, board.Op{Kind: board.NoteAdd, Chart: r.groups[survivor.You], Text: "while they were away", X: &half, Y: &half})
	var back []*client.Client
	for _, v := range victims {
		c := servers[2].dial(client.Hello{Board: r.b.ID, Token: v.Token, Since: v.Seq(), Epoch: v.Epoch()})
		if c.You != v.You {
			t.Fatalf("reconnected as %s, was %s", c.You, v.You)
		}
		back = append(back, c)
	}
	for i, c := range back {
		if err := c.WaitSeq(ctxT(t), replay(t, servers[1].log, r.b.ID).Seq); err != nil {
			t.Fatal(err)
		}
		if n := len(c.Replica()["note"]); n != 1 {
			t.Fatalf("%s resumed with %d notes, want the 1 added while away", victims[i].You, n)
		}
	}
}

// TestLogWithAGap: an entry vanishes from the middle of a board's log (a
// damaged store). An instance that loads the board refuses it rather than
// apply the entries after the gap to a state that lacks the one before.
func TestLogWithAGap(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 2)
	b := servers[0].create("Gap", "What is missing?")
	fac := servers[0].facilitator(b)
	for _, title := range []string{"Two", "Three", "Four"} {
		do(t, fac, board.Op{Kind: board.BoardEdit, Title: title, Prompt: "?"})
	}
	if err := srv.Client().XDel(ctxT(t), "{b:"+b.ID+"}:log", "2-1").Err(); err != nil {
		t.Fatal(err)
	}
	if resp, body := servers[1].get("/api/boards/"+b.ID, ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a board whose log skips seq 2 was served: %d %s", resp.StatusCode, body)
	}
}

// TestStoreErrorsStayInTheLog: with Redis gone, the API and /readyz say
// the store is unavailable, without passing on the store's error, which
// names hosts and internals.
func TestStoreErrorsStayInTheLog(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 1)
	srv.Kill()
	// /readyz follows the server's pings of Redis, which notice within 2 s.
	servers[0].waitReady(t, http.StatusServiceUnavailable)
	for path, answer := range map[string]func() (*http.Response, []byte){
		"POST /api/boards": func() (*http.Response, []byte) {
			return servers[0].post("/api/boards", map[string]string{"title": "Down", "prompt": "Anyone?"})
		},
		"GET /readyz": func() (*http.Response, []byte) { return servers[0].get("/readyz", "") },
	} {
		resp, body := answer()
		if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), srv.Addr()) || strings.Contains(string(body), "dial") {
			t.Errorf("%s with Redis down: %d %s", path, resp.StatusCode, body)
		}
	}
}
