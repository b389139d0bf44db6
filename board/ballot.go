package board

import "strings"

// Ballot is the items that take votes, in the order screens list them:
// every theme that holds a note, then every note in no theme whose idea is
// not on the ballot already. The server decides it so that every screen
// offers the same items and a dot can go only where it counts.
type Ballot struct {
	Items []string `json:"items"`
}

// ballot is the board's ballot now. An empty theme is no idea to vote for.
// Loose notes that say the same thing, word for word whatever the case and
// spacing (two groups often write the same idea), are one item: the first
// written. That is all the board can tell on its own; ideas alike in other
// words are for the plenary to gather in a theme.
func (s *State) ballot() Ballot {
	held := map[string]bool{}
	for _, n := range s.Notes {
		held[n.Theme] = true
	}
	b := Ballot{Items: []string{}}
	for _, id := range sortedIDs(s.Themes) {
		if held[id] {
			b.Items = append(b.Items, id)
		}
	}
	said := map[string]bool{}
	for _, id := range sortedIDs(s.Notes) {
		n := s.Notes[id]
		if idea := ideaOf(n.Text); n.Theme == "" && !said[idea] {
			said[idea] = true
			b.Items = append(b.Items, id)
		}
	}
	return b
}

// ideaOf is what a note says, for telling two notes of one idea: its words,
// lower case, one space apart.
func ideaOf(text string) string { return strings.ToLower(strings.Join(strings.Fields(text), " ")) }

// onBallot reports whether the phase shows the ballot: from the vote on.
func (s *State) onBallot() bool { return s.Info.Phase == Vote || s.Info.Phase == Discuss }

// ballotChange is the ballot entity as the phase has it: the ballot from
// the vote on, none before.
func (s *State) ballotChange() Change {
	if !s.onBallot() {
		return deletion(entityBallot, entityBallot)
	}
	return upsert(entityBallot, entityBallot, s.ballot())
}

// ballotChanged follows a change to the notes or themes: the ballot, when
// the phase shows it, and the dots given back from every item that left it
// (a note gone into a theme or deleted, a theme emptied, a note now saying
// what an earlier one says), so that no budget stays spent on something
// that no longer counts. Before the vote, with no dots down, it costs
// nothing.
func (s *State) ballotChanged() []Change {
	if len(s.Votes) == 0 && len(s.Carried) == 0 && !s.onBallot() {
		return nil
	}
	b := s.ballot()
	var out []Change
	if s.onBallot() {
		out = append(out, upsert(entityBallot, entityBallot, b))
	}
	kept, gone := map[string]bool{}, map[string]bool{}
	for _, item := range b.Items {
		kept[item] = true
	}
	for _, votes := range s.Votes {
		for item := range votes {
			gone[item] = !kept[item]
		}
	}
	for item := range s.Carried {
		gone[item] = !kept[item]
	}
	var refunded []string
	for _, item := range sortedIDs(gone) {
		if gone[item] {
			refunded = append(refunded, item)
		}
	}
	return append(out, s.refund(refunded...)...)
}

// votable refuses an item that is not on the ballot, saying why.
func (s *State) votable(item string) *Error {
	if item == "" {
		return refuse(CodeBadOp, "which theme or note is the vote for?")
	}
	if s.Themes[item] != nil {
		for _, n := range s.Notes {
			if n.Theme == item {
				return nil
			}
		}
		return refuse(CodeBadOp, "this theme holds no notes")
	}
	n := s.Notes[item]
	switch {
	case n == nil:
		return refuse(CodeNotFound, "there is no theme or note %q", item)
	case n.Theme != "":
		return refuse(CodeBadOp, "this note is in a theme: vote for the theme")
	}
	idea := ideaOf(n.Text)
	for id, other := range s.Notes {
		if other.Theme == "" && CompareIDs(id, item) < 0 && ideaOf(other.Text) == idea {
			return refuse(CodeBadOp, "note %s says the same: vote for it", id)
		}
	}
	return nil
}
