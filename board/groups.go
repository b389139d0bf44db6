package board

import (
	"fmt"
	"math/rand/v2"
)

// formGroups splits the room into breakout groups of about the op's size
// (0: the settings' group size) with equal numbers of civil servants and
// civil society in every group the counts allow, as the workshop asks. No
// two groups differ by more than one person of a sector, and each group's
// gap between its sectors is as small as that allows: both sectors are
// dealt round the groups from the first, so the groups that get one more
// civil servant are the ones that get one more from civil society. With 13
// of each in groups of six that is 3+3, 3+3, 3+3 and 4+4, not 4+3, 3+4,
// 3+3, 3+3: sector balance comes before equal sizes, which may then differ
// by two.
//
// Each role is shuffled with the entry's seed, so groups mix people who
// arrived together yet every replica forms the same ones.
//
// Forming again replaces every group, so it is refused once a flip chart
// holds notes: they would lose the group they came from.
func (s *State) formGroups(r request) (mutation, *Error) {
	size := r.Op.Size
	if size == 0 {
		size = s.Info.Settings.GroupSize
	}
	if err := groupSizeRefused(size); err != nil {
		return nil, err
	}
	for _, n := range s.Notes {
		if s.Groups[n.Chart] != nil {
			return nil, refuse(CodeGroupsInUse, "groups cannot be formed again once flip charts hold notes")
		}
	}
	servants, society := s.byRole(CivilServant), s.byRole(CivilSociety)
	people := len(servants) + len(society)
	k := max(1, (2*people+size)/(2*size)) // people/size, rounded half up
	if k > MaxGroups {
		return nil, refuse(CodeTooMany, "that makes over %d groups; choose larger groups", MaxGroups)
	}
	return func() []Change {
		var out []Change
		for _, id := range sortedIDs(s.Groups) {
			if idNumber(id) > uint64(k) || !wellFormed(groupPrefix, id) {
				out = append(out, deletion(entityGroup, id))
			}
		}
		clear(s.Groups)
		// A note deleted from an old group's chart has no chart to come
		// back to: the new group of that name is other people.
		clear(s.Deleted)
		for i := 1; i <= k; i++ {
			g := &Group{ID: groupID(i), Name: fmt.Sprintf(s.words().group, i)}
			s.Groups[g.ID] = g
			out = append(out, groupChange(g))
		}
		if s.Info.Spotlight != "" && s.Groups[s.Info.Spotlight] == nil {
			s.Info.Spotlight = ""
			out = append(out, s.boardChange())
		}
		shuffle := rand.New(rand.NewPCG(r.Seed, r.Seq))
		for _, sector := range [][]*Participant{servants, society} {
			shuffle.Shuffle(len(sector), func(i, j int) { sector[i], sector[j] = sector[j], sector[i] })
			for i, p := range sector {
				group := groupID(i%k + 1)
				if p.Group != group {
					p.Group = group
					out = append(out, participantChanges(p)...)
				}
			}
		}
		return out
	}, nil
}

// byRole is the participants of a role, in id order.
func (s *State) byRole(role Role) []*Participant {
	var out []*Participant
	for _, id := range sortedIDs(s.Participants) {
		if p := s.Participants[id]; p.Role == role {
			out = append(out, p)
		}
	}
	return out
}

// balancedGroup is the group a newcomer of role joins: among the groups
// with fewest of that role, which keeps every sector within one across
// groups, the one with most of the other sector, where the newcomer evens
// the group up (or widens its gap least), then the first. Empty while there
// are no groups, which costs nothing: counting goes over every
// participant, and a join before the groups are formed (most of them)
// would make filling a board quadratic.
func (s *State) balancedGroup(role Role) string {
	if len(s.Groups) == 0 {
		return ""
	}
	same, other := map[string]int{}, map[string]int{}
	for _, p := range s.Participants {
		switch {
		case p.Facilitator:
		case p.Role == role:
			same[p.Group]++
		default:
			other[p.Group]++
		}
	}
	best := ""
	for _, id := range sortedIDs(s.Groups) {
		if best == "" || same[id] < same[best] || same[id] == same[best] && other[id] > other[best] {
			best = id
		}
	}
	return best
}

// renameGroup names a group; its members may name it as well as the
// facilitator.
func (s *State) renameGroup(r request) (mutation, *Error) {
	g := s.Groups[r.Op.Group]
	if g == nil {
		return nil, refuse(CodeNotFound, "there is no group %q", r.Op.Group)
	}
	if !r.facilitator() && r.by.Group != g.ID {
		return nil, refuse(CodeForbidden, "only the group's members or the facilitator may rename it")
	}
	name, err := nameText.clean(r.Op.Name)
	if err != nil {
		return nil, err
	}
	return func() []Change {
		g.Name = name
		return []Change{groupChange(g)}
	}, nil
}
