package board

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// step applies one entry the way a replica does and checks what must hold
// for every entry: Check neither changes anything nor disagrees with Apply,
// a refusal changes nothing but the seq, and the invariants hold after.
func step(t testing.TB, s *State, e Entry) ([]Change, error) {
	t.Helper()
	before := snapshot(t, s)
	checked := s.Check(e)
	if after := snapshot(t, s); after != before {
		t.Fatalf("Check(%+v) changed the state", e.Op)
	}
	changes, err := s.Apply(e)
	if codeOf(checked) != codeOf(err) {
		t.Fatalf("Check says %v, Apply says %v, for %+v", checked, err, e.Op)
	}
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("refusal is not a *Error: %v", err)
		}
		if !sameExceptSeq(before, snapshot(t, s)) {
			t.Fatalf("refused %s (%v) changed the state", e.Op.Kind, err)
		}
	}
	if s.Seq != e.Seq {
		t.Fatalf("seq = %d after entry %d", s.Seq, e.Seq)
	}
	checkInvariants(t, s)
	return changes, err
}

// sameExceptSeq compares two snapshots, ignoring their seq.
func sameExceptSeq(a, b string) bool {
	var x, y map[string]json.RawMessage
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	delete(x, "seq")
	delete(y, "seq")
	return reflect.DeepEqual(x, y)
}

// checkInvariants checks what no log may break.
func checkInvariants(t testing.TB, s *State) {
	t.Helper()
	set := s.Info.Settings
	for voter, votes := range s.Votes {
		p := s.Participants[voter]
		if p == nil || p.Facilitator {
			t.Fatalf("votes by %q, who may not vote", voter)
		}
		if used := s.used(voter); used > set.VotesPerParticipant {
			t.Fatalf("%s used %d votes of %d", voter, used, set.VotesPerParticipant)
		}
		for item, dots := range votes {
			if dots < 1 || dots > set.MaxVotesPerItem {
				t.Fatalf("%s has %d dots on %s (cap %d)", voter, dots, item, set.MaxVotesPerItem)
			}
			if err := s.votable(item); err != nil {
				t.Fatalf("%s has a vote on %s: %v", voter, item, err)
			}
		}
	}
	for id, n := range s.Notes {
		if s.Groups[n.Chart] == nil {
			t.Fatalf("note %s is on chart %q, which is no group", id, n.Chart)
		}
		if n.Theme != "" && s.Themes[n.Theme] == nil {
			t.Fatalf("note %s is in deleted theme %q", id, n.Theme)
		}
		if s.onCanvas() && !n.Placed {
			t.Fatalf("note %s has no place on the canvas in %s", id, s.Info.Phase)
		}
	}
	if len(s.Deleted) > MaxDeleted {
		t.Fatalf("%d deleted notes kept, over %d", len(s.Deleted), MaxDeleted)
	}
	for id, d := range s.Deleted {
		if s.Notes[id] != nil {
			t.Fatalf("note %s is both on the board and deleted", id)
		}
		if s.Groups[d.Note.Chart] == nil {
			t.Fatalf("deleted note %s would come back to chart %q, which is no group", id, d.Note.Chart)
		}
	}
	for item := range s.Discussions {
		if s.Notes[item] == nil && s.Themes[item] == nil {
			t.Fatalf("discussion of %q, which does not exist", item)
		}
	}
	for id, p := range s.Participants {
		if p.Group != "" && s.Groups[p.Group] == nil {
			t.Fatalf("participant %s is in deleted group %q", id, p.Group)
		}
	}
	if sp := s.Info.Spotlight; sp != "" && s.Groups[sp] == nil {
		t.Fatalf("spotlight on deleted chart %q", sp)
	}
}

// randomLog makes a log of n entries of plausible ops by the people in the
// room, some of which are refused. It applies them to a state as it goes,
// so later ops name the notes and themes that exist.
func randomLog(t testing.TB, seed uint64, n int) []Entry {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := New()
	var log []Entry
	pick := func(ids []string) string {
		if len(ids) == 0 || rng.IntN(12) == 0 {
			return "x9"
		}
		return ids[rng.IntN(len(ids))]
	}
	pos := func() *float64 { return at(float64(rng.IntN(101)) / 100) }
	items := func() []string { return append(sortedIDs(s.Themes), sortedIDs(s.Notes)...) }
	for seq := uint64(1); seq <= uint64(n); seq++ {
		var op Op
		actor := pick(sortedIDs(s.Participants))
		if rng.IntN(3) == 0 {
			actor = facilitator
		}
		switch k := rng.IntN(40); {
		case seq == 1:
			op, actor = Op{Kind: BoardCreate, Title: "Workshop", Prompt: "Ideas?"}, ""
		case seq < 12 || k < 6 && len(s.Participants) < 30:
			op, actor = Op{Kind: ParticipantJoin, Name: fmt.Sprint("Person ", seq), Role: []Role{CivilServant, CivilSociety}[rng.IntN(2)]}, ""
		case k < 8 && rng.IntN(6) == 0:
			next := (slices.Index(phases, s.Info.Phase) + 1) % len(phases)
			if rng.IntN(5) == 0 {
				next = rng.IntN(len(phases))
			}
			op = Op{Kind: PhaseSet, Phase: phases[next]}
		case k == 8:
			op = Op{Kind: GroupsForm, Size: rng.IntN(5)}
		case k < 15:
			op = Op{Kind: NoteAdd, Chart: pick(sortedIDs(s.Groups)), Text: fmt.Sprint("idea ", seq), X: pos(), Y: pos()}
			if p := s.Participants[actor]; p != nil && p.Group != "" && rng.IntN(2) == 0 {
				op.Chart = p.Group
			}
		case k < 16:
			op = Op{Kind: NoteEdit, Note: pick(sortedIDs(s.Notes)), Text: "edited"}
		case k < 17:
			op = Op{Kind: NoteColor, Note: pick(sortedIDs(s.Notes)), Color: Colors[rng.IntN(len(Colors))]}
		case k < 19:
			op = Op{Kind: NoteMove, Note: pick(sortedIDs(s.Notes)), X: pos(), Y: pos()}
		case k < 20 && rng.IntN(2) == 0:
			op = Op{Kind: NoteDelete, Note: pick(sortedIDs(s.Notes))}
		case k < 20:
			op = Op{Kind: NoteRestore, Note: pick(sortedIDs(s.Deleted))}
		case k < 22:
			op = Op{Kind: NoteTheme, Note: pick(sortedIDs(s.Notes)), Theme: pick(append(sortedIDs(s.Themes), ""))}
		case k < 24:
			op = Op{Kind: ThemeCreate, Notes: []string{pick(sortedIDs(s.Notes)), pick(sortedIDs(s.Notes))}[:rng.IntN(3)], X: pos(), Y: pos()}
		case k < 25:
			op = Op{Kind: ThemeRename, Theme: pick(sortedIDs(s.Themes)), Name: "Theme"}
		case k < 26:
			op = Op{Kind: ThemeDelete, Theme: pick(sortedIDs(s.Themes))}
		case k < 31:
			op = Op{Kind: VoteCast, Item: pick(items())}
		case k < 32:
			op = Op{Kind: VoteRetract, Item: pick(items())}
		case k < 33:
			op = Op{Kind: []Kind{VoteReveal, VoteReveal, VoteHide}[rng.IntN(3)]}
		case k < 34:
			op = Op{Kind: DiscussSet, Item: pick(items()), Field: discussFields[rng.IntN(4)].name, Text: "agreed"}
		case k < 35:
			set := DefaultSettings()
			set.HideTallies, set.Anonymous = rng.IntN(2) == 0, rng.IntN(2) == 0
			set.VotesPerParticipant = 2 + rng.IntN(3)
			set.MaxVotesPerItem = 1 + rng.IntN(2)
			op = Op{Kind: BoardSettings, Settings: &set}
		case k < 36:
			op = Op{Kind: []Kind{BoardLock, BoardUnlock, BoardUnlock, BoardUnlock, BoardUnlock, BoardUnlock}[rng.IntN(6)]}
		case k < 37:
			op = Op{Kind: ParticipantMove, Participant: pick(sortedIDs(s.Participants)), Group: pick(sortedIDs(s.Groups))}
		case k < 38:
			op = Op{Kind: GroupRename, Group: pick(sortedIDs(s.Groups)), Name: "Named"}
		case k < 39:
			op = Op{Kind: []Kind{TimerStart, TimerAdd, TimerStop}[rng.IntN(3)], Seconds: 1 + rng.IntN(600)}
		default:
			op = Op{Kind: ChartSpotlight, Chart: pick(append(sortedIDs(s.Groups), ""))}
		}
		// Mostly, the person an op is for sends it.
		switch rules[op.Kind].gate {
		case facilitatorOnly:
			if rng.IntN(5) > 0 {
				actor = facilitator
			}
		case voters:
			actor = pick(s.voterIDs())
		}
		e := Entry{Seq: seq, Actor: actor, At: start.Add(time.Duration(seq) * time.Second), Seed: rng.Uint64(), Op: op}
		s.Apply(e)
		log = append(log, e)
	}
	return log
}

// TestReplay is the core promise: the same log gives the same state, and a
// snapshot taken part way, saved and loaded, then the rest of the log, gives
// it too.
func TestReplay(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			log := randomLog(t, seed, 600)
			straight := New()
			var sent bytes.Buffer
			accepted := 0
			for _, e := range log {
				changes, err := step(t, straight, e)
				if err == nil {
					accepted++
				}
				if err := json.NewEncoder(&sent).Encode(changes); err != nil {
					t.Fatal(err)
				}
			}
			if accepted < len(log)/4 {
				t.Errorf("only %d of %d entries accepted: the log tests too little", accepted, len(log))
			}

			mid := len(log) / 2
			first := New()
			var again bytes.Buffer
			for _, e := range log[:mid] {
				changes, _ := first.Apply(e)
				json.NewEncoder(&again).Encode(changes)
			}
			saved, err := json.Marshal(first)
			if err != nil {
				t.Fatal(err)
			}
			loaded := New()
			if err := json.Unmarshal(saved, loaded); err != nil {
				t.Fatal(err)
			}
			for _, e := range log[mid:] {
				changes, _ := loaded.Apply(e)
				json.NewEncoder(&again).Encode(changes)
			}
			// The headcount a replayed state keeps is counted when first
			// asked for; ask both.
			straight.headcount()
			loaded.headcount()
			if !reflect.DeepEqual(straight, loaded) || snapshot(t, straight) != snapshot(t, loaded) {
				t.Errorf("replay from a snapshot differs:\n%s\n%s", snapshot(t, straight), snapshot(t, loaded))
			}
			if !bytes.Equal(sent.Bytes(), again.Bytes()) {
				t.Error("the same log sent other changes")
			}
		})
	}
}

// TestSnapshotMatchesChanges checks that a client that applied every change
// holds what a fresh snapshot would give it, for each kind of viewer.
func TestSnapshotMatchesChanges(t *testing.T) {
	log := randomLog(t, 42, 600)
	s := New()
	viewers := []struct {
		id          string
		facilitator bool
	}{{facilitator, true}, {"p3", false}, {"p5", false}}
	held := make([]map[string]any, len(viewers))
	for i := range held {
		held[i] = map[string]any{}
	}
	for _, e := range log {
		changes, _ := s.Apply(e)
		for i, v := range viewers {
			for _, c := range visible(changes, v.id, v.facilitator) {
				key := c.Entity + "/" + c.ID
				if c.Deleted {
					delete(held[i], key)
				} else {
					held[i][key] = c.Value
				}
			}
		}
	}
	for i, v := range viewers {
		for source, snapshot := range map[string][]Change{
			"the hub's snapshot": snapshotOf(s, v.id, v.facilitator),
			"the whole board":    visible(s.Changes(), v.id, v.facilitator),
		} {
			fresh := map[string]any{}
			for _, c := range snapshot {
				fresh[c.Entity+"/"+c.ID] = c.Value
			}
			if !reflect.DeepEqual(jsonOf(t, fresh), jsonOf(t, held[i])) {
				for _, k := range slices.Sorted(mapsKeys(fresh, held[i])) {
					if !reflect.DeepEqual(jsonOf(t, fresh[k]), jsonOf(t, held[i][k])) {
						t.Errorf("%s: %s has %s = %s; changes left %s", v.id, source, k, jsonOf(t, fresh[k]), jsonOf(t, held[i][k]))
					}
				}
			}
		}
	}
}

func jsonOf(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mapsKeys iterates the keys of both maps.
func mapsKeys(a, b map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, dup := a[k]; !dup && !yield(k) {
				return
			}
		}
	}
}
