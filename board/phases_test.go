package board

import (
	"testing"
	"time"
)

func TestClusterLaysOutNotes(t *testing.T) {
	r := newRoom(t)
	for range 30 {
		r.note(r.ana, "g1", "Feedback box at every service point")
	}
	r.note(r.cleo, "g2", "Text message reminders for appointments")
	r.phase(Share)
	for _, n := range r.s.Notes {
		if n.Placed {
			t.Fatalf("note %s is on the canvas before cluster", n.ID)
		}
	}
	changes := r.must(facilitator, Op{Kind: PhaseSet, Phase: Cluster})
	seen := map[[2]float64]bool{}
	for _, id := range sortedIDs(r.s.Notes) {
		n := r.s.Notes[id]
		if !n.Placed || !fraction(n.CX) || !fraction(n.CY) {
			t.Errorf("note %s is not placed on the canvas: %+v", id, n)
		}
		if _, ok := find(changes, entityNote, id); !ok {
			t.Errorf("no change places note %s", id)
		}
		seen[[2]float64{n.CX, n.CY}] = true
	}
	// Four across and six down: the first 24 of a chart have cells of their
	// own, and the other group's block is apart from them.
	if len(seen) != 25 {
		t.Errorf("%d distinct places for 31 notes, want 25", len(seen))
	}
	g2 := r.s.Notes[r.s.newID(notePrefix, r.s.Seq-2)]
	if g2.Chart != "g2" || g2.CX < 0.5 {
		t.Errorf("group 2's note is at %v,%v; want it in the right-hand block", g2.CX, g2.CY)
	}
	// Going back and forth does not lay notes out again.
	r.must(r.ben, Op{Kind: NoteMove, Note: g2.ID, X: at(0.01), Y: at(0.02)})
	r.phase(Brainstorm)
	r.phase(Vote)
	if g2.CX != 0.01 || g2.CY != 0.02 {
		t.Errorf("a dragged note was laid out again: %v,%v", g2.CX, g2.CY)
	}
}

func TestThemes(t *testing.T) {
	r := newRoom(t)
	withNote(Cluster)(r)
	changes := r.must(r.cleo, Op{Kind: ThemeCreate, Notes: []string{"n98", "n99"}, X: at(0.2), Y: at(0.3)})
	theme := changes[0].ID
	if got := changes[0].Value.(Theme); got.Name != "" || got.X != 0.2 {
		t.Errorf("theme = %+v", got)
	}
	if r.s.Notes["n98"].Theme != theme || r.s.Notes["n99"].Theme != theme {
		t.Error("the notes did not join the theme")
	}
	r.must(r.dev, Op{Kind: NoteTheme, Note: "n98", Theme: ""})
	r.must(r.dev, Op{Kind: ThemeRename, Theme: theme, Name: "Reaching rural families"})
	r.must(facilitator, Op{Kind: DiscussSet, Item: theme, Field: "possible", Text: "Mobile clinics"})
	changes = r.must(r.ana, Op{Kind: ThemeDelete, Theme: theme})
	if r.s.Notes["n99"].Theme != "" || r.s.Discussions[theme] != nil {
		t.Error("deleting the theme left a note in it or its discussion")
	}
	if c, ok := find(changes, entityDiscussion, theme); !ok || !c.Deleted {
		t.Error("no change deletes the theme's discussion")
	}
}

func TestTimer(t *testing.T) {
	r := newRoom(t)
	r.must(facilitator, Op{Kind: TimerStart, Seconds: 20 * 60})
	began := r.s.Seq
	want := start.Add(time.Duration(began)*time.Second + 20*time.Minute)
	if tm := r.s.Info.Timer; !tm.Running || !tm.EndsAt.Equal(want) {
		t.Fatalf("timer = %+v, want running until %v", tm, want)
	}
	r.must(facilitator, Op{Kind: TimerAdd, Seconds: 60})
	if got := r.s.Info.Timer.EndsAt; !got.Equal(want.Add(time.Minute)) {
		t.Errorf("after a minute more the timer ends at %v", got)
	}
	// Once it has run out, more time counts from now.
	r.s.Seq += 3600
	e := r.entry(facilitator, Op{Kind: TimerAdd, Seconds: 60})
	if _, err := r.s.Apply(e); err != nil {
		t.Fatal(err)
	}
	if got := r.s.Info.Timer.EndsAt; !got.Equal(e.At.Add(time.Minute)) {
		t.Errorf("a timer extended after it ran out ends at %v, want %v", got, e.At.Add(time.Minute))
	}
	r.refused(facilitator, Op{Kind: TimerAdd, Seconds: MaxTimerSeconds}, CodeBadOp)
	r.must(facilitator, Op{Kind: TimerStop})
	if r.s.Info.Timer.Running {
		t.Error("the timer still runs")
	}
}
