package hub_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/internal/plenarytest"
)

// TestResumeOverHTTP: the snapshot endpoint asked with since and epoch
// answers the very frames a websocket hello with them replays to that
// reader, one per line, gzipped: the facilitator's with the tallies, a
// participant's with their own dots and placeholders for the rest. A
// since older than the room's recent entries, or of another epoch, gets
// the snapshot.
func TestResumeOverHTTP(t *testing.T) {
	ts := startServer(t, func(c *plenarytest.Config) { c.Hub.OpsPerSecond = 1 << 20 })
	b := ts.create("Resume", "")
	fac := ts.facilitator(b)
	settings := board.DefaultSettings()
	settings.HideTallies = true
	do(t, fac, board.Op{Kind: board.BoardSettings, Settings: &settings})
	ana := ts.join(b, "Ana", board.CivilServant)
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: 4})
	x, y := 0.5, 0.5
	var notes []string
	for _, text := range []string{"Mobile clinics", "Night buses", "Open data"} {
		notes = append(notes, do(t, fac, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: text, X: &x, Y: &y}).Changes[0].ID)
	}
	last := do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	if err := ana.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}
	since, epoch := last.Seq, fac.Epoch()

	// What the resumes miss: the participant's dots (hers alone, a tally
	// the facilitator alone sees) and a note moved.
	do(t, ana, board.Op{Kind: board.VoteCast, Item: notes[0]})
	do(t, ana, board.Op{Kind: board.VoteCast, Item: notes[1]})
	x = 0.2
	last = do(t, fac, board.Op{Kind: board.NoteMove, Note: notes[2], X: &x, Y: &y})
	if err := fac.WaitSeq(ctxT(t), last.Seq); err != nil {
		t.Fatal(err)
	}

	path := "/api/boards/" + b.ID + "/snapshot"
	resume := fmt.Sprintf("%s?since=%d&epoch=%s", path, since, epoch)
	for _, tc := range []struct {
		name        string
		token       string
		facilitator bool
	}{
		{"facilitator", b.facilitatorToken(), true},
		{"participant", ana.Token, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, frames := ts.dialRecording(client.Hello{Board: b.ID, Token: tc.token, Since: since, Epoch: epoch})
			if err := c.WaitSeq(ctxT(t), last.Seq); err != nil {
				t.Fatal(err)
			}
			var want [][]byte
			for _, f := range frames() {
				if f.T == "snap" {
					t.Fatalf("the websocket resume sent a snapshot")
				}
				if f.T == "chg" {
					want = append(want, f.Raw)
				}
			}
			resp, body := ts.getSnapshot(t, resume, tc.token, "gzip")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("resume: %d, Content-Encoding %q: %s", resp.StatusCode, resp.Header.Get("Content-Encoding"), body)
			}
			got := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
			if len(got) != len(want) {
				t.Fatalf("the HTTP resume has %d frames, the websocket's %d:\nHTTP %s\nws   %s", len(got), len(want), body, bytes.Join(want, []byte("\n")))
			}
			tallies := 0
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("frame %d of the HTTP resume is not the websocket's:\nHTTP %s\nws   %s", i, got[i], want[i])
				}
				var f struct {
					T       string
					Changes []client.Change
				}
				if err := json.Unmarshal(got[i], &f); err != nil || f.T != "chg" {
					t.Fatalf("frame %d is not a chg frame (%v): %s", i, err, got[i])
				}
				for _, c := range f.Changes {
					if c.E == "tally" || c.E == "ranking" {
						tallies++
					}
				}
			}
			if tc.facilitator != (tallies > 0) {
				t.Errorf("the %s's resume has %d tallies and rankings while they are hidden", tc.name, tallies)
			}
		})
	}

	snapshotFor := func(query string) string {
		t.Helper()
		resp, body := ts.getSnapshot(t, path+query, ana.Token, "gzip")
		var f snapBody
		if err := json.Unmarshal(body, &f); resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %v: %s", query, resp.StatusCode, err, body)
		}
		return f.T
	}
	if got := snapshotFor(fmt.Sprintf("?since=%d&epoch=another", since)); got != "snap" {
		t.Errorf("a since of another epoch got %q, want the snapshot", got)
	}
	for range replica.RecentLen {
		do(t, fac, board.Op{Kind: board.NoteMove, Note: notes[2], X: &x, Y: &y})
	}
	if got := snapshotFor(fmt.Sprintf("?since=%d&epoch=%s", since, epoch)); got != "snap" {
		t.Errorf("a since older than the room's recent entries got %q, want the snapshot", got)
	}
}
