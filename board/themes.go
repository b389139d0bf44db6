package board

// maxThemeNotes bounds the notes one theme.create gathers, which keeps an op
// within a frame; more notes join a theme one by one.
const maxThemeNotes = 50

// theme finds a theme the op names.
func (s *State) theme(id string) (*Theme, *Error) {
	if t := s.Themes[id]; t != nil {
		return t, nil
	}
	return nil, refuse(CodeNotFound, "there is no theme %q", id)
}

// createTheme makes a theme on the canvas and gathers the op's notes in it
// (dropping one note on another sends both). An unnamed theme is fine:
// clients show it as "Untitled theme" until the plenary names it.
func (s *State) createTheme(r request) (mutation, *Error) {
	if err := s.during(r, Cluster); err != nil {
		return nil, err
	}
	name, err := themeNameText.clean(r.Op.Name)
	if err != nil {
		return nil, err
	}
	x, y, err := position(r.Op.X, r.Op.Y)
	if err != nil {
		return nil, err
	}
	notes := r.Op.Notes
	if len(notes) > maxThemeNotes {
		return nil, refuse(CodeBadOp, "a new theme gathers %d notes at most", maxThemeNotes)
	}
	seen := map[string]bool{}
	for _, id := range notes {
		if _, err := s.note(id); err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, refuse(CodeBadOp, "note %q is named twice", id)
		}
		seen[id] = true
	}
	if len(s.Themes) >= MaxThemes {
		return nil, refuse(CodeTooMany, "the board is full: %d themes", MaxThemes)
	}
	return func() []Change {
		t := &Theme{ID: s.newID(themePrefix, r.Seq), Name: name, X: x, Y: y}
		s.Themes[t.ID] = t
		out := []Change{themeChange(t)}
		for _, id := range notes {
			s.Notes[id].Theme = t.ID
		}
		out = append(out, s.notesChanges(notes)...)
		return append(out, s.ballotChanged()...)
	}, nil
}

// renameTheme names a theme; an empty name is allowed.
func (s *State) renameTheme(r request) (mutation, *Error) {
	t, err := s.changeableTheme(r)
	if err != nil {
		return nil, err
	}
	name, err := themeNameText.clean(r.Op.Name)
	if err != nil {
		return nil, err
	}
	return changeTheme(t, func() { t.Name = name }), nil
}

// moveTheme moves a theme on the canvas.
func (s *State) moveTheme(r request) (mutation, *Error) {
	t, err := s.changeableTheme(r)
	if err != nil {
		return nil, err
	}
	x, y, err := position(r.Op.X, r.Op.Y)
	if err != nil {
		return nil, err
	}
	return changeTheme(t, func() { t.X, t.Y = x, y }), nil
}

// deleteTheme removes a theme with its discussion; its notes stay on the
// canvas, in no theme, and the dots on the theme are given back.
func (s *State) deleteTheme(r request) (mutation, *Error) {
	t, err := s.changeableTheme(r)
	if err != nil {
		return nil, err
	}
	return func() []Change {
		delete(s.Themes, t.ID)
		out := []Change{deletion(entityTheme, t.ID)}
		for _, id := range sortedIDs(s.Notes) {
			if n := s.Notes[id]; n.Theme == t.ID {
				n.Theme = ""
				out = append(out, s.noteChanges(n)...)
			}
		}
		out = append(out, s.dropDiscussion(t.ID)...)
		return append(out, s.ballotChanged()...)
	}, nil
}

// changeableTheme finds the theme an op names, once the phase allows
// changing themes.
func (s *State) changeableTheme(r request) (*Theme, *Error) {
	if err := s.during(r, Cluster); err != nil {
		return nil, err
	}
	return s.theme(r.Op.Theme)
}

// changeTheme is the mutation that applies change to t and reports t.
func changeTheme(t *Theme, change func()) mutation {
	return func() []Change {
		change()
		return []Change{themeChange(t)}
	}
}
