package hub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/protocol"
)

// joinOverHTTP posts a join to board id and decodes a 200's answer.
func (ts *testServer) joinOverHTTP(t *testing.T, id string, body map[string]string) (resp *http.Response, token, you string) {
	t.Helper()
	resp, raw := ts.post("/api/boards/"+id+"/join", body)
	if resp.StatusCode != http.StatusOK {
		return resp, "", ""
	}
	var got struct{ Token, You string }
	if err := json.Unmarshal(raw, &got); err != nil || got.Token == "" || got.You == "" {
		t.Fatalf("join answered %s", raw)
	}
	return resp, got.Token, got.You
}

// TestJoinOverHTTP: a join POSTed gives a token the websocket welcomes as
// that participant, and the same join sent again (its answer lost) is the
// same participant, joined once.
func TestJoinOverHTTP(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Over HTTP", "Who joins?")
	ada := map[string]string{"name": "Ada", "role": string(board.CivilServant), "id": "j-ada-1"}
	resp, token, you := ts.joinOverHTTP(t, b.ID, ada)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("join: %d", resp.StatusCode)
	}
	c := ts.dial(client.Hello{Board: b.ID, Token: token})
	if c.You != you {
		t.Fatalf("the token was welcomed as %q, the join said %q", c.You, you)
	}
	do(t, c, board.Op{Kind: board.ParticipantRename, Name: "Ada L."})

	_, again, youAgain := ts.joinOverHTTP(t, b.ID, ada)
	if youAgain != you {
		t.Fatalf("the join sent again made %q, the first %q", youAgain, you)
	}
	if c := ts.dial(client.Hello{Board: b.ID, Token: again}); c.You != you {
		t.Fatalf("the second token was welcomed as %q, want %q", c.You, you)
	}
	recs, err := ts.log.Read(ctxT(t), b.ID, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	joins := 0
	for _, rec := range recs {
		var e board.Entry
		if err := json.Unmarshal(rec.Data, &e); err != nil {
			t.Fatal(err)
		}
		if e.Op.Kind == board.ParticipantJoin {
			joins++
		}
	}
	if joins != 1 {
		t.Fatalf("%d participant.join entries in the log, want 1", joins)
	}
	if st := replay(t, ts.log, b.ID); len(st.Participants) != 2 || st.Participants[you].Name != "Ada L." {
		t.Fatalf("participants after two tries of one join: %+v", st.Participants)
	}

	// Another id is another newcomer, even under the same name.
	if _, _, other := ts.joinOverHTTP(t, b.ID, map[string]string{"name": "Ada", "role": string(board.CivilServant), "id": "j-ada-2"}); other == "" || other == you {
		t.Fatalf("a second join with another id made %q", other)
	}
}

// TestJoinOverHTTPRefusals: a join the board refuses is answered with the
// documented JSON refusal, and one after the board filled up too; a retry
// of a join that got in before is still let in.
func TestJoinOverHTTPRefusals(t *testing.T) {
	ts := startServer(t)
	settings := board.DefaultSettings()
	settings.Passcode = "sesame"
	resp, body := ts.post("/api/boards", map[string]any{"title": "Locked", "settings": settings})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var b created
	_ = json.Unmarshal(body, &b)
	path := "/api/boards/" + b.ID + "/join"
	post := func(body any) *http.Response {
		t.Helper()
		raw, _ := json.Marshal(body)
		resp, err := http.Post(ts.url+path, "application/json", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	assertRefusal(t, post(map[string]string{"name": "Eve", "role": string(board.CivilSociety), "passcode": "open", "id": "j1"}), http.StatusForbidden, protocol.CodeBadPasscode)
	assertRefusal(t, post(map[string]string{"name": "Eve", "role": "spy", "passcode": "sesame", "id": "j1"}), http.StatusBadRequest, board.CodeBadOp)
	assertRefusal(t, post(map[string]string{"name": "", "role": string(board.CivilSociety), "passcode": "sesame", "id": "j1"}), http.StatusBadRequest, board.CodeBadOp)
	assertRefusal(t, post(map[string]string{"name": "Eve", "role": string(board.CivilSociety), "passcode": "sesame"}), http.StatusBadRequest, protocol.CodeBadFrame)
	assertRefusal(t, post(map[string]string{"name": "Eve", "role": string(board.CivilSociety), "passcode": "sesame", "id": "j1", "board": b.ID}), http.StatusBadRequest, protocol.CodeBadFrame)

	early := map[string]string{"name": "Early", "role": string(board.CivilSociety), "passcode": "sesame", "id": "j-early"}
	_, _, earlyID := ts.joinOverHTTP(t, b.ID, early)
	if earlyID == "" {
		t.Fatal("a join with the passcode was refused")
	}
	appendMany(t, ts, b.ID, board.MaxParticipants-1, func(int) board.Entry {
		return board.Entry{At: time.Now(), Op: board.Op{Kind: board.ParticipantJoin, Name: "P", Role: board.CivilSociety}}
	})
	caughtUp(t, ts, b.ID, ts.facilitator(b))
	assertRefusal(t, post(map[string]string{"name": "Late", "role": string(board.CivilServant), "passcode": "sesame", "id": "j-late"}), http.StatusConflict, board.CodeTooMany)
	if _, _, again := ts.joinOverHTTP(t, b.ID, early); again != earlyID {
		t.Fatalf("a join that got in, sent again on a full board: %q, want %q", again, earlyID)
	}

	resp, body = ts.post("/api/boards/ZZZZZZ/join", map[string]string{"name": "Lost", "role": string(board.CivilServant), "id": "j1"})
	if resp.StatusCode != http.StatusNotFound || !json.Valid(body) {
		t.Fatalf("a join to a board that does not exist: %d %s", resp.StatusCode, body)
	}
	var e struct{ Code string }
	if json.Unmarshal(body, &e) != nil || e.Code != protocol.CodeNoBoard {
		t.Fatalf("a join to a board that does not exist: %s, want %s", body, protocol.CodeNoBoard)
	}
}

// TestJoinOverHTTPGuessing: a join is a lookup of a join code, counted
// against the address as the others are; past the limit it is answered
// 429 with Retry-After.
func TestJoinOverHTTPGuessing(t *testing.T) {
	ts := startServer(t)
	for i := range 60 {
		resp, body := ts.post("/api/boards/ZZZZ"+string(idAlphabet[i/30])+string(idAlphabet[i%30])+"/join", map[string]string{"name": "Guess", "role": string(board.CivilServant), "id": "g" + strconv.Itoa(i)})
		if resp.StatusCode == http.StatusNotFound {
			continue
		}
		var e struct{ Code, Msg string }
		if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal(body, &e) != nil || e.Code != protocol.CodeRateLimited || e.Msg == "" {
			t.Fatalf("guess %d: %d %s, want 404 or 429 rate_limited", i, resp.StatusCode, body)
		}
		if wait, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || wait < 1 {
			t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
		}
		if i < 10 {
			t.Fatalf("refused after %d guesses", i)
		}
		return
	}
	t.Fatal("60 joins to unknown codes from one address and never a 429")
}

// TestJoinThroughAnotherInstance: a newcomer joins over HTTP on one
// instance and opens the board on another, whose subscription lost the
// join (Redis pub/sub delivers at most once). The other instance reads
// the log before it refuses the token: the snapshot and the websocket
// both take it at once.
func TestJoinThroughAnotherInstance(t *testing.T) {
	p := startLossyPair(t, "Two doors", "Who came in by the other?")
	a, b, lossy, created, fac, watcher := p.a, p.b, p.lossy, p.created, p.fac, p.watcher
	if err := watcher.WaitSeq(ctxT(t), fac.Seq()); err != nil {
		t.Fatal(err)
	}
	lossy.lose.Store(fac.Seq() + 1) // the join, next in the log

	resp, token, you := a.joinOverHTTP(t, created.ID, map[string]string{"name": "Bea", "role": string(board.CivilSociety), "id": "j-bea"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("join on the first instance: %d", resp.StatusCode)
	}
	if resp, body := b.get("/api/boards/"+created.ID+"/snapshot", token); resp.StatusCode != http.StatusOK {
		t.Fatalf("the snapshot on the other instance: %d %s", resp.StatusCode, body)
	}
	bea := b.dial(client.Hello{Board: created.ID, Token: token})
	if bea.You != you {
		t.Fatalf("welcomed on the other instance as %q, want %q", bea.You, you)
	}
}
