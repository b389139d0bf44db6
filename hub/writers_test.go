package hub_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/internal/plenarytest"
)

// TestStuckWriteIsEnded: a write blocked on a client that stopped reading
// ends once it has lasted the write timeout. The connection is torn down
// (no close frame can get past the full socket), so it holds nothing of
// the server's, and the board goes on for the others.
func TestStuckWriteIsEnded(t *testing.T) {
	ts := startServer(t, func(c *plenarytest.Config) { c.API.WriteTimeout = 2 * time.Second })
	b := ts.create("Stuck", "Who reads?")
	fac := ts.facilitator(b)
	connections := func() int {
		return int(sample(scrape(t, ts), "plenary_connections"))
	}
	open := connections()
	stuck := dialStuck(t, ts.url)
	hello := fmt.Sprintf(`{"t":"hello","v":1,"board":%q,"token":%q}`, b.ID, fac.Token)
	if err := stuck.Write(ctxT(t), websocket.MessageText, []byte(hello)); err != nil {
		t.Fatal(err)
	}
	for {
		_, msg, err := stuck.Read(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(msg), `"t":"snap"`) {
			break
		}
	}
	// Changes of a kilobyte each until the stuck client's socket is full
	// and a write has been blocked on it for the write timeout, or until
	// its queue has overflowed, by which time a write is blocked on it.
	prompt := strings.Repeat("a long prompt ", 70)
	for edits := 0; overflows(t, ts) < 1 && connections() > open; edits += editBatch {
		if edits >= 40000 {
			t.Fatalf("the stuck client neither overflowed nor was dropped after %d changes", edits)
		}
		editMany(t, ts, b.ID, fac, edits, prompt)
	}
	if !waitFor(func() bool { return connections() == open }) {
		t.Fatalf("%d connections open, want %d: the stuck write was never ended", connections(), open)
	}
	if code, err := readToClose(stuck); code != -1 {
		t.Errorf("the stuck client was closed with %d (%v), want its connection torn down", code, err)
	}
	assertConverged(t, ts.log, b.ID, fac)
}
