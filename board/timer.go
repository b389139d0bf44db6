package board

import "time"

// startTimer starts a countdown of the op's seconds from the entry's time,
// which every replica shares, so every screen shows the same end.
func (s *State) startTimer(r request) (mutation, *Error) {
	d, err := timerSeconds(r.Op.Seconds)
	if err != nil {
		return nil, err
	}
	return s.setTimer(Timer{EndsAt: r.At.UTC().Add(d), Running: true}), nil
}

// addTime gives a running countdown more time. A countdown that has already
// run out is extended from now, not from its past end.
func (s *State) addTime(r request) (mutation, *Error) {
	d, err := timerSeconds(r.Op.Seconds)
	if err != nil {
		return nil, err
	}
	if !s.Info.Timer.Running {
		return nil, refuse(CodeBadOp, "no timer is running; start one")
	}
	now := r.At.UTC()
	ends := s.Info.Timer.EndsAt
	if ends.Before(now) {
		ends = now
	}
	ends = ends.Add(d)
	if ends.Sub(now) > MaxTimerSeconds*time.Second {
		return nil, refuse(CodeBadOp, "a timer runs for %d hours at most", MaxTimerSeconds/3600)
	}
	return s.setTimer(Timer{EndsAt: ends, Running: true}), nil
}

// stopTimer clears the countdown.
func (s *State) stopTimer(request) (mutation, *Error) { return s.setTimer(Timer{}), nil }

func (s *State) setTimer(t Timer) mutation {
	return func() []Change {
		s.Info.Timer = t
		return []Change{s.boardChange()}
	}
}

func timerSeconds(seconds int) (time.Duration, *Error) {
	if seconds < 1 || seconds > MaxTimerSeconds {
		return 0, refuse(CodeBadOp, "a timer is 1 to %d seconds", MaxTimerSeconds)
	}
	return time.Duration(seconds) * time.Second, nil
}
