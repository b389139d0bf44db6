package board

import (
	"encoding/json"
	"testing"
)

// TestNewcomersAreCounted checks what each screen knows of who joined:
// before the groups are formed a participant's screen knows itself and
// the count of the room by sector, the facilitator's knows everyone, and
// once everyone has a group, everyone knows everyone. A stream of changes
// and a fresh snapshot agree at each step.
func TestNewcomersAreCounted(t *testing.T) {
	w := newWorkshop(t, nil)
	type screen struct {
		id          string
		facilitator bool
		held        map[string]Change
	}
	ana := w.join("Ana", CivilServant)
	screens := []*screen{{id: facilitator, facilitator: true}, {id: ana}}
	for _, s := range screens {
		s.held = map[string]Change{}
		for _, c := range snapshotOf(w.s, s.id, s.facilitator) {
			s.held[c.Entity+"/"+c.ID] = c
		}
	}
	apply := func(actor string, op Op) {
		t.Helper()
		changes := w.must(actor, op)
		for _, s := range screens {
			for _, c := range visible(changes, s.id, s.facilitator) {
				s.held[c.Entity+"/"+c.ID] = c
			}
		}
		for _, s := range screens {
			fresh := map[string]Change{}
			for _, c := range snapshotOf(w.s, s.id, s.facilitator) {
				fresh[c.Entity+"/"+c.ID] = c
			}
			if a, b := jsonOf(t, fresh), jsonOf(t, s.held); a != b {
				t.Fatalf("after %s, %s's snapshot is\n%s\nbut its changes left\n%s", op.Kind, s.id, a, b)
			}
		}
	}
	knows := func(s *screen, id string) bool { _, ok := s.held[entityParticipant+"/"+id]; return ok }
	people := func(s *screen) People {
		var n People
		if err := json.Unmarshal([]byte(jsonOf(t, s.held[entityPeople+"/"+entityPeople].Value)), &n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	var ids []string
	for i := range 5 {
		before := w.s.Seq
		apply("", Op{Kind: ParticipantJoin, Name: "Person", Role: []Role{CivilServant, CivilSociety}[i%2]})
		ids = append(ids, ParticipantID(before+1, 0))
	}
	for _, s := range screens {
		if got := people(s); got != (People{CivilServant: 4, CivilSociety: 2}) {
			t.Errorf("%s counts %+v, want 4 civil servants and 2 civil society", s.id, got)
		}
	}
	for _, id := range ids {
		if !knows(screens[0], id) {
			t.Errorf("the facilitator does not know %s", id)
		}
		if knows(screens[1], id) {
			t.Errorf("Ana knows %s before anyone has a group", id)
		}
	}
	if !knows(screens[1], ana) {
		t.Error("Ana does not know herself")
	}

	apply(facilitator, Op{Kind: GroupsForm, Size: 3})
	for _, id := range append(ids, ana) {
		if !knows(screens[1], id) {
			t.Errorf("Ana does not know %s once everyone has a group", id)
		}
	}
	apply("", Op{Kind: ParticipantJoin, Name: "Late", Role: CivilSociety})
	if late := ParticipantID(w.s.Seq, 0); !knows(screens[1], late) {
		t.Errorf("Ana does not know %s, who joined a group on arrival", late)
	}
}
