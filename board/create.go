package board

import (
	"cmp"
	"maps"
	"slices"
)

// create starts a board: its title, prompt and settings, and the
// facilitator who made it. With Op.Import it starts as a copy of an exported
// board, taking the copy's title, prompt and settings where the op gives
// none; the copy's facilitator, p1, is the one who made it.
func (s *State) create(r request) (mutation, *Error) {
	if s.Created {
		return nil, refuse(CodeExists, "the board already exists")
	}
	op := r.Op
	settings := op.Settings
	if from := op.Import; from != nil {
		op.Title = cmp.Or(op.Title, from.Title)
		op.Prompt = cmp.Or(op.Prompt, from.Prompt)
		if settings == nil {
			settings = &from.Settings
		}
	}
	title, err := titleText.clean(op.Title)
	if err != nil {
		return nil, err
	}
	prompt, err := promptText.clean(op.Prompt)
	if err != nil {
		return nil, err
	}
	set := DefaultSettings()
	if settings != nil {
		set = *settings
	}
	if err := set.check(); err != nil {
		return nil, err
	}
	var copied *State
	if op.Import != nil {
		if copied, err = readImport(op.Import); err != nil {
			return nil, err
		}
	}
	return func() []Change {
		s.Created = true
		s.Info = Info{Title: title, Prompt: prompt, Phase: Brainstorm, Settings: set}
		s.Participants[creatorID] = &Participant{ID: creatorID, Name: set.Language.wording().facilitator, Role: RoleFacilitator, Facilitator: true}
		if copied != nil {
			s.Groups, s.Notes, s.Themes, s.Discussions = copied.Groups, copied.Notes, copied.Themes, copied.Discussions
			s.IDOffset, s.ParticipantOffset, s.Carried = copied.IDOffset, copied.ParticipantOffset, copied.Carried
			maps.Copy(s.Participants, copied.Participants)
			if copied.Info.Phase != "" {
				s.Info.Phase, s.Info.Revealed = copied.Info.Phase, copied.Info.Revealed
			}
			if s.onCanvas() {
				s.layOut()
			}
		}
		return s.Changes()
	}, nil
}

// readImport checks an exported board as thoroughly as the ops that made it
// would have, and returns it as a state to take it from: its groups, notes,
// themes and discussions, and from a version 2 document its participants,
// the notes' authors, its tallies, its phase and whether tallies are
// revealed (see ExportVersion).
func readImport(x *Export) (*State, *Error) {
	c := New()
	bad := func(format string, args ...any) (*State, *Error) {
		return nil, refuse(CodeBadOp, "import: "+format, args...)
	}
	if len(x.Groups) > MaxGroups || len(x.Notes) > MaxNotes || len(x.Themes) > MaxThemes {
		return nil, refuse(CodeTooMany, "import: over %d groups, %d notes or %d themes", MaxGroups, MaxNotes, MaxThemes)
	}
	for _, g := range x.Groups {
		if !wellFormed(groupPrefix, g.ID) || c.Groups[g.ID] != nil {
			return bad("group id %q is malformed or repeated", g.ID)
		}
		name, err := nameText.clean(g.Name)
		if err != nil {
			return nil, err
		}
		c.Groups[g.ID] = &Group{ID: g.ID, Name: name}
	}
	for _, t := range x.Themes {
		if !wellFormed(themePrefix, t.ID) || c.Themes[t.ID] != nil {
			return bad("theme id %q is malformed or repeated", t.ID)
		}
		name, err := themeNameText.clean(t.Name)
		if err != nil {
			return nil, err
		}
		if _, _, err := position(&t.X, &t.Y); err != nil {
			return nil, err
		}
		c.Themes[t.ID] = &Theme{ID: t.ID, Name: name, X: t.X, Y: t.Y}
		c.IDOffset = max(c.IDOffset, idNumber(t.ID))
	}
	whole := x.Version >= 2
	if whole {
		if err := readPeople(x, c); err != nil {
			return nil, err
		}
	}
	for _, n := range x.Notes {
		switch {
		case !wellFormed(notePrefix, n.ID) || c.Notes[n.ID] != nil:
			return bad("note id %q is malformed or repeated", n.ID)
		case c.Groups[n.Chart] == nil:
			return bad("note %s is on chart %q, which is not in the import", n.ID, n.Chart)
		case n.Theme != "" && c.Themes[n.Theme] == nil:
			return bad("note %s is in theme %q, which is not in the import", n.ID, n.Theme)
		case n.Role != CivilServant && n.Role != CivilSociety && n.Role != RoleFacilitator:
			return bad("note %s has no role", n.ID)
		case !fraction(n.X) || !fraction(n.Y) || !fraction(n.CX) || !fraction(n.CY):
			return bad("note %s is off its chart", n.ID)
		case whole && n.Author != "" && c.Participants[n.Author] == nil:
			return bad("note %s is by %q, who is not in the import", n.ID, n.Author)
		}
		text, err := noteText.clean(n.Text)
		if err != nil {
			return nil, err
		}
		col, err := color(n.Color)
		if err != nil {
			return nil, err
		}
		note := n
		note.Group, note.Text, note.Color = n.Chart, text, col
		if !whole {
			note.Author = ""
		}
		c.Notes[n.ID] = &note
		c.IDOffset = max(c.IDOffset, idNumber(n.ID))
	}
	for _, d := range x.Discussions {
		if (c.Notes[d.Item] == nil && c.Themes[d.Item] == nil) || c.Discussions[d.Item] != nil {
			return bad("discussion of %q is of nothing imported, or repeated", d.Item)
		}
		copied := &Discussion{Item: d.Item}
		for _, field := range discussFields {
			text, err := discussText.clean(*field.of(&d))
			if err != nil {
				return nil, err
			}
			*field.of(copied) = text
		}
		c.Discussions[d.Item] = copied
	}
	if whole {
		if err := readTallies(x, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readPeople reads a whole copy's participants and phase into c. The
// copy's facilitator is p1, the board's creator, as on every board; the
// others keep their ids, names, roles and groups. A document made by hand
// may have no participants, and no phase: the copy starts in brainstorm.
func readPeople(x *Export, c *State) *Error {
	if len(x.Participants) > MaxParticipants+1 {
		return refuse(CodeTooMany, "import: over %d participants", MaxParticipants)
	}
	for _, p := range x.Participants {
		switch {
		case !wellFormed(participantPrefix, p.ID) || c.Participants[p.ID] != nil:
			return refuse(CodeBadOp, "import: participant id %q is malformed or repeated", p.ID)
		case p.Facilitator != (p.ID == creatorID) || p.Facilitator != (p.Role == RoleFacilitator):
			return refuse(CodeBadOp, "import: participant %s: the facilitator, and only they, is %s", p.ID, creatorID)
		case !p.Facilitator && p.Role != CivilServant && p.Role != CivilSociety:
			return refuse(CodeBadOp, "import: participant %s has no role", p.ID)
		case p.Group != "" && (p.Facilitator || c.Groups[p.Group] == nil):
			return refuse(CodeBadOp, "import: participant %s is in group %q, which is not in the import", p.ID, p.Group)
		}
		name, err := nameText.clean(p.Name)
		if err != nil {
			return err
		}
		c.Participants[p.ID] = &Participant{ID: p.ID, Name: name, Role: p.Role, Group: p.Group, Facilitator: p.Facilitator}
		c.ParticipantOffset = max(c.ParticipantOffset, idNumber(p.ID))
	}
	if x.Phase != "" && !slices.Contains(phases, x.Phase) {
		return refuse(CodeBadOp, "import: there is no phase %q", x.Phase)
	}
	c.Info.Phase, c.Info.Revealed = x.Phase, x.Revealed
	return nil
}

// readTallies reads a whole copy's tallies into c.Carried: each on an item
// that takes votes, with its dots split by role.
func readTallies(x *Export, c *State) *Error {
	c.Carried = map[string]*Tally{}
	for _, t := range x.Tallies {
		switch {
		case c.votable(t.Item) != nil || c.Carried[t.Item] != nil:
			return refuse(CodeBadOp, "import: tally of %q, which takes no votes or is repeated", t.Item)
		case t.Votes < 1 || t.CivilServant < 0 || t.CivilSociety < 0 || t.CivilServant+t.CivilSociety != t.Votes:
			return refuse(CodeBadOp, "import: tally of %s does not add up", t.Item)
		}
		c.Carried[t.Item] = &Tally{Item: t.Item, Votes: t.Votes, CivilServant: t.CivilServant, CivilSociety: t.CivilSociety}
	}
	return nil
}
