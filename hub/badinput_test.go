package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
)

// TestBadFrames sends every kind of bad frame a client can send over a
// live connection. Each gets an err frame with its code; the connection
// stays open and usable, the board's log does not grow, and what was
// acknowledged before is all still there.
func TestBadFrames(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Bad input", "What breaks?")
	fac := ts.facilitator(b)
	alice := ts.join(b, "Alice", board.CivilServant)
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 2})
	var p board.Participant
	if err := alice.WaitSeq(ctxT(t), replay(t, ts.log, b.ID).Seq); err != nil || !alice.Get("participant", alice.You, &p) {
		t.Fatal("alice has no group", err)
	}
	half := 0.5
	do(t, alice, board.Op{Kind: board.NoteAdd, Chart: p.Group, Text: "kept", X: &half, Y: &half})

	cases := []struct {
		name  string
		who   *client.Client
		frame string
		code  string
	}{
		{"invalid JSON", alice, `{"t":"op",`, "bad_frame"},
		{"not an object", alice, `[1,2,3]`, "bad_frame"},
		{"two objects", alice, `{"t":"op","id":"a","op":{"kind":"board.lock"}} {}`, "bad_frame"},
		{"unknown frame type", alice, `{"t":"shout"}`, "bad_frame"},
		{"unknown field", alice, `{"t":"op","id":"a","op":{"kind":"note.add"},"sudo":true}`, "bad_frame"},
		{"wrong field type", alice, `{"t":"op","id":"a","op":{"kind":"note.add","chart":"g1","text":"x","x":"left","y":0}}`, "bad_frame"},
		{"op without id", alice, `{"t":"op","op":{"kind":"board.lock"}}`, "bad_frame"},
		{"op id too long", alice, `{"t":"op","id":"` + strings.Repeat("a", 65) + `","op":{"kind":"board.lock"}}`, "bad_frame"},
		{"unknown op kind", alice, `{"t":"op","id":"a","op":{"kind":"note.explode"}}`, "unknown_kind"},
		{"missing fields", alice, `{"t":"op","id":"a","op":{"kind":"note.add","chart":"` + p.Group + `"}}`, "bad_op"},
		{"position off the chart", alice, `{"t":"op","id":"a","op":{"kind":"note.add","chart":"` + p.Group + `","text":"x","x":7,"y":0}}`, "bad_op"},
		{"note text over its limit", alice, `{"t":"op","id":"a","op":{"kind":"note.add","chart":"` + p.Group + `","text":"` + strings.Repeat("é", board.MaxNoteText+1) + `","x":0,"y":0}}`, "too_long"},
		{"facilitator op by a participant", alice, `{"t":"op","id":"a","op":{"kind":"phase.set","phase":"vote"}}`, "forbidden"},
		{"server-only op", alice, `{"t":"op","id":"a","op":{"kind":"participant.join","name":"Mallory","role":"civil-society"}}`, "forbidden"},
		{"no such note", alice, `{"t":"op","id":"a","op":{"kind":"note.delete","note":"n999"}}`, "not_found"},
		{"vote outside the vote phase", alice, `{"t":"op","id":"a","op":{"kind":"vote.cast","item":"n1"}}`, "wrong_phase"},
		{"second hello", alice, `{"t":"hello","v":1,"board":"` + b.ID + `","token":"` + alice.Token + `"}`, "bad_hello"},
		{"unknown ephemeral kind", alice, `{"t":"eph","kind":"shout"}`, "bad_frame"},
		{"bad phase", fac, `{"t":"op","id":"a","op":{"kind":"phase.set","phase":"party"}}`, "bad_op"},
		{"timer too long", fac, `{"t":"op","id":"a","op":{"kind":"timer.start","seconds":999999}}`, "bad_op"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := replay(t, ts.log, b.ID)
			f := sendRaw(t, tc.who, tc.frame)
			if f.Code != tc.code {
				t.Fatalf("got %s (%s), want %s", f.Code, f.Msg, tc.code)
			}
			if f.Msg == "" {
				t.Error("the refusal has no message for a person to read")
			}
			if after := replay(t, ts.log, b.ID); after.Seq != before.Seq {
				t.Fatalf("a refused frame reached the log: seq %d → %d", before.Seq, after.Seq)
			}
			// The connection is still good for real work.
			do(t, tc.who, board.Op{Kind: board.ParticipantRename, Name: "Renamed " + tc.who.You})
		})
	}
	if st := replay(t, ts.log, b.ID); len(st.Notes) != 1 {
		t.Fatalf("the acknowledged note is gone: %d notes", len(st.Notes))
	}
	assertConverged(t, ts.log, b.ID, fac, alice)
}

// sendRaw sends frame as it is and returns the err frame the server
// answers with (ops carry the ref "a"; other frames answer without one).
func sendRaw(t *testing.T, c *client.Client, frame string) client.Frame {
	t.Helper()
	ctx := ctxT(t)
	before := len(c.Errors())
	if err := c.Send(ctx, []byte(frame)); err != nil {
		t.Fatal(err)
	}
	for {
		errs := c.Errors()
		if len(errs) > before {
			return errs[before]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no err frame for %s", frame)
		case <-c.Closed():
			t.Fatalf("the connection closed (%d) after %s", c.CloseStatus(), frame)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestBadConnections covers what ends a connection: the server closes it
// with a code that tells the browser what to do, and stays healthy for
// everyone else.
func TestBadConnections(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Bad connections", "Who gets in?")
	other := ts.create("Another workshop", "Elsewhere")
	fac := ts.facilitator(b)
	ctx := ctxT(t)

	t.Run("token for another board", func(t *testing.T) {
		_, err := client.Dial(ctx, ts.url, client.Hello{Board: other.ID, Token: fac.Token}, client.Options{})
		wantRefusal(t, err, "bad_token")
	})
	t.Run("forged token", func(t *testing.T) {
		forged := fac.Token[:len(fac.Token)-4] + "AAAA"
		_, err := client.Dial(ctx, ts.url, client.Hello{Board: b.ID, Token: forged}, client.Options{})
		wantRefusal(t, err, "bad_token")
	})
	t.Run("no such board", func(t *testing.T) {
		_, err := client.Dial(ctx, ts.url, client.Hello{Board: "ZZZZZZ", Join: &client.Join{Name: "A", Role: board.CivilServant}}, client.Options{})
		wantRefusal(t, err, "no_board")
	})
	t.Run("bad role", func(t *testing.T) {
		_, err := client.Dial(ctx, ts.url, client.Hello{Board: b.ID, Join: &client.Join{Name: "A", Role: "king"}}, client.Options{})
		wantRefusal(t, err, "bad_op")
	})
	t.Run("name too long", func(t *testing.T) {
		_, err := client.Dial(ctx, ts.url, client.Hello{Board: b.ID, Join: &client.Join{Name: strings.Repeat("n", board.MaxName+1), Role: board.CivilServant}}, client.Options{})
		wantRefusal(t, err, "too_long")
	})
	t.Run("wrong passcode", func(t *testing.T) {
		settings := board.DefaultSettings()
		settings.Passcode = "belize"
		do(t, fac, board.Op{Kind: board.BoardSettings, Settings: &settings})
		_, err := client.Dial(ctx, ts.url, client.Hello{Board: b.ID, Join: &client.Join{Name: "A", Role: board.CivilServant, Passcode: "guess"}}, client.Options{})
		wantRefusal(t, err, "bad_passcode")
		ok := ts.dial(client.Hello{Board: b.ID, Join: &client.Join{Name: "B", Role: board.CivilServant, Passcode: "belize"}})
		var info struct {
			Settings board.Settings `json:"settings"`
		}
		if !ok.Get("board", "board", &info) || info.Settings.Passcode != "" {
			t.Fatalf("the passcode reached a participant: %+v", info)
		}
	})
	t.Run("first frame not a hello", func(t *testing.T) {
		conn := rawDial(t, ts.url, ts.url)
		_ = conn.Write(ctx, websocket.MessageText, []byte(`{"t":"op","id":"a","op":{"kind":"board.lock"}}`))
		wantClose(t, conn, 4001)
	})
	t.Run("frame over the read limit", func(t *testing.T) {
		conn := rawDial(t, ts.url, ts.url)
		_ = conn.Write(ctx, websocket.MessageText, []byte(`{"t":"hello","v":1,"board":"`+strings.Repeat("x", 20<<10)+`"}`))
		wantClose(t, conn, int(websocket.StatusMessageTooBig))
	})
	t.Run("upgrade from another origin", func(t *testing.T) {
		_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.url, "http")+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a foreign origin got %v, %v", resp, err)
		}
	})
	t.Run("ops faster than the rate limit", func(t *testing.T) {
		alice := ts.dial(client.Hello{Board: b.ID, Join: &client.Join{Name: "Fast Alice", Role: board.CivilSociety, Passcode: "belize"}})
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		// Ops the board refuses cost no write, so even a busy machine
		// handles them faster than the limit refills (30 a second after
		// a burst of 60): 150 of them outrun it unless each takes over
		// 20 ms. Fewer than 100 are refused in a row, which would close
		// the connection.
		for range 150 {
			ref, ch, err := alice.Start(ctx, board.Op{Kind: board.NoteDelete, Note: "n-none"})
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				f, err := alice.Wait(ctx, ref, ch)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					codes[f.Code]++
				} else {
					codes["ok"]++
				}
			}()
		}
		wg.Wait()
		if codes["rate_limited"] == 0 || codes[board.CodeNotFound] < 60 || codes["rate_limited"]+codes[board.CodeNotFound] != 150 {
			t.Fatalf("150 ops at once: %v; want the first 60 or more judged by the board (not_found) and the rest rate_limited", codes)
		}
	})

	// After all that, the board and its facilitator are fine.
	do(t, fac, board.Op{Kind: board.BoardEdit, Title: "Still here", Prompt: "Still working"})
	assertConverged(t, ts.log, b.ID, fac)
}

// TestNoHello: a socket that never says hello is closed with 1008 once
// its time is up, and one that said hello in time stays.
func TestNoHello(t *testing.T) {
	const within = 300 * time.Millisecond
	ts := startServer(t, func(c *plenarytest.Config) { c.API.HelloWithin = within })
	b := ts.create("Quiet sockets", "Who says hello?")
	fac := ts.facilitator(b)

	silent := rawDial(t, ts.url, ts.url)
	wantClose(t, silent, 1008)

	time.Sleep(2 * within)
	do(t, fac, board.Op{Kind: board.BoardEdit, Title: "Still open", Prompt: "After the deadline"})
}

func wantRefusal(t *testing.T, err error, code string) {
	t.Helper()
	var be *board.Error
	if !errors.As(err, &be) || be.Code != code {
		t.Fatalf("got %v, want refusal %s", err, code)
	}
}

func rawDial(t *testing.T, base, origin string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.Dial(ctxT(t), "ws"+strings.TrimPrefix(base, "http")+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// wantClose reads until the server closes conn and checks the code.
func wantClose(t *testing.T, conn *websocket.Conn, code int) {
	t.Helper()
	if got, err := readToClose(conn); got != code {
		t.Fatalf("closed with %d (%v), want %d", got, err, code)
	}
}

// readToClose reads until the connection ends and returns the close code
// (-1 for none) and the error that ended it.
func readToClose(conn *websocket.Conn) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			return int(websocket.CloseStatus(err)), err
		}
	}
}

// TestBoardFull fills a board to its limits through the log itself, as a
// long workshop would, and checks the next note and the next participant
// are refused with too_many while the board keeps working.
func TestBoardFull(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Full house", "How many fit?")
	fac := ts.facilitator(b)
	facID := fac.You
	_ = fac.Close()

	// Append joins and notes straight to the log, many at once, as
	// instances racing each other would.
	appendMany(t, ts, b.ID, board.MaxParticipants, func(i int) board.Entry {
		return board.Entry{At: time.Now(), Op: board.Op{Kind: board.ParticipantJoin, Name: "P", Role: board.CivilSociety}}
	})
	fac = ts.facilitator(b)
	caughtUp(t, ts, b.ID, fac)
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 20})
	zero := 0.0
	appendMany(t, ts, b.ID, board.MaxNotes, func(i int) board.Entry {
		return board.Entry{Actor: facID, At: time.Now(), Op: board.Op{Kind: board.NoteAdd, Chart: "g1", Text: "idea", X: &zero, Y: &zero}}
	})
	st := replay(t, ts.log, b.ID)
	if len(st.Participants) != 1+board.MaxParticipants {
		t.Fatalf("%d participants after filling, want %d and the facilitator", len(st.Participants)-1, board.MaxParticipants)
	}
	caughtUp(t, ts, b.ID, fac)

	_, err := client.Dial(ctxT(t), ts.url, client.Hello{Board: b.ID, Join: &client.Join{Name: "Late", Role: board.CivilServant}}, client.Options{})
	wantRefusal(t, err, "too_many")
	if len(st.Notes) == board.MaxNotes {
		refused(t, fac, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: "one more", X: &zero, Y: &zero}, board.CodeTooMany)
	} else {
		t.Fatalf("%d notes after filling, want %d", len(st.Notes), board.MaxNotes)
	}
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Share})
}

// appendMany appends n entries straight to the board's log, many at once,
// as instances racing each other would. On the embedded store no other
// instance appends, so its subscription tells the room nothing of them:
// the room reads them from the log (see caughtUp). It returns the
// highest seq appended.
func appendMany(t *testing.T, ts *testServer, id string, n int, entry func(int) board.Entry) (last uint64) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				data, _ := json.Marshal(entry(i))
				seq, _, err := ts.log.Append(context.Background(), id, "", "", data)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				last = max(last, seq)
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return last
}

// TestLastPlacesRace: newcomers race for a board's last two places. Two
// get in; the rest are told the board is full (too_many), not that their
// token is bad, which would tell the web app to forget it and start over.
func TestLastPlacesRace(t *testing.T) {
	const places, racing = 2, 10
	ts := startServer(t)
	b := ts.create("Almost full", "Who gets in?")
	appendMany(t, ts, b.ID, board.MaxParticipants-places, func(i int) board.Entry {
		return board.Entry{At: time.Now(), Op: board.Op{Kind: board.ParticipantJoin, Name: "P", Role: board.CivilSociety}}
	})
	caughtUp(t, ts, b.ID, ts.facilitator(b)) // the room has applied every join
	var wg sync.WaitGroup
	var mu sync.Mutex
	var joined int
	var refusals []string
	for i := range racing {
		wg.Go(func() {
			c, err := client.Dial(ctxT(t), ts.url, client.Hello{Board: b.ID, Join: &client.Join{Name: fmt.Sprintf("Late %d", i), Role: board.CivilServant}}, client.Options{})
			mu.Lock()
			defer mu.Unlock()
			var be *board.Error
			switch {
			case err == nil:
				joined++
				t.Cleanup(func() { _ = c.Close() })
			case errors.As(err, &be):
				refusals = append(refusals, be.Code)
			default:
				t.Errorf("join: %v", err)
			}
		})
	}
	wg.Wait()
	if joined != places {
		t.Errorf("%d newcomers joined, want %d", joined, places)
	}
	for _, code := range refusals {
		if code != board.CodeTooMany {
			t.Errorf("a newcomer was refused %s, want %s", code, board.CodeTooMany)
		}
	}
}
