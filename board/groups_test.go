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

// TestGroupsBalanced forms groups for many rooms and checks the workshop's
// ask: groups of about the size asked for, equal numbers of civil servants
// and civil society (to within one), and late joiners keeping it so.
func TestGroupsBalanced(t *testing.T) {
	for servants := range 14 {
		for society := range 14 {
			for _, size := range []int{2, 3, 4, 5, 6, 7, 10} {
				t.Run(fmt.Sprintf("%d+%d/%d", servants, society, size), func(t *testing.T) {
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
					n := servants + society
					if want := max(1, (2*n+size)/(2*size)); len(w.s.Groups) != want {
						t.Fatalf("%d groups, want %d", len(w.s.Groups), want)
					}
					sizes, sv, cs := groupCounts(w.s)
					if _, ok := sizes[""]; ok {
						t.Fatalf("someone has no group: %v", sizes)
					}
					if spread(sizes) > 1 || spread(sv) > 1 || spread(cs) > 1 {
						t.Fatalf("unbalanced: sizes %v, civil servants %v, civil society %v", sizes, sv, cs)
					}
					for i := range 5 {
						role := []Role{CivilServant, CivilSociety}[(i*servants+society)%2]
						w.join(fmt.Sprint("late ", i), role)
						sizes, sv, cs = groupCounts(w.s)
						if spread(sv) > 1 || spread(cs) > 1 || spread(sizes) > 2 {
							t.Fatalf("after late joiner %d: sizes %v, civil servants %v, civil society %v", i, sizes, sv, cs)
						}
					}
				})
			}
		}
	}
}

// TestGroupsScenario forms the groups of the Belize workshop
// (shared/workshop/scenario.json): 13 civil servants and 13 from civil
// society in groups of about six make four groups of six or seven, each
// with three or four of each.
func TestGroupsScenario(t *testing.T) {
	w := newWorkshop(t, nil)
	for i := range 13 {
		w.join(fmt.Sprint("servant ", i), CivilServant)
		w.join(fmt.Sprint("society ", i), CivilSociety)
	}
	changes := w.must(facilitator, Op{Kind: GroupsForm})
	sizes, sv, cs := groupCounts(w.s)
	for _, g := range sortedIDs(w.s.Groups) {
		if sizes[g] < 6 || sizes[g] > 7 || sv[g] < 3 || sv[g] > 4 || cs[g] < 3 || cs[g] > 4 {
			t.Errorf("group %s: %d people, %d civil servants, %d civil society", g, sizes[g], sv[g], cs[g])
		}
	}
	if len(sizes) != 4 {
		t.Errorf("%d groups, want 4", len(sizes))
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
