package board

// castVote puts one of the actor's dots on an item: a theme, or a note in no
// theme (a note in a theme counts toward its theme).
func (s *State) castVote(r request) (mutation, *Error) {
	if err := s.during(r, Vote); err != nil {
		return nil, err
	}
	item := r.Op.Item
	if err := s.votable(item); err != nil {
		return nil, err
	}
	voter, set := r.by.ID, s.Info.Settings
	if s.used(voter) >= set.VotesPerParticipant {
		return nil, refuse(CodeVoteBudget, "you have used all %d of your votes", set.VotesPerParticipant)
	}
	if dots := s.Votes[voter][item]; dots >= set.MaxVotesPerItem {
		if dots == 1 {
			return nil, refuse(CodeVoteCap, "you have already voted for this")
		}
		return nil, refuse(CodeVoteCap, "you have put the most dots allowed (%d) on this", dots)
	}
	return func() []Change {
		if s.Votes[voter] == nil {
			s.Votes[voter] = map[string]int{}
		}
		s.Votes[voter][item]++
		return s.voteChanges([]string{item}, []string{voter})
	}, nil
}

// retractVote takes back one of the actor's dots on an item.
func (s *State) retractVote(r request) (mutation, *Error) {
	if err := s.during(r, Vote); err != nil {
		return nil, err
	}
	voter, item := r.by.ID, r.Op.Item
	if s.Votes[voter][item] == 0 {
		return nil, refuse(CodeNoVote, "you have no vote on this to take back")
	}
	return func() []Change {
		mine := s.Votes[voter]
		mine[item]--
		if mine[item] == 0 {
			delete(mine, item)
		}
		if len(mine) == 0 {
			delete(s.Votes, voter)
		}
		return s.voteChanges([]string{item}, []string{voter})
	}, nil
}

// reveal shows hidden tallies to everyone.
func (s *State) reveal(request) (mutation, *Error) { return s.setRevealed(true), nil }

// hide takes revealed tallies back from the participants, until the
// facilitator reveals them again: a reveal made too early, or a second round
// of voting, need not be swayed by the first.
func (s *State) hide(request) (mutation, *Error) { return s.setRevealed(false), nil }

func (s *State) setRevealed(revealed bool) mutation {
	return func() []Change {
		s.Info.Revealed = revealed
		return append([]Change{s.boardChange()}, s.showTallies()...)
	}
}

// refund gives back every dot on items, which have left the ballot (see
// ballotChanged). Dots carried from an imported board have nobody to go
// back to: they are dropped.
func (s *State) refund(items ...string) []Change {
	var voters []string
	for _, voter := range sortedIDs(s.Votes) {
		mine, had := s.Votes[voter], false
		for _, item := range items {
			if mine[item] > 0 {
				delete(mine, item)
				had = true
			}
		}
		if !had {
			continue
		}
		voters = append(voters, voter)
		if len(mine) == 0 {
			delete(s.Votes, voter)
		}
	}
	carried := false
	for _, item := range items {
		if s.Carried[item] != nil {
			delete(s.Carried, item)
			carried = true
		}
	}
	if len(voters) == 0 && !carried {
		return nil
	}
	return s.voteChanges(items, voters)
}
