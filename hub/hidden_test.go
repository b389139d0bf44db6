package hub_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestHiddenTalliesStayHidden votes with tallies hidden and moves to
// discuss without a reveal: a participant who watched it all learns
// nothing of the tallies, neither from an export nor from the seqs of the
// frames they were sent (each seq arrives, so a skipped one cannot count
// the hidden dots). After the reveal the export shows them; hidden again,
// they leave the participant's replica and export.
func TestHiddenTalliesStayHidden(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Hidden", "")
	fac := ts.facilitator(b)
	settings := board.DefaultSettings()
	settings.HideTallies = true
	do(t, fac, board.Op{Kind: board.BoardSettings, Settings: &settings})
	ana := ts.join(b, "Ana", board.CivilServant)
	ben := ts.join(b, "Ben", board.CivilSociety)
	watcher, frames := ts.dialRecording(client.Hello{Board: b.ID, Join: &client.Join{Name: "Cy", Role: board.CivilSociety}})
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 4})
	var g struct{ Group string }
	if !fac.Get("participant", ana.You, &g) || g.Group == "" {
		t.Fatal("Ana has no group")
	}
	x, y := 0.5, 0.5
	chg := do(t, fac, board.Op{Kind: board.NoteAdd, Chart: g.Group, Text: "Mobile clinics", X: &x, Y: &y})
	note := chg.Changes[0].ID
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	do(t, ana, board.Op{Kind: board.VoteCast, Item: note})
	do(t, ben, board.Op{Kind: board.VoteCast, Item: note})
	do(t, ben, board.Op{Kind: board.VoteRetract, Item: note})
	do(t, ben, board.Op{Kind: board.VoteCast, Item: note})
	last := do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Discuss})
	if err := watcher.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}

	var seq uint64
	for _, f := range frames() {
		switch f.T {
		case "snap":
			seq = f.Seq
		case "chg":
			if f.Seq != seq+1 {
				t.Errorf("the watcher was sent seq %d after %d: the gap counts hidden ops", f.Seq, seq)
			}
			if f.By == ana.You || f.By == ben.You {
				t.Errorf("the watcher was told who acted at seq %d: %s", f.Seq, f.Raw)
			}
			seq = f.Seq
		}
	}

	resp, md := ts.get("/api/boards/"+b.ID+"/export.md", watcher.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export.md for a participant in discuss: %d %s", resp.StatusCode, md)
	}
	for _, leak := range []string{"| Votes |", "2 votes", "Civil servants |", "1 from civil servants"} {
		if strings.Contains(string(md), leak) {
			t.Errorf("a participant's export.md shows hidden tallies (%q):\n%s", leak, md)
		}
	}
	for _, format := range []string{"export.csv", "export.json"} {
		if resp, body := ts.get("/api/boards/"+b.ID+"/"+format, watcher.Token); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s for a participant: %d %s, want 403", format, resp.StatusCode, body)
		}
	}

	revealed := do(t, fac, board.Op{Kind: board.VoteReveal})
	if err := watcher.WaitSeq(ctxT(t), revealed.Seq); err != nil {
		t.Fatal(err)
	}
	_, md = ts.get("/api/boards/"+b.ID+"/export.md", watcher.Token)
	if !strings.Contains(string(md), "Votes: 2 (civil servants: 1, civil society: 1).") {
		t.Errorf("after the reveal the export.md lacks the tallies:\n%s", md)
	}

	if !watcher.Get("tally", note, &struct{}{}) {
		t.Error("the watcher has no tally after the reveal")
	}

	hidden := do(t, fac, board.Op{Kind: board.VoteHide})
	if err := watcher.WaitSeq(ctxT(t), hidden.Seq); err != nil {
		t.Fatal(err)
	}
	if watcher.Get("tally", note, &struct{}{}) || watcher.Get("ranking", "ranking", &struct{}{}) {
		t.Error("the watcher kept the tallies hidden again")
	}
	if !fac.Get("tally", note, &struct{}{}) {
		t.Error("the facilitator lost the tally")
	}
	_, md = ts.get("/api/boards/"+b.ID+"/export.md", watcher.Token)
	if strings.Contains(string(md), "1 from civil servants") || !strings.Contains(string(md), "hidden") {
		t.Errorf("hidden again, the export.md still shows the tallies:\n%s", md)
	}
}
