package board

import (
	"fmt"
	"testing"
)

// TestAllowed is the other side of TestRefusals: what each person may do,
// and when.
func TestAllowed(t *testing.T) {
	tests := []struct {
		name  string
		prep  func(r *room)
		actor func(r *room) string
		op    Op
		check func(t *testing.T, r *room)
	}{
		{name: "facilitator writes on any chart in any phase", prep: phase(Vote), actor: fac,
			op: Op{Kind: NoteAdd, Chart: "g2", Text: "From the floor", X: at(0.1), Y: at(0.2)},
			check: func(t *testing.T, r *room) {
				n := r.s.Notes[r.s.newID(notePrefix, r.s.Seq)]
				if n == nil || n.Role != RoleFacilitator || n.Group != "g2" || !n.Placed {
					t.Errorf("note = %+v, want a placed facilitator's note on g2", n)
				}
			}},
		{name: "facilitator edits a note in cluster", prep: withNote(Cluster), actor: fac,
			op: Op{Kind: NoteEdit, Note: "n99", Text: "Edited"}, check: noteText99("Edited")},
		{name: "facilitator moves a note on the canvas in vote", prep: withNote(Vote), actor: fac,
			op: Op{Kind: NoteMove, Note: "n99", X: at(0.9), Y: at(0.8)},
			check: func(t *testing.T, r *room) {
				if n := r.s.Notes["n99"]; n.CX != 0.9 || n.CY != 0.8 || n.X != 0.5 {
					t.Errorf("note = %+v, want canvas 0.9,0.8 and chart x 0.5", n)
				}
			}},
		{name: "anyone moves any note on the canvas in cluster", prep: withNote(Cluster), actor: cleo,
			op: Op{Kind: NoteMove, Note: "n99", X: at(0.3), Y: at(0.4)},
			check: func(t *testing.T, r *room) {
				if n := r.s.Notes["n99"]; n.CX != 0.3 || n.CY != 0.4 {
					t.Errorf("note = %+v, want canvas 0.3,0.4", n)
				}
			}},
		{name: "a group's member moves its note on the chart", prep: withNote(Brainstorm), actor: bensName,
			op: Op{Kind: NoteMove, Note: "n99", X: at(0.25), Y: at(0)},
			check: func(t *testing.T, r *room) {
				if n := r.s.Notes["n99"]; n.X != 0.25 || n.Y != 0 || n.Placed {
					t.Errorf("note = %+v, want chart 0.25,0 and not on the canvas", n)
				}
			}},
		{name: "a member renames the group", op: Op{Kind: GroupRename, Group: "g1", Name: "Toledo"},
			check: func(t *testing.T, r *room) {
				if r.s.Groups["g1"].Name != "Toledo" {
					t.Errorf("group g1 is %q", r.s.Groups["g1"].Name)
				}
			}},
		{name: "a participant renames themself", op: Op{Kind: ParticipantRename, Name: " Anita "},
			check: func(t *testing.T, r *room) {
				if got := r.s.Participants[r.ana].Name; got != "Anita" {
					t.Errorf("name = %q", got)
				}
			}},
		{name: "the facilitator renames anyone", actor: fac, op: Op{Kind: ParticipantRename, Participant: "p3", Name: "Benjamin"},
			check: func(t *testing.T, r *room) {
				if got := r.s.Participants["p3"].Name; got != "Benjamin" {
					t.Errorf("name = %q", got)
				}
			}},
		{name: "the facilitator works on a locked board", prep: locked, actor: fac,
			op: Op{Kind: NoteAdd, Chart: "g1", Text: "Still open", X: at(0), Y: at(0)}},
		{name: "newcomers join a locked board", prep: locked, actor: server,
			op: Op{Kind: ParticipantJoin, Name: "Eve", Role: CivilSociety}},
		{name: "anyone discusses in discuss", prep: withNote(Discuss), actor: cleo,
			op: Op{Kind: DiscussSet, Item: "n99", Field: "owner", Text: "Ministry of Health"},
			check: func(t *testing.T, r *room) {
				if d := r.s.Discussions["n99"]; d == nil || d.Owner != "Ministry of Health" {
					t.Errorf("discussion = %+v", d)
				}
			}},
		{name: "multi-line notes", op: Op{Kind: NoteAdd, Chart: "g1", Text: "  Two\nlines\t ", X: at(0), Y: at(1)},
			check: func(t *testing.T, r *room) {
				if n := r.s.Notes[r.s.newID(notePrefix, r.s.Seq)]; n.Text != "Two\nlines" || n.Color != Colors[0] {
					t.Errorf("note = %+v, want trimmed text, default colour", n)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, actor := newRoomFor(t, tt.prep, tt.actor)
			e := r.entry(actor, tt.op)
			if err := r.s.Check(e); err != nil {
				t.Fatalf("Check: %v", err)
			}
			if _, err := r.s.Apply(e); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func bensName(r *room) string { return r.ben }

func noteText99(want string) func(*testing.T, *room) {
	return func(t *testing.T, r *room) {
		if got := r.s.Notes["n99"].Text; got != want {
			t.Errorf("text = %q, want %q", got, want)
		}
	}
}

// TestFull fills a board to each limit and checks the next one is refused.
func TestFull(t *testing.T) {
	t.Run("notes", func(t *testing.T) {
		r := newRoom(t)
		for i := range MaxNotes {
			r.note(facilitator, "g1", fmt.Sprint("idea ", i))
		}
		r.refused(r.ana, Op{Kind: NoteAdd, Chart: "g1", Text: "one more", X: at(0), Y: at(0)}, CodeTooMany)
	})
	t.Run("themes", func(t *testing.T) {
		r := newRoom(t)
		r.phase(Cluster)
		for range MaxThemes {
			r.must(r.ana, Op{Kind: ThemeCreate, X: at(0), Y: at(0)})
		}
		r.refused(r.ana, Op{Kind: ThemeCreate, X: at(0), Y: at(0)}, CodeTooMany)
	})
	t.Run("participants", func(t *testing.T) {
		w := newWorkshop(t, nil)
		for range MaxParticipants {
			w.join("Someone", CivilSociety)
		}
		w.refused("", Op{Kind: ParticipantJoin, Name: "Late", Role: CivilServant}, CodeTooMany)
	})
	t.Run("groups", func(t *testing.T) {
		w := newWorkshop(t, nil)
		for range 2*MaxGroups + 2 {
			w.join("Someone", CivilSociety)
		}
		w.refused(facilitator, Op{Kind: GroupsForm, Size: 2}, CodeTooMany)
		w.must(facilitator, Op{Kind: GroupsForm, Size: 3})
	})
}
