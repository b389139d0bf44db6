package board

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// start is when every test workshop begins.
var start = time.Date(2019, 9, 12, 9, 0, 0, 0, time.UTC)

// facilitator is the id of the facilitator of a workshop made by newWorkshop:
// the creator, named after the create entry's seq.
const facilitator = "p1"

// workshop drives a board through its log the way the hub does: one entry
// per op, seq by seq, a second apart.
type workshop struct {
	t testing.TB
	s *State
}

// newWorkshop creates a board with settings (nil: the defaults).
func newWorkshop(t testing.TB, settings *Settings) *workshop {
	t.Helper()
	w := &workshop{t: t, s: New()}
	w.must("", Op{Kind: BoardCreate, Title: "Community of Practice Inception Workshop",
		Prompt: "What are our shared ideas for working together?", Settings: settings})
	return w
}

// entry is the next entry of the log.
func (w *workshop) entry(actor string, op Op) Entry {
	seq := w.s.Seq + 1
	return Entry{Seq: seq, Actor: actor, At: start.Add(time.Duration(seq) * time.Second), Seed: seq * 7919, Op: op}
}

func (w *workshop) apply(actor string, op Op) ([]Change, error) {
	return w.s.Apply(w.entry(actor, op))
}

// must applies an op that the test expects to be accepted.
func (w *workshop) must(actor string, op Op) []Change {
	w.t.Helper()
	changes, err := w.apply(actor, op)
	if err != nil {
		w.t.Fatalf("%s by %q: %v", op.Kind, actor, err)
	}
	return changes
}

// refused applies an op that the test expects to be refused with code, and
// checks that Check agreed and that the refusal changed nothing but the seq.
func (w *workshop) refused(actor string, op Op, code string) {
	w.t.Helper()
	e := w.entry(actor, op)
	if err := w.s.Check(e); codeOf(err) != code {
		w.t.Errorf("Check(%s by %q) = %v, want %s", op.Kind, actor, err, code)
	}
	before := snapshot(w.t, w.s)
	changes, err := w.s.Apply(e)
	if codeOf(err) != code {
		w.t.Fatalf("%s by %q = %v, want %s", op.Kind, actor, err, code)
	}
	if changes != nil {
		w.t.Errorf("a refusal returned changes: %v", changes)
	}
	if w.s.Seq != e.Seq {
		w.t.Errorf("seq after a refusal = %d, want %d", w.s.Seq, e.Seq)
	}
	w.s.Seq--
	if after := snapshot(w.t, w.s); after != before {
		w.t.Errorf("a refused %s changed the state:\n%s\n%s", op.Kind, before, after)
	}
	w.s.Seq++
}

// join adds a participant and returns their id.
func (w *workshop) join(name string, role Role) string {
	w.t.Helper()
	changes := w.must("", Op{Kind: ParticipantJoin, Name: name, Role: role})
	return changes[0].ID
}

// note adds a note and returns its id.
func (w *workshop) note(actor, chart, text string) string {
	w.t.Helper()
	changes := w.must(actor, Op{Kind: NoteAdd, Chart: chart, Text: text, X: at(0.5), Y: at(0.5)})
	return changes[0].ID
}

func (w *workshop) phase(p Phase) { w.t.Helper(); w.must(facilitator, Op{Kind: PhaseSet, Phase: p}) }

// at is a position for an op.
func at(v float64) *float64 { return &v }

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		return "not a *Error: " + err.Error()
	}
	return e.Code
}

func snapshot(t testing.TB, s *State) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// room is the fixture most rule tests start from: a board in brainstorm with
// two groups of a civil servant and a member of civil society each.
type room struct {
	*workshop
	ana, ben  string // group g1: civil servant, civil society
	cleo, dev string // group g2: civil servant, civil society
}

func newRoom(t *testing.T) *room {
	t.Helper()
	r := &room{workshop: newWorkshop(t, nil)}
	r.ana = r.join("Ana", CivilServant)
	r.ben = r.join("Ben", CivilSociety)
	r.cleo = r.join("Cleo", CivilServant)
	r.dev = r.join("Dev", CivilSociety)
	r.must(facilitator, Op{Kind: GroupsForm, Size: 2})
	for id, g := range map[string]string{r.ana: "g1", r.ben: "g1", r.cleo: "g2", r.dev: "g2"} {
		r.must(facilitator, Op{Kind: ParticipantMove, Participant: id, Group: g})
	}
	return r
}

// visible is what viewer sees of changes.
func visible(changes []Change, viewer string, facilitator bool) []Change {
	var out []Change
	for _, c := range changes {
		if c.Visible(viewer, facilitator) {
			out = append(out, c)
		}
	}
	return out
}

// snapshotOf is a viewer's snapshot as the hub makes it: the shared
// changes of the viewer's kind, then the viewer's own.
func snapshotOf(s *State, viewer string, facilitator bool) []Change {
	return append(s.SharedChanges(facilitator), s.OwnChanges(viewer)...)
}

// find is the last change of entity id in changes, and whether there is one.
func find(changes []Change, entity, id string) (Change, bool) {
	for i := len(changes) - 1; i >= 0; i-- {
		if changes[i].Entity == entity && changes[i].ID == id {
			return changes[i], true
		}
	}
	return Change{}, false
}
