package board

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

// groupCounts is, for every group, its size and how many of each role it
// holds.
func groupCounts(s *State) (size, servants, society map[string]int) {
	size, servants, society = map[string]int{}, map[string]int{}, map[string]int{}
	for id := range s.Groups {
		size[id], servants[id], society[id] = 0, 0, 0
	}
	for _, p := range s.Participants {
		if p.Facilitator {
			continue
		}
		size[p.Group]++
		switch p.Role {
		case CivilServant:
			servants[p.Group]++
		case CivilSociety:
			society[p.Group]++
		}
	}
	return size, servants, society
}

// spread is the largest count minus the smallest.
func spread(counts map[string]int) int {
	v := slices.Collect(maps.Values(counts))
	return slices.Max(v) - slices.Min(v)
}

// gap is a group's distance from equal sectors.
func gap(servants, society int) int { return max(servants-society, society-servants) }

// widest is the largest gap between the sectors of a group and how many
// groups have it.
type widest struct{ gap, groups int }

func (w widest) better(v widest) bool { return w.gap < v.gap || w.gap == v.gap && w.groups < v.groups }

// bestWidest is the smallest widest gap k groups can have when no two of
// them differ by more than one person of a sector: each sector's extras
// (servants%k groups with one more civil servant, society%k with one more
// from civil society) can overlap in any number of groups the counts allow,
// and every overlap is tried.
func bestWidest(servants, society, k int) widest {
	qs, a, qc, b := servants/k, servants%k, society/k, society%k
	best := widest{gap: servants + society + 1}
	for both := max(0, a+b-k); both <= min(a, b); both++ {
		var w widest
		for _, g := range []struct{ groups, gap int }{
			{both, gap(qs+1, qc+1)}, {a - both, gap(qs+1, qc)}, {b - both, gap(qs, qc+1)}, {k - a - b + both, gap(qs, qc)},
		} {
			switch {
			case g.groups == 0:
			case g.gap > w.gap:
				w = widest{g.gap, g.groups}
			case g.gap == w.gap:
				w.groups += g.groups
			}
		}
		if w.better(best) {
			best = w
		}
	}
	return best
}

// balanced says what is wrong with the groups of s, or "": someone without
// a group, a sector that differs by more than one between two groups, or a
// gap between the sectors wider, or in more groups, than the counts force.
func balanced(s *State) string {
	sizes, sv, cs := groupCounts(s)
	if _, ok := sizes[""]; ok {
		return "someone has no group"
	}
	if spread(sv) > 1 || spread(cs) > 1 {
		return fmt.Sprintf("a sector differs by more than one: civil servants %v, civil society %v", sv, cs)
	}
	var got widest
	servants, society := 0, 0
	for g := range s.Groups {
		servants, society = servants+sv[g], society+cs[g]
		switch d := gap(sv[g], cs[g]); {
		case d > got.gap:
			got = widest{d, 1}
		case d == got.gap:
			got.groups++
		}
	}
	if want := bestWidest(servants, society, len(s.Groups)); want.better(got) {
		return fmt.Sprintf("widest gap between sectors %+v, %+v was possible: civil servants %v, civil society %v", got, want, sv, cs)
	}
	return ""
}

// TestGroupsBalanced forms groups for every room of up to 60 people and
// every split between the sectors, and checks the workshop's ask: groups of
// about the size asked for, equal numbers of civil servants and civil
// society wherever the counts allow and otherwise as close as they can be,
// and late joiners keeping it so.
func TestGroupsBalanced(t *testing.T) {
	for people := range 61 {
		for servants := range people + 1 {
			society := people - servants
			for _, size := range []int{2, 3, 4, 6, 9} {
				w := newWorkshop(t, nil)
				// Arrivals interleave the roles unevenly, as in a real room.
				for i := range max(servants, society) {
					if i < society {
						w.join(fmt.Sprint("society ", i), CivilSociety)
					}
					if i < servants {
						w.join(fmt.Sprint("servant ", i), CivilServant)
					}
				}
				w.must(facilitator, Op{Kind: GroupsForm, Size: size})
				room := fmt.Sprintf("%d civil servants, %d civil society, groups of %d", servants, society, size)
				if want := max(1, (2*people+size)/(2*size)); len(w.s.Groups) != want {
					t.Fatalf("%s: %d groups, want %d", room, len(w.s.Groups), want)
				}
				if msg := balanced(w.s); msg != "" {
					t.Fatalf("%s: %s", room, msg)
				}
				for i, role := range []Role{CivilSociety, CivilServant, CivilServant, CivilSociety, CivilSociety, CivilSociety} {
					w.join(fmt.Sprint("late ", i), role)
					if msg := balanced(w.s); msg != "" {
						t.Fatalf("%s, after late joiner %d (%s): %s", room, i, role, msg)
					}
				}
			}
		}
	}
}

// TestGroupsScenario forms the groups of the Belize workshop
// (shared/workshop/scenario.json): 13 civil servants and 13 from civil
// society in groups of about six make four groups, each with as many of
// one sector as of the other: three of 3+3 and one of 4+4.
func TestGroupsScenario(t *testing.T) {
	w := newWorkshop(t, nil)
	for i := range 13 {
		w.join(fmt.Sprint("servant ", i), CivilServant)
		w.join(fmt.Sprint("society ", i), CivilSociety)
	}
	changes := w.must(facilitator, Op{Kind: GroupsForm})
	_, sv, cs := groupCounts(w.s)
	var got []string
	for _, g := range sortedIDs(w.s.Groups) {
		got = append(got, fmt.Sprintf("%d+%d", sv[g], cs[g]))
	}
	slices.Sort(got)
	if want := []string{"3+3", "3+3", "3+3", "4+4"}; !slices.Equal(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
	if c, ok := find(changes, entityGroup, "g4"); !ok || c.Value.(Group).Name != "Group 4" {
		t.Errorf("no change names group g4: %v", c)
	}
}

// TestGroupsReformed checks that forming groups again replaces them, that
// the same seed forms the same groups and another seed others.
func TestGroupsReformed(t *testing.T) {
	form := func(seed uint64, size int) (*State, []Change) {
		w := newWorkshop(t, nil)
		for i := range 12 {
			w.join(fmt.Sprint("person ", i), []Role{CivilServant, CivilSociety}[i%2])
		}
		w.must(facilitator, Op{Kind: GroupsForm, Size: 2})
		w.must(facilitator, Op{Kind: ChartSpotlight, Chart: "g6"})
		e := w.entry(facilitator, Op{Kind: GroupsForm, Size: size})
		e.Seed = seed
		changes, err := w.s.Apply(e)
		if err != nil {
			t.Fatal(err)
		}
		return w.s, changes
	}
	a, changes := form(1, 4)
	if len(a.Groups) != 3 {
		t.Fatalf("%d groups, want 3", len(a.Groups))
	}
	for _, g := range []string{"g4", "g5", "g6"} {
		if c, ok := find(changes, entityGroup, g); !ok || !c.Deleted {
			t.Errorf("group %s was not deleted: %+v", g, c)
		}
	}
	if a.Info.Spotlight != "" {
		t.Errorf("spotlight stayed on a deleted group: %q", a.Info.Spotlight)
	}
	b, _ := form(1, 4)
	if snapshot(t, a) != snapshot(t, b) {
		t.Error("the same seed formed other groups")
	}
	differs := false
	for seed := range uint64(5) {
		c, _ := form(seed+2, 4)
		differs = differs || snapshot(t, a) != snapshot(t, c)
	}
	if !differs {
		t.Error("five other seeds all formed the same groups")
	}
}
