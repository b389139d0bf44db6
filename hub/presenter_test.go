package hub_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestPresenter opens the projector's view on the facilitator's token on a
// board with hidden tallies and anonymous notes: until the reveal it is sent
// nothing a participant may not see, and it changes nothing.
func TestPresenter(t *testing.T) {
	ts := startServer(t)
	settings := board.DefaultSettings()
	settings.HideTallies, settings.Anonymous, settings.GroupSize = true, true, 2
	resp, body := ts.post("/api/boards", map[string]any{"title": "Presenter", "prompt": "What does the room see?", "settings": settings})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create board: %d %s", resp.StatusCode, body)
	}
	var b created
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	fac := ts.facilitator(b)
	screen, frames := ts.dialRecording(client.Hello{Board: b.ID, Token: b.facilitatorToken(), View: "presenter"})
	if screen.You != fac.You || screen.Facilitator {
		t.Fatalf("the presenter is %s, facilitator %v; want %s as a participant sees", screen.You, screen.Facilitator, fac.You)
	}
	ana := ts.join(b, "Ana", board.CivilServant)
	ben := ts.join(b, "Ben", board.CivilSociety)
	do(t, fac, board.Op{Kind: board.GroupsForm})
	var p board.Participant
	if err := ana.WaitSeq(ctxT(t), replay(t, ts.log, b.ID).Seq); err != nil || !ana.Get("participant", ana.You, &p) {
		t.Fatal("ana has no group", err)
	}
	half := 0.5
	n1 := do(t, ana, board.Op{Kind: board.NoteAdd, Chart: p.Group, Text: "A shared calendar", X: &half, Y: &half}).Changes[0].ID
	n2 := do(t, ben, board.Op{Kind: board.NoteAdd, Chart: p.Group, Text: "One intake form", X: &half, Y: &half}).Changes[0].ID
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	do(t, ana, board.Op{Kind: board.VoteCast, Item: n1})
	do(t, ben, board.Op{Kind: board.VoteCast, Item: n1})
	do(t, ben, board.Op{Kind: board.VoteCast, Item: n2})
	// Hidden votes send a participant nothing; the timer brings every
	// view to the board's last seq.
	do(t, fac, board.Op{Kind: board.TimerStart, Seconds: 300})

	// Whatever it sends is refused, and nothing reaches the log.
	before := replay(t, ts.log, b.ID).Seq
	for _, op := range []board.Op{
		{Kind: board.VoteReveal},
		{Kind: board.PhaseSet, Phase: board.Discuss},
		{Kind: board.NoteAdd, Chart: p.Group, Text: "from the projector", X: &half, Y: &half},
	} {
		refused(t, screen, op, "read_only")
	}
	if f := sendRaw(t, screen, `{"t":"eph","kind":"cursor","x":0.5,"y":0.5}`); f.Code != "read_only" || f.Msg == "" {
		t.Fatalf("a drag from the presenter got %+v, want a read_only refusal", f)
	}
	if after := replay(t, ts.log, b.ID).Seq; after != before {
		t.Fatalf("the presenter changed the board: seq %d → %d", before, after)
	}

	// Until the reveal it holds exactly a participant's view: no tallies,
	// no ranking, no authors; and no frame ever carried them.
	assertConverged(t, ts.log, b.ID, screen)
	for _, f := range frames() {
		for _, c := range f.Changes {
			var note board.Note
			if c.E == "note" && !c.Del && (json.Unmarshal(c.V, &note) != nil || note.Author != "") {
				t.Errorf("the presenter was sent a note's author: %s", c.V)
			}
			if (c.E == "tally" || c.E == "ranking") && !c.Del {
				t.Errorf("the presenter was sent a hidden %s: %s", c.E, c.V)
			}
		}
	}

	// After the reveal it shows the tallies like everyone.
	do(t, fac, board.Op{Kind: board.VoteReveal})
	assertConverged(t, ts.log, b.ID, screen)
	var tally board.Tally
	if !screen.Get("tally", n1, &tally) || tally.Votes != 2 || tally.CivilServant != 1 || tally.CivilSociety != 1 {
		t.Fatalf("after the reveal the presenter has tally %+v for %s, want 2 dots, 1 of each sector", tally, n1)
	}

	t.Run("bad view", func(t *testing.T) {
		for _, h := range []client.Hello{
			{Board: b.ID, Token: b.facilitatorToken(), View: "projector"},
			{Board: b.ID, Join: &client.Join{Name: "Screen", Role: board.CivilServant}, View: "presenter"},
		} {
			_, err := client.Dial(ctxT(t), ts.url, h, client.Options{})
			wantRefusal(t, err, "bad_hello")
		}
	})
}
