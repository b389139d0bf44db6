package board

import (
	"math"
	"strings"
	"testing"
)

// TestRefusals has a case for every refusal: who may not, when not, and
// what input is out of bounds. Each starts from a fresh room and checks that
// the refusal changed nothing but the seq (see workshop.refused).
func TestRefusals(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	tests := []struct {
		name  string
		prep  func(r *room)
		actor func(r *room) string
		op    Op
		code  string
	}{
		{name: "unknown kind", op: Op{Kind: "note.paint"}, code: CodeUnknownKind},
		{name: "board created twice", actor: server, op: Op{Kind: BoardCreate, Title: "Again"}, code: CodeExists},
		{name: "create from a client", op: Op{Kind: BoardCreate, Title: "Mine"}, code: CodeForbidden},
		{name: "join from a client", op: Op{Kind: ParticipantJoin, Name: "Eve", Role: CivilSociety}, code: CodeForbidden},
		{name: "stranger", actor: stranger, op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(0), Y: at(0)}, code: CodeNotJoined},
		{name: "no actor", actor: server, op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(0), Y: at(0)}, code: CodeNotJoined},

		// Joining.
		{name: "join without a name", actor: server, op: Op{Kind: ParticipantJoin, Name: "  ", Role: CivilSociety}, code: CodeBadOp},
		{name: "join with a control character", actor: server, op: Op{Kind: ParticipantJoin, Name: "Eve\x07", Role: CivilSociety}, code: CodeBadOp},
		{name: "join with a long name", actor: server, op: Op{Kind: ParticipantJoin, Name: long(MaxName + 1), Role: CivilSociety}, code: CodeTooLong},
		{name: "join without a role", actor: server, op: Op{Kind: ParticipantJoin, Name: "Eve"}, code: CodeBadOp},
		{name: "join as facilitator", actor: server, op: Op{Kind: ParticipantJoin, Name: "Eve", Role: RoleFacilitator}, code: CodeBadOp},

		// The facilitator's ops.
		{name: "participant sets the phase", op: Op{Kind: PhaseSet, Phase: Share}, code: CodeForbidden},
		{name: "participant forms groups", op: Op{Kind: GroupsForm}, code: CodeForbidden},
		{name: "participant locks", op: Op{Kind: BoardLock}, code: CodeForbidden},
		{name: "participant edits the board", op: Op{Kind: BoardEdit, Title: "Mine"}, code: CodeForbidden},
		{name: "participant changes settings", op: Op{Kind: BoardSettings, Settings: &Settings{}}, code: CodeForbidden},
		{name: "participant reveals", op: Op{Kind: VoteReveal}, code: CodeForbidden},
		{name: "participant starts the timer", op: Op{Kind: TimerStart, Seconds: 60}, code: CodeForbidden},
		{name: "participant spotlights", op: Op{Kind: ChartSpotlight, Chart: "g1"}, code: CodeForbidden},
		{name: "participant moves someone", op: Op{Kind: ParticipantMove, Participant: "p2", Group: "g2"}, code: CodeForbidden},
		{name: "facilitator votes", prep: phase(Vote), actor: fac, op: Op{Kind: VoteCast, Item: "t99"}, code: CodeForbidden},
		{name: "renaming someone else", op: Op{Kind: ParticipantRename, Participant: "p3", Name: "Bob"}, code: CodeForbidden},
		{name: "renaming another group", op: Op{Kind: GroupRename, Group: "g2", Name: "Ours"}, code: CodeForbidden},

		// The lock.
		{name: "locked note", prep: locked, op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(0), Y: at(0)}, code: CodeLocked},
		{name: "locked rename", prep: locked, op: Op{Kind: ParticipantRename, Name: "Anita"}, code: CodeLocked},

		// Phases.
		{name: "note in share", prep: phase(Share), op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(0), Y: at(0)}, code: CodeWrongPhase},
		{name: "theme in brainstorm", op: Op{Kind: ThemeCreate, X: at(0), Y: at(0)}, code: CodeWrongPhase},
		{name: "note into a theme in vote", prep: phase(Vote), op: Op{Kind: NoteTheme, Note: "n99"}, code: CodeWrongPhase},
		{name: "vote in cluster", prep: phase(Cluster), op: Op{Kind: VoteCast, Item: "t1"}, code: CodeWrongPhase},
		{name: "retract in discuss", prep: phase(Discuss), op: Op{Kind: VoteRetract, Item: "t1"}, code: CodeWrongPhase},
		{name: "discuss in vote", prep: phase(Vote), op: Op{Kind: DiscussSet, Item: "t1", Field: "how"}, code: CodeWrongPhase},
		{name: "move on the chart in share", prep: withNote(Share), op: Op{Kind: NoteMove, Note: "n99", X: at(0), Y: at(0)}, code: CodeWrongPhase},
		{name: "move on the canvas in vote", prep: withNote(Vote), op: Op{Kind: NoteMove, Note: "n99", X: at(0), Y: at(0)}, code: CodeWrongPhase},
		{name: "edit in cluster", prep: withNote(Cluster), op: Op{Kind: NoteEdit, Note: "n99", Text: "x"}, code: CodeWrongPhase},

		// Charts and groups.
		{name: "another group's chart", op: Op{Kind: NoteAdd, Chart: "g2", Text: "hi", X: at(0), Y: at(0)}, code: CodeNotYourChart},
		{name: "editing another group's note", prep: withNote(Brainstorm), actor: cleo, op: Op{Kind: NoteEdit, Note: "n99", Text: "x"}, code: CodeNotYourChart},
		{name: "deleting another group's note", prep: withNote(Brainstorm), actor: cleo, op: Op{Kind: NoteDelete, Note: "n99"}, code: CodeNotYourChart},
		{name: "no group yet", actor: loner, op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(0), Y: at(0)}, code: CodeNoGroup},
		{name: "no such chart", actor: fac, op: Op{Kind: NoteAdd, Chart: "g9", Text: "hi", X: at(0), Y: at(0)}, code: CodeNotFound},
		{name: "groups in use", prep: withNote(Brainstorm), actor: fac, op: Op{Kind: GroupsForm}, code: CodeGroupsInUse},
		{name: "group of one", actor: fac, op: Op{Kind: GroupsForm, Size: 1}, code: CodeBadOp},
		{name: "move to no group", actor: fac, op: Op{Kind: ParticipantMove, Participant: "p2", Group: "g9"}, code: CodeNotFound},
		{name: "move no one", actor: fac, op: Op{Kind: ParticipantMove, Participant: "p99", Group: "g1"}, code: CodeNotFound},
		{name: "move the facilitator", actor: fac, op: Op{Kind: ParticipantMove, Participant: facilitator, Group: "g1"}, code: CodeBadOp},
		{name: "rename no group", op: Op{Kind: GroupRename, Group: "g9", Name: "x"}, code: CodeNotFound},
		{name: "rename no one", actor: fac, op: Op{Kind: ParticipantRename, Participant: "p99", Name: "x"}, code: CodeNotFound},
		{name: "spotlight no chart", actor: fac, op: Op{Kind: ChartSpotlight, Chart: "g9"}, code: CodeNotFound},

		// Notes.
		{name: "empty note", op: Op{Kind: NoteAdd, Chart: "g1", Text: " \n ", X: at(0), Y: at(0)}, code: CodeBadOp},
		{name: "long note", op: Op{Kind: NoteAdd, Chart: "g1", Text: long(MaxNoteText + 1), X: at(0), Y: at(0)}, code: CodeTooLong},
		{name: "unknown colour", op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", Color: "teal", X: at(0), Y: at(0)}, code: CodeBadOp},
		{name: "half a position", op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(0)}, code: CodeBadOp},
		{name: "off the chart", op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(1.01), Y: at(0)}, code: CodeBadOp},
		{name: "NaN position", op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(math.NaN()), Y: at(0)}, code: CodeBadOp},
		{name: "infinite position", op: Op{Kind: NoteAdd, Chart: "g1", Text: "hi", X: at(0), Y: at(math.Inf(1))}, code: CodeBadOp},
		{name: "no colour", prep: withNote(Brainstorm), op: Op{Kind: NoteColor, Note: "n99"}, code: CodeBadOp},
		{name: "no such note", op: Op{Kind: NoteEdit, Note: "n99", Text: "x"}, code: CodeNotFound},
		{name: "note into no theme", prep: withNote(Cluster), op: Op{Kind: NoteTheme, Note: "n99", Theme: "t98"}, code: CodeNotFound},

		// Themes.
		{name: "theme of a missing note", prep: phase(Cluster), op: Op{Kind: ThemeCreate, Notes: []string{"n98"}, X: at(0), Y: at(0)}, code: CodeNotFound},
		{name: "theme naming a note twice", prep: withNote(Cluster), op: Op{Kind: ThemeCreate, Notes: []string{"n99", "n99"}, X: at(0), Y: at(0)}, code: CodeBadOp},
		{name: "theme of too many notes", prep: phase(Cluster), op: Op{Kind: ThemeCreate, Notes: make([]string, maxThemeNotes+1), X: at(0), Y: at(0)}, code: CodeBadOp},
		{name: "theme with half a place", prep: phase(Cluster), op: Op{Kind: ThemeCreate, Y: at(0.5)}, code: CodeBadOp},
		{name: "long theme name", prep: phase(Cluster), op: Op{Kind: ThemeCreate, Name: long(MaxThemeName + 1), X: at(0), Y: at(0)}, code: CodeTooLong},
		{name: "rename no theme", prep: phase(Cluster), op: Op{Kind: ThemeRename, Theme: "t9"}, code: CodeNotFound},
		{name: "delete no theme", prep: phase(Cluster), op: Op{Kind: ThemeDelete, Theme: "t9"}, code: CodeNotFound},

		// Votes.
		{name: "vote for nothing", prep: phase(Vote), op: Op{Kind: VoteCast}, code: CodeBadOp},
		{name: "vote for no item", prep: phase(Vote), op: Op{Kind: VoteCast, Item: "t9"}, code: CodeNotFound},
		{name: "vote for a note in a theme", prep: themed, op: Op{Kind: VoteCast, Item: "n99"}, code: CodeBadOp},
		{name: "vote twice on one item", prep: voted(1), op: Op{Kind: VoteCast, Item: "n99"}, code: CodeVoteCap},
		{name: "fourth vote", prep: voted(3), op: Op{Kind: VoteCast, Item: "n98"}, code: CodeVoteBudget},
		{name: "retract a vote never cast", prep: voted(1), op: Op{Kind: VoteRetract, Item: "n98"}, code: CodeNoVote},

		// Discussion.
		{name: "discuss no item", prep: phase(Discuss), op: Op{Kind: DiscussSet, Item: "t9", Field: "how"}, code: CodeNotFound},
		{name: "discuss an unknown field", prep: withNote(Discuss), op: Op{Kind: DiscussSet, Item: "n99", Field: "why"}, code: CodeBadOp},
		{name: "discuss at length", prep: withNote(Discuss), op: Op{Kind: DiscussSet, Item: "n99", Field: "how", Text: long(MaxDiscussText + 1)}, code: CodeTooLong},

		// The board, its settings and its timer.
		{name: "untitled", actor: fac, op: Op{Kind: BoardEdit, Prompt: "p"}, code: CodeBadOp},
		{name: "long title", actor: fac, op: Op{Kind: BoardEdit, Title: long(MaxTitle + 1)}, code: CodeTooLong},
		{name: "long prompt", actor: fac, op: Op{Kind: BoardEdit, Title: "t", Prompt: long(MaxPrompt + 1)}, code: CodeTooLong},
		{name: "no settings", actor: fac, op: Op{Kind: BoardSettings}, code: CodeBadOp},
		{name: "no votes", actor: fac, op: settings(func(s *Settings) { s.VotesPerParticipant = 0 }), code: CodeBadOp},
		{name: "too many votes", actor: fac, op: settings(func(s *Settings) { s.VotesPerParticipant = MaxVotes + 1 }), code: CodeBadOp},
		{name: "cap over budget", actor: fac, op: settings(func(s *Settings) { s.MaxVotesPerItem = 4 }), code: CodeBadOp},
		{name: "groups of fifty-one", actor: fac, op: settings(func(s *Settings) { s.GroupSize = 51 }), code: CodeBadOp},
		{name: "long passcode", actor: fac, op: settings(func(s *Settings) { s.Passcode = strings.Repeat("x", 65) }), code: CodeTooLong},
		{name: "a language the board cannot speak", actor: fac, op: settings(func(s *Settings) { s.Language = "fr" }), code: CodeBadOp},
		{name: "budget below votes cast", prep: voted(3), actor: fac, op: settings(func(s *Settings) { s.VotesPerParticipant, s.MaxVotesPerItem = 2, 1 }), code: CodeBadOp},
		{name: "no such phase", actor: fac, op: Op{Kind: PhaseSet, Phase: "lunch"}, code: CodeBadOp},
		{name: "timer of nothing", actor: fac, op: Op{Kind: TimerStart}, code: CodeBadOp},
		{name: "timer over four hours", actor: fac, op: Op{Kind: TimerStart, Seconds: MaxTimerSeconds + 1}, code: CodeBadOp},
		{name: "adding to no timer", actor: fac, op: Op{Kind: TimerAdd, Seconds: 60}, code: CodeBadOp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, actor := newRoomFor(t, tt.prep, tt.actor)
			r.refused(actor, tt.op, tt.code)
		})
	}
}

// newRoomFor is a room made ready by prep (if any), and the actor of a case:
// Ana unless actor names another.
func newRoomFor(t *testing.T, prep func(*room), actor func(*room) string) (*room, string) {
	r := newRoom(t)
	if prep != nil {
		prep(r)
	}
	if actor == nil {
		return r, r.ana
	}
	return r, actor(r)
}

func server(*room) string   { return "" }
func stranger(*room) string { return "p99" }
func fac(*room) string      { return facilitator }
func cleo(r *room) string   { return r.cleo }

// loner joined before there were groups and was left out of them.
func loner(r *room) string {
	r.must(facilitator, Op{Kind: GroupsForm, Size: 2})
	id := r.join("Lone", CivilSociety)
	r.s.Participants[id].Group = ""
	return id
}

func phase(p Phase) func(*room) { return func(r *room) { r.phase(p) } }

func locked(r *room) { r.must(facilitator, Op{Kind: BoardLock}) }

// withNote puts note n99 (and n98) on Ana's chart, then moves to phase p.
func withNote(p Phase) func(*room) {
	return func(r *room) {
		r.s.Seq = 97
		r.note(r.ana, "g1", "Shared directory of who does what in each village")
		r.note(r.ana, "g1", "A single intake form that every ministry accepts")
		r.phase(p)
	}
}

// themed puts n99 in a theme in the vote phase.
func themed(r *room) {
	withNote(Cluster)(r)
	r.must(r.ana, Op{Kind: ThemeCreate, Name: "Access", Notes: []string{"n99"}, X: at(0.5), Y: at(0.5)})
	r.phase(Vote)
}

// voted has Ana cast n votes on n99, with a cap of n per item.
func voted(n int) func(*room) {
	return func(r *room) {
		withNote(Vote)(r)
		set := DefaultSettings()
		set.MaxVotesPerItem = n
		r.must(facilitator, Op{Kind: BoardSettings, Settings: &set})
		for range n {
			r.must(r.ana, Op{Kind: VoteCast, Item: "n99"})
		}
	}
}

func settings(change func(*Settings)) Op {
	s := DefaultSettings()
	change(&s)
	return Op{Kind: BoardSettings, Settings: &s}
}

// The web app lays notes and themes out itself and sends no position; an
// op without one is applied at the corner.
func TestNoPositionIsTheCorner(t *testing.T) {
	r := newRoom(t)
	changes := r.must(r.ana, Op{Kind: NoteAdd, Chart: "g1", Text: "A shared calendar"})
	if n := r.s.Notes[changes[0].ID]; n == nil || n.X != 0 || n.Y != 0 {
		t.Fatalf("note without a position: %+v", n)
	}
	r.phase(Cluster)
	r.must(r.ana, Op{Kind: ThemeCreate, Name: "Calendars"})
}
