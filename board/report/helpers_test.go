package report

import (
	"testing"
	"time"

	"github.com/plenary/plenary/board"
)

// facilitator is the board's creator, named after the create entry's seq.
var facilitator = board.ParticipantID(1, 0)

// workshop is a board driven through its log as the hub drives it: one
// entry per op, seq by seq, a second apart.
type workshop struct {
	t testing.TB
	s *board.State
}

// must applies an op that the test expects to be accepted.
func (w *workshop) must(actor string, op board.Op) []board.Change {
	w.t.Helper()
	seq := w.s.Seq + 1
	changes, err := w.s.Apply(board.Entry{Seq: seq, Actor: actor, At: time.Unix(int64(seq), 0).UTC(), Seed: seq, Op: op})
	if err != nil {
		w.t.Fatalf("%s by %q: %v", op.Kind, actor, err)
	}
	return changes
}

// made is the id of what an accepted op made: a participant, note or theme.
func (w *workshop) made(actor string, op board.Op) string {
	w.t.Helper()
	return w.must(actor, op)[0].ID
}

// settings applies change to the board's settings.
func (w *workshop) settings(change func(*board.Settings)) {
	w.t.Helper()
	set := w.s.Info.Settings
	change(&set)
	w.must(facilitator, board.Op{Kind: board.BoardSettings, Settings: &set})
}

func (w *workshop) phase(p board.Phase) {
	w.t.Helper()
	w.must(facilitator, board.Op{Kind: board.PhaseSet, Phase: p})
}

func at(v float64) *float64 { return &v }

// reported is a workshop run to its end on a board in lang: two groups of
// a civil servant and a member of civil society each, their notes, two
// themes (one untitled), a vote with a tie for first, and the discussion of
// the top ideas.
func reported(t *testing.T, anonymous bool, lang board.Language) *workshop {
	t.Helper()
	w := &workshop{t: t, s: board.New()}
	w.must("", board.Op{Kind: board.BoardCreate, Title: "Community of Practice Inception Workshop",
		Prompt: "What are our shared ideas for working together?"})
	join := func(name string, role board.Role) string {
		return w.made("", board.Op{Kind: board.ParticipantJoin, Name: name, Role: role})
	}
	ana, ben := join("Ana", board.CivilServant), join("Ben", board.CivilSociety)
	cleo, dev := join("Cleo", board.CivilServant), join("Dev", board.CivilSociety)
	w.must(facilitator, board.Op{Kind: board.GroupsForm, Size: 2})
	for _, p := range [][2]string{{ana, "g1"}, {ben, "g1"}, {cleo, "g2"}, {dev, "g2"}} {
		w.must(facilitator, board.Op{Kind: board.ParticipantMove, Participant: p[0], Group: p[1]})
	}
	w.settings(func(s *board.Settings) { s.Anonymous, s.Passcode, s.Language = anonymous, "belize2019", lang })
	w.must(ana, board.Op{Kind: board.GroupRename, Group: "g1", Name: "Toledo table"})
	note := func(author, chart, text string) string {
		return w.made(author, board.Op{Kind: board.NoteAdd, Chart: chart, Text: text, X: at(0.5), Y: at(0.5)})
	}
	clinic := note(ana, "g1", "One shared calendar of mobile clinic visits")
	vouchers := note(ben, "g1", "Transport vouchers so rural families can reach clinics")
	radio := note(cleo, "g2", "Community radio slot | ministries answer questions")
	formula := note(dev, "g2", "=HYPERLINK(\"x\")")
	w.phase(board.Cluster)
	access := w.made(ana, board.Op{Kind: board.ThemeCreate, Name: "Reaching rural families", Notes: []string{clinic, vouchers}, X: at(0.2), Y: at(0.2)})
	w.must(ben, board.Op{Kind: board.ThemeCreate, Notes: []string{formula}, X: at(0.7), Y: at(0.2)})
	w.phase(board.Vote)
	for _, dot := range [][2]string{{ana, access}, {ben, access}, {cleo, radio}, {dev, radio}} {
		w.must(dot[0], board.Op{Kind: board.VoteCast, Item: dot[1]})
	}
	w.phase(board.Discuss)
	w.must(ana, board.Op{Kind: board.DiscussSet, Item: access, Field: "owner", Text: "Ministry of Health"})
	w.must(ben, board.Op{Kind: board.DiscussSet, Item: access, Field: "next", Text: "Draft the calendar by October"})
	return w
}
