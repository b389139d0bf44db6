package board

import "slices"

// Ranking is the items that have dots, most first. Tied items share a rank
// (1, 1, 3), and Top holds every item ranked third or better, so a tie can
// put more than three ideas in the top three rather than drop one at random.
// TopCivilServant and TopCivilSociety are the top three by one sector's dots
// alone, ranked the same way: the room asks whether both sectors back an
// idea, and an idea one sector carried shows there.
type Ranking struct {
	Ranks           []Rank   `json:"ranks"`
	Top             []string `json:"top"`
	TopCivilServant []Rank   `json:"topCivilServant"`
	TopCivilSociety []Rank   `json:"topCivilSociety"`
}

// MyVotes is one participant's own dots, item id → dots, and how many they
// have left. Only that participant receives it.
type MyVotes struct {
	Votes map[string]int `json:"votes"`
	Left  int            `json:"left"`
}

// topRanks is how many ranks make the top: the workshop takes its top three
// ideas on to the discussion.
const topRanks = 3

// tallies counts the dots on every item that has any. Tallies are derived
// from Votes and Carried, never stored, so they cannot drift from the
// votes cast.
func (s *State) tallies() map[string]*Tally {
	out := map[string]*Tally{}
	for item, t := range s.Carried {
		out[item] = new(*t)
	}
	// Sums only: the order the maps are walked in does not matter.
	for voter, votes := range s.Votes {
		var role Role
		if p := s.Participants[voter]; p != nil {
			role = p.Role
		}
		for item, dots := range votes {
			t := out[item]
			if t == nil {
				t = &Tally{Item: item}
				out[item] = t
			}
			t.Votes += dots
			switch role {
			case CivilServant:
				t.CivilServant += dots
			case CivilSociety:
				t.CivilSociety += dots
			}
		}
	}
	return out
}

// rank orders the tallied items by dots, then by when they were made, and
// finds the top three overall and of each sector.
func rank(tallies map[string]*Tally) Ranking {
	r := Ranking{Ranks: ranked(tallies, func(t *Tally) int { return t.Votes }), Top: []string{}}
	for _, line := range r.Ranks {
		if line.Rank <= topRanks {
			r.Top = append(r.Top, line.Item)
		}
	}
	r.TopCivilServant = top(ranked(tallies, func(t *Tally) int { return t.CivilServant }))
	r.TopCivilSociety = top(ranked(tallies, func(t *Tally) int { return t.CivilSociety }))
	return r
}

// ranked orders the items with dots by the count dots takes of their tally,
// most first, then by when they were made; tied items share a rank.
func ranked(tallies map[string]*Tally, dots func(*Tally) int) []Rank {
	var ids []string
	for _, id := range sortedIDs(tallies) {
		if dots(tallies[id]) > 0 {
			ids = append(ids, id)
		}
	}
	slices.SortStableFunc(ids, func(a, b string) int { return dots(tallies[b]) - dots(tallies[a]) })
	ranks := make([]Rank, 0, len(ids))
	for i, id := range ids {
		line := Rank{Item: id, Votes: dots(tallies[id]), Rank: i + 1}
		if i > 0 && ranks[i-1].Votes == line.Votes {
			line.Rank = ranks[i-1].Rank
		}
		ranks = append(ranks, line)
	}
	return ranks
}

// top is the lines of ranks ranked third or better.
func top(ranks []Rank) []Rank {
	n := 0
	for n < len(ranks) && ranks[n].Rank <= topRanks {
		n++
	}
	return ranks[:n]
}

// Results is the dots as a record of the workshop holds them: the tally of
// every item with dots, by item id, and the ranking they make.
type Results struct {
	Tallies map[string]*Tally
	Ranking Ranking
}

// Results is the tallies and the ranking as one reader, a facilitator or
// not, may see them now; ok is false while they are hidden from that reader
// (see tallyAudience), and then Results is empty.
func (s *State) Results(facilitator bool) (r Results, ok bool) {
	if !facilitator && s.tallyAudience() != Everyone {
		return Results{}, false
	}
	tallies := s.tallies()
	return Results{Tallies: tallies, Ranking: rank(tallies)}, true
}

// tallyAudience is who sees tallies and the ranking: everyone while tallies
// are live or once revealed, otherwise the facilitator alone, so early votes
// do not sway later ones.
func (s *State) tallyAudience() Audience {
	if !s.Info.Settings.HideTallies || s.Info.Revealed {
		return Everyone
	}
	return Facilitators
}

// voteChanges reports the votes on items after they changed: their tallies
// (deleted once no dots are left), the ranking, and the own votes of voters.
func (s *State) voteChanges(items, voters []string) []Change {
	tallies := s.tallies()
	audience := s.tallyAudience()
	var out []Change
	for _, item := range items {
		if t := tallies[item]; t != nil {
			out = append(out, upsert(entityTally, item, *t).to(audience))
		} else {
			out = append(out, deletion(entityTally, item).to(audience))
		}
	}
	out = append(out, upsert(entityRanking, entityRanking, rank(tallies)).to(audience), s.turnoutChange())
	for _, voter := range voters {
		out = append(out, s.myVotesChange(voter))
	}
	return out
}

// Turnout is how many participants have at least one dot down. Everyone
// sees it, hidden tallies or not: the room wants to know when the vote is
// done ("12 of 26 have voted"), and it says nothing of what was chosen.
type Turnout struct {
	Voted int `json:"voted"`
}

// turnoutChange is the board's turnout now; a voter whose last dot is
// taken back leaves Votes.
func (s *State) turnoutChange() Change {
	return upsert(entityTurnout, entityTurnout, Turnout{Voted: len(s.Votes)})
}

// showTallies sends every tally and the ranking again after who may see them
// changed: to everyone once they are public; once hidden, to the facilitator
// only, while participants are told to drop theirs.
func (s *State) showTallies() []Change {
	tallies := s.tallies()
	all := make([]Change, 0, len(tallies)+1)
	for _, id := range sortedIDs(tallies) {
		all = append(all, upsert(entityTally, id, *tallies[id]))
	}
	all = append(all, upsert(entityRanking, entityRanking, rank(tallies)))
	if s.tallyAudience() == Everyone {
		return all
	}
	out := make([]Change, 0, 2*len(all))
	for _, c := range all {
		out = append(out, c.to(Facilitators), deletion(c.Entity, c.ID).to(Participants))
	}
	return out
}

// myVotes is what voter has cast and has left.
func (s *State) myVotes(voter string) MyVotes {
	mine := map[string]int{}
	used := 0
	for item, dots := range s.Votes[voter] {
		mine[item] = dots
		used += dots
	}
	return MyVotes{Votes: mine, Left: max(0, s.Info.Settings.VotesPerParticipant-used)}
}

func (s *State) myVotesChange(voter string) Change {
	c := upsert(entityMyVotes, voter, s.myVotes(voter)).to(Owner)
	c.Owner = voter
	return c
}

// voterIDs is every participant who votes, that is all but the facilitator.
func (s *State) voterIDs() []string {
	var ids []string
	for _, id := range sortedIDs(s.Participants) {
		if !s.Participants[id].Facilitator {
			ids = append(ids, id)
		}
	}
	return ids
}

// used is how many dots voter has cast.
func (s *State) used(voter string) int {
	n := 0
	for _, dots := range s.Votes[voter] {
		n += dots
	}
	return n
}
