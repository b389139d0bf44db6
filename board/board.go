package board

import "unicode/utf8"

// Bounds of settings, beside the limits in state.go.
const (
	MinGroupSize = 2
	MaxGroupSize = 50
	MaxPasscode  = 64
)

// limits are the bounds of the settings the board entity tells clients.
var limits = Limits{
	VotesPerParticipant: Bound{1, MaxVotes},
	GroupSize:           Bound{MinGroupSize, MaxGroupSize},
}

// check refuses settings a workshop cannot run with.
func (set Settings) check() *Error {
	votes := limits.VotesPerParticipant
	switch {
	case set.VotesPerParticipant < votes.Min || set.VotesPerParticipant > votes.Max:
		return refuse(CodeBadOp, "votes per participant are %d to %d", votes.Min, votes.Max)
	case set.MaxVotesPerItem < 1 || set.MaxVotesPerItem > set.VotesPerParticipant:
		return refuse(CodeBadOp, "dots on one item are 1 to the votes per participant")
	case utf8.RuneCountInString(set.Passcode) > MaxPasscode:
		return refuse(CodeTooLong, "the passcode is over %d characters", MaxPasscode)
	case set.Language != "" && wordings[set.Language] == nil:
		return refuse(CodeBadOp, "the language is %q or %q", English, Spanish)
	}
	return groupSizeRefused(set.GroupSize)
}

// groupSizeRefused refuses a group size out of its bounds.
func groupSizeRefused(size int) *Error {
	if b := limits.GroupSize; size < b.Min || size > b.Max {
		return refuse(CodeBadOp, "a group has %d to %d people", b.Min, b.Max)
	}
	return nil
}

// edit sets the board's title and prompt, both at once.
func (s *State) edit(r request) (mutation, *Error) {
	title, err := titleText.clean(r.Op.Title)
	if err != nil {
		return nil, err
	}
	prompt, err := promptText.clean(r.Op.Prompt)
	if err != nil {
		return nil, err
	}
	return func() []Change {
		s.Info.Title, s.Info.Prompt = title, prompt
		return []Change{s.boardChange()}
	}, nil
}

// changeSettings replaces the settings with the op's whole object, except
// that an empty passcode keeps the current one: no client is ever sent the
// passcode, so a client sending back the settings it holds must not remove
// it by accident.
//
// Votes already cast must fit the new budget and cap, so that lowering them
// mid-vote never leaves someone over budget: retract first.
func (s *State) changeSettings(r request) (mutation, *Error) {
	if r.Op.Settings == nil {
		return nil, refuse(CodeBadOp, "settings are needed")
	}
	next := *r.Op.Settings
	if next.Passcode == "" {
		next.Passcode = s.Info.Settings.Passcode
	}
	if err := next.check(); err != nil {
		return nil, err
	}
	mostUsed, mostOnOne := 0, 0
	for voter, votes := range s.Votes {
		mostUsed = max(mostUsed, s.used(voter))
		for _, dots := range votes {
			mostOnOne = max(mostOnOne, dots)
		}
	}
	if mostUsed > next.VotesPerParticipant || mostOnOne > next.MaxVotesPerItem {
		return nil, refuse(CodeBadOp, "votes already cast are over the new limits; retract them first")
	}
	return func() []Change {
		prev, wasShown := s.Info.Settings, s.tallyAudience()
		s.Info.Settings = next
		out := []Change{s.boardChange()}
		if prev.Anonymous != next.Anonymous {
			out = append(out, s.notesChanges(sortedIDs(s.Notes))...)
		}
		if wasShown != s.tallyAudience() {
			out = append(out, s.showTallies()...)
		}
		if prev.Language.wording() != next.Language.wording() {
			out = append(out, s.relabel(prev.Language.wording(), next.Language.wording())...)
		}
		if prev.VotesPerParticipant != next.VotesPerParticipant {
			for _, id := range s.voterIDs() {
				out = append(out, s.myVotesChange(id))
			}
		}
		return out
	}, nil
}

// lock stops everyone but the facilitator from changing the board, for
// instance while the plenary looks at the result.
func (s *State) lock(request) (mutation, *Error) { return s.setLocked(true), nil }

func (s *State) unlock(request) (mutation, *Error) { return s.setLocked(false), nil }

func (s *State) setLocked(locked bool) mutation {
	return func() []Change {
		s.Info.Locked = locked
		return []Change{s.boardChange()}
	}
}

// spotlight shows one group's flip chart to the whole plenary, or none.
func (s *State) spotlight(r request) (mutation, *Error) {
	chart := r.Op.Chart
	if chart != "" && s.Groups[chart] == nil {
		return nil, refuse(CodeNotFound, "there is no chart %q", chart)
	}
	return func() []Change {
		s.Info.Spotlight = chart
		return []Change{s.boardChange()}
	}, nil
}
