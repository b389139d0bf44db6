package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store/redis/redistest"
)

// The fault suite of resends: an op whose answer was lost is sent again
// with the same id, to the same instance or another, and is applied once,
// every repeat answered with the first answer's seq. Each case runs on a
// real redis-server and compares the final board on every instance.

// settle sends op as the participant with token, under id, on a new
// connection to ts each try, until it gets an answer that is not
// unknown_outcome (which says: send it again).
func settle(t *testing.T, ts *testServer, boardID, tok, id string, op board.Op) (client.Frame, error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := ts.dial(client.Hello{Board: boardID, Token: tok})
		f, err := c.DoAs(ctxT(t), id, op)
		c.Drop()
		var be *board.Error
		if !errors.As(err, &be) || be.Code != protocol.CodeUnknownOutcome {
			return f, err
		}
		if time.Now().After(deadline) {
			t.Fatalf("op %s still unknown_outcome after 30 s", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// doUntilAnswered sends op as c under id, and again with the same id
// after each unknown_outcome, as the web app does, until it is answered;
// a refusal fails the test.
func doUntilAnswered(t testing.TB, c *client.Client, id string, op board.Op) client.Frame {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		f, err := c.DoAs(ctxT(t), id, op)
		var be *board.Error
		if err == nil {
			return f
		}
		if !errors.As(err, &be) || be.Code != protocol.CodeUnknownOutcome || time.Now().After(deadline) {
			t.Fatalf("%s by %s: %v", op.Kind, c.You, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lostAck sends op as c's participant, under id, on a connection of its
// own that is dropped at once, so its answer is lost.
func lostAck(t *testing.T, ts *testServer, c *client.Client, id string, op board.Op) {
	t.Helper()
	sender := ts.dial(client.Hello{Board: c.Board, Token: c.Token, Since: c.Seq()})
	if _, err := sender.StartAs(ctxT(t), id, op); err != nil {
		t.Fatal(err)
	}
	sender.Drop()
}

// resendTwenty resends op twenty times to ts after its first answer was
// lost on from, and checks every answer is the same acknowledgement.
func resendTwenty(t *testing.T, from, to *testServer, c *client.Client, id string, op board.Op) uint64 {
	t.Helper()
	lostAck(t, from, c, id, op)
	var seq uint64
	for i := range 20 {
		f, err := settle(t, to, c.Board, c.Token, id, op)
		if err != nil {
			t.Fatalf("resend %d of %s: %v", i, op.Kind, err)
		}
		if f.Ref != id || (seq != 0 && f.Seq != seq) {
			t.Fatalf("resend %d of %s answered seq %d ref %q; want seq %d ref %q", i, op.Kind, f.Seq, f.Ref, seq, id)
		}
		seq = f.Seq
	}
	return seq
}

func countNotes(st *board.State, text string) int {
	n := 0
	for _, note := range st.Notes {
		if note.Text == text {
			n++
		}
	}
	return n
}

// resendAfterLostAck: the facilitator's timer.add and a participant's
// note.add each lose their answer on from and are resent twenty times to
// to; each is applied once.
func resendAfterLostAck(t *testing.T, servers []*testServer, from, to *testServer) {
	r := newRoom(t, servers, 2)
	do(t, r.fac, board.Op{Kind: board.TimerStart, Seconds: 60})
	before := replay(t, servers[0].log, r.b.ID)

	timerSeq := resendTwenty(t, from, to, r.fac, "timer-1", board.Op{Kind: board.TimerAdd, Seconds: 60})
	writer := r.people[0]
	half := 0.5
	text := "said once, sent twenty-one times"
	noteSeq := resendTwenty(t, from, to, writer, "note-1", board.Op{Kind: board.NoteAdd, Chart: r.groups[writer.You], Text: text, X: &half, Y: &half})

	after := replay(t, servers[0].log, r.b.ID)
	if after.Seq != before.Seq+2 || timerSeq == noteSeq {
		t.Errorf("the log went from seq %d to %d (timer at %d, note at %d); want two entries", before.Seq, after.Seq, timerSeq, noteSeq)
	}
	if got, want := after.Info.Timer.EndsAt, before.Info.Timer.EndsAt.Add(time.Minute); !got.Equal(want) {
		t.Errorf("the timer ends at %s, %s after it did; want one minute more", got, got.Sub(before.Info.Timer.EndsAt))
	}
	if n := countNotes(after, text); n != 1 {
		t.Errorf("the note is on the board %d times, want once", n)
	}
	everyone := r.everyone()
	for _, ts := range servers {
		// A fresh screen on every instance sees the same board.
		everyone = append(everyone, ts.dial(client.Hello{Board: r.b.ID, Token: r.fac.Token}))
	}
	assertConverged(t, servers[0].log, r.b.ID, everyone...)
}

// TestResendAfterLostAck: one instance.
func TestResendAfterLostAck(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 1)
	resendAfterLostAck(t, servers, servers[0], servers[0])
}

// TestResendToAnotherInstance: the resends go to another instance on the
// same Redis, which never saw the first try.
func TestResendToAnotherInstance(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 2)
	resendAfterLostAck(t, servers, servers[0], servers[1])
}

// TestSenderKilledDuringStall: Redis stalls while an op is on its way to
// it; the instance the op was sent through dies before the stall ends, so
// nobody there will ever tell the sender what became of it. The sender
// resends to another instance until it has an answer: the op is applied
// exactly once.
func TestSenderKilledDuringStall(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 2)
	r := newRoom(t, servers, 2)
	writer := r.people[1] // on servers[1]; it sends through servers[0]
	half := 0.5
	text := "sent into a stall"
	op := board.Op{Kind: board.NoteAdd, Chart: r.groups[writer.You], Text: text, X: &half, Y: &half}

	sender := servers[0].dial(client.Hello{Board: r.b.ID, Token: writer.Token, Since: writer.Seq()})
	srv.Pause()
	resumed := false
	defer func() {
		if !resumed {
			srv.Resume()
		}
	}()
	// The first answer says whether the op was sent: on the stalled
	// store, it cannot say it was not.
	if _, err := sender.DoAs(ctxT(t), "stalled-1", op); err == nil {
		t.Fatal("an op was acknowledged by a stalled Redis")
	} else if be := (*board.Error)(nil); errors.As(err, &be) && be.Code == protocol.CodeUnavailable {
		t.Errorf("an op sent into a stall was refused %s (%s): its outcome is not known", be.Code, be.Message)
	}
	// The instance dies, Redis comes back and runs what it was sent.
	servers[0].srv.CloseClientConnections()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = servers[0].hub.Close(ctx)
		servers[0].srv.Close()
		_ = servers[0].log.Close()
	}()
	resendErr := make(chan error, 1)
	var answer client.Frame
	go func() {
		var err error
		answer, err = settle(t, servers[1], r.b.ID, writer.Token, "stalled-1", op)
		resendErr <- err
	}()
	srv.Resume()
	resumed = true
	if err := <-resendErr; err != nil {
		t.Fatalf("the resend to another instance: %v", err)
	}
	st := replay(t, servers[1].log, r.b.ID)
	if n := countNotes(st, text); n != 1 {
		t.Errorf("the note is on the board %d times, want once", n)
	}
	if answer.Ref != "stalled-1" || answer.Seq == 0 || answer.Seq > st.Seq {
		t.Errorf("the resend was answered seq %d ref %q", answer.Seq, answer.Ref)
	}
	everyone := []*client.Client{r.people[1], servers[1].dial(client.Hello{Board: r.b.ID, Token: r.fac.Token})}
	assertConverged(t, servers[1].log, r.b.ID, everyone...)
}

// TestRedisPausedUnderWrites: Redis stops for 8 s while participants on
// three instances write, two ops in flight each. No op refused
// unavailable is ever applied; an op answered unknown_outcome is sent
// again with its id until it is answered, and is then on the board
// exactly once; no answer takes longer than the bound (3 s) and a
// margin for a busy machine; /readyz turns 503 during the stall and back
// after.
func TestRedisPausedUnderWrites(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 3)
	r := newRoom(t, servers, 6)
	const bound = 3*time.Second + 2*time.Second // the documented bound, and a margin

	type outcome struct {
		text    string
		applied bool // acknowledged
		refused string
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		slowest  time.Duration
		// what the slowest op was, for the failure message
		slowestWhat string
		paused      atomic.Int64 // when the stall began, in Unix nanoseconds
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range r.people {
		wg.Go(func() {
			half := 0.5
			for i := 0; ; i += 2 {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				// Two ops in flight: the second waits behind the first.
				texts := map[string]string{}
				var pending []string
				for k := range 2 {
					id := fmt.Sprintf("%s-%d", c.You, i+k)
					texts[id] = "note " + id
					pending = append(pending, id)
				}
				for len(pending) > 0 {
					sent := time.Now()
					chans := map[string]chan client.Frame{}
					for _, id := range pending {
						op := board.Op{Kind: board.NoteAdd, Chart: r.groups[c.You], Text: texts[id], X: &half, Y: &half}
						ch, err := c.StartAs(ctxT(t), id, op)
						if err != nil {
							t.Error(err)
							return
						}
						chans[id] = ch
					}
					// Each answer is timed as it arrives, whichever
					// comes first.
					type answer struct {
						id   string
						f    client.Frame
						err  error
						took time.Duration
					}
					answers := make(chan answer, len(pending))
					for _, id := range pending {
						go func() {
							f, err := c.Wait(ctxT(t), id, chans[id])
							answers <- answer{id, f, err, time.Since(sent)}
						}()
					}
					var again []string
					for range pending {
						a := <-answers
						var be *board.Error
						if a.err != nil && !errors.As(a.err, &be) {
							t.Error(a.err)
							return
						}
						mu.Lock()
						if a.took > slowest {
							slowest = a.took
							slowestWhat = fmt.Sprintf("%s, sent %v after the stall began, answered %v", a.id, sent.Sub(time.Unix(0, paused.Load())).Round(10*time.Millisecond), a.err)
						}
						switch {
						case be != nil && be.Code == protocol.CodeUnknownOutcome:
							again = append(again, a.id)
						case be != nil:
							outcomes = append(outcomes, outcome{text: texts[a.id], refused: be.Code})
						default:
							outcomes = append(outcomes, outcome{text: texts[a.id], applied: a.f.Ref == a.id})
						}
						mu.Unlock()
					}
					if pending = again; len(pending) > 0 {
						time.Sleep(200 * time.Millisecond)
					}
				}
			}
		})
	}

	time.Sleep(time.Second) // writes before the stall
	srv.Pause()
	pausedAt := time.Now()
	paused.Store(pausedAt.UnixNano())
	servers[1].waitReady(t, 503)
	t.Logf("/readyz turned 503 %v after the stall began", time.Since(pausedAt).Round(10*time.Millisecond))
	time.Sleep(time.Until(pausedAt.Add(8 * time.Second)))
	srv.Resume()
	servers[1].waitReady(t, 200)
	time.Sleep(time.Second) // writes after it
	close(stop)
	wg.Wait()

	st := replay(t, servers[0].log, r.b.ID)
	counts := map[string]int{}
	for _, n := range st.Notes {
		counts[n.Text]++
	}
	refused := map[string]int{}
	for _, o := range outcomes {
		if o.refused != "" {
			refused[o.refused]++
		}
		switch {
		case o.applied && counts[o.text] != 1:
			t.Errorf("%q was acknowledged and is on the board %d times", o.text, counts[o.text])
		case o.refused == protocol.CodeUnavailable && counts[o.text] != 0:
			t.Errorf("%q was refused unavailable and is on the board %d times", o.text, counts[o.text])
		}
	}
	for text, n := range counts {
		if n > 1 && strings.HasPrefix(text, "note ") {
			t.Errorf("%q is on the board %d times", text, n)
		}
	}
	if slowest > bound {
		t.Errorf("an op waited %v for its answer; the bound is 3 s: %s", slowest, slowestWhat)
	}
	t.Logf("%d ops, refused %v, slowest answer %v", len(outcomes), refused, slowest.Round(10*time.Millisecond))
	assertConverged(t, servers[0].log, r.b.ID, r.everyone()...)
}

// TestHelloDuringOutage: a browser that says hello while Redis is away
// (its board cannot be loaded, or its join cannot be saved) is told to
// try again later (1013), not to give up (4001), and the same hello works
// once Redis is back.
func TestHelloDuringOutage(t *testing.T) {
	srv := redistest.Start(t, redistest.Persistent...)
	servers := instances(t, srv.URL(), 1)
	cold := servers[0].create("Outage", "Not loaded yet")
	warm := servers[0].create("Outage", "Loaded")
	servers[0].facilitator(warm)
	srv.Kill()
	for _, hello := range []string{
		`{"t":"hello","v":1,"board":"` + cold.ID + `","token":"` + cold.facilitatorToken() + `"}`,
		`{"t":"hello","v":1,"board":"` + warm.ID + `","join":{"name":"Ana","role":"civil-society"}}`,
	} {
		conn := rawDial(t, servers[0].url, servers[0].url)
		if err := conn.Write(ctxT(t), websocket.MessageText, []byte(hello)); err != nil {
			t.Fatal(err)
		}
		wantClose(t, conn, protocol.CloseTryAgain)
	}
	srv.Restart()
	// As the web app does after 1013: again, with backoff, until in
	// (go-redis itself dials again once a second after refused dials).
	for _, h := range []client.Hello{
		{Board: cold.ID, Token: cold.facilitatorToken()},
		{Board: warm.ID, Join: &client.Join{Name: "Ana", Role: board.CivilSociety}},
	} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			c, err := client.Dial(ctxT(t), servers[0].url, h, client.Options{})
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("hello %+v after Redis came back: %v", h, err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
}

// TestReadyWithShardDown: on a Redis Cluster, /readyz turns 503 when any
// one shard is down (its boards cannot be written), not only when the
// shard the probe happens to reach is.
func TestReadyWithShardDown(t *testing.T) {
	cluster := redistest.StartCluster(t)
	servers := instances(t, cluster.URL(), 1)
	servers[0].waitReady(t, 200)
	cluster.Nodes[2].Kill()
	servers[0].waitReady(t, 503)
}

// TestResendOfRefusedOp: an op that reached the log and was refused there
// (the board changed between its check and its turn) is answered, when
// sent again, with that refusal, even though the board would take it now.
func TestResendOfRefusedOp(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Refused", "What was said?")
	fac := ts.facilitator(b)
	voter := ts.join(b, "Ana", board.CivilSociety)
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 4})
	half := 0.5
	note := noteID(t, do(t, fac, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: "an idea", X: &half, Y: &half}))
	// As if the dot had raced the move to vote and lost: in the log,
	// under the op's key, and refused there (wrong phase).
	vote := board.Op{Kind: board.VoteCast, Item: note}
	data, err := json.Marshal(board.Entry{Actor: voter.You, At: time.Now(), Op: vote})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ts.log.Append(ctxT(t), b.ID, "", voter.You+"/dot-1", data); err != nil {
		t.Fatal(err)
	}
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	refusedWith := ""
	if _, err := voter.DoAs(ctxT(t), "dot-1", vote); err != nil {
		var be *board.Error
		if errors.As(err, &be) {
			refusedWith = be.Code
		}
	}
	if refusedWith != board.CodeWrongPhase {
		t.Fatalf("the resent dot was answered %q, want its first answer, %s", refusedWith, board.CodeWrongPhase)
	}
	assertConverged(t, ts.log, b.ID, fac, voter)
	if votes := replay(t, ts.log, b.ID).Votes[voter.You]; len(votes) != 0 {
		t.Fatalf("the refused dot was applied: %v", votes)
	}
}
