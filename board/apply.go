package board

// A mutation makes an op's changes to the state and reports them. Every op
// handler validates the op completely and only then returns a mutation, so
// Apply can refuse an op without having touched the state and Check can
// validate without mutating at all.
type mutation func() []Change

// request is an op in context: the log entry and the participant who sent
// it, nil for the ops the server makes itself.
type request struct {
	Entry
	by *Participant
}

// facilitator reports whether the op comes from the facilitator, who may act
// in any phase, on any chart, and while the board is locked.
func (r request) facilitator() bool { return r.by != nil && r.by.Facilitator }

// gate says who may send an op. Apply checks it before the op's own rules,
// so a handler may rely on r.by being a participant for every gate but
// fromServer.
type gate uint8

const (
	// fromServer ops are made by the hub (board.create, participant.join)
	// and carry no actor.
	fromServer gate = iota
	// facilitatorOnly ops steer the workshop: phases, groups, timer, lock.
	facilitatorOnly
	// participants may be sent by anyone on the board; while it is locked,
	// only by the facilitator.
	participants
	// voters are the participants who are not the facilitator: the
	// facilitator stays neutral and does not vote, so the ranking is the
	// room's alone.
	voters
)

// rule is how Apply handles one kind of op.
type rule struct {
	gate gate
	run  func(s *State, r request) (mutation, *Error)
}

// rules is the one dispatch table: every kind of op, who may send it and
// the handler that validates it.
var rules = map[Kind]rule{
	BoardCreate:   {fromServer, (*State).create},
	BoardEdit:     {facilitatorOnly, (*State).edit},
	BoardSettings: {facilitatorOnly, (*State).changeSettings},
	BoardLock:     {facilitatorOnly, (*State).lock},
	BoardUnlock:   {facilitatorOnly, (*State).unlock},
	PhaseSet:      {facilitatorOnly, (*State).setPhase},

	ParticipantJoin:   {fromServer, (*State).join},
	ParticipantRename: {participants, (*State).renameParticipant},
	ParticipantMove:   {facilitatorOnly, (*State).moveParticipant},

	GroupsForm:  {facilitatorOnly, (*State).formGroups},
	GroupRename: {participants, (*State).renameGroup},

	NoteAdd:     {participants, (*State).addNote},
	NoteEdit:    {participants, (*State).editNote},
	NoteColor:   {participants, (*State).colorNote},
	NoteMove:    {participants, (*State).moveNote},
	NoteDelete:  {participants, (*State).deleteNote},
	NoteRestore: {participants, (*State).restoreNote},
	NoteTheme:   {participants, (*State).themeNote},

	ThemeCreate: {participants, (*State).createTheme},
	ThemeRename: {participants, (*State).renameTheme},
	ThemeMove:   {participants, (*State).moveTheme},
	ThemeDelete: {participants, (*State).deleteTheme},

	VoteCast:    {voters, (*State).castVote},
	VoteRetract: {voters, (*State).retractVote},
	VoteReveal:  {facilitatorOnly, (*State).reveal},
	VoteHide:    {facilitatorOnly, (*State).hide},

	DiscussSet: {participants, (*State).discuss},

	TimerStart: {facilitatorOnly, (*State).startTimer},
	TimerAdd:   {facilitatorOnly, (*State).addTime},
	TimerStop:  {facilitatorOnly, (*State).stopTimer},

	ChartSpotlight: {facilitatorOnly, (*State).spotlight},
}

// Apply validates e against the state and, if the op is allowed, makes its
// changes and returns them. A refusal is a *Error and changes nothing but
// s.Seq: the seq advances on every entry, so a replica that refuses an op
// stays in step with the log.
func (s *State) Apply(e Entry) ([]Change, error) {
	s.ensureMaps()
	mutate, refusal := s.prepare(e)
	s.Seq = e.Seq
	if refusal != nil {
		return nil, refusal
	}
	return mutate(), nil
}

// Check reports whether Apply would accept e, without changing anything, not
// even the seq. The hub uses it to refuse an op before it reaches the log.
func (s *State) Check(e Entry) error {
	if _, refusal := s.prepare(e); refusal != nil {
		return refusal
	}
	return nil
}

// prepare checks who sent e and hands it to its kind's handler.
func (s *State) prepare(e Entry) (mutation, *Error) {
	rule, ok := rules[e.Op.Kind]
	if !ok {
		return nil, refuse(CodeUnknownKind, "there is no op %q", e.Op.Kind)
	}
	if !s.Created && e.Op.Kind != BoardCreate {
		return nil, refuse(CodeNotFound, "the board has not been created")
	}
	r := request{Entry: e}
	// The server's own ops pass a locked board: the lock holds the board's
	// content still, and a latecomer may still join.
	if rule.gate == fromServer {
		if e.Actor != "" {
			return nil, refuse(CodeForbidden, "%s is made by the server only", e.Op.Kind)
		}
		return rule.run(s, r)
	}
	r.by = s.Participants[e.Actor]
	switch {
	case r.by == nil:
		return nil, refuse(CodeNotJoined, "you have not joined this board")
	case rule.gate == facilitatorOnly && !r.by.Facilitator:
		return nil, refuse(CodeForbidden, "only the facilitator may do this")
	case rule.gate == voters && r.by.Facilitator:
		return nil, refuse(CodeForbidden, "the facilitator does not vote, to stay neutral")
	case s.Info.Locked && !r.by.Facilitator:
		return nil, refuse(CodeLocked, "the facilitator has locked the board")
	}
	return rule.run(s, r)
}

// during refuses a participant's op outside the given phases. The
// facilitator may act in any phase.
func (s *State) during(r request, phases ...Phase) *Error {
	if r.facilitator() {
		return nil
	}
	for _, p := range phases {
		if s.Info.Phase == p {
			return nil
		}
	}
	return refuse(CodeWrongPhase, "this is not open in the %s phase", s.Info.Phase)
}

// ensureMaps makes the maps a state decoded from an incomplete snapshot may
// lack, so that applying to it cannot panic.
func (s *State) ensureMaps() {
	if s.Participants == nil {
		s.Participants = map[string]*Participant{}
	}
	if s.Groups == nil {
		s.Groups = map[string]*Group{}
	}
	if s.Notes == nil {
		s.Notes = map[string]*Note{}
	}
	if s.Themes == nil {
		s.Themes = map[string]*Theme{}
	}
	if s.Votes == nil {
		s.Votes = map[string]map[string]int{}
	}
	if s.Discussions == nil {
		s.Discussions = map[string]*Discussion{}
	}
	if s.Deleted == nil {
		s.Deleted = map[string]*DeletedNote{}
	}
}
