package board

import "cmp"

// create starts a board: its title, prompt and settings, and the
// facilitator who made it. With Op.Import it starts as a copy of an exported
// board, taking the copy's title, prompt and settings where the op gives
// none.
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
		f := &Participant{ID: participantID(r.Seq), Name: set.Language.wording().facilitator, Role: RoleFacilitator, Facilitator: true}
		s.Participants[f.ID] = f
		if copied != nil {
			s.Groups, s.Notes, s.Themes, s.Discussions = copied.Groups, copied.Notes, copied.Themes, copied.Discussions
			s.IDOffset = copied.IDOffset
		}
		return s.Changes()
	}, nil
}

// readImport checks an exported board as thoroughly as the ops that made it
// would have, and returns its groups, notes, themes and discussions as a
// state to take them from. People are not copied: notes keep the group and
// role they came from but not their authors, and a new board starts a new
// vote.
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
		note.Group, note.Author, note.Text, note.Color = n.Chart, "", text, col
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
	return c, nil
}
