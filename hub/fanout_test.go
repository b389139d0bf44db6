package hub_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/protocol"
)

// TestFanOut is the chat test of coder/websocket for a board: many
// participants, many ops from several of them at once, latecomers joining
// meanwhile, and every participant must end up with every change.
func TestFanOut(t *testing.T) {
	const participants, writers, opsEach = 100, 5, 20
	ts := startServer(t)
	b := ts.create("Fan-out", "Does everyone see everything?")
	fac := ts.facilitator(b)
	var people []*client.Client
	for i := range participants {
		role := board.CivilServant
		if i%2 == 1 {
			role = board.CivilSociety
		}
		people = append(people, ts.join(b, fmt.Sprintf("P%d", i), role))
	}
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 6})
	seen := make([]map[uint64]bool, len(people))
	for i, c := range people {
		if err := c.WaitSeq(ctxT(t), replay(t, ts.log, b.ID).Seq); err != nil {
			t.Fatal(err)
		}
		seen[i] = map[uint64]bool{}
	}

	// Latecomers join while the notes pour in: each is sent a snapshot
	// that may lag the board and then the entries after it.
	var wg sync.WaitGroup
	var late []*client.Client
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 20 {
			c, err := client.Dial(context.Background(), ts.url, client.Hello{Board: b.ID, Join: &client.Join{Name: fmt.Sprintf("Late %d", i), Role: board.CivilSociety}}, client.Options{})
			if err != nil {
				t.Error(err)
				return
			}
			late = append(late, c)
		}
	}()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := people[w]
			var p board.Participant
			c.Get("participant", c.You, &p)
			for i := range opsEach {
				x, y := float64(i)/opsEach, float64(w)/writers
				if _, err := c.Do(context.Background(), board.Op{Kind: board.NoteAdd, Chart: p.Group, Text: fmt.Sprintf("idea %d from %s", i, c.You), X: &x, Y: &y}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()

	final := replay(t, ts.log, b.ID)
	if len(final.Notes) != writers*opsEach {
		t.Fatalf("%d notes in the log, want %d", len(final.Notes), writers*opsEach)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range late {
		t.Cleanup(func() { _ = c.Close() })
	}
	people = append(people, late...)
	for _, c := range append(people, fac) {
		if err := c.WaitSeq(ctx, final.Seq); err != nil {
			t.Fatal(err)
		}
		if n := len(c.Replica()["note"]); n != writers*opsEach {
			t.Fatalf("%s holds %d notes, want %d", c.You, n, writers*opsEach)
		}
	}
	assertConverged(t, ts.log, b.ID, append(people, fac)...)
}

// TestResume drops a participant's connection while the board changes;
// reconnecting with the last seq it applied, it is sent just what it
// missed, not the whole board, and ends up with the same board as everyone.
func TestResume(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Resume", "Weak connections")
	fac := ts.facilitator(b)
	remote := ts.join(b, "Remote participant (Toledo)", board.CivilSociety)
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 6})
	st := replay(t, ts.log, b.ID)
	if err := remote.WaitSeq(ctxT(t), st.Seq); err != nil {
		t.Fatal(err)
	}
	since, token := remote.Seq(), remote.Token
	_ = remote.Close()

	half := 0.5
	for i := range 5 {
		do(t, fac, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: fmt.Sprintf("while you were away %d", i), X: &half, Y: &half})
	}

	back, frames := ts.dialRecording(client.Hello{Board: b.ID, Token: token, Since: since})
	if back.You != remote.You {
		t.Fatalf("reconnected as %s, was %s", back.You, remote.You)
	}
	// This client object starts with an empty replica, so after resuming
	// it holds exactly the changes it was sent: the five notes.
	if err := back.WaitSeq(ctxT(t), replay(t, ts.log, b.ID).Seq); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames() {
		if f.T == "snap" {
			t.Fatalf("a short drop was answered with a whole snapshot at %d", f.Seq)
		}
	}
	if n := len(back.Replica()["note"]); n != 5 {
		t.Fatalf("after resuming the participant sees %d notes, want 5", n)
	}
}

// TestEphemeral: a note being dragged is seen by others while it moves,
// to its last position (positions still queued for a screen are replaced
// by the next), and presence says who is online.
func TestEphemeral(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Drag", "Watch it move")
	fac := ts.facilitator(b)
	ana := ts.join(b, "Ana", board.CivilSociety)
	ben := ts.join(b, "Ben", board.CivilServant)

	if !waitFor(func() bool { return len(ben.Online()) == 3 }) {
		t.Fatalf("presence shows %v, want three online", ben.Online())
	}
	for i := range 10 {
		if err := ana.Ephemeral(ctxT(t), "drag", "n9", float64(i)/10, 0.5); err != nil {
			t.Fatal(err)
		}
	}
	last := func() float64 {
		x := -1.0
		for _, f := range ben.Ephemerals() {
			if f.Kind == "drag" && f.From == ana.You && f.Note == "n9" && f.X != nil {
				x = *f.X
			}
		}
		return x
	}
	if !waitFor(func() bool { return last() == 0.9 }) {
		t.Fatalf("ben saw ana's drag last at x=%v, want 0.9: %+v", last(), ben.Ephemerals())
	}
	for _, f := range ana.Ephemerals() {
		if f.From == ana.You {
			t.Fatal("ana was sent her own drag back")
		}
	}
	_ = ben.Close()
	if !waitFor(func() bool { return len(fac.Online()) == 2 }) {
		t.Fatalf("after ben left presence shows %v", fac.Online())
	}
}

// TestSlowClientIsClosed: a client that stops reading does not hold up the
// board. Its queue fills, the server closes it with 4000 ("reconnect and
// resume"), and when it comes back with its last seq it gets the board as
// everyone else has it.
func TestSlowClientIsClosed(t *testing.T) {
	ts := startServer(t, func(c *plenarytest.Config) { c.API.WriteTimeout, c.API.PingEvery = 5*time.Minute, 5*time.Minute })
	b := ts.create("Slow", "Who keeps up?")
	fac := ts.facilitator(b)
	// More stuck clients than the hub keeps writers awake for: each
	// blocks a writer once its socket is full, and the rest of the room
	// must still be served.
	var stuck []*websocket.Conn
	for range 2*runtime.GOMAXPROCS(0) + 1 {
		c := dialStuck(t, ts.url)
		hello := fmt.Sprintf(`{"t":"hello","v":1,"board":%q,"token":%q}`, b.ID, fac.Token)
		if err := c.Write(ctxT(t), websocket.MessageText, []byte(hello)); err != nil {
			t.Fatal(err)
		}
		// The board opens, then the client stops reading, as a laptop
		// that is shut.
		for {
			_, msg, err := c.Read(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(msg), `"t":"snap"`) {
				break
			}
		}
		stuck = append(stuck, c)
	}
	// The stuck clients read nothing more while the board takes changes
	// of a kilobyte each, until every stuck client's queue has overflowed:
	// past what the server's socket buffers (up to 4 MB each here) and a
	// queue of sendQueueLen frames hold together. Meanwhile a writer is
	// blocked on each full socket. Past the write timeout, or 5 s after a
	// ping the silent client cannot answer, the connection would be torn
	// down with no close code, so the test lengthens both to more than the
	// appends can take on a busy machine. The close frame waits behind
	// the blocked write; once all have overflowed the stuck clients read
	// at once, each on its own, and find it.
	prompt := strings.Repeat("a long prompt ", 70)
	edits := 0
	for overflows(t, ts) < len(stuck) && edits < 40000 {
		editMany(t, ts, b.ID, fac, edits, prompt)
		edits += editBatch
	}
	closes := make([]error, len(stuck))
	codes := make([]int, len(stuck))
	var wg sync.WaitGroup
	for i, c := range stuck {
		wg.Go(func() { codes[i], closes[i] = readToClose(c) })
	}
	wg.Wait()
	for i, code := range codes {
		if code != protocol.CloseResume {
			t.Errorf("stuck client %d closed with %d (%v), want %d", i, code, closes[i], protocol.CloseResume)
		}
	}
	if n := overflows(t, ts); n < len(stuck) {
		t.Fatalf("%d of %d stuck clients overflowed after %d changes", n, len(stuck), edits)
	}
	// Meanwhile a client that reads keeps up with every change.
	assertConverged(t, ts.log, b.ID, fac)
	back := ts.dial(client.Hello{Board: b.ID, Token: fac.Token, Since: 2})
	assertConverged(t, ts.log, b.ID, back)
}

// editBatch is how many edits editMany appends at once: fewer than a
// session's queue holds, so a client that reads is never closed for
// falling behind, however fast the log takes them.
const editBatch = 500

// editMany appends editBatch edits of prompt to the board's log, numbered
// from edits, and waits until fac, which reads, has them all. The room
// learns of them from the log in one catch-up, whose frames reach every
// session's queue at once.
func editMany(t *testing.T, ts *testServer, id string, fac *client.Client, edits int, prompt string) {
	t.Helper()
	last := appendMany(t, ts, id, editBatch, func(i int) board.Entry {
		return board.Entry{Actor: fac.You, At: time.Now(), Op: board.Op{Kind: board.BoardEdit, Title: fmt.Sprintf("Edit %d", edits+i), Prompt: prompt}}
	})
	if err := fac.WaitSeq(ctxT(t), last); err != nil {
		t.Fatalf("%s: %v", fac.You, err)
	}
}

// overflows is how many sessions the server has closed for a full queue.
func overflows(t *testing.T, ts *testServer) int {
	t.Helper()
	return int(sample(scrape(t, ts), "plenary_send_queue_overflows_total"))
}

// dialStuck opens a websocket with a receive buffer as small as the kernel
// allows, so that a client that stops reading is full after a few frames,
// as a suspended laptop's is after a while.
func dialStuck(t *testing.T, base string) *websocket.Conn {
	t.Helper()
	small := func(_, _ string, c syscall.RawConn) error {
		var err error
		cerr := c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(cerr, err)
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{Control: small}).DialContext}}
	conn, _, err := websocket.Dial(ctxT(t), "ws"+strings.TrimPrefix(base, "http")+"/ws", &websocket.DialOptions{
		HTTPClient: hc,
		HTTPHeader: http.Header{"Origin": {base}},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(-1)
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// TestDragsStayInTheGroup: in brainstorm a drag on a group's chart reaches
// the group and the facilitators, not the other groups, who do not have
// that chart open; in cluster the whole plenary sees it.
func TestDragsStayInTheGroup(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Drag", "Who sees it move?")
	fac := ts.facilitator(b)
	var people []*client.Client
	for i := range 4 {
		people = append(people, ts.join(b, fmt.Sprintf("P%d", i), []board.Role{board.CivilServant, board.CivilSociety}[i%2]))
	}
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 2})
	st := replay(t, ts.log, b.ID)
	dragger := people[0]
	drags := func(c *client.Client, note string) int {
		n := 0
		for _, f := range c.Ephemerals() {
			if f.Kind == "drag" && f.From == dragger.You && f.Note == note {
				n++
			}
		}
		return n
	}
	waitDrags := func(note string, watchers ...*client.Client) {
		for _, c := range watchers {
			if !waitFor(func() bool { return drags(c, note) > 0 }) {
				t.Fatalf("%s never saw the drag of %s", c.You, note)
			}
		}
	}
	var mates, others []*client.Client
	for _, c := range people[1:] {
		if err := c.WaitSeq(ctxT(t), st.Seq); err != nil {
			t.Fatal(err)
		}
		if st.Participants[c.You].Group == st.Participants[dragger.You].Group {
			mates = append(mates, c)
		} else {
			others = append(others, c)
		}
	}
	if err := dragger.Ephemeral(ctxT(t), "drag", "n100", 0.5, 0.5); err != nil {
		t.Fatal(err)
	}
	waitDrags("n100", append(mates, fac)...)
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Cluster})
	if err := dragger.WaitSeq(ctxT(t), replay(t, ts.log, b.ID).Seq); err != nil {
		t.Fatal(err)
	}
	if err := dragger.Ephemeral(ctxT(t), "drag", "n200", 0.5, 0.5); err != nil {
		t.Fatal(err)
	}
	waitDrags("n200", append(people[1:], fac)...)
	// The brainstorm drag went out before the cluster one; the other
	// groups, who saw the second, never saw the first.
	for _, c := range others {
		if n := drags(c, "n100"); n != 0 {
			t.Errorf("%s, in another group, saw the brainstorm drag", c.You)
		}
	}
}

// TestOnFrameSeesFirst: the client's OnFrame hook sees a frame before
// anything waiting on the replica wakes, so a test that records frames and
// waits for a seq finds the frame that brought it there. A snapshot held
// up in OnFrame holds Dial up with it.
func TestOnFrameSeesFirst(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Hook", "Who sees it first?")
	release := make(chan struct{})
	var seen atomic.Bool
	dialed := make(chan error, 1)
	go func() {
		c, err := client.Dial(ctxT(t), ts.url, client.Hello{Board: b.ID, Token: b.facilitatorToken()}, client.Options{
			OnFrame: func(f client.Frame, _ time.Time) {
				if f.T == "snap" {
					<-release
					seen.Store(true)
				}
			},
		})
		if err == nil {
			t.Cleanup(func() { _ = c.Close() })
		}
		dialed <- err
	}()
	// Dial must not return before release. The second only gives a Dial
	// that would return early the time to show it; the test passes
	// whatever the machine's speed.
	select {
	case err := <-dialed:
		t.Fatalf("Dial returned (%v) while OnFrame still held the snapshot", err)
	case <-time.After(time.Second):
	}
	close(release)
	if err := <-dialed; err != nil {
		t.Fatal(err)
	}
	if !seen.Load() {
		t.Fatal("Dial returned before OnFrame saw the snapshot")
	}
}

// TestNewcomerSeesTheBoardAsItIs: someone who opens the board just after
// it moved to cluster is sent a snapshot of the cluster canvas, not an
// older snapshot followed by the move, which would draw every note twice.
func TestNewcomerSeesTheBoardAsItIs(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Newcomer", "What could we do together?")
	fac := ts.facilitator(b)
	ts.join(b, "Early participant", board.CivilServant) // the snapshot is cached here
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 2})
	half := 0.5
	for i := range 8 {
		do(t, fac, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: fmt.Sprintf("an idea worth sharing, number %d", i), X: &half, Y: &half})
	}
	moved := do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Cluster})

	late, frames := ts.dialRecording(client.Hello{Board: b.ID, Token: b.facilitatorToken()})
	if err := late.WaitSeq(ctxT(t), moved.Seq); err != nil {
		t.Fatal(err)
	}
	var snaps []uint64
	for _, f := range frames() {
		if f.T == "snap" {
			snaps = append(snaps, f.Seq)
		}
	}
	if len(snaps) != 1 || snaps[0] < moved.Seq {
		t.Fatalf("the newcomer was sent snapshots at %v, then the entries after; want one snapshot at %d or later, after the move to cluster", snaps, moved.Seq)
	}
}

// TestJoinsReachParticipantsAsACount: while people join at once, a
// participant's screen is told of them as the room's count, in frames
// that together stand for every seq once, in order, while the
// facilitator's learns each by name. Once the groups are formed everyone
// knows everyone. Every screen ends with what a fresh snapshot gives it.
func TestJoinsReachParticipantsAsACount(t *testing.T) {
	const n = 40
	ts := startServer(t)
	b := ts.create("Arrivals", "Who is coming?")
	fac := ts.facilitator(b)
	ana, frames := ts.dialRecording(client.Hello{Board: b.ID, Join: &client.Join{Name: "Ana", Role: board.CivilServant}})
	from := ana.Seq()

	joined := make([]*client.Client, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			c, err := client.Dial(ctxT(t), ts.url, client.Hello{Board: b.ID, Join: &client.Join{Name: fmt.Sprintf("P%d", i), Role: []board.Role{board.CivilServant, board.CivilSociety}[i%2]}}, client.Options{})
			if err == nil {
				t.Cleanup(func() { _ = c.Close() })
			}
			joined[i] = c
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	assertConverged(t, ts.log, b.ID, append(joined, fac, ana)...)

	known := func(c *client.Client) int { return len(c.Replica()["participant"]) }
	if got := known(ana); got != 2 {
		t.Errorf("Ana's screen knows %d participants before the groups, want 2: herself and the facilitator", got)
	}
	if got := known(fac); got != n+2 {
		t.Errorf("the facilitator's screen knows %d participants, want %d", got, n+2)
	}
	if got, want := string(ana.Replica()["people"]["people"]), `{"civilServant":21,"civilSociety":20}`; got != want {
		t.Errorf("Ana's screen counts %s, want %s", got, want)
	}
	var seqs []uint64
	for _, f := range frames() {
		if f.T != "chg" || f.Seq <= from {
			continue
		}
		for seq := f.First; seq <= f.Seq; seq++ {
			seqs = append(seqs, seq)
		}
	}
	for i, seq := range seqs {
		if seq != from+uint64(i)+1 || seqs[len(seqs)-1] != ana.Seq() {
			t.Fatalf("Ana's screen was sent seqs %v after %d, want each once, in order", seqs, from)
		}
	}

	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 6})
	assertConverged(t, ts.log, b.ID, append(joined, fac, ana)...)
	if got := known(ana); got != n+2 {
		t.Errorf("Ana's screen knows %d participants once everyone has a group, want %d", got, n+2)
	}
}
