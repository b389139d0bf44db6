package board

import "slices"

// The entities a change names; docs/protocol.md lists each one's value.
const (
	entityBoard       = "board"
	entityParticipant = "participant"
	entityPeople      = "people"
	entityGroup       = "group"
	entityNote        = "note"
	entityTheme       = "theme"
	entityTally       = "tally"
	entityRanking     = "ranking"
	entityMyVotes     = "myvotes"
	entityTurnout     = "turnout"
	entityBallot      = "ballot"
	entityDiscussion  = "discussion"
)

// boardID is the id of the one board entity.
const boardID = "board"

func upsert(entity, id string, v any) Change {
	return Change{Entity: entity, ID: id, Value: v}
}

func deletion(entity, id string) Change {
	return Change{Entity: entity, ID: id, Deleted: true}
}

// to returns c for audience a only.
func (c Change) to(a Audience) Change {
	c.Audience = a
	return c
}

// boardValue is the board entity: the board's Info and the bounds its
// settings must keep, which the facilitator's console takes from here
// rather than knowing them itself.
type boardValue struct {
	Info
	Limits Limits `json:"limits"`
}

// Limits are the bounds of the settings a facilitator changes while the
// workshop runs. The dots one person may put on one item go from 1 to
// their votes per participant.
type Limits struct {
	VotesPerParticipant Bound `json:"votesPerParticipant"`
	GroupSize           Bound `json:"groupSize"`
}

// Bound is the smallest and the largest a setting may be.
type Bound struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// boardChange is the board entity. The passcode is left out for everyone:
// participants must never see it and the facilitator does not need it back.
func (s *State) boardChange() Change {
	info := s.Info
	info.Settings.Passcode = ""
	return upsert(entityBoard, boardID, boardValue{Info: info, Limits: limits})
}

// participantChanges is p as each audience may see it. A participant
// with no group yet is known to the other participants' screens only as
// one of the people counted (peopleChange): no screen of theirs shows
// anyone else before the groups are formed, and a storm of thousands
// joining would otherwise send every screen every newcomer. The
// facilitator sees everyone, and p's own screen sees p.
func participantChanges(p *Participant) []Change {
	c := upsert(entityParticipant, p.ID, *p)
	if knownToAll(p) {
		return []Change{c}
	}
	own := c.to(Owner)
	own.Owner = p.ID
	return []Change{c.to(Facilitators), own}
}

// knownToAll reports whether every screen is sent p: the facilitator, and
// anyone with a group.
func knownToAll(p *Participant) bool { return p.Group != "" || p.Facilitator }

func groupChange(g *Group) Change { return upsert(entityGroup, g.ID, *g) }

func themeChange(t *Theme) Change { return upsert(entityTheme, t.ID, *t) }

func discussionChange(d *Discussion) Change { return upsert(entityDiscussion, d.Item, *d) }

// noteChanges is a note as each audience may see it: on an anonymous board
// the facilitator sees its author and participants do not.
func (s *State) noteChanges(n *Note) []Change {
	whole := upsert(entityNote, n.ID, *n)
	if !s.Info.Settings.Anonymous {
		return []Change{whole}
	}
	redacted := *n
	redacted.Author = ""
	return []Change{whole.to(Facilitators), upsert(entityNote, n.ID, redacted).to(Participants)}
}

// notesChanges is noteChanges for the notes ids, in that order.
func (s *State) notesChanges(ids []string) []Change {
	var out []Change
	for _, id := range ids {
		out = append(out, s.noteChanges(s.Notes[id])...)
	}
	return out
}

// Changes is the whole board as upserts, each with its audience, in a stable
// order: the shared changes, then each voter's OwnChanges.
func (s *State) Changes() []Change {
	out := s.sharedChanges(func(*Participant) bool { return true })
	for _, id := range s.voterIDs() {
		out = append(out, s.OwnChanges(id)...)
	}
	return out
}

// SharedChanges is the board as a facilitator, or any participant, sees
// it, without the changes addressed to one participant alone: board,
// people, participants, groups, notes, themes, tallies, ranking, turnout,
// ballot, discussions. Every viewer of one kind sees the same of it, so
// the hub encodes it once for all of them. A participant's view leaves
// out the room's ungrouped newcomers before sorting anyone: during a
// storm of joins it is encoded every few joins, over thousands of them.
func (s *State) SharedChanges(facilitator bool) []Change {
	out := s.sharedChanges(func(p *Participant) bool { return facilitator || knownToAll(p) })
	return slices.DeleteFunc(out, func(c Change) bool { return !c.Visible("", facilitator) })
}

// sharedChanges is the board as upserts, each with its audience, but for
// the changes addressed to one participant alone, and with only the
// participants listed.
func (s *State) sharedChanges(listed func(*Participant) bool) []Change {
	var ids []string
	for id, p := range s.Participants {
		if listed(p) {
			ids = append(ids, id)
		}
	}
	// Sized for the board's entities (an anonymous board's notes are two
	// changes each) before its tallies: growing the slice was half the
	// cost of a full lobby's snapshot.
	out := make([]Change, 0, 8+len(ids)+len(s.Groups)+2*len(s.Notes)+len(s.Themes)+len(s.Discussions))
	out = append(out, s.boardChange(), s.peopleChange())
	for _, id := range sortIDs(ids) {
		for _, c := range participantChanges(s.Participants[id]) {
			if c.Audience != Owner {
				out = append(out, c)
			}
		}
	}
	for _, id := range sortedIDs(s.Groups) {
		out = append(out, groupChange(s.Groups[id]))
	}
	out = append(out, s.notesChanges(sortedIDs(s.Notes))...)
	for _, id := range sortedIDs(s.Themes) {
		out = append(out, themeChange(s.Themes[id]))
	}
	tallies := s.tallies()
	audience := s.tallyAudience()
	for _, id := range sortedIDs(tallies) {
		out = append(out, upsert(entityTally, id, *tallies[id]).to(audience))
	}
	out = append(out, upsert(entityRanking, entityRanking, rank(tallies)).to(audience), s.turnoutChange())
	if s.onBallot() {
		out = append(out, s.ballotChange())
	}
	for _, id := range sortedIDs(s.Discussions) {
		out = append(out, discussionChange(s.Discussions[id]))
	}
	return out
}

// OwnChanges is what participant id alone is sent of the board: their own
// votes, and themselves while they have no group. Facilitators, who do not
// vote, and strangers get nothing.
func (s *State) OwnChanges(id string) []Change {
	p := s.Participants[id]
	if p == nil || p.Facilitator {
		return nil
	}
	var out []Change
	for _, c := range participantChanges(p) {
		if c.Audience == Owner {
			out = append(out, c)
		}
	}
	return append(out, s.myVotesChange(id))
}
