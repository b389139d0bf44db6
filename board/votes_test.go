package board

import (
	"reflect"
	"slices"
	"testing"
)

func TestRank(t *testing.T) {
	tests := []struct {
		name      string
		votes     map[string]int
		wantRanks []Rank
		wantTop   []string
	}{
		{name: "no votes", votes: map[string]int{}, wantRanks: []Rank{}, wantTop: []string{}},
		{
			name:  "ties share a rank and the next rank skips",
			votes: map[string]int{"t10": 5, "n9": 5, "t3": 3, "n20": 2, "n4": 2, "t30": 1},
			wantRanks: []Rank{
				{"n9", 5, 1}, {"t10", 5, 1}, {"t3", 3, 3}, {"n4", 2, 4}, {"n20", 2, 4}, {"t30", 1, 6},
			},
			wantTop: []string{"n9", "t10", "t3"},
		},
		{
			name:      "a tie for second puts four in the top three",
			votes:     map[string]int{"t1": 4, "t2": 3, "t12": 3, "n5": 3, "n6": 1},
			wantRanks: []Rank{{"t1", 4, 1}, {"t2", 3, 2}, {"n5", 3, 2}, {"t12", 3, 2}, {"n6", 1, 5}},
			wantTop:   []string{"t1", "t2", "n5", "t12"},
		},
		{
			name:      "fewer than three items",
			votes:     map[string]int{"t1": 1, "t2": 2},
			wantRanks: []Rank{{"t2", 2, 1}, {"t1", 1, 2}},
			wantTop:   []string{"t2", "t1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tallies := map[string]*Tally{}
			for item, v := range tt.votes {
				tallies[item] = &Tally{Item: item, Votes: v, CivilSociety: v}
			}
			got := rank(tallies)
			if !reflect.DeepEqual(got.Ranks, tt.wantRanks) || !reflect.DeepEqual(got.Top, tt.wantTop) {
				t.Errorf("rank = %+v\nwant ranks %+v top %v", got, tt.wantRanks, tt.wantTop)
			}
			// Every dot is civil society's here: its top three is the
			// ranking's, and civil servants have none.
			if want := top(tt.wantRanks); !reflect.DeepEqual(got.TopCivilSociety, want) || len(got.TopCivilServant) != 0 {
				t.Errorf("top three by sector: civil society %+v, want %+v; civil servants %+v", got.TopCivilSociety, want, got.TopCivilServant)
			}
		})
	}
}

// TestRankBySector ranks the room's top three by each sector's dots alone:
// an idea civil society carried is in their top three and not in the civil
// servants', whatever the overall count.
func TestRankBySector(t *testing.T) {
	tallies := map[string]*Tally{
		"t1": {Item: "t1", Votes: 9, CivilServant: 9},
		"t2": {Item: "t2", Votes: 6, CivilServant: 1, CivilSociety: 5},
		"t3": {Item: "t3", Votes: 5, CivilServant: 3, CivilSociety: 2},
		"n4": {Item: "n4", Votes: 4, CivilServant: 2, CivilSociety: 2},
		"n5": {Item: "n5", Votes: 3, CivilSociety: 3},
	}
	got := rank(tallies)
	if want := []Rank{{"t1", 9, 1}, {"t3", 3, 2}, {"n4", 2, 3}}; !reflect.DeepEqual(got.TopCivilServant, want) {
		t.Errorf("civil servants' top three = %+v, want %+v", got.TopCivilServant, want)
	}
	if want := []Rank{{"t2", 5, 1}, {"n5", 3, 2}, {"t3", 2, 3}, {"n4", 2, 3}}; !reflect.DeepEqual(got.TopCivilSociety, want) {
		t.Errorf("civil society's top three = %+v, want %+v", got.TopCivilSociety, want)
	}
	if want := []string{"t1", "t2", "t3"}; !reflect.DeepEqual(got.Top, want) {
		t.Errorf("top three = %v, want %v", got.Top, want)
	}
}

// voting is a room in the vote phase with two loose notes, n99 on Ana's
// chart and n98, and a theme t100 holding a third, n200.
func voting(t *testing.T, settings func(*Settings)) *room {
	r := newRoom(t)
	if settings != nil {
		r.must(facilitator, func() Op { s := DefaultSettings(); settings(&s); return Op{Kind: BoardSettings, Settings: &s} }())
	}
	withNote(Cluster)(r)
	r.s.Seq = 199
	r.must(facilitator, Op{Kind: NoteAdd, Chart: "g2", Text: "Translators at every service desk"})
	r.s.Seq = 99
	r.must(r.ben, Op{Kind: ThemeCreate, Name: "Access", Notes: []string{"n200"}, X: at(0.5), Y: at(0.5)})
	r.phase(Vote)
	return r
}

func TestVotesTallied(t *testing.T) {
	r := voting(t, func(s *Settings) { s.MaxVotesPerItem = 2 })
	r.must(r.ana, Op{Kind: VoteCast, Item: "t100"})
	r.must(r.ana, Op{Kind: VoteCast, Item: "t100"})
	r.must(r.ben, Op{Kind: VoteCast, Item: "t100"})
	r.must(r.ben, Op{Kind: VoteCast, Item: "n99"})
	changes := r.must(r.cleo, Op{Kind: VoteCast, Item: "n99"})

	tally, _ := find(changes, entityTally, "n99")
	if want := (Tally{Item: "n99", Votes: 2, CivilServant: 1, CivilSociety: 1}); tally.Value != want {
		t.Errorf("tally of n99 = %+v, want %+v", tally.Value, want)
	}
	ranking, _ := find(changes, entityRanking, entityRanking)
	got := ranking.Value.(Ranking)
	want := Ranking{
		Ranks: []Rank{{"t100", 3, 1}, {"n99", 2, 2}}, Top: []string{"t100", "n99"},
		TopCivilServant: []Rank{{"t100", 2, 1}, {"n99", 1, 2}},
		TopCivilSociety: []Rank{{"n99", 1, 1}, {"t100", 1, 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranking = %+v, want %+v", got, want)
	}
	mine, _ := find(changes, entityMyVotes, r.cleo)
	if mine.Audience != Owner || mine.Owner != r.cleo {
		t.Errorf("own votes go to %v %q", mine.Audience, mine.Owner)
	}
	if got := mine.Value.(MyVotes); got.Left != 2 || got.Votes["n99"] != 1 {
		t.Errorf("Cleo's votes = %+v", got)
	}
	r.must(r.cleo, Op{Kind: VoteRetract, Item: "n99"})
	if _, ok := r.s.Votes[r.cleo]; ok {
		t.Errorf("a voter with no dots left an entry: %v", r.s.Votes)
	}
	// The value sent is a copy: later votes do not change it.
	r.must(r.ana, Op{Kind: VoteCast, Item: "n99"})
	if tally.Value.(Tally).Votes != 2 || mine.Value.(MyVotes).Votes["n99"] != 1 {
		t.Error("a change's value shares memory with the state")
	}
}

func TestHiddenTallies(t *testing.T) {
	r := voting(t, func(s *Settings) { s.HideTallies = true })
	changes := r.must(r.ana, Op{Kind: VoteCast, Item: "t100"})
	if _, ok := find(visible(changes, r.ben, false), entityTally, "t100"); ok {
		t.Error("Ben saw a hidden tally")
	}
	if _, ok := find(visible(changes, r.ana, false), entityRanking, entityRanking); ok {
		t.Error("Ana saw a hidden ranking")
	}
	if _, ok := find(visible(changes, r.ana, false), entityMyVotes, r.ana); !ok {
		t.Error("Ana did not see her own votes")
	}
	if _, ok := find(visible(changes, r.ben, false), entityMyVotes, r.ana); ok {
		t.Error("Ben saw Ana's votes")
	}
	if _, ok := find(visible(changes, facilitator, true), entityTally, "t100"); !ok {
		t.Error("the facilitator did not see the tally")
	}
	snap := visible(r.s.Changes(), r.ben, false)
	if _, ok := find(snap, entityTally, "t100"); ok {
		t.Error("Ben's snapshot holds a hidden tally")
	}

	changes = r.must(facilitator, Op{Kind: VoteReveal})
	if c, ok := find(visible(changes, r.ben, false), entityTally, "t100"); !ok || c.Value.(Tally).Votes != 1 {
		t.Errorf("Ben did not see the revealed tally: %+v", c)
	}
	if board, _ := find(changes, entityBoard, boardID); !board.Value.(boardValue).Revealed {
		t.Error("the board does not say it is revealed")
	}
	if _, ok := find(visible(r.s.Changes(), r.ben, false), entityRanking, entityRanking); !ok {
		t.Error("Ben's snapshot lacks the revealed ranking")
	}
}

func TestHideTalliesToggled(t *testing.T) {
	r := voting(t, nil)
	r.must(r.ana, Op{Kind: VoteCast, Item: "t100"})
	hide := DefaultSettings()
	hide.HideTallies = true
	changes := r.must(facilitator, Op{Kind: BoardSettings, Settings: &hide})
	if c, ok := find(visible(changes, r.ben, false), entityTally, "t100"); !ok || !c.Deleted {
		t.Errorf("Ben was not told to drop the tally he may no longer see: %+v", c)
	}
	if c, ok := find(visible(changes, facilitator, true), entityTally, "t100"); !ok || c.Deleted {
		t.Errorf("the facilitator lost the tally: %+v", c)
	}
	changes = r.must(facilitator, Op{Kind: BoardSettings, Settings: new(DefaultSettings())})
	if c, ok := find(visible(changes, r.ben, false), entityTally, "t100"); !ok || c.Value.(Tally).Votes != 1 {
		t.Errorf("Ben did not get the tally back: %+v", c)
	}
}

func TestRefunds(t *testing.T) {
	tests := []struct {
		name   string
		item   string
		refund func(r *room)
	}{
		{"note deleted", "n99", func(r *room) { r.must(facilitator, Op{Kind: NoteDelete, Note: "n99"}) }},
		{"note put in a theme", "n99", func(r *room) {
			r.must(facilitator, Op{Kind: NoteTheme, Note: "n99", Theme: "t100"})
		}},
		{"note gathered in a new theme", "n99", func(r *room) {
			r.must(facilitator, Op{Kind: ThemeCreate, Notes: []string{"n99"}, X: at(0), Y: at(0)})
		}},
		{"theme deleted", "t100", func(r *room) { r.must(facilitator, Op{Kind: ThemeDelete, Theme: "t100"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := voting(t, nil)
			r.must(r.ana, Op{Kind: VoteCast, Item: tt.item})
			r.must(r.ben, Op{Kind: VoteCast, Item: tt.item})
			r.must(r.ben, Op{Kind: VoteCast, Item: "n98"})
			tt.refund(r)
			changes := r.s.Changes()
			if r.s.Votes[r.ana][tt.item] != 0 || r.s.Votes[r.ben][tt.item] != 0 {
				t.Errorf("votes on %s were not given back: %v", tt.item, r.s.Votes)
			}
			if got := r.s.myVotes(r.ben); got.Left != 2 {
				t.Errorf("Ben has %d votes left, want 2", got.Left)
			}
			if _, ok := find(changes, entityTally, tt.item); ok {
				t.Errorf("a tally of %s is left", tt.item)
			}
			if _, ok := r.s.tallies()["n98"]; !ok {
				t.Error("votes on another item were given back too")
			}
		})
	}
}

func TestAnonymousNotes(t *testing.T) {
	r := newRoom(t)
	anonymous := DefaultSettings()
	anonymous.Anonymous = true
	r.must(facilitator, Op{Kind: BoardSettings, Settings: &anonymous})
	changes := r.must(r.ana, Op{Kind: NoteAdd, Chart: "g1", Text: "Plain-language guides", X: at(0), Y: at(0)})
	id := changes[0].ID
	seen, _ := find(visible(changes, r.ben, false), entityNote, id)
	if n := seen.Value.(Note); n.Author != "" || n.Role != CivilServant || n.Group != "g1" {
		t.Errorf("Ben sees %+v; want no author but the role and group", n)
	}
	if n, _ := find(visible(changes, facilitator, true), entityNote, id); n.Value.(Note).Author != r.ana {
		t.Errorf("the facilitator sees %+v; want Ana's id", n.Value)
	}
	if n, _ := find(visible(r.s.Changes(), r.ben, false), entityNote, id); n.Value.(Note).Author != "" {
		t.Error("Ben's snapshot names the author")
	}
	changes = r.must(facilitator, Op{Kind: BoardSettings, Settings: new(DefaultSettings())})
	if n, ok := find(visible(changes, r.ben, false), entityNote, id); !ok || n.Value.(Note).Author != r.ana {
		t.Errorf("turning anonymity off did not show Ben the author: %+v", n)
	}
}

func TestPasscodeNeverSent(t *testing.T) {
	r := newRoom(t)
	set := DefaultSettings()
	set.Passcode = "belize2019"
	changes := r.must(facilitator, Op{Kind: BoardSettings, Settings: &set})
	for _, c := range append(changes, r.s.Changes()...) {
		if info, ok := c.Value.(boardValue); ok && info.Settings.Passcode != "" {
			t.Fatalf("a board change carries the passcode: %+v", info)
		}
	}
	// A client sends back the settings it holds, without the passcode.
	r.must(facilitator, Op{Kind: BoardSettings, Settings: new(DefaultSettings())})
	if r.s.Info.Settings.Passcode != "belize2019" {
		t.Error("settings without a passcode removed it")
	}
}

// The turnout counts who has a dot down, for everyone, while the tallies
// are hidden too; taking back one's last dot leaves it.
func TestTurnout(t *testing.T) {
	r := voting(t, func(s *Settings) { s.HideTallies = true })
	turnout := func(changes []Change) Turnout {
		t.Helper()
		c, ok := find(changes, entityTurnout, entityTurnout)
		if !ok || c.Audience != Everyone {
			t.Fatalf("no turnout for everyone in %+v", changes)
		}
		return c.Value.(Turnout)
	}
	r.must(r.ana, Op{Kind: VoteCast, Item: "t100"})
	if got := turnout(r.must(r.ana, Op{Kind: VoteCast, Item: "n99"})); got.Voted != 1 {
		t.Errorf("one voter with two dots: turnout %d, want 1", got.Voted)
	}
	if got := turnout(r.must(r.ben, Op{Kind: VoteCast, Item: "n99"})); got.Voted != 2 {
		t.Errorf("two voters: turnout %d, want 2", got.Voted)
	}
	r.must(r.ben, Op{Kind: VoteRetract, Item: "n99"})
	if got := turnout(r.s.SharedChanges(false)); got.Voted != 1 {
		t.Errorf("after Ben took back his only dot: turnout %d, want 1", got.Voted)
	}
}

// TestRevealHiddenAgain reveals hidden tallies and hides them again: the
// participants are told to drop what they saw, their snapshot and their
// results (what their report holds) hold no count, and the facilitator
// keeps everything.
func TestRevealHiddenAgain(t *testing.T) {
	r := voting(t, func(s *Settings) { s.HideTallies = true })
	r.must(r.ana, Op{Kind: VoteCast, Item: "t100"})
	r.must(facilitator, Op{Kind: VoteReveal})
	changes := r.must(facilitator, Op{Kind: VoteHide})
	if board, _ := find(changes, entityBoard, boardID); board.Value.(boardValue).Revealed {
		t.Error("the board still says it is revealed")
	}
	for _, e := range []string{entityTally, entityRanking} {
		id := map[string]string{entityTally: "t100", entityRanking: entityRanking}[e]
		if c, ok := find(visible(changes, r.ben, false), e, id); !ok || !c.Deleted {
			t.Errorf("Ben was not told to drop the %s: %+v", e, c)
		}
		if c, ok := find(visible(changes, facilitator, true), e, id); !ok || c.Deleted {
			t.Errorf("the facilitator lost the %s: %+v", e, c)
		}
		if _, ok := find(visible(r.s.Changes(), r.ben, false), e, id); ok {
			t.Errorf("Ben's snapshot holds the hidden %s", e)
		}
	}
	if results, ok := r.s.Results(false); ok || len(results.Tallies) != 0 || len(results.Ranking.Ranks) != 0 {
		t.Errorf("a participant's results after hiding again: %+v, shown %v", results, ok)
	}
	if results, ok := r.s.Results(true); !ok || results.Tallies["t100"].Votes != 1 || len(results.Ranking.Top) != 1 {
		t.Errorf("the facilitator's results after hiding again: %+v, shown %v", results, ok)
	}
	r.refused(r.ana, Op{Kind: VoteHide}, CodeForbidden)
}

// ballotOf is the ballot changes send, and whether they send one.
func ballotOf(changes []Change) ([]string, bool) {
	c, ok := find(changes, entityBallot, entityBallot)
	if !ok || c.Deleted {
		return nil, ok
	}
	return c.Value.(Ballot).Items, true
}

// TestBallot checks which items take votes: themes that hold a note and
// loose notes, once per idea; and that an item leaving the ballot gives its
// dots back.
func TestBallot(t *testing.T) {
	r := voting(t, nil)
	r.s.Seq = 299
	dup := r.note(facilitator, "g2", "  shared DIRECTORY of who does\nwhat in each village ")
	r.s.Seq = 399
	empty := r.must(facilitator, Op{Kind: ThemeCreate, Name: "Empty"})[0].ID
	items, _ := ballotOf(r.s.Changes())
	if want := []string{"t100", "n98", "n99"}; !slices.Equal(items, want) {
		t.Errorf("ballot %v, want %v (no empty theme %s, no second %s)", items, want, empty, dup)
	}
	r.refused(r.ben, Op{Kind: VoteCast, Item: empty}, CodeBadOp)
	r.refused(r.ben, Op{Kind: VoteCast, Item: dup}, CodeBadOp)

	// The first of the two notes goes into a theme: the second is the idea's
	// item now.
	r.must(r.ben, Op{Kind: VoteCast, Item: "t100"})
	r.must(r.cleo, Op{Kind: VoteCast, Item: "n98"})
	changes := r.must(facilitator, Op{Kind: NoteTheme, Note: "n98", Theme: empty})
	if items, _ := ballotOf(changes); !slices.Equal(items, []string{"t100", "t400", "n99", dup}) {
		t.Errorf("ballot after n98 joined %s: %v", empty, items)
	}
	if c, ok := find(changes, entityMyVotes, r.cleo); !ok || c.Value.(MyVotes).Left != 3 {
		t.Errorf("Cleo's dot on n98 was not given back: %+v", c)
	}
	// A theme whose last note leaves takes no dots and gives its own back.
	changes = r.must(facilitator, Op{Kind: NoteTheme, Note: "n200", Theme: ""})
	if items, _ := ballotOf(changes); slices.Contains(items, "t100") {
		t.Errorf("the emptied theme is still on the ballot: %v", items)
	}
	if c, ok := find(changes, entityTally, "t100"); !ok || !c.Deleted {
		t.Errorf("the emptied theme kept its tally: %+v", c)
	}
	// A note edited to say what an earlier loose note says leaves the ballot.
	r.must(r.ben, Op{Kind: VoteCast, Item: "n200"})
	changes = r.must(facilitator, Op{Kind: NoteEdit, Note: "n200", Text: "A single intake form that every ministry accepts"})
	if c, ok := find(changes, entityMyVotes, r.ben); !ok || c.Value.(MyVotes).Left != 3 {
		t.Errorf("Ben's dot on the edited note was not given back: %+v", c)
	}
	// Before the vote there is no ballot: going back deletes it.
	if items, ok := ballotOf(r.must(facilitator, Op{Kind: PhaseSet, Phase: Cluster})); !ok || items != nil {
		t.Errorf("going back to cluster did not delete the ballot: %v, %v", items, ok)
	}
	if _, ok := find(r.s.Changes(), entityBallot, entityBallot); ok {
		t.Error("a snapshot in cluster holds a ballot")
	}
}

// TestSettingsLimits checks that the bounds the board entity tells clients
// are the ones settings are held to.
func TestSettingsLimits(t *testing.T) {
	r := newRoom(t)
	c, _ := find(r.s.Changes(), entityBoard, boardID)
	got := c.Value.(boardValue).Limits
	if got != limits || got.VotesPerParticipant.Max != MaxVotes {
		t.Fatalf("the board entity's limits are %+v", got)
	}
	for _, tt := range []struct {
		votes, groupSize int
		code             string
	}{
		{got.VotesPerParticipant.Min, got.GroupSize.Min, ""},
		{got.VotesPerParticipant.Max, got.GroupSize.Max, ""},
		{got.VotesPerParticipant.Min - 1, 6, CodeBadOp},
		{got.VotesPerParticipant.Max + 1, 6, CodeBadOp},
		{3, got.GroupSize.Min - 1, CodeBadOp},
		{3, got.GroupSize.Max + 1, CodeBadOp},
	} {
		set := DefaultSettings()
		set.VotesPerParticipant, set.GroupSize = tt.votes, tt.groupSize
		op := Op{Kind: BoardSettings, Settings: &set}
		if tt.code == "" {
			r.must(facilitator, op)
		} else {
			r.refused(facilitator, op, tt.code)
		}
	}
}
