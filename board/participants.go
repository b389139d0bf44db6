package board

// join adds a participant. When groups are formed already, the newcomer goes
// where the groups stay balanced best (see balancedGroup), so late arrivals
// do not undo the mix of civil servants and civil society.
func (s *State) join(r request) (mutation, *Error) {
	name, err := nameText.clean(r.Op.Name)
	if err != nil {
		return nil, err
	}
	role := r.Op.Role
	if role != CivilServant && role != CivilSociety {
		return nil, refuse(CodeBadOp, "a role is needed: %s or %s", CivilServant, CivilSociety)
	}
	// The facilitator, made with the board, takes no participant's place.
	if len(s.Participants)-1 >= MaxParticipants {
		return nil, refuse(CodeTooMany, "the board is full: %d participants", MaxParticipants)
	}
	return func() []Change {
		p := &Participant{ID: ParticipantID(r.Seq, s.ParticipantOffset), Name: name, Role: role, Group: s.balancedGroup(role)}
		s.admit(p)
		return append(participantChanges(p), s.peopleChange(), s.myVotesChange(p.ID))
	}, nil
}

// renameParticipant changes the actor's own display name, or, for the
// facilitator, anyone's.
func (s *State) renameParticipant(r request) (mutation, *Error) {
	p := r.by
	if id := r.Op.Participant; id != "" && id != p.ID {
		if !r.facilitator() {
			return nil, refuse(CodeForbidden, "only the facilitator may rename someone else")
		}
		if p = s.Participants[id]; p == nil {
			return nil, refuse(CodeNotFound, "there is no participant %q", id)
		}
	}
	name, err := nameText.clean(r.Op.Name)
	if err != nil {
		return nil, err
	}
	return func() []Change {
		p.Name = name
		return participantChanges(p)
	}, nil
}

// moveParticipant puts a participant in another group.
func (s *State) moveParticipant(r request) (mutation, *Error) {
	p := s.Participants[r.Op.Participant]
	switch {
	case p == nil:
		return nil, refuse(CodeNotFound, "there is no participant %q", r.Op.Participant)
	case p.Facilitator:
		return nil, refuse(CodeBadOp, "the facilitator belongs to no group")
	case s.Groups[r.Op.Group] == nil:
		return nil, refuse(CodeNotFound, "there is no group %q", r.Op.Group)
	}
	return func() []Change {
		p.Group = r.Op.Group
		return participantChanges(p)
	}, nil
}

// People is how many participants a board has, the facilitator aside, by
// sector. Every screen counts the room with it ("26 people: 13 civil
// servants, 13 civil society"), since participants' screens are not sent
// who joined until they have a group (participantChanges).
type People struct {
	CivilServant int `json:"civilServant"`
	CivilSociety int `json:"civilSociety"`
}

// add counts p, unless p is a facilitator.
func (n *People) add(p *Participant) {
	switch {
	case p.Facilitator:
	case p.Role == CivilServant:
		n.CivilServant++
	default:
		n.CivilSociety++
	}
}

// headcount is the board's People. It is counted once and then kept by
// admit, since a participant never leaves nor changes sector: counting on
// every join made a storm of N joins cost N² steps.
func (s *State) headcount() People {
	if s.counted != len(s.Participants) {
		s.people = People{}
		for _, p := range s.Participants {
			s.people.add(p)
		}
		s.counted = len(s.Participants)
	}
	return s.people
}

// admit adds p, a newcomer, to the board and to its headcount.
func (s *State) admit(p *Participant) {
	s.headcount()
	s.Participants[p.ID] = p
	s.people.add(p)
	s.counted++
}

// peopleChange is the board's people now.
func (s *State) peopleChange() Change { return upsert(entityPeople, entityPeople, s.headcount()) }
