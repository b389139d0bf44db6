package board

import (
	"fmt"
	"testing"
)

// TestRestore undoes deletions: who may, in which phase, and what comes back.
func TestRestore(t *testing.T) {
	t.Run("the author undoes their deletion", func(t *testing.T) {
		r := newRoom(t)
		id := r.note(r.ana, "g1", "A shared calendar of outreach visits")
		r.must(r.ana, Op{Kind: NoteColor, Note: id, Color: "blue"})
		was := *r.s.Notes[id]
		r.must(r.ana, Op{Kind: NoteDelete, Note: id})
		if r.s.Notes[id] != nil {
			t.Fatal("the deleted note is still on the board")
		}
		r.refused(r.ben, Op{Kind: NoteRestore, Note: id}, CodeForbidden)
		r.refused(r.cleo, Op{Kind: NoteRestore, Note: id}, CodeForbidden)
		changes := r.must(r.ana, Op{Kind: NoteRestore, Note: id})
		if n := r.s.Notes[id]; n == nil || *n != was {
			t.Fatalf("restored note = %+v, want %+v", n, was)
		}
		if c, ok := find(visible(changes, r.cleo, false), entityNote, id); !ok || c.Deleted {
			t.Errorf("another group's screen is not sent the note back: %+v", changes)
		}
		r.refused(r.ana, Op{Kind: NoteRestore, Note: id}, CodeNotFound)
	})

	t.Run("who deleted it undoes it", func(t *testing.T) {
		r := newRoom(t)
		id := r.note(r.ana, "g1", "Monthly joint field visits")
		r.must(r.ben, Op{Kind: NoteDelete, Note: id})
		r.must(r.ben, Op{Kind: NoteRestore, Note: id})
		if r.s.Notes[id] == nil {
			t.Fatal("not restored")
		}
	})

	t.Run("the facilitator, with the discussion but not the dots", func(t *testing.T) {
		r := newRoom(t)
		withNote(Vote)(r)
		r.must(r.ana, Op{Kind: VoteCast, Item: "n99"})
		r.phase(Discuss)
		r.must(r.ben, Op{Kind: DiscussSet, Item: "n99", Field: "owner", Text: "Ministry of Health"})
		r.must(facilitator, Op{Kind: NoteDelete, Note: "n99"})
		r.refused(r.ana, Op{Kind: NoteRestore, Note: "n99"}, CodeWrongPhase)
		changes := r.must(facilitator, Op{Kind: NoteRestore, Note: "n99"})
		if d := r.s.Discussions["n99"]; d == nil || d.Owner != "Ministry of Health" {
			t.Errorf("discussion = %+v, want it back", d)
		}
		if _, ok := find(changes, entityDiscussion, "n99"); !ok {
			t.Errorf("the discussion's return is not sent: %+v", changes)
		}
		if r.s.used(r.ana) != 0 {
			t.Errorf("Ana's dot came back with the note")
		}
	})

	t.Run("a theme deleted meanwhile leaves it loose", func(t *testing.T) {
		r := newRoom(t)
		withNote(Cluster)(r)
		r.must(r.ana, Op{Kind: ThemeCreate, Name: "Access", Notes: []string{"n99"}})
		theme := r.s.Notes["n99"].Theme
		r.must(facilitator, Op{Kind: NoteDelete, Note: "n99"})
		r.must(r.ana, Op{Kind: ThemeDelete, Theme: theme})
		r.must(facilitator, Op{Kind: NoteRestore, Note: "n99"})
		if n := r.s.Notes["n99"]; n.Theme != "" || !n.Placed {
			t.Errorf("restored note = %+v, want placed and in no theme", n)
		}
	})

	t.Run("a deletion from before the groups were formed again", func(t *testing.T) {
		r := newRoom(t)
		id := r.note(r.ana, "g1", "Community radio slot")
		r.must(r.ana, Op{Kind: NoteDelete, Note: id})
		r.must(facilitator, Op{Kind: GroupsForm, Size: 4})
		r.refused(facilitator, Op{Kind: NoteRestore, Note: id}, CodeNotFound)
	})

	t.Run("the oldest deletion is forgotten first", func(t *testing.T) {
		r := newRoom(t)
		var ids []string
		for i := range MaxDeleted + 1 {
			id := r.note(r.ana, "g1", fmt.Sprint("idea ", i))
			r.must(r.ana, Op{Kind: NoteDelete, Note: id})
			ids = append(ids, id)
		}
		if len(r.s.Deleted) != MaxDeleted {
			t.Errorf("%d deleted notes kept, want %d", len(r.s.Deleted), MaxDeleted)
		}
		r.refused(r.ana, Op{Kind: NoteRestore, Note: ids[0]}, CodeNotFound)
		r.must(r.ana, Op{Kind: NoteRestore, Note: ids[1]})
		r.must(r.ana, Op{Kind: NoteRestore, Note: ids[MaxDeleted]})
	})
}
