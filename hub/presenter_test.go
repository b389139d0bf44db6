package hub_test

import (
	"encoding/json"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestPresenter opens the projector's view on the facilitator's token on a
// board with hidden tallies and anonymous notes: until the reveal it is sent
// nothing a participant may not see, and it changes nothing.
func TestPresenter(t *testing.T) {
	ts := startServer(t)
	b := ts.createHidden("Presenter")
	fac := ts.facilitator(b)
	screen, frames := ts.dialRecording(client.Hello{Board: b.ID, Token: b.facilitatorToken(), View: "presenter"})
	if screen.You != fac.You || screen.Facilitator {
		t.Fatalf("the presenter is %s, facilitator %v; want %s as a participant sees", screen.You, screen.Facilitator, fac.You)
	}
	ana := ts.join(b, "Ana", board.CivilServant)
	ben := ts.join(b, "Ben", board.CivilSociety)
	do(t, fac, board.Op{Kind: board.GroupsForm})
	group := groupOf(t, ts, b.ID, ana)
	half := 0.5
	n1 := do(t, ana, board.Op{Kind: board.NoteAdd, Chart: group, Text: "A shared calendar", X: &half, Y: &half}).Changes[0].ID
	n2 := do(t, ben, board.Op{Kind: board.NoteAdd, Chart: group, Text: "One intake form", X: &half, Y: &half}).Changes[0].ID
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	do(t, ana, board.Op{Kind: board.VoteCast, Item: n1})
	do(t, ben, board.Op{Kind: board.VoteCast, Item: n1})
	do(t, ben, board.Op{Kind: board.VoteCast, Item: n2})
	// Hidden votes send a participant nothing; the timer brings every
	// view to the board's last seq.
	do(t, fac, board.Op{Kind: board.TimerStart, Seconds: 300})

	assertReadOnly(t, ts, b.ID, screen, group)

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

// assertReadOnly checks that whatever screen, a presenter view of board
// id, sends is refused read_only, a note on chart too, and that nothing
// reaches the log.
func assertReadOnly(t *testing.T, ts *testServer, id string, screen *client.Client, chart string) {
	t.Helper()
	before := replay(t, ts.log, id).Seq
	half := 0.5
	for _, op := range []board.Op{
		{Kind: board.VoteReveal},
		{Kind: board.PhaseSet, Phase: board.Discuss},
		{Kind: board.NoteAdd, Chart: chart, Text: "from the projector", X: &half, Y: &half},
	} {
		refused(t, screen, op, "read_only")
	}
	if f := sendRaw(t, screen, `{"t":"eph","kind":"cursor","x":0.5,"y":0.5}`); f.Code != "read_only" || f.Msg == "" {
		t.Fatalf("a drag from the presenter view got %+v, want a read_only refusal", f)
	}
	if after := replay(t, ts.log, id).Seq; after != before {
		t.Fatalf("the presenter view changed the board: seq %d → %d", before, after)
	}
}

// createHidden creates a board whose tallies are hidden and whose notes
// are anonymous, in groups of two: what a presenter view must not show.
func (ts *testServer) createHidden(title string) created {
	ts.t.Helper()
	settings := board.DefaultSettings()
	settings.HideTallies, settings.Anonymous, settings.GroupSize = true, true, 2
	return ts.createBoard(map[string]any{"title": title, "prompt": "What does the room see?", "settings": settings})
}

// groupOf waits until c holds board id up to its log's last entry, and
// returns c's group.
func groupOf(t *testing.T, ts *testServer, id string, c *client.Client) string {
	t.Helper()
	var p board.Participant
	if err := c.WaitSeq(ctxT(t), replay(t, ts.log, id).Seq); err != nil || !c.Get("participant", c.You, &p) || p.Group == "" {
		t.Fatalf("%s has no group: %v", c.You, err)
	}
	return p.Group
}
