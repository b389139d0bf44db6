package replica

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// BenchmarkEncodeChange is what each instance pays once per op, however
// many screens it serves: the change frames of the participants' and the
// facilitators' views, here for a note added on a board of 2,000 in
// breakout groups.
func BenchmarkEncodeChange(b *testing.B) {
	st := board.New()
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	apply := func(actor string, op board.Op) (board.Entry, []board.Change) {
		e := board.Entry{Seq: st.Seq + 1, Actor: actor, At: at, Seed: st.Seq + 1, Op: op}
		changes, err := st.Apply(e)
		if err != nil {
			b.Fatalf("%s: %v", op.Kind, err)
		}
		return e, changes
	}
	apply("", board.Op{Kind: board.BoardCreate, Title: "Plenary", Prompt: "What can we do together?"})
	for i := range 2000 {
		apply("", board.Op{Kind: board.ParticipantJoin, Name: fmt.Sprintf("P%d", i), Role: []board.Role{board.CivilServant, board.CivilSociety}[i%2]})
	}
	apply("p1", board.Op{Kind: board.GroupsForm, Size: 6})
	x, y := 0.4, 0.6
	e, changes := apply("p1", board.Op{Kind: board.NoteAdd, Chart: "g1", Text: "Publish the data behind each decision", X: &x, Y: &y})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if a := newApplied(e, changes); a.frames[Participants] == nil && a.frames[Facilitators] == nil {
			b.Fatal("no view sees the note")
		}
	}
}

// TestWithRef checks that an acknowledgement made from the shared frame
// says exactly what encoding it whole would, whatever the ref holds.
func TestWithRef(t *testing.T) {
	x := 0.25
	frame := protocol.Chg[board.Change]{T: "chg", Seq: 42, By: "p7", At: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		Changes: []board.Change{{Entity: "note", ID: "n1", Value: board.Op{Kind: board.NoteAdd, Text: "Ask \"why\" twice", X: &x}}}}
	for _, ref := range []string{"c1", `quote " and \ backslash`, "ünïcödé <tag> &", strings.Repeat("r", protocol.MaxOpID)} {
		shared := protocol.Encode(frame)
		got := withRef(shared, ref)
		frame.Ref = ref
		want := protocol.Encode(frame)
		frame.Ref = ""
		var g, w map[string]any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("ref %q: %s is not JSON: %v", ref, got, err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("ref %q:\n got %s\nwant %s", ref, got, want)
		}
	}
}
