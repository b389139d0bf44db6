package board

import "slices"

// phases is the agenda, in order.
var phases = []Phase{Brainstorm, Share, Cluster, Vote, Discuss}

// onCanvas reports whether the workshop has reached the plenary canvas:
// from the cluster phase on, notes are placed and moved there rather than on
// their flip charts.
func (s *State) onCanvas() bool {
	return slices.Index(phases, s.Info.Phase) >= slices.Index(phases, Cluster)
}

// setPhase moves the workshop to any phase; the facilitator may go back as
// well as on. Reaching the canvas lays out every note not yet on it; the
// ballot comes with the vote and goes on going back before it.
func (s *State) setPhase(r request) (mutation, *Error) {
	phase := r.Op.Phase
	if !slices.Contains(phases, phase) {
		return nil, refuse(CodeBadOp, "there is no phase %q", phase)
	}
	return func() []Change {
		hadBallot := s.onBallot()
		s.Info.Phase = phase
		out := []Change{s.boardChange()}
		if hadBallot || s.onBallot() {
			out = append(out, s.ballotChange())
		}
		if s.onCanvas() {
			out = append(out, s.layOut()...)
		}
		return out
	}, nil
}
